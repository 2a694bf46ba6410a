import { useEffect } from 'react';
import { NotFoundState } from '../components/States';

export function NotFound() {
  useEffect(() => {
    document.title = 'Not found - mailcore';
  }, []);
  return (
    <main id="main" className="flex-1 overflow-auto rounded-2xl bg-white">
      <NotFoundState />
    </main>
  );
}
