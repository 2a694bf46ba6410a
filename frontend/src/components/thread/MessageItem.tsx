/** One message of a conversation, collapsed to a line or expanded in full. */

import { useState } from 'react';
import type { Address, Message } from '../../api/types';
import { displayName, formatAddress, fullDate, listDate, shortName } from '../../lib/format';
import { Icon } from '../Icon';
import { Attachments } from './Attachments';
import { HtmlBody, TextBody } from './MessageBody';

/** The avatar colours of the theme (--color-avatar-1 to -8), chosen by the sender's address. */
const AVATAR_COLORS = Array.from({ length: 8 }, (_, i) => `var(--color-avatar-${i + 1})`);

export function Avatar({ who }: { who: Address | undefined }) {
  const name = who ? displayName(who) : '?';
  let h = 0;
  for (const ch of who?.address ?? '') h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return (
    <span
      aria-hidden="true"
      className="flex h-10 w-10 shrink-0 items-center justify-center rounded-full text-base font-medium text-white"
      style={{ background: AVATAR_COLORS[h % AVATAR_COLORS.length] }}
    >
      {name.charAt(0).toUpperCase()}
    </span>
  );
}

interface Props {
  message: Message;
  expanded: boolean;
  onToggle: () => void;
  me: string | undefined;
  onReply: (mode: 'reply' | 'replyAll' | 'forward') => void;
  onStar: (on: boolean) => void;
}

export function MessageItem({ message: m, expanded, onToggle, me, onReply, onStar }: Props) {
  const [details, setDetails] = useState(false);
  const sender = m.from[0];
  const senderName = sender ? displayName(sender) : '(unknown sender)';
  const date = m.date ?? m.received;
  const toLine = [...m.to, ...m.cc, ...m.bcc].map((a) => shortName(a, me)).join(', ');

  if (!expanded) {
    return (
      <li className="border-t border-line first:border-t-0">
        <button
          type="button"
          onClick={onToggle}
          aria-expanded={false}
          className="flex w-full items-center gap-4 px-4 py-3 text-left hover:bg-hover md:px-6"
        >
          <Avatar who={sender} />
          <span className={`w-40 shrink-0 truncate text-sm ${m.unread ? 'font-bold' : 'font-medium'} text-ink`}>{senderName}</span>{' '}
          <span className="min-w-0 flex-1 truncate text-sm text-muted">{m.snippet}</span>
          {m.has_attachment && <Icon name="clip" size={16} className="text-muted" />}{' '}
          <span className="shrink-0 text-xs text-muted">{listDate(date)}</span>
        </button>
      </li>
    );
  }

  return (
    <li className="border-t border-line px-4 py-4 first:border-t-0 md:px-6" aria-label={`Message from ${senderName}`}>
      <article>
        <div className="flex items-start gap-4">
          <Avatar who={sender} />
          <div className="min-w-0 flex-1">
            <div className="flex flex-wrap items-baseline gap-x-2">
              <button type="button" onClick={onToggle} aria-expanded={true} aria-label={`Collapse message from ${senderName}`} className="text-left">
                <span className="text-sm font-bold text-ink">{senderName}</span>
              </button>
              {sender?.name && <span className="text-xs text-muted">&lt;{sender.address}&gt;</span>}
            </div>
            <div className="flex items-center gap-1 text-xs text-muted">
              <span className="truncate">to {toLine || 'undisclosed recipients'}</span>
              <button
                type="button"
                aria-label="details"
                aria-expanded={details}
                onClick={() => setDetails(!details)}
                className="rounded p-0.5 hover:bg-black/5"
              >
                <Icon name={details ? 'up' : 'down'} size={14} />
              </button>
            </div>
            {details && (
              <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 rounded-md border border-line p-3 text-xs shadow-sm">
                <dt className="text-right text-muted">from:</dt>
                <dd>{m.from.map(formatAddress).join(', ')}</dd>
                {m.reply_to.length > 0 && (
                  <>
                    <dt className="text-right text-muted">reply-to:</dt>
                    <dd>{m.reply_to.map(formatAddress).join(', ')}</dd>
                  </>
                )}
                <dt className="text-right text-muted">to:</dt>
                <dd>{m.to.map(formatAddress).join(', ') || '—'}</dd>
                {m.cc.length > 0 && (
                  <>
                    <dt className="text-right text-muted">cc:</dt>
                    <dd>{m.cc.map(formatAddress).join(', ')}</dd>
                  </>
                )}
                {m.bcc.length > 0 && (
                  <>
                    <dt className="text-right text-muted">bcc:</dt>
                    <dd>{m.bcc.map(formatAddress).join(', ')}</dd>
                  </>
                )}
                <dt className="text-right text-muted">date:</dt>
                <dd>{fullDate(date)}</dd>
                <dt className="text-right text-muted">subject:</dt>
                <dd>{m.subject || '(no subject)'}</dd>
              </dl>
            )}
          </div>
          <div className="flex shrink-0 items-center gap-0.5 text-muted">
            <time dateTime={date} className="mr-2 hidden text-xs sm:inline">
              {fullDate(date)}
            </time>
            <button
              type="button"
              aria-label={m.starred ? 'Unstar message' : 'Star message'}
              aria-pressed={m.starred}
              onClick={() => onStar(!m.starred)}
              className={`rounded-full p-2 hover:bg-black/5 ${m.starred ? 'text-star' : ''}`}
            >
              <Icon name="star" size={18} filled={m.starred} />
            </button>
            <button type="button" aria-label="Reply" onClick={() => onReply('reply')} className="rounded-full p-2 hover:bg-black/5">
              <Icon name="reply" size={18} />
            </button>
          </div>
        </div>
        <div className="mt-4 md:pl-14">
          {m.html ? <HtmlBody html={m.html} title={`Message from ${senderName}`} /> : <TextBody text={m.text} />}
          <Attachments items={m.attachments} />
        </div>
      </article>
    </li>
  );
}
