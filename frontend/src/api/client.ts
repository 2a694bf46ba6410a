/**
 * The HTTP client: bearer tokens, one shared refresh, RFC 9457 problems.
 *
 * The refresh token lives in localStorage so the session survives a reload;
 * the access token is kept beside it with its expiry so a reload does not
 * spend a refresh. Refreshes are single-flight: concurrent 401s wait on one
 * refresh, since the server rotates refresh tokens and treats a replayed one
 * as theft.
 */

import type { Problem, Tokens } from './types';

export const API = '/api/v1';
const STORAGE_KEY = 'mailcore.session';

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }

  get kind(): string {
    return this.problem.type.split('/').pop() ?? '';
  }
}

interface Session {
  access: string;
  refresh: string;
  expires: number; // ms since epoch
}

type Listener = (signedIn: boolean) => void;

class Auth {
  private session: Session | null = null;
  private refreshing: Promise<boolean> | null = null;
  private listeners = new Set<Listener>();

  constructor() {
    this.session = this.load();
  }

  private load(): Session | null {
    try {
      const raw = localStorage.getItem(STORAGE_KEY);
      if (!raw) return null;
      const s = JSON.parse(raw) as Partial<Session>;
      if (typeof s.access === 'string' && typeof s.refresh === 'string' && typeof s.expires === 'number') {
        return s as Session;
      }
    } catch {
      /* a corrupt entry is the same as none */
    }
    return null;
  }

  get signedIn(): boolean {
    return this.session !== null;
  }

  get accessToken(): string | null {
    return this.session?.access ?? null;
  }

  get refreshToken(): string | null {
    return this.session?.refresh ?? null;
  }

  set(tokens: Pick<Tokens, 'access_token' | 'refresh_token' | 'expires_in'>): void {
    this.session = {
      access: tokens.access_token,
      refresh: tokens.refresh_token,
      expires: Date.now() + tokens.expires_in * 1000,
    };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(this.session));
    this.emit();
  }

  clear(): void {
    const was = this.session !== null;
    this.session = null;
    localStorage.removeItem(STORAGE_KEY);
    if (was) this.emit();
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(): void {
    for (const fn of this.listeners) fn(this.signedIn);
  }

  /** A fresh access token, refreshing first when it is about to expire. */
  async fresh(): Promise<string | null> {
    if (!this.session) return null;
    if (this.session.expires - Date.now() < 30_000) await this.refresh();
    return this.session?.access ?? null;
  }

  /** Spend the refresh token once, however many callers ask at the same time. */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    // Another tab may have rotated the token already: take its latest.
    const stored = this.load();
    if (stored && stored.refresh !== this.session?.refresh) {
      this.session = stored;
      if (stored.expires - Date.now() > 30_000) return true;
    }
    const token = this.session?.refresh;
    if (!token) return false;
    try {
      const res = await fetch(`${API}/auth/refresh`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: token }),
      });
      if (res.ok) {
        this.set((await res.json()) as Tokens);
        return true;
      }
      if (res.status === 400 || res.status === 401 || res.status === 403) this.clear();
      return false;
    } catch {
      return false; // offline: keep the session, the caller shows the error
    }
  }
}

export const auth = new Auth();

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Send without a token (sign-in). */
  anonymous?: boolean;
}

export function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
    }
  }
  const qs = params.toString();
  return `${API}${path}${qs ? `?${qs}` : ''}`;
}

async function toError(res: Response): Promise<ApiError> {
  let body: Partial<Problem> = {};
  try {
    body = (await res.json()) as Partial<Problem>;
  } catch {
    /* not JSON: fall back to the status line */
  }
  return new ApiError({
    type: body.type ?? `about:blank#${res.status}`,
    title: body.title ?? (res.statusText || 'Request failed'),
    status: body.status ?? res.status,
    detail: body.detail ?? body.title ?? (res.statusText || `HTTP ${res.status}`),
    errors: body.errors ?? null,
    ...(typeof body.position === 'number' ? { position: body.position } : {}),
  });
}

export function networkError(): ApiError {
  return new ApiError({
    type: 'about:blank#network',
    title: 'No connection',
    status: 0,
    detail: 'Could not reach the server. Check your connection and try again.',
  });
}

/** Call the API; JSON in and out, a typed ApiError on failure. */
export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const url = buildUrl(path, opts.query);
  const send = async (token: string | null): Promise<Response> => {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await fetch(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw networkError();
    }
  };
  let res = await send(opts.anonymous ? null : await auth.fresh());
  if (res.status === 401 && !opts.anonymous && auth.signedIn) {
    if (await auth.refresh()) res = await send(auth.accessToken);
    if (res.status === 401) auth.clear();
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Fetch bytes with the token (attachments), as a Blob. */
export async function fetchBlob(url: string): Promise<Blob> {
  const token = await auth.fresh();
  const res = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw await toError(res);
  return res.blob();
}

/** Upload a file with progress (fetch cannot report upload progress). */
export function uploadFile(
  path: string,
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<unknown> {
  return auth.fresh().then(
    (token) =>
      new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', buildUrl(path, { filename: file.name }));
        if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
        xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
        xhr.upload.onprogress = (e) => {
          if (e.lengthComputable) onProgress(e.loaded / e.total);
        };
        xhr.onload = () => {
          let body: unknown = null;
          try {
            body = JSON.parse(xhr.responseText);
          } catch {
            /* empty */
          }
          if (xhr.status >= 200 && xhr.status < 300) resolve(body);
          else {
            const p = (body ?? {}) as Partial<Problem>;
            reject(
              new ApiError({
                type: p.type ?? 'about:blank',
                title: p.title ?? 'Upload failed',
                status: xhr.status,
                detail: p.detail ?? `Upload failed (HTTP ${xhr.status})`,
              }),
            );
          }
        };
        xhr.onerror = () => reject(networkError());
        xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
        signal?.addEventListener('abort', () => xhr.abort());
        xhr.send(file);
      }),
  );
}
