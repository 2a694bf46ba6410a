import { lazy, Suspense, useEffect, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { Icon } from './Icon';

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
      <button type="submit" aria-label="Search" className="ml-1 rounded-full p-2.5 text-muted hover:bg-black/5">
        <Icon name="search" />
      </button>
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
        <button
          type="button"
          aria-label="Clear search"
          onClick={() => setQ('')}
          className="rounded-full p-2 text-muted hover:bg-black/5"
        >
          <Icon name="close" size={18} />
        </button>
      )}
      <button
        type="button"
        aria-label="Show search options"
        aria-expanded={advanced}
        onClick={() => setAdvanced(!advanced)}
        className="mr-1 rounded-full p-2.5 text-muted hover:bg-black/5"
      >
        <Icon name="tune" />
      </button>
      {advanced && (
        <Suspense fallback={null}>
          <AdvancedSearchPanel query={q} onSearch={go} onClose={() => setAdvanced(false)} />
        </Suspense>
      )}
    </form>
  );
}
