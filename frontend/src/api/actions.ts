/** What a person does to conversations, with optimistic updates and Undo. */

import { useMemo } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import * as api from './endpoints';
import { keys, optimisticModify } from './hooks';
import type { Modify } from './types';
import { useUi } from '../store/ui';
import { ApiError } from './client';

function invert(change: Modify): Modify {
  return {
    add_labels: change.remove_labels ?? [],
    remove_labels: change.add_labels ?? [],
    add_flags: change.remove_flags ?? [],
    remove_flags: change.add_flags ?? [],
  };
}

function plural(n: number, what = 'Conversation'): string {
  return n === 1 ? what : `${n} ${what.toLowerCase()}s`;
}

export interface ThreadActions {
  modify(ids: string[], change: Modify, done?: string | null): Promise<void>;
  archive(ids: string[]): Promise<void>;
  trash(ids: string[]): Promise<void>;
  deleteForever(ids: string[]): Promise<void>;
  spam(ids: string[]): Promise<void>;
  notSpam(ids: string[]): Promise<void>;
  markRead(ids: string[], read: boolean): Promise<void>;
  star(ids: string[], on: boolean): Promise<void>;
  label(ids: string[], add: string[], remove: string[]): Promise<void>;
  moveTo(ids: string[], to: string, from: string | null): Promise<void>;
  moveToInbox(ids: string[]): Promise<void>;
}

export function useThreadActions(): ThreadActions {
  const qc = useQueryClient();
  return useMemo(() => {
    const toast = (text: string, undo?: () => void) =>
      useUi.getState().toast(text, undo ? { action: { label: 'Undo', run: undo } } : {});

    const settle = () => {
      void qc.invalidateQueries({ queryKey: keys.labels });
    };

    async function modify(ids: string[], change: Modify, done: string | null = null): Promise<void> {
      if (ids.length === 0) return;
      const rollback = optimisticModify(qc, ids, change);
      try {
        await api.modifyThreads(ids, change);
      } catch (e) {
        rollback();
        toast(e instanceof ApiError ? `Could not do that: ${e.message}` : 'Could not do that. Try again.');
        return;
      } finally {
        settle();
      }
      if (done) {
        toast(done, () => {
          void modify(ids, invert(change), 'Action undone');
        });
      }
    }

    return {
      modify,
      archive: (ids) => modify(ids, { remove_labels: ['INBOX'] }, `${plural(ids.length)} archived`),
      trash: (ids) =>
        modify(ids, { add_labels: ['Trash'], remove_labels: ['INBOX'] }, `${plural(ids.length)} moved to Trash`),
      async deleteForever(ids) {
        const rollback = optimisticModify(qc, ids, { remove_labels: ['Trash', 'Spam'] });
        try {
          await api.deleteThreads(ids);
          toast(`${plural(ids.length)} deleted forever`);
        } catch (e) {
          rollback();
          toast(e instanceof ApiError ? e.message : 'Could not delete');
        } finally {
          settle();
        }
      },
      spam: (ids) =>
        modify(ids, { add_labels: ['Spam'], remove_labels: ['INBOX'] }, `${plural(ids.length)} marked as spam`),
      notSpam: (ids) =>
        modify(ids, { add_labels: ['INBOX'], remove_labels: ['Spam'] }, `${plural(ids.length)} moved to Inbox`),
      markRead: (ids, read) => modify(ids, read ? { add_flags: ['seen'] } : { remove_flags: ['seen'] }),
      star: (ids, on) => modify(ids, on ? { add_labels: ['Starred'] } : { remove_labels: ['Starred'] }),
      label: (ids, add, remove) =>
        modify(ids, { add_labels: add, remove_labels: remove }, add.length || remove.length ? 'Labels updated' : null),
      moveTo: (ids, to, from) =>
        modify(
          ids,
          { add_labels: [to], remove_labels: from && from !== to ? [from] : [] },
          `${plural(ids.length)} moved to ${to === 'INBOX' ? 'Inbox' : to}`,
        ),
      moveToInbox: (ids) =>
        modify(ids, { add_labels: ['INBOX'], remove_labels: ['Trash'] }, `${plural(ids.length)} moved to Inbox`),
    };
  }, [qc]);
}
