/** "Label as" and "Move to" pop-ups: a filterable list of labels. */

import { useEffect, useMemo, useRef, useState } from 'react';
import { useLabels } from '../api/hooks';
import type { Label } from '../api/types';
import { labelTitle } from '../lib/labels';
import { Icon } from './Icon';
import { LabelDialog } from './LabelDialog';

interface Props {
  mode: 'label' | 'move';
  /** label ids on the conversations: all of them / some of them */
  applied: { all: Set<string>; some: Set<string> };
  onApply: (add: string[], remove: string[]) => void;
  onMove: (to: string) => void;
  onClose: () => void;
}

export function LabelPicker({ mode, applied, onApply, onMove, onClose }: Props) {
  const labels = useLabels();
  const [filter, setFilter] = useState('');
  const [creating, setCreating] = useState(false);
  const [state, setState] = useState<Map<string, boolean>>(new Map());
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const close = (e: MouseEvent) => {
      const t = e.target as Element;
      if (!ref.current?.contains(t) && !t.closest?.('[aria-modal="true"]')) onClose();
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [onClose]);

  const choices = useMemo(() => {
    const all = labels.data ?? [];
    const pick = all.filter((l) =>
      mode === 'label' ? l.type === 'user' : l.type === 'user' || ['inbox', 'spam', 'trash'].includes(l.role ?? ''),
    );
    const f = filter.trim().toLowerCase();
    return pick.filter((l) => !f || labelTitle(l).toLowerCase().includes(f));
  }, [labels.data, filter, mode]);

  const checked = (l: Label) => state.get(l.id) ?? applied.all.has(l.id);
  const mixed = (l: Label) => !state.has(l.id) && !applied.all.has(l.id) && applied.some.has(l.id);

  function apply() {
    const add: string[] = [];
    const remove: string[] = [];
    for (const [id, on] of state) {
      const l = labels.data?.find((x) => x.id === id);
      if (!l) continue;
      if (on && !applied.all.has(id)) add.push(l.name);
      if (!on && (applied.all.has(id) || applied.some.has(id))) remove.push(l.name);
    }
    onApply(add, remove);
    onClose();
  }

  return (
    <div
      ref={ref}
      role="dialog"
      aria-label={mode === 'label' ? 'Label as' : 'Move to'}
      className="absolute left-0 top-10 z-40 w-64 rounded-lg bg-white py-2 shadow-[0_4px_16px_rgba(0,0,0,.25)]"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <p className="px-4 pb-1 text-sm text-ink">{mode === 'label' ? 'Label as:' : 'Move to:'}</p>
      <div className="px-4 pb-2">
        <input
          autoFocus
          aria-label="Filter labels"
          placeholder="Search labels"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && mode === 'move' && choices[0]) {
              e.preventDefault();
              onMove(choices[0].name);
              onClose();
            }
          }}
          className="w-full border-0 border-b border-outline-soft px-0 py-1 text-sm focus:border-accent focus:outline-none"
        />
      </div>
      <ul className="max-h-64 overflow-y-auto" role={mode === 'label' ? 'group' : 'menu'}>
        {choices.map((l) =>
          mode === 'label' ? (
            <li key={l.id}>
              <label className="flex cursor-pointer items-center gap-3 px-4 py-1.5 text-sm hover:bg-black/5">
                <input
                  type="checkbox"
                  className="h-4 w-4 accent-accent"
                  checked={checked(l)}
                  ref={(el) => {
                    if (el) el.indeterminate = mixed(l);
                  }}
                  onChange={(e) => setState(new Map(state).set(l.id, e.target.checked))}
                />
                {l.color && <span className="h-2.5 w-2.5 rounded-full" style={{ background: l.color }} />}
                <span className="truncate">{labelTitle(l)}</span>
              </label>
            </li>
          ) : (
            <li key={l.id}>
              <button
                type="button"
                role="menuitem"
                onClick={() => {
                  onMove(l.name);
                  onClose();
                }}
                className="block w-full truncate px-4 py-1.5 text-left text-sm hover:bg-black/5 focus:bg-black/5"
              >
                {labelTitle(l)}
              </button>
            </li>
          ),
        )}
        {choices.length === 0 && <li className="px-4 py-2 text-sm text-muted">No labels found</li>}
      </ul>
      <div className="mt-1 border-t border-line pt-1">
        <button
          type="button"
          onClick={() => setCreating(true)}
          className="flex w-full items-center gap-2 px-4 py-2 text-left text-sm hover:bg-black/5"
        >
          <Icon name="plus" size={16} /> Create new
        </button>
        {mode === 'label' && (
          <button
            type="button"
            onClick={apply}
            disabled={state.size === 0}
            className="block w-full px-4 py-2 text-left text-sm font-medium text-accent hover:bg-black/5 disabled:text-muted"
          >
            Apply
          </button>
        )}
      </div>
      {creating && (
        <LabelDialog
          parent=""
          onClose={() => setCreating(false)}
          onCreated={(l) => {
            if (mode === 'move') {
              onMove(l.name);
              onClose();
            } else setState(new Map(state).set(l.id, true));
          }}
        />
      )}
    </div>
  );
}
