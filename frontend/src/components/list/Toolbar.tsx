/** The bar above the list: select all/none, refresh, bulk actions, paging. */

import { useState } from 'react';
import type { ThreadSummary } from '../../api/types';
import { pageRange } from '../../lib/format';
import { Icon, type IconName } from '../Icon';
import { LabelPicker } from '../LabelPicker';
import { Button } from '../Button';

export interface BulkHandlers {
  archive(): void;
  unarchive(): void;
  trash(): void;
  deleteForever(): void;
  spam(): void;
  notSpam(): void;
  read(read: boolean): void;
  label(add: string[], remove: string[]): void;
  moveTo(to: string): void;
}

interface Props {
  items: ThreadSummary[];
  selected: ReadonlySet<string>;
  setSelected: (ids: string[]) => void;
  refresh: () => void;
  refreshing: boolean;
  start: number;
  total: number | null | undefined;
  hasNewer: boolean;
  hasOlder: boolean;
  newer: () => void;
  older: () => void;
  role: string | null | undefined;
  bulk: BulkHandlers;
}

function Btn({ icon, label, onClick, disabled }: { icon: IconName; label: string; onClick: () => void; disabled?: boolean }) {
  return (
    <Button variant="icon" aria-label={label} title={label} onClick={onClick} disabled={disabled}>
      <Icon name={icon} size={20} />
    </Button>
  );
}

export function Toolbar(p: Props) {
  const [menu, setMenu] = useState(false);
  const [picker, setPicker] = useState<'label' | 'move' | null>(null);
  const n = p.selected.size;
  const all = p.items.length > 0 && n === p.items.length;
  const some = n > 0 && !all;
  const chosen = p.items.filter((t) => p.selected.has(t.id));
  const anyUnread = chosen.some((t) => t.unread);

  const applied = () => {
    const counts = new Map<string, number>();
    for (const t of chosen) for (const l of t.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    const allSet = new Set<string>();
    const someSet = new Set<string>();
    for (const [l, c] of counts) (c === chosen.length ? allSet : someSet).add(l);
    return { all: allSet, some: someSet };
  };

  const select = (which: 'all' | 'none' | 'read' | 'unread' | 'starred' | 'unstarred') => {
    const pick: Record<typeof which, (t: ThreadSummary) => boolean> = {
      all: () => true,
      none: () => false,
      read: (t) => !t.unread,
      unread: (t) => t.unread,
      starred: (t) => t.starred,
      unstarred: (t) => !t.starred,
    };
    p.setSelected(p.items.filter(pick[which]).map((t) => t.id));
    setMenu(false);
  };

  return (
    <div className="flex h-12 shrink-0 items-center gap-1 border-b border-transparent px-2" role="toolbar" aria-label="Conversation actions">
      <div className="relative flex items-center rounded hover:bg-black/5">
        <label className="flex h-9 w-8 cursor-pointer items-center justify-center">
          <input
            type="checkbox"
            aria-label={all ? 'Select none' : 'Select all'}
            checked={all}
            ref={(el) => {
              if (el) el.indeterminate = some;
            }}
            onChange={() => select(n > 0 ? 'none' : 'all')}
            className="h-[15px] w-[15px] cursor-pointer accent-accent"
          />
        </label>
        <button
          type="button"
          aria-label="Select options"
          aria-haspopup="menu"
          aria-expanded={menu}
          onClick={() => setMenu(!menu)}
          className="h-9 pr-1 text-muted"
        >
          <Icon name="down" size={14} />
        </button>
        {menu && (
          <div role="menu" className="absolute left-0 top-10 z-40 w-40 rounded-lg bg-white py-2 shadow-[0_4px_16px_rgba(0,0,0,.25)]" onKeyDown={(e) => e.key === 'Escape' && setMenu(false)}>
            {(['all', 'none', 'read', 'unread', 'starred', 'unstarred'] as const).map((w, i) => (
              <button
                key={w}
                type="button"
                role="menuitem"
                autoFocus={i === 0}
                onClick={() => select(w)}
                className="block w-full px-4 py-1.5 text-left text-sm capitalize hover:bg-black/5 focus:bg-black/5"
              >
                {w === 'all' ? 'All' : w === 'none' ? 'None' : w}
              </button>
            ))}
          </div>
        )}
      </div>
      {n === 0 ? (
        <Btn icon="refresh" label="Refresh" onClick={p.refresh} disabled={p.refreshing} />
      ) : (
        <div className="flex items-center gap-0.5" role="group" aria-label={`Bulk actions for ${n} selected`}>
          {p.role === 'spam' ? (
            <Btn icon="inbox" label="Not spam" onClick={p.bulk.notSpam} />
          ) : p.role === 'trash' ? (
            <>
              <Btn icon="unarchive" label="Move to Inbox" onClick={p.bulk.unarchive} />
              <Btn icon="trash" label="Delete forever" onClick={p.bulk.deleteForever} />
            </>
          ) : (
            <>
              {p.role === 'inbox' || p.role === undefined || p.role === null ? (
                <Btn icon="archive" label="Archive" onClick={p.bulk.archive} />
              ) : (
                <Btn icon="unarchive" label="Move to Inbox" onClick={p.bulk.unarchive} />
              )}
              <Btn icon="spam" label="Report spam" onClick={p.bulk.spam} />
              <Btn icon="trash" label="Delete" onClick={p.bulk.trash} />
            </>
          )}
          <span className="mx-1 h-5 w-px bg-outline-soft" aria-hidden="true" />
          {anyUnread ? (
            <Btn icon="mailOpen" label="Mark as read" onClick={() => p.bulk.read(true)} />
          ) : (
            <Btn icon="mail" label="Mark as unread" onClick={() => p.bulk.read(false)} />
          )}
          <div className="relative">
            <Btn icon="move" label="Move to" onClick={() => setPicker(picker === 'move' ? null : 'move')} />
            {picker === 'move' && (
              <LabelPicker mode="move" applied={applied()} onApply={() => undefined} onMove={p.bulk.moveTo} onClose={() => setPicker(null)} />
            )}
          </div>
          <div className="relative">
            <Btn icon="label" label="Labels" onClick={() => setPicker(picker === 'label' ? null : 'label')} />
            {picker === 'label' && (
              <LabelPicker mode="label" applied={applied()} onApply={p.bulk.label} onMove={() => undefined} onClose={() => setPicker(null)} />
            )}
          </div>
          <span className="ml-2 hidden text-sm text-muted sm:inline">{n} selected</span>
        </div>
      )}
      <div className="ml-auto flex items-center gap-1 text-xs text-muted">
        <span aria-live="polite" className="whitespace-nowrap px-2">{pageRange(p.start, p.items.length, p.total)}</span>
        <Btn icon="left" label="Newer" onClick={p.newer} disabled={!p.hasNewer} />
        <Btn icon="right" label="Older" onClick={p.older} disabled={!p.hasOlder} />
      </div>
    </div>
  );
}
