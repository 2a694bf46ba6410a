/** Reply, reply all and forward: who gets it, its subject, and the quoted text. */

import type { Address, Message } from '../api/types';
import type { ComposeInit } from '../store/ui';
import { formatAddress, fullDate } from './format';

export type ReplyMode = 'reply' | 'replyAll' | 'forward';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export function textToHtml(text: string): string {
  return escapeHtml(text).replace(/\r?\n/g, '<br>');
}

function prefixed(subject: string, prefix: 'Re' | 'Fwd'): string {
  const re = prefix === 'Re' ? /^\s*re\s*:/i : /^\s*(fwd?|fw)\s*:/i;
  return re.test(subject) ? subject : `${prefix}: ${subject}`;
}

function same(a: Address, b: string): boolean {
  return a.address.toLowerCase() === b.toLowerCase();
}

function unique(list: Address[], exclude: string[]): Address[] {
  const seen = new Set(exclude.map((e) => e.toLowerCase()));
  const out: Address[] = [];
  for (const a of list) {
    const k = a.address.toLowerCase();
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(a);
  }
  return out;
}

export function recipients(m: Message, mode: ReplyMode, me: string[]): { to: Address[]; cc: Address[] } {
  if (mode === 'forward') return { to: [], cc: [] };
  const fromMe = m.from.some((f) => me.some((x) => same(f, x)));
  const primary = fromMe ? m.to : m.reply_to.length ? m.reply_to : m.from;
  const to = unique(primary, fromMe ? [] : me);
  if (mode === 'reply') return { to, cc: [] };
  const cc = unique([...(fromMe ? [] : m.to), ...m.cc], [...me, ...to.map((a) => a.address)]);
  return { to, cc };
}

/** The quoted original, as Gmail writes it under a reply or forward. */
export function quoteHtml(m: Message, mode: ReplyMode): string {
  const body = m.html ?? textToHtml(m.text);
  const sender = m.from[0];
  if (mode === 'forward') {
    const line = (k: string, v: string) => (v ? `${k}: ${escapeHtml(v)}<br>` : '');
    return (
      '<br><br><div class="gmail_quote">---------- Forwarded message ---------<br>' +
      line('From', sender ? formatAddress(sender) : '') +
      line('Date', fullDate(m.date ?? m.received)) +
      line('Subject', m.subject) +
      line('To', m.to.map(formatAddress).join(', ')) +
      line('Cc', m.cc.map(formatAddress).join(', ')) +
      `<br>${body}</div>`
    );
  }
  const who = sender ? escapeHtml(formatAddress(sender)) : 'someone';
  return `<br><br><div class="gmail_quote">On ${escapeHtml(fullDate(m.date ?? m.received))}, ${who} wrote:<br><blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">${body}</blockquote></div>`;
}

export function replyInit(m: Message, mode: ReplyMode, me: string[], signature = ''): ComposeInit {
  const { to, cc } = recipients(m, mode, me);
  const sig = signature ? `<br><br>-- <br>${textToHtml(signature)}` : '';
  return {
    to: to.map(formatAddress),
    cc: cc.map(formatAddress),
    subject: prefixed(m.subject || '', mode === 'forward' ? 'Fwd' : 'Re'),
    html: sig,
    quote: quoteHtml(m, mode),
    inReplyTo: m.id,
    forward: mode === 'forward',
    threadId: m.thread_id,
  };
}
