/** Server state through TanStack Query: keys, queries and optimistic changes. */

import { keepPreviousData, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import * as api from './endpoints';
import type { Label, Modify, ThreadPage, ThreadSummary } from './types';

export const keys = {
  me: ['me'] as const,
  labels: ['labels'] as const,
  threadsAll: ['threads'] as const,
  threads: (p: api.ThreadsParams) => ['threads', p.q ? { q: p.q } : { label: p.label }, p.cursor ?? null] as const,
  thread: (id: string, remote = false) => ['thread', id, remote] as const,
  threadAll: (id: string) => ['thread', id] as const,
  contacts: (q: string) => ['contacts', q] as const,
  insights: ['insights'] as const,
  scheduled: ['scheduled'] as const,
};

export function useMe() {
  return useQuery({ queryKey: keys.me, queryFn: api.getMe, staleTime: 60_000 });
}

export function useLabels() {
  return useQuery({
    queryKey: keys.labels,
    queryFn: async () => (await api.listLabels()).items,
    staleTime: 30_000,
  });
}

export function useThreads(p: api.ThreadsParams) {
  return useQuery({
    queryKey: keys.threads(p),
    queryFn: ({ signal }) => api.listThreads(p, signal),
    // keep the rows on screen while paging within one list, not across lists
    placeholderData: (prev, prevQuery) =>
      prevQuery && JSON.stringify(prevQuery.queryKey[1]) === JSON.stringify(keys.threads(p)[1])
        ? keepPreviousData(prev)
        : undefined,
    staleTime: 10_000,
    retry: (n, e) => n < 1 && !(e instanceof Error && 'status' in e && (e as { status: number }).status < 500),
  });
}

export function threadQuery(id: string, remote = false) {
  return {
    queryKey: keys.thread(id, remote),
    queryFn: ({ signal }: { signal: AbortSignal }) => api.getThread(id, remote, signal),
    staleTime: 30_000,
    retry: (n: number, e: unknown) => n < 2 && !(e instanceof Error && 'status' in e && (e as { status: number }).status === 404),
  };
}

export function useThread(id: string | undefined, remote = false) {
  return useQuery({ ...threadQuery(id ?? '', remote), enabled: !!id });
}

export function prefetchThread(qc: QueryClient, id: string): void {
  void qc.prefetchQuery(threadQuery(id));
}

export function useScheduled() {
  return useQuery({ queryKey: keys.scheduled, queryFn: api.listScheduled });
}

export function useInsights() {
  return useQuery({ queryKey: keys.insights, queryFn: () => api.getInsights(90), staleTime: 60_000 });
}

// ------------------------------------------------------------------ changes

/** The ids of the labels a change names (names or ids), resolved against the label list. */
function resolveIds(refs: string[] | undefined, labels: Label[]): string[] {
  if (!refs) return [];
  return refs.map((r) => {
    const lower = r.toLowerCase();
    const l =
      labels.find((x) => x.id === r) ??
      labels.find((x) => x.name === r) ??
      labels.find((x) => x.name.toLowerCase() === lower) ??
      labels.find((x) => x.role === lower);
    return l?.id ?? r;
  });
}

/** A thread row as it will be after `change`. */
export function applyChange(t: ThreadSummary, change: Modify, labels: Label[]): ThreadSummary {
  const add = resolveIds(change.add_labels, labels);
  const remove = resolveIds(change.remove_labels, labels);
  const starredId = labels.find((l) => l.role === 'starred')?.id;
  let next = t.labels.filter((l) => !remove.includes(l));
  for (const a of add) if (!next.includes(a)) next = [...next, a];
  let { unread, unread_count, starred } = t;
  if (change.add_flags?.includes('seen')) {
    unread = false;
    unread_count = 0;
  }
  if (change.remove_flags?.includes('seen')) {
    unread = true;
    unread_count = Math.max(1, unread_count);
  }
  if (starredId && add.includes(starredId)) starred = true;
  if (starredId && remove.includes(starredId)) starred = false;
  if (change.add_flags?.includes('flagged')) starred = true;
  if (change.remove_flags?.includes('flagged')) starred = false;
  return { ...t, labels: next, unread, unread_count, starred };
}

type ListKey = ReturnType<typeof keys.threads>;

/**
 * Apply a change to every cached list at once; a row leaves a label's list
 * when it loses that label. Returns a function that puts the lists back.
 */
export function optimisticModify(qc: QueryClient, ids: string[], change: Modify): () => void {
  const labels = qc.getQueryData<Label[]>(keys.labels) ?? [];
  const snapshot = qc.getQueriesData<ThreadPage>({ queryKey: keys.threadsAll });
  const idSet = new Set(ids);
  for (const [key, page] of snapshot) {
    if (!page) continue;
    const scope = (key as unknown as ListKey)[1] as { label?: string; q?: string };
    const listLabel = scope.label ? resolveIds([scope.label], labels)[0] : undefined;
    let removed = 0;
    const items: ThreadSummary[] = [];
    for (const t of page.items) {
      if (!idSet.has(t.id)) {
        items.push(t);
        continue;
      }
      const next = applyChange(t, change, labels);
      const allMail = labels.find((l) => l.id === listLabel)?.role === 'all';
      if (listLabel && !allMail && t.labels.includes(listLabel) && !next.labels.includes(listLabel)) {
        removed += 1;
        continue;
      }
      items.push(next);
    }
    qc.setQueryData<ThreadPage>(key, {
      ...page,
      items,
      total: page.total == null ? page.total : Math.max(0, page.total - removed),
    });
  }
  const threads = qc.getQueriesData<{ labels: string[]; starred: boolean; messages: { unread: boolean }[] }>({
    queryKey: ['thread'],
  });
  for (const [key, thread] of threads) {
    if (!thread || !idSet.has(String(key[1]))) continue;
    const fake = applyChange(
      { labels: thread.labels, unread: false, unread_count: 0, starred: thread.starred } as unknown as ThreadSummary,
      change,
      labels,
    );
    qc.setQueryData(key, { ...thread, labels: fake.labels, starred: fake.starred });
  }
  return () => {
    for (const [key, page] of snapshot) qc.setQueryData(key, page);
    for (const [key, thread] of threads) qc.setQueryData(key, thread);
  };
}

export function useQc(): QueryClient {
  return useQueryClient();
}
