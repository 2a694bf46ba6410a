/** The mail URLs: /label/<name>[/thread/<id>] and /search/<query>[/thread/<id>]. */

export interface MailRoute {
  mode: 'label' | 'search';
  /** label name (mode label) or query (mode search) */
  value: string;
  threadId: string | null;
}

export function parseMailPath(pathname: string): MailRoute | null {
  const m = /^\/(label|search)\/(.+?)(?:\/thread\/([^/]+))?\/?$/.exec(pathname);
  if (!m) return null;
  const raw = m[2] ?? '';
  let value: string;
  try {
    value = m[1] === 'label' ? raw.split('/').map(decodeURIComponent).join('/') : decodeURIComponent(raw);
  } catch {
    value = raw;
  }
  return { mode: m[1] as 'label' | 'search', value, threadId: m[3] ? decodeURIComponent(m[3]) : null };
}

export function listPath(r: Pick<MailRoute, 'mode' | 'value'>): string {
  if (r.mode === 'search') return `/search/${encodeURIComponent(r.value)}`;
  return `/label/${r.value.split('/').map(encodeURIComponent).join('/')}`;
}

export function threadPath(r: Pick<MailRoute, 'mode' | 'value'>, id: string): string {
  return `${listPath(r)}/thread/${encodeURIComponent(id)}`;
}
