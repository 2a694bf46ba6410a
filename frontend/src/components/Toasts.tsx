import { useEffect } from 'react';
import { useUi, type Toast } from '../store/ui';

function ToastItem({ t }: { t: Toast }) {
  const dismiss = useUi((s) => s.dismissToast);
  useEffect(() => {
    if (!t.timeout) return;
    const timer = setTimeout(() => dismiss(t.id), t.timeout);
    return () => clearTimeout(timer);
  }, [t.id, t.timeout, dismiss]);
  return (
    <div className="flex min-w-[288px] max-w-[560px] items-center gap-4 rounded bg-toast py-3 pl-5 pr-2 text-sm text-white shadow-lg">
      <span className="flex-1">{t.text}</span>
      {t.action && (
        <button
          type="button"
          className="rounded px-3 py-1.5 font-medium text-toast-action hover:bg-white/10"
          onClick={() => {
            t.action?.run();
            dismiss(t.id);
          }}
        >
          {t.action.label}
        </button>
      )}
      <button
        type="button"
        aria-label="Dismiss"
        className="rounded-full p-1.5 text-white/80 hover:bg-white/10"
        onClick={() => dismiss(t.id)}
      >
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" stroke="currentColor" strokeWidth="2">
          <path d="M6 6l12 12M18 6L6 18" />
        </svg>
      </button>
    </div>
  );
}

export function Toasts() {
  const toasts = useUi((s) => s.toasts);
  return (
    <div aria-live="polite" role="status" className="fixed bottom-6 left-6 z-50 flex flex-col gap-2">
      {toasts.map((t) => (
        <ToastItem key={t.id} t={t} />
      ))}
    </div>
  );
}
