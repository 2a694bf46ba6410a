/** One conversation in the list. */

import { memo, type DragEvent, type MouseEvent } from 'react';
import { Link } from 'react-router';
import type { Label, ThreadSummary } from '../../api/types';
import { listDate, senders } from '../../lib/format';
import { chipColors, labelTitle } from '../../lib/labels';
import { Icon } from '../Icon';
import { DRAG_TYPE } from '../Sidebar';
import { Button } from '../Button';

interface Props {
  thread: ThreadSummary;
  href: string;
  me: string | undefined;
  selected: boolean;
  cursor: boolean;
  open: boolean;
  twoLine: boolean;
  compact: boolean;
  userLabels: Map<string, Label>;
  hideLabel: string | undefined;
  selectionIds: () => string[];
  onSelect: (id: string, e: MouseEvent) => void;
  onStar: (id: string, on: boolean) => void;
  onArchive: (id: string) => void;
  onTrash: (id: string) => void;
  onRead: (id: string, read: boolean) => void;
  onOpen: (id: string) => void;
  onHover: (id: string) => void;
}

function ThreadRowImpl(p: Props) {
  const t = p.thread;
  const who = senders(t.participants, p.me);
  const date = listDate(t.last_date);
  const status = [t.unread ? 'unread' : '', t.starred ? 'starred' : ''].filter(Boolean).join(', ') + (t.unread || t.starred ? ', ' : '');
  const chips = t.labels.map((id) => p.userLabels.get(id)).filter((l): l is Label => !!l && l.name !== p.hideLabel);
  const bold = t.unread ? 'font-bold text-ink' : 'text-ink';
  const bg = p.selected
    ? 'bg-selected'
    : p.open
      ? 'bg-accent-soft'
      : t.unread
        ? 'bg-white'
        : 'bg-read';

  const onDragStart = (e: DragEvent) => {
    const ids = p.selected ? p.selectionIds() : [t.id];
    e.dataTransfer.setData(DRAG_TYPE, ids.join(','));
    e.dataTransfer.setData('text/plain', `${ids.length} conversation${ids.length > 1 ? 's' : ''}`);
    e.dataTransfer.effectAllowed = 'move';
  };

  const labelChips = chips.slice(0, 3).map((l) => {
    const colors = chipColors(l.color);
    return (
      <span key={l.id} className={`mr-1 shrink-0 rounded px-1.5 py-px text-xs font-normal ${colors.className}`} style={colors.style}>
        {labelTitle(l, true)}
      </span>
    );
  });

  return (
    <li
      data-thread-id={t.id}
      draggable
      onDragStart={onDragStart}
      onMouseEnter={() => p.onHover(t.id)}
      className={`group relative flex items-center border-b border-line-soft ${bg} ${
        p.compact ? 'min-h-8' : 'min-h-10'
      } hover:z-10 hover:shadow-[inset_1px_0_0_var(--color-chip-strong),inset_-1px_0_0_var(--color-chip-strong),0_1px_2px_0_rgba(60,64,67,.3),0_1px_3px_1px_rgba(60,64,67,.15)]`}
    >
      {p.cursor && <span aria-hidden="true" className="absolute inset-y-0 left-0 w-[3px] bg-accent" />}
      <div className={`flex shrink-0 items-center pl-3 ${p.twoLine ? 'self-start pt-2' : ''}`}>
        <label className="flex h-8 w-8 cursor-pointer items-center justify-center rounded-full hover:bg-black/5">
          <input
            type="checkbox"
            aria-label={`Select: ${who}, ${t.subject || '(no subject)'}`}
            checked={p.selected}
            onChange={() => undefined}
            onClick={(e) => p.onSelect(t.id, e)}
            className="h-[15px] w-[15px] cursor-pointer accent-accent"
          />
        </label>
        <button
          type="button"
          aria-label={t.starred ? 'Starred' : 'Not starred'}
          aria-pressed={t.starred}
          onClick={() => p.onStar(t.id, !t.starred)}
          className={`flex h-8 w-8 items-center justify-center rounded-full hover:bg-black/5 ${
            t.starred ? 'text-star' : 'text-outline-soft hover:text-muted'
          }`}
        >
          <Icon name="star" size={18} filled={t.starred} />
        </button>
      </div>
      <Link
        to={p.href}
        data-row-link
        tabIndex={p.cursor ? 0 : -1}
        aria-current={p.open ? 'true' : undefined}
        onClick={(e) => {
          if (e.metaKey || e.ctrlKey || e.shiftKey) return;
          e.preventDefault();
          p.onOpen(t.id);
        }}
        className={`row-focus flex min-w-0 flex-1 ${
          p.twoLine ? 'flex-col gap-0.5 py-2 pr-4' : 'items-center gap-3 pr-4'
        } ${p.compact ? 'py-1' : 'py-2'} text-sm`}
      >
        {status && <span className="sr-only">{status}</span>}
        {p.twoLine ? (
          <>
            <span className="flex items-baseline gap-2">
              <span className={`min-w-0 flex-1 truncate ${bold}`}>
                {who}
                {t.message_count > 1 && <span className="ml-1 text-xs font-normal text-muted">{t.message_count}</span>}
              </span>{' '}
              {t.has_attachment && <Icon name="clip" size={14} className="shrink-0 text-muted" aria-label="has attachment" role="img" aria-hidden={false} />}
              <span className={`shrink-0 text-xs ${t.unread ? 'font-bold text-ink' : 'text-muted'}`}>{date}</span>
            </span>{' '}
            <span className="flex min-w-0 items-center">
              {labelChips}
              <span className={`truncate ${bold}`}>{t.subject || '(no subject)'}</span>
            </span>{' '}
            <span className="truncate text-muted">{t.snippet}</span>
          </>
        ) : (
          <>
            <span className={`w-[168px] shrink-0 truncate ${bold}`}>
              {who}
              {t.message_count > 1 && <span className="ml-1 text-xs font-normal text-muted">{t.message_count}</span>}
            </span>{' '}
            <span className="flex min-w-0 flex-1 items-center">
              {labelChips}
              <span className="truncate">
                <span className={bold}>{t.subject || '(no subject)'}</span>
                {t.snippet && <span className="text-muted"> - {t.snippet}</span>}
              </span>
            </span>
            {' '}
            {t.has_attachment && <Icon name="clip" size={16} className="shrink-0 text-muted" aria-label="has attachment" role="img" aria-hidden={false} />}
            <span className={`w-16 shrink-0 text-right text-xs group-hover:invisible ${t.unread ? 'font-bold text-ink' : 'text-muted'}`}>
              {date}
            </span>
          </>
        )}
      </Link>
      {!p.twoLine && (
        <div className="absolute right-2 hidden items-center gap-0.5 group-hover:flex">
          <Button variant="icon" aria-label="Archive" onClick={() => p.onArchive(t.id)}>
            <Icon name="archive" size={18} />
          </Button>
          <Button variant="icon" aria-label="Delete" onClick={() => p.onTrash(t.id)}>
            <Icon name="trash" size={18} />
          </Button>
          <Button variant="icon" aria-label={t.unread ? 'Mark as read' : 'Mark as unread'} onClick={() => p.onRead(t.id, t.unread)}>
            <Icon name={t.unread ? 'mailOpen' : 'mail'} size={18} />
          </Button>
        </div>
      )}
    </li>
  );
}

export const ThreadRow = memo(ThreadRowImpl);
