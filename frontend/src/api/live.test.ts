import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { auth } from './client';
import { backoff, LiveConnection, type LiveStatus } from './live';
import type { LiveEvent } from './types';

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  send(data: unknown) {
    this.onmessage?.({ data: JSON.stringify(data) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  close() {
    this.drop(1000);
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('the live connection', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    auth.set({ access_token: 'tok', refresh_token: 'r', expires_in: 600 });
  });
  afterEach(() => vi.useRealTimers());

  it('backs off exponentially with jitter, capped', () => {
    expect(backoff(0, 500, 30_000, () => 0.5)).toBe(500);
    expect(backoff(3, 500, 30_000, () => 0.5)).toBe(4000);
    expect(backoff(20, 500, 30_000, () => 0.5)).toBe(30_000);
    expect(backoff(0, 500, 30_000, () => 0)).toBe(375);
  });

  it('delivers events, tracks MODSEQ and resumes from it after a drop', async () => {
    const events: LiveEvent[] = [];
    const statuses: LiveStatus[] = [];
    const resync = vi.fn();
    const conn = new LiveConnection(
      { onEvent: (e) => events.push(e), onResync: resync, onStatus: (s) => statuses.push(s) },
      {
        url: (t, since) => `ws://x/ws?access_token=${t}${since != null ? `&since=${since}` : ''}`,
        socket: (u) => new FakeSocket(u) as unknown as WebSocket,
        minDelay: 1,
        maxDelay: 1,
      },
    );
    conn.start();
    await tick();
    const first = FakeSocket.all[0]!;
    expect(first.url).toBe('ws://x/ws?access_token=tok');
    first.open();
    first.send({ type: 'hello', modseq: 10 });
    first.send({ type: 'message_new', modseq: 11, thread_ids: ['5'], counts: [{ id: '1', total: 4, unread: 3 }] });
    expect(events).toHaveLength(1);
    expect(events[0]?.kind).toBe('message_new');
    expect(conn.modseq).toBe(11);

    first.drop();
    expect(statuses).toContain('offline');
    await new Promise((r) => setTimeout(r, 20));
    const second = FakeSocket.all[1]!;
    expect(second.url).toBe('ws://x/ws?access_token=tok&since=11');
    second.open();
    expect(statuses[statuses.length - 1]).toBe('online');
    second.send({ type: 'resync', modseq: 40 });
    expect(resync).toHaveBeenCalledTimes(1);
    expect(conn.modseq).toBe(40);
    conn.stop();
  });
});
