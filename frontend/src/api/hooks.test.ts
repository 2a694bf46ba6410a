import { describe, expect, it } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import { applyChange, keys, optimisticModify } from './hooks';
import type { ThreadPage } from './types';
import { LABELS, thread } from '../test/fakeApi';

describe('optimistic changes', () => {
  it('applies flags and labels to a row', () => {
    const t = thread('1');
    const read = applyChange(t, { add_flags: ['seen'] }, LABELS);
    expect(read.unread).toBe(false);
    const starred = applyChange(t, { add_labels: ['Starred'] }, LABELS);
    expect(starred.starred).toBe(true);
    expect(starred.labels).toContain('6');
    const archived = applyChange(t, { remove_labels: ['INBOX'] }, LABELS);
    expect(archived.labels).not.toContain('1');
  });

  it('takes an archived conversation out of the Inbox list, and puts it back on rollback', () => {
    const qc = new QueryClient();
    qc.setQueryData(keys.labels, LABELS);
    const inbox = keys.threads({ label: 'INBOX' });
    const all = keys.threads({ label: 'All Mail' });
    const page: ThreadPage = { items: [thread('1'), thread('2')], next_cursor: null, total: 2 };
    qc.setQueryData(inbox, page);
    qc.setQueryData(all, page);
    const rollback = optimisticModify(qc, ['1'], { remove_labels: ['INBOX'] });
    expect(qc.getQueryData<ThreadPage>(inbox)?.items.map((t) => t.id)).toEqual(['2']);
    expect(qc.getQueryData<ThreadPage>(inbox)?.total).toBe(1);
    expect(qc.getQueryData<ThreadPage>(all)?.items.map((t) => t.id)).toEqual(['1', '2']);
    rollback();
    expect(qc.getQueryData<ThreadPage>(inbox)?.items).toHaveLength(2);
  });
});
