/** The advanced-search panel under the search box: builds a Gmail query. */

import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { buildQuery, parseQuery, type AdvancedSearch as Form } from '../lib/query';
import { Button } from './Button';
import { DialogFooter } from './DialogFooter';

interface Props {
  query: string;
  onSearch: (q: string) => void;
  onClose: () => void;
}

function Row({ label, children, id }: { label: string; children: ReactNode; id: string }) {
  return (
    <div className="flex items-center gap-3 py-1.5">
      <label htmlFor={id} className="w-32 shrink-0 text-sm text-muted">
        {label}
      </label>
      {children}
    </div>
  );
}

const input =
  'min-w-0 flex-1 border-0 border-b border-outline-soft bg-transparent px-0 py-1 text-sm focus:border-accent focus:outline-none';

export default function AdvancedSearch({ query, onSearch, onClose }: Props) {
  const [f, setF] = useState<Form>(() => parseQuery(query));
  const base = useId();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector('input')?.focus();
  }, []);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setF((prev) => ({ ...prev, [k]: v }));
  const run = () => {
    const q = buildQuery(f);
    if (q) onSearch(q);
  };
  const text = (k: 'from' | 'to' | 'subject' | 'words' | 'without', label: string) => (
    <Row label={label} id={`${base}-${k}`}>
      <input id={`${base}-${k}`} className={input} value={f[k]} onChange={(e) => set(k, e.target.value)} />
    </Row>
  );

  return (
    <div
      ref={ref}
      role="group"
      aria-label="Search options"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
        if (e.key === 'Enter' && e.target instanceof HTMLInputElement && e.target.type !== 'checkbox') {
          e.preventDefault();
          run();
        }
      }}
      className="absolute left-0 right-0 top-[52px] z-40 rounded-lg bg-white p-5 shadow-[0_4px_16px_rgba(0,0,0,.25)]"
    >
      {text('from', 'From')}
      {text('to', 'To')}
      {text('subject', 'Subject')}
      {text('words', 'Has the words')}
      {text('without', "Doesn't have")}
      <Row label="Size" id={`${base}-size`}>
        <select
          aria-label="Size comparison"
          className="rounded border border-outline-soft px-2 py-1 text-sm"
          value={f.sizeOp}
          onChange={(e) => set('sizeOp', e.target.value as Form['sizeOp'])}
        >
          <option value="larger">greater than</option>
          <option value="smaller">less than</option>
        </select>
        <input
          id={`${base}-size`}
          type="number"
          min="0"
          step="any"
          className={`${input} max-w-24`}
          value={f.sizeMb}
          onChange={(e) => set('sizeMb', e.target.value)}
        />
        <span className="text-sm text-muted">MB</span>
      </Row>
      <Row label="Date after" id={`${base}-after`}>
        <input id={`${base}-after`} type="date" className={input} value={f.after} onChange={(e) => set('after', e.target.value)} />
      </Row>
      <Row label="Date before" id={`${base}-before`}>
        <input id={`${base}-before`} type="date" className={input} value={f.before} onChange={(e) => set('before', e.target.value)} />
      </Row>
      <div className="flex items-center gap-2 py-2">
        <input
          id={`${base}-att`}
          type="checkbox"
          checked={f.hasAttachment}
          onChange={(e) => set('hasAttachment', e.target.checked)}
          className="h-4 w-4 accent-accent"
        />
        <label htmlFor={`${base}-att`} className="text-sm text-ink">
          Has attachment
        </label>
      </div>
      <DialogFooter onCancel={onClose} className="mt-3">
        <Button variant="primary" onClick={run}>
          Search
        </Button>
      </DialogFooter>
    </div>
  );
}
