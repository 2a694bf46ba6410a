/** The mail screen: the list of a label or a search, and the open conversation. */

import { useCallback, useEffect, useMemo, useRef, type MouseEvent } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { prefetchThread, threadQuery, useLabels, useMe, useThreads } from '../api/hooks';
import { useThreadActions } from '../api/actions';
import { ApiError } from '../api/client';
import type { Label } from '../api/types';
import { draftInit } from '../lib/draft';
import { findLabel, routeLabelTitle } from '../lib/labels';
import { listPath, parseMailPath, threadPath, type MailRoute } from '../lib/route';
import { useShortcuts } from '../lib/shortcuts';
import { useMedia } from '../lib/useMedia';
import { useUi } from '../store/ui';
import { Empty, ErrorState, ListSkeleton } from '../components/States';
import { ThreadRow } from '../components/list/ThreadRow';
import { Toolbar } from '../components/list/Toolbar';
import { QueryError } from '../components/list/QueryError';
import { NotFound } from './NotFound';

// Not lazy: React holds a revealed Suspense boundary back for up to 300 ms,
// which would be most of the time it takes to open a conversation.
import ThreadView from '../components/thread/ThreadView';

/** Cursors of the pages seen, per list, so "Newer" can go back. */
const pageCursors = new Map<string, Map<number, string>>();

export function MailView() {
  const location = useLocation();
  const route = parseMailPath(location.pathname);
  if (!route) return <NotFound />;
  return <Mail route={route} />;
}

function Mail({ route }: { route: MailRoute }) {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [params] = useSearchParams();
  const cursorParam = params.get('cursor') ?? undefined;
  const start = cursorParam ? Number(params.get('start') ?? 0) || 0 : 0;
  const listKey = `${route.mode}:${route.value}`;
  const query = route.mode === 'search' ? { q: route.value, cursor: cursorParam } : { label: route.value, cursor: cursorParam };
  const list = useThreads(query);
  const labels = useLabels();
  const me = useMe();
  const actions = useThreadActions();
  const wide = useMedia('(min-width: 1024px)');
  const phone = !useMedia('(min-width: 768px)');
  const split = wide && !!route.threadId;
  const density = useUi((s) => s.density);
  const selected = useUi((s) => s.selected);
  const cursor = useUi((s) => s.cursor);
  const items = useMemo(() => list.data?.items ?? [], [list.data]);
  const label = route.mode === 'label' ? findLabel(route.value, labels.data) : undefined;
  const title = route.mode === 'search' ? 'Search results' : routeLabelTitle(route.value, labels.data);
  const listRef = useRef<HTMLUListElement>(null);
  const search = params.toString() ? `?${params.toString()}` : '';

  // A new list starts with nothing selected.
  useEffect(() => {
    useUi.getState().clearSelection();
    useUi.getState().setReply(null);
  }, [listKey]);

  // The tab title: "Inbox (3) - demo@example.com - mailcore".
  useEffect(() => {
    const unread = label?.unread ?? 0;
    const shown = route.mode === 'search' ? `Search results for "${route.value}"` : title;
    const who = me.data?.address ? ` - ${me.data.address}` : '';
    document.title = `${shown}${unread && route.mode === 'label' ? ` (${unread})` : ''}${who} - mailcore`;
  }, [title, label?.unread, me.data?.address, route.mode, route.value]);

  const userLabels = useMemo(() => {
    const m = new Map<string, Label>();
    for (const l of labels.data ?? []) if (l.type === 'user') m.set(l.id, l);
    return m;
  }, [labels.data]);

  const cursorIndex = Math.max(
    0,
    items.findIndex((t) => t.id === (route.threadId ?? cursor)),
  );

  const inDrafts = label?.role === 'drafts';
  const open = useCallback(
    (id: string) => {
      useUi.getState().setCursor(id);
      if (inDrafts) {
        // Like Gmail, a draft opens in the compose window; a conversation
        // whose last message is not a draft opens as usual.
        void qc
          .fetchQuery(threadQuery(id))
          .then((t) => {
            const init = draftInit(t, labels.data);
            if (init) useUi.getState().openCompose(init);
            else navigate(threadPath(route, id) + search);
          })
          .catch(() => navigate(threadPath(route, id) + search));
        return;
      }
      prefetchThread(qc, id); // the request starts before React renders the route
      navigate(threadPath(route, id) + search);
    },
    [navigate, route, search, qc, inDrafts, labels.data],
  );

  const backToList = useCallback(() => {
    navigate(listPath(route) + search);
    requestAnimationFrame(() => focusRow(listRef.current, useUi.getState().cursor));
  }, [navigate, route, search]);

  /** Ids an action applies to: the open thread, else the selection, else the cursor row. */
  const targets = useCallback((): string[] => {
    if (route.threadId) return [route.threadId];
    const sel = useUi.getState().selected;
    if (sel.size) return [...sel];
    const row = items[cursorIndex];
    return row ? [row.id] : [];
  }, [route.threadId, items, cursorIndex]);

  /** Run an action that takes conversations out of this list, keeping the cursor sensible. */
  const removing = useCallback(
    (run: (ids: string[]) => Promise<void>) => {
      const ids = targets();
      if (!ids.length) return;
      const rest = items.filter((t) => !ids.includes(t.id));
      const after = items.slice(cursorIndex).find((t) => !ids.includes(t.id)) ?? rest[rest.length - 1];
      useUi.getState().setCursor(after?.id ?? null);
      useUi.getState().clearSelection();
      void run(ids);
      if (route.threadId) backToList();
    },
    [targets, items, cursorIndex, route.threadId, backToList],
  );

  const moveCursor = (delta: number) => {
    if (!items.length) return;
    const next = items[Math.min(items.length - 1, Math.max(0, cursorIndex + delta))];
    if (!next) return;
    if (route.threadId) {
      open(next.id);
      return;
    }
    useUi.getState().setCursor(next.id);
    focusRow(listRef.current, next.id);
  };

  const role = label?.role ?? null;
  const archiveOrInbox = role === 'inbox' || route.mode === 'search' ? actions.archive : null;

  useShortcuts({
    j: () => moveCursor(1),
    k: () => moveCursor(-1),
    ArrowDown: () => !route.threadId && moveCursor(1),
    ArrowUp: () => !route.threadId && moveCursor(-1),
    o: () => !route.threadId && items[cursorIndex] && open(items[cursorIndex].id),
    Enter: () => !route.threadId && items[cursorIndex] && open(items[cursorIndex].id),
    u: () => route.threadId && backToList(),
    e: () => removing(archiveOrInbox ?? actions.archive),
    '#': () => removing(role === 'trash' ? actions.deleteForever : actions.trash),
    '!': () => removing(actions.spam),
    s: () => {
      const id = route.threadId ?? items[cursorIndex]?.id;
      const t = items.find((x) => x.id === id);
      if (id) void actions.star([id], !(t?.starred ?? false));
    },
    x: () => {
      const row = items[cursorIndex];
      if (row && !route.threadId) useUi.getState().toggleSelected(row.id);
    },
    I: () => void actions.markRead(targets(), true),
    U: () => {
      void actions.markRead(targets(), false);
      if (route.threadId) backToList();
    },
  });

  const onSelect = useCallback(
    (id: string, e: MouseEvent) => {
      const ui = useUi.getState();
      if (e.shiftKey && ui.cursor) {
        const a = items.findIndex((t) => t.id === ui.cursor);
        const b = items.findIndex((t) => t.id === id);
        if (a >= 0 && b >= 0) {
          const [lo, hi] = a < b ? [a, b] : [b, a];
          const next = new Set(ui.selected);
          for (const t of items.slice(lo, hi + 1)) next.add(t.id);
          ui.setSelected(next);
          return;
        }
      }
      ui.toggleSelected(id);
      ui.setCursor(id);
    },
    [items],
  );
  const onStar = useCallback((id: string, on: boolean) => void actions.star([id], on), [actions]);
  const onArchive = useCallback((id: string) => void actions.archive([id]), [actions]);
  const onTrash = useCallback((id: string) => void actions.trash([id]), [actions]);
  const onRead = useCallback((id: string, read: boolean) => void actions.markRead([id], read), [actions]);
  const onHover = useCallback((id: string) => prefetchThread(qc, id), [qc]);
  const selectionIds = useCallback(() => [...useUi.getState().selected], []);

  const older = () => {
    const next = list.data?.next_cursor;
    if (!next) return;
    const pages = pageCursors.get(listKey) ?? new Map<number, string>();
    const nextStart = start + items.length;
    pages.set(nextStart, next);
    pageCursors.set(listKey, pages);
    navigate(`${listPath(route)}?cursor=${encodeURIComponent(next)}&start=${nextStart}`);
  };
  const newer = () => {
    const pages = pageCursors.get(listKey);
    const starts = [...(pages?.keys() ?? [])].filter((s) => s < start).sort((a, b) => b - a);
    const prev = starts[0];
    const c = prev !== undefined ? pages?.get(prev) : undefined;
    if (prev && c) navigate(`${listPath(route)}?cursor=${encodeURIComponent(c)}&start=${prev}`);
    else navigate(listPath(route));
  };

  const ids = () => [...useUi.getState().selected];
  const bulkDone = () => useUi.getState().clearSelection();
  const bulk = {
    archive: () => (void actions.archive(ids()), bulkDone()),
    unarchive: () => (void actions.moveToInbox(ids()), bulkDone()),
    trash: () => (void actions.trash(ids()), bulkDone()),
    deleteForever: () => (void actions.deleteForever(ids()), bulkDone()),
    spam: () => (void actions.spam(ids()), bulkDone()),
    notSpam: () => (void actions.notSpam(ids()), bulkDone()),
    read: (read: boolean) => void actions.markRead(ids(), read),
    label: (add: string[], remove: string[]) => void actions.label(ids(), add, remove),
    moveTo: (to: string) => (void actions.moveTo(ids(), to, route.mode === 'label' && role !== 'all' ? route.value : null), bulkDone()),
  };

  const twoLine = split || phone;
  const listPane = (
    <section
      aria-label={route.mode === 'search' ? 'Search results' : `${title} conversations`}
      className={`flex min-w-0 flex-col ${split ? 'w-[42%] min-w-[340px] max-w-[560px] shrink-0 border-r border-line' : 'flex-1'}`}
    >
      <Toolbar
        items={items}
        selected={selected}
        setSelected={(s) => useUi.getState().setSelected(s)}
        refresh={() => void list.refetch()}
        refreshing={list.isFetching}
        start={start}
        total={list.data?.total ?? (list.data && !list.data.next_cursor ? start + items.length : null)}
        hasNewer={start > 0}
        hasOlder={!!list.data?.next_cursor}
        newer={newer}
        older={older}
        role={route.mode === 'search' ? undefined : role}
        bulk={bulk}
      />
      <div className="min-h-0 flex-1 overflow-y-auto">
        {list.isPending ? (
          <ListSkeleton />
        ) : list.isError && !list.data ? (
          list.error instanceof ApiError && list.error.kind === 'invalid-query' ? (
            <QueryError query={route.value} error={list.error} />
          ) : (
            <ErrorState error={list.error} retry={() => void list.refetch()} title="Conversations could not be loaded" />
          )
        ) : items.length === 0 ? (
          route.mode === 'search' ? (
            <Empty icon="search" title="No messages matched your search">
              Try different words, or use the search options to refine it.
            </Empty>
          ) : (
            <Empty title={`No conversations in ${title}`}>
              {role === 'inbox' ? 'New mail arrives here the moment it is delivered.' : null}
            </Empty>
          )
        ) : (
          <ul ref={listRef} aria-label="Conversations" className="pb-4">
            {items.map((t, i) => (
              <ThreadRow
                key={t.id}
                thread={t}
                href={threadPath(route, t.id)}
                me={me.data?.address}
                selected={selected.has(t.id)}
                cursor={i === cursorIndex}
                open={t.id === route.threadId}
                twoLine={twoLine}
                compact={density === 'compact'}
                userLabels={userLabels}
                hideLabel={route.mode === 'label' ? route.value : undefined}
                selectionIds={selectionIds}
                onSelect={onSelect}
                onStar={onStar}
                onArchive={onArchive}
                onTrash={onTrash}
                onRead={onRead}
                onOpen={open}
                onHover={onHover}
              />
            ))}
          </ul>
        )}
      </div>
    </section>
  );

  return (
    <main id="main" className="flex min-w-0 flex-1 overflow-hidden bg-white md:mb-4 md:rounded-2xl">
      <h1 className="sr-only">{route.mode === 'search' ? `Search results for ${route.value}` : title}</h1>
      {(!route.threadId || split) && listPane}
      {route.threadId && (
          <ThreadView
            key={route.threadId}
            id={route.threadId}
            route={route}
            onBack={backToList}
            onRemoved={(run) => removing(run)}
            listRole={role}
          />
      )}
    </main>
  );
}

function focusRow(ul: HTMLUListElement | null, id: string | null): void {
  if (!ul || !id) return;
  const link = ul.querySelector<HTMLElement>(`li[data-thread-id="${CSS.escape(id)}"] [data-row-link]`);
  link?.focus({ preventScroll: false });
  link?.scrollIntoView({ block: 'nearest' });
}

