/** Formatting the way Gmail shows things: dates, sizes, counts, people. */

import type { Address } from '../api/types';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

function clock(d: Date): string {
  const h = d.getHours();
  const m = d.getMinutes().toString().padStart(2, '0');
  const suffix = h < 12 ? 'AM' : 'PM';
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return `${h12}:${m} ${suffix}`;
}

/** The list date: a time for today, "Nov 3" this year, "11/3/23" before. */
export function listDate(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  if (sameDay(d, now)) return clock(d);
  if (d.getFullYear() === now.getFullYear()) return `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  return `${d.getMonth() + 1}/${d.getDate()}/${String(d.getFullYear()).slice(-2)}`;
}

/** The thread-view date: "Nov 3, 2024, 4:05 PM". */
export function fullDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${MONTHS[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()}, ${clock(d)}`;
}

/** "1,234" */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "12 KB", "1.4 MB" */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** A person's short name as the list shows it: the first name, or the mailbox. */
export function shortName(a: Address, me?: string): string {
  if (me && a.address.toLowerCase() === me.toLowerCase()) return 'me';
  const name = a.name?.trim();
  if (name) return name.split(/\s+/)[0] ?? name;
  return a.address.split('@')[0] ?? a.address;
}

export function displayName(a: Address): string {
  return a.name?.trim() || a.address;
}

/** "Alice, Bob" or "Alice .. Carol" with the message count, as Gmail lists senders. */
export function senders(participants: Address[], me?: string): string {
  const names = participants.map((p) => shortName(p, me));
  const unique: string[] = [];
  for (const n of names) if (!unique.includes(n)) unique.push(n);
  if (unique.length === 0) return '(no sender)';
  if (unique.length <= 3) return unique.join(', ');
  return `${unique[0]} .. ${unique.slice(-2).join(', ')}`;
}

/** "1–50 of 1,234" */
export function pageRange(start: number, shown: number, total: number | null | undefined): string {
  if (shown === 0) return total ? `0 of ${count(total)}` : '';
  const first = start + 1;
  const last = start + shown;
  const of = total == null ? 'many' : count(total);
  return `${count(first)}–${count(last)} of ${of}`;
}

/** An address as a header shows it: `Name <addr>`. */
export function formatAddress(a: Address): string {
  return a.name ? `${a.name} <${a.address}>` : a.address;
}

/** Parse `Name <addr>` or a bare address; null when there is no address in it. */
export function parseAddress(text: string): Address | null {
  const t = text.trim().replace(/[,;]$/, '').trim();
  if (!t) return null;
  const angle = /^(.*?)\s*<([^<>\s]+@[^<>\s]+)>$/.exec(t);
  if (angle) {
    const name = (angle[1] ?? '').trim().replace(/^"|"$/g, '');
    return { name: name || null, address: angle[2] ?? '' };
  }
  if (/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(t)) return { name: null, address: t };
  return null;
}

export function isValidAddress(text: string): boolean {
  return parseAddress(text) !== null;
}
