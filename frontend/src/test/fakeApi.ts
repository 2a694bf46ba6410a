/** A fake API behind `fetch` for component and client tests. */

import { vi } from 'vitest';
import type { Label, ThreadSummary } from '../api/types';

type Handler = (req: { method: string; url: URL; body: unknown; headers: Headers }) => Response | Promise<Response>;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

export function problem(kind: string, status: number, detail: string, extra: Record<string, unknown> = {}): Response {
  return json({ type: `https://mailcore.dev/problems/${kind}`, title: kind, status, detail, ...extra }, status);
}

/** Route `METHOD /path` (without /api/v1) to handlers; unknown routes answer 404. */
export function fakeApi(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; body: unknown; auth: string | null }[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://localhost');
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const path = url.pathname.replace(/^\/api\/v1/, '');
    calls.push({ method, path, body, auth: headers.get('Authorization') });
    const exact = routes[`${method} ${path}`];
    if (exact) return exact({ method, url, body, headers });
    for (const [key, h] of Object.entries(routes)) {
      const [m, pattern] = key.split(' ');
      if (m !== method || !pattern?.includes(':')) continue;
      const re = new RegExp(`^${pattern.replace(/:\w+/g, '[^/]+')}$`);
      if (re.test(path)) return h({ method, url, body, headers });
    }
    return problem('not-found', 404, 'Not found');
  });
  vi.stubGlobal('fetch', fn);
  return { fn, calls };
}

export function signIn(): void {
  localStorage.setItem(
    'mailcore.session',
    JSON.stringify({ access: 'access-1', refresh: 'refresh-1', expires: Date.now() + 600_000 }),
  );
}

export const LABELS: Label[] = [
  { id: '1', name: 'INBOX', type: 'system', role: 'inbox', total: 3, unread: 2, color: null },
  { id: '2', name: 'Sent', type: 'system', role: 'sent', total: 0, unread: 0, color: null },
  { id: '3', name: 'Drafts', type: 'system', role: 'drafts', total: 1, unread: 0, color: null },
  { id: '4', name: 'Trash', type: 'system', role: 'trash', total: 0, unread: 0, color: null },
  { id: '5', name: 'Spam', type: 'system', role: 'spam', total: 0, unread: 0, color: null },
  { id: '6', name: 'Starred', type: 'system', role: 'starred', total: 0, unread: 0, color: null },
  { id: '7', name: 'Important', type: 'system', role: 'important', total: 0, unread: 0, color: null },
  { id: '8', name: 'All Mail', type: 'system', role: 'all', total: 3, unread: 2, color: null },
  { id: '20', name: 'Work', type: 'user', role: null, total: 1, unread: 1, color: '#4a86e8' },
  { id: '21', name: 'Work/Clients', type: 'user', role: null, total: 0, unread: 0, color: null },
];

export function thread(id: string, over: Partial<ThreadSummary> = {}): ThreadSummary {
  return {
    id,
    subject: `Subject ${id}`,
    snippet: `Snippet ${id}`,
    participants: [{ name: 'Alice Martin', address: 'alice@example.org' }],
    message_count: 1,
    unread_count: 1,
    unread: true,
    starred: false,
    has_attachment: false,
    labels: ['1', '8'],
    last_date: new Date().toISOString(),
    modseq: 1,
    ...over,
  };
}

export const ME = {
  id: '1',
  address: 'demo@example.com',
  display_name: 'Demo User',
  signature: '',
  undo_send_seconds: 5,
  send_as: ['demo@example.com'],
};
