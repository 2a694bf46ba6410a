/**
 * The live connection: one websocket per tab, reconnected with exponential
 * backoff and jitter. After a reconnect the client asks for what it missed
 * since the last MODSEQ it saw; when the server cannot say (or says
 * `resync`), everything on screen is refetched.
 */

import type { LiveEvent } from './types';
import { API, auth } from './client';

export type LiveStatus = 'connecting' | 'online' | 'offline';

export interface LiveHandlers {
  onEvent(e: LiveEvent): void;
  /** Refetch everything: the gap since the last event is unknown. */
  onResync(): void;
  onStatus(s: LiveStatus): void;
}

export interface LiveOptions {
  url?: (token: string, since: number | null) => string;
  socket?: (url: string) => WebSocket;
  minDelay?: number;
  maxDelay?: number;
  random?: () => number;
}

export function defaultUrl(token: string, since: number | null): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = new URLSearchParams({ access_token: token });
  if (since != null) q.set('since', String(since));
  return `${proto}//${location.host}${API}/ws?${q.toString()}`;
}

/** Backoff for the n-th failed attempt (0-based): 0.5 s doubling to 30 s, with ±25% jitter. */
export function backoff(attempt: number, min = 500, max = 30_000, random = Math.random): number {
  const base = Math.min(max, min * 2 ** attempt);
  return Math.round(base * (0.75 + random() * 0.5));
}

export class LiveConnection {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private everConnected = false;
  modseq: number | null = null;
  private readonly opts: Required<LiveOptions>;

  constructor(
    private readonly handlers: LiveHandlers,
    opts: LiveOptions = {},
  ) {
    this.opts = {
      url: opts.url ?? defaultUrl,
      socket: opts.socket ?? ((u) => new WebSocket(u)),
      minDelay: opts.minDelay ?? 500,
      maxDelay: opts.maxDelay ?? 30_000,
      random: opts.random ?? Math.random,
    };
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
  }

  /** Reconnect now (the browser came back online or the tab became visible). */
  kick(): void {
    if (this.stopped || (this.ws && this.ws.readyState <= 1)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.handlers.onStatus(this.everConnected ? 'offline' : 'connecting');
    const token = await auth.fresh();
    if (!token || this.stopped) return;
    let ws: WebSocket;
    try {
      ws = this.opts.socket(this.opts.url(token, this.modseq));
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      const reconnect = this.everConnected;
      this.everConnected = true;
      this.attempt = 0;
      this.handlers.onStatus('online');
      // Without a MODSEQ to resume from, the gap is unknown.
      if (reconnect && this.modseq == null) this.handlers.onResync();
    };
    ws.onmessage = (m) => this.receive(m.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.stopped) return;
      if (ev.code === 4001 || ev.code === 4401 || ev.code === 1008) {
        // token rejected: refresh it before the next try
        void auth.refresh();
      }
      if (opened) this.handlers.onStatus('offline');
      this.retry();
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  private retry(): void {
    if (this.stopped) return;
    if (this.everConnected) this.handlers.onStatus('offline');
    const delay = backoff(this.attempt++, this.opts.minDelay, this.opts.maxDelay, this.opts.random);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return;
    }
    const kind = (msg.kind ?? msg.type ?? msg.event) as string | undefined;
    if (!kind) return;
    const modseq = typeof msg.modseq === 'number' ? msg.modseq : null;
    if (kind === 'hello') {
      if (modseq != null && this.modseq == null) this.modseq = modseq;
      return;
    }
    if (kind === 'ping' || kind === 'pong') return;
    if (modseq != null) this.modseq = Math.max(this.modseq ?? 0, modseq);
    if (kind === 'resync') {
      this.handlers.onResync();
      return;
    }
    this.handlers.onEvent({ ...(msg as object), kind, modseq: modseq ?? 0 } as LiveEvent);
  }
}
