/** Floating compose windows at the bottom right: minimize, full screen, close (saves). */

import { useCallback, useRef, useState } from 'react';
import { useUi, type ComposeWindow } from '../../store/ui';
import { useMedia } from '../../lib/useMedia';
import { Icon } from '../Icon';
import { ComposeForm, type ComposeHandle } from './ComposeForm';

function Window({ w }: { w: ComposeWindow }) {
  const [subject, setSubject] = useState(w.init.subject ?? '');
  const form = useRef<ComposeHandle>(null);
  const phone = !useMedia('(min-width: 768px)');
  const update = (patch: Partial<ComposeWindow>) => useUi.getState().updateCompose(w.key, patch);
  const close = useCallback(() => useUi.getState().closeCompose(w.key), [w.key]);
  // the window stays known by its draft's latest id (opening that draft again raises it)
  const onDraftId = useCallback(
    (id: string) => {
      const ui = useUi.getState();
      const cur = ui.composes.find((c) => c.key === w.key);
      if (cur && cur.init.draftId !== id) ui.updateCompose(w.key, { init: { ...cur.init, draftId: id } });
    },
    [w.key],
  );
  const title = subject.trim() || 'New Message';
  const full = w.maximized || phone;

  const frame = full
    ? 'fixed inset-0 z-50 flex items-center justify-center bg-black/40 md:p-10'
    : 'pointer-events-auto';
  const box = full
    ? 'flex h-full w-full flex-col overflow-hidden bg-white shadow-2xl md:max-w-5xl md:rounded-lg'
    : `flex w-[min(540px,100vw)] flex-col overflow-hidden rounded-t-lg bg-white shadow-[0_8px_10px_1px_rgba(0,0,0,.14),0_3px_14px_2px_rgba(0,0,0,.12)] ${
        w.minimized ? '' : 'h-[min(560px,calc(100vh-80px))]'
      }`;

  return (
    <div className={frame}>
      <section role="dialog" aria-label={title} aria-modal={full ? true : undefined} className={box}>
        <div
          className="flex h-10 shrink-0 cursor-pointer items-center gap-1 bg-compose-bar pl-4 pr-2"
          onClick={() => w.minimized && update({ minimized: false })}
        >
          <h2 className="min-w-0 flex-1 truncate text-sm font-medium text-ink">{title}</h2>
          <button
            type="button"
            aria-label={w.minimized ? 'Restore' : 'Minimize'}
            onClick={(e) => {
              e.stopPropagation();
              update({ minimized: !w.minimized, maximized: false });
            }}
            className="rounded p-1 text-muted hover:bg-black/10"
          >
            <Icon name="minimize" size={18} />
          </button>
          <button
            type="button"
            aria-label={w.maximized ? 'Exit full screen' : 'Full screen'}
            onClick={(e) => {
              e.stopPropagation();
              update({ maximized: !w.maximized, minimized: false });
            }}
            className="hidden rounded p-1 text-muted hover:bg-black/10 md:block"
          >
            <Icon name={w.maximized ? 'unmaximize' : 'maximize'} size={18} />
          </button>
          <button
            type="button"
            aria-label="Save & close"
            onClick={(e) => {
              e.stopPropagation();
              void form.current?.close();
            }}
            className="rounded p-1 text-muted hover:bg-black/10"
          >
            <Icon name="close" size={18} />
          </button>
        </div>
        <div className={w.minimized ? 'hidden' : 'flex min-h-0 flex-1 flex-col'}>
          <ComposeForm ref={form} init={w.init} variant="window" onClose={close} onSubject={setSubject} onDraftId={onDraftId} minHeight={full ? 320 : 160} />
        </div>
      </section>
    </div>
  );
}

export default function ComposeDock() {
  const composes = useUi((s) => s.composes);
  return (
    <div className="pointer-events-none fixed bottom-0 right-0 z-40 flex items-end gap-4 md:right-4">
      {composes.map((w) => (
        <Window key={w.key} w={w} />
      ))}
    </div>
  );
}
