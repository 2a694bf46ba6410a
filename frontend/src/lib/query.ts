/** Build a Gmail query from the advanced-search form. */

export interface AdvancedSearch {
  from: string;
  to: string;
  subject: string;
  words: string;
  without: string;
  hasAttachment: boolean;
  after: string; // yyyy-mm-dd
  before: string; // yyyy-mm-dd
  sizeOp: 'larger' | 'smaller';
  sizeMb: string;
}

export const emptySearch: AdvancedSearch = {
  from: '',
  to: '',
  subject: '',
  words: '',
  without: '',
  hasAttachment: false,
  after: '',
  before: '',
  sizeOp: 'larger',
  sizeMb: '',
};

function term(op: string, value: string): string | null {
  const v = value.trim();
  if (!v) return null;
  return /[\s()"]/.test(v) ? `${op}:"${v.replace(/"/g, '')}"` : `${op}:${v}`;
}

export function buildQuery(f: AdvancedSearch): string {
  const parts: (string | null)[] = [
    term('from', f.from),
    term('to', f.to),
    term('subject', f.subject),
    f.words.trim() || null,
  ];
  for (const w of f.without.trim().split(/\s+/).filter(Boolean)) parts.push(`-${w}`);
  if (f.hasAttachment) parts.push('has:attachment');
  if (f.after) parts.push(`after:${f.after.replace(/-/g, '/')}`);
  if (f.before) parts.push(`before:${f.before.replace(/-/g, '/')}`);
  const mb = Number(f.sizeMb);
  if (f.sizeMb.trim() && Number.isFinite(mb) && mb > 0) parts.push(`${f.sizeOp}:${mb}M`);
  return parts.filter((p): p is string => !!p).join(' ');
}

/** Read back the simple operators of a query into the form (best effort). */
export function parseQuery(q: string): AdvancedSearch {
  const f: AdvancedSearch = { ...emptySearch };
  const words: string[] = [];
  const re = /(-?)(\w+):("[^"]*"|\S+)|(-?)("[^"]*"|\S+)/g;
  for (const m of q.matchAll(re)) {
    if (m[2]) {
      const op = m[2].toLowerCase();
      const v = (m[3] ?? '').replace(/^"|"$/g, '');
      if (op === 'from') f.from = v;
      else if (op === 'to') f.to = v;
      else if (op === 'subject') f.subject = v;
      else if (op === 'has' && v === 'attachment') f.hasAttachment = true;
      else if (op === 'after') f.after = v.replace(/\//g, '-');
      else if (op === 'before') f.before = v.replace(/\//g, '-');
      else if (op === 'larger' || op === 'smaller') {
        f.sizeOp = op;
        f.sizeMb = v.replace(/m$/i, '');
      } else words.push(m[0]);
    } else if (m[4] === '-') {
      f.without = [f.without, m[5]].filter(Boolean).join(' ');
    } else if (m[5]) words.push(m[5]);
  }
  f.words = words.join(' ');
  return f;
}
