import { SHORTCUTS } from '../lib/shortcuts';
import { useUi } from '../store/ui';
import { Dialog } from './Dialog';

export default function ShortcutsHelp() {
  const close = () => useUi.getState().setShortcutsOpen(false);
  return (
    <Dialog title="Keyboard shortcuts" onClose={close} wide>
      <dl className="grid grid-cols-1 gap-x-10 gap-y-2 sm:grid-cols-2">
        {SHORTCUTS.map(([key, what]) => (
          <div key={key} className="flex items-center justify-between gap-4 border-b border-line py-1.5">
            <dt className="text-muted">{what}</dt>
            <dd>
              <kbd className="rounded border border-outline-soft bg-surface px-2 py-0.5 font-mono text-xs text-ink">
                {key}
              </kbd>
            </dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
