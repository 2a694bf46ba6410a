import { lazy, Suspense, useEffect, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { Icon } from './Icon';
import { Button } from './Button';

const AdvancedSearchPanel = lazy(() => import('./AdvancedSearch'));

export function SearchBox({ initial }: { initial: string }) {
  const [q, setQ] = useState(initial);
  const [advanced, setAdvanced] = useState(false);
  const navigate = useNavigate();
  useEffect(() => setQ(initial), [initial]);

  function go(query: string) {
    const trimmed = query.trim();
    if (!trimmed) return;
    setAdvanced(false);
    (document.activeElement as HTMLElement | null)?.blur();
    navigate(`/search/${encodeURIComponent(trimmed)}`);
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    go(q);
  }

  return (
    <form
      role="search"
      aria-label="Search mail"
      onSubmit={submit}
      className="relative flex h-12 min-w-0 max-w-[720px] flex-1 items-center rounded-full bg-surface-blue focus-within:bg-white focus-within:shadow-md"
    >
      <Button type="submit" variant="icon" size="lg" aria-label="Search" className="ml-1">
        <Icon name="search" />
      </Button>
      <input
        id="search-input"
        type="search"
        aria-label="Search mail"
        placeholder="Search mail"
        value={q}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            setQ(initial);
            e.currentTarget.blur();
          }
        }}
        className="h-full min-w-0 flex-1 bg-transparent px-2 text-base text-ink placeholder:text-muted focus:outline-none [&::-webkit-search-cancel-button]:hidden"
      />
      {q && (
        <Button variant="icon" aria-label="Clear search" onClick={() => setQ('')}>
          <Icon name="close" size={18} />
        </Button>
      )}
      <Button variant="icon" size="lg" aria-label="Show search options" aria-expanded={advanced} onClick={() => setAdvanced(!advanced)} className="mr-1">
        <Icon name="tune" />
      </Button>
      {advanced && (
        <Suspense fallback={null}>
          <AdvancedSearchPanel query={q} onSearch={go} onClose={() => setAdvanced(false)} />
        </Suspense>
      )}
    </form>
  );
}
