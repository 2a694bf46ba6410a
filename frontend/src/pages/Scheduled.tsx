import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { cancelScheduled } from '../api/endpoints';
import { keys, useScheduled } from '../api/hooks';
import { fullDate } from '../lib/format';
import { useUi } from '../store/ui';
import { Empty, ErrorState, ListSkeleton } from '../components/States';
import { Button } from '../components/Button';

export default function ScheduledPage() {
  const list = useScheduled();
  const qc = useQueryClient();
  useEffect(() => {
    document.title = 'Scheduled - mailcore';
  }, []);
  const cancel = async (id: string) => {
    try {
      await cancelScheduled(id);
      useUi.getState().toast('Scheduled send cancelled');
    } catch (e) {
      useUi.getState().toast(`Could not cancel: ${(e as Error).message}`);
    }
    void qc.invalidateQueries({ queryKey: keys.scheduled });
  };
  return (
    <main id="main" className="min-w-0 flex-1 overflow-y-auto bg-white md:mb-4 md:rounded-2xl">
      <h1 className="px-6 pb-2 pt-5 text-xl text-ink">Scheduled</h1>
      {list.isPending ? (
        <ListSkeleton rows={4} />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty icon="schedule" title="No scheduled messages">
          Use "Schedule send" in the compose window's send menu.
        </Empty>
      ) : (
        <ul aria-label="Scheduled messages">
          {list.data.items.map((s) => (
            <li key={s.id} className="flex items-center gap-4 border-b border-line px-6 py-3 text-sm">
              <span className="w-48 shrink-0 truncate font-medium">{s.recipients.join(', ') || '(no recipients)'}</span>
              <span className="min-w-0 flex-1 truncate">{s.subject || '(no subject)'}</span>
              <span className="shrink-0 text-error">{fullDate(s.send_at)}</span>
              <Button variant="secondary" size="sm" onClick={() => void cancel(s.id)} aria-label={`Cancel send of ${s.subject || 'message'}`}>
                Cancel send
              </Button>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
