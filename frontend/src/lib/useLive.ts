/** Keep the screen in step with the server over the live connection. */

import { useEffect } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { LiveConnection } from '../api/live';
import { keys } from '../api/hooks';
import { listThreads } from '../api/endpoints';
import type { Label, LiveEvent, ThreadPage } from '../api/types';
import { useUi } from '../store/ui';
import { senders } from './format';

/** Badges update from the counts the event carries, without a request. */
function applyCounts(qc: QueryClient, batch: LiveEvent[]): void {
  const counts = new Map<string, { total: number; unread: number }>();
  for (const b of batch) for (const c of b.counts ?? []) counts.set(c.id, c);
  if (!counts.size) return;
  qc.setQueryData<Label[]>(keys.labels, (old) =>
    old?.map((l) => {
      const c = counts.get(l.id);
      return c ? { ...l, total: c.total, unread: c.unread } : l;
    }),
  );
}

/** Coalesce a burst of events into one refetch of what they touch. */
function makeApplier(qc: QueryClient) {
  let pending: LiveEvent[] = [];
  let scheduled = false;
  return (e: LiveEvent) => {
    pending.push(e);
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      const batch = pending;
      pending = [];
      const kinds = new Set(batch.map((b) => b.kind));
      if (kinds.has('account_updated')) void qc.invalidateQueries({ queryKey: keys.me });
      if (kinds.has('labels_changed')) void qc.invalidateQueries({ queryKey: keys.labels });
      const mail = batch.filter((b) => b.kind === 'message_new' || b.kind === 'thread_updated');
      if (!mail.length) return;
      applyCounts(qc, mail);
      void qc.invalidateQueries({ queryKey: keys.threadsAll });
      const threadIds = new Set(mail.flatMap((b) => b.thread_ids ?? []));
      for (const id of threadIds) void qc.invalidateQueries({ queryKey: keys.threadAll(id) });
      if (kinds.has('message_new')) void notify(batch.filter((b) => b.kind === 'message_new'));
    });
  };
}

async function notify(batch: LiveEvent[]): Promise<void> {
  const { notifications } = useUi.getState();
  if (!notifications || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  if (!document.hidden) return;
  const ids = new Set(batch.flatMap((b) => (b.thread_ids ?? []).map(String)));
  let page: ThreadPage;
  try {
    page = await listThreads({ label: 'INBOX', limit: 10 });
  } catch {
    return;
  }
  for (const t of page.items) {
    if (!ids.has(t.id) || !t.unread) continue;
    const n = new Notification(senders(t.participants.slice(-1)), {
      body: `${t.subject || '(no subject)'}\n${t.snippet}`,
      tag: `thread-${t.id}`,
    });
    n.onclick = () => {
      window.focus();
      window.location.assign(`/label/INBOX/thread/${t.id}`);
    };
  }
}

export function useLive(enabled: boolean): void {
  const qc = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    const apply = makeApplier(qc);
    const conn = new LiveConnection({
      onEvent: apply,
      onResync: () => void qc.invalidateQueries(),
      onStatus: (s) => useUi.getState().setConnection(s === 'connecting' ? 'online' : s),
    });
    conn.start();
    const kick = () => conn.kick();
    const visible = () => {
      if (!document.hidden) conn.kick();
    };
    window.addEventListener('online', kick);
    document.addEventListener('visibilitychange', visible);
    return () => {
      window.removeEventListener('online', kick);
      document.removeEventListener('visibilitychange', visible);
      conn.stop();
    };
  }, [enabled, qc]);
}
