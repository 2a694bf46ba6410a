import { useUi } from '../store/ui';

export function OfflineBanner() {
  const connection = useUi((s) => s.connection);
  if (connection !== 'offline') return null;
  return (
    <div
      role="status"
      className="fixed left-1/2 top-2 z-50 -translate-x-1/2 rounded-lg bg-banner px-4 py-2 text-sm text-white shadow-lg"
    >
      You're offline. Reconnecting… Changes will appear when the connection is back.
    </div>
  );
}
