import { useEffect, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { patchMe } from '../api/endpoints';
import { keys, useMe } from '../api/hooks';
import { useUi, type Density } from '../store/ui';
import { ErrorState, Loading } from '../components/States';
import { Button } from '../components/Button';

export default function Settings() {
  const me = useMe();
  const qc = useQueryClient();
  const density = useUi((s) => s.density);
  const notifications = useUi((s) => s.notifications);
  const [name, setName] = useState('');
  const [signature, setSignature] = useState('');
  const [undo, setUndo] = useState(5);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [permission, setPermission] = useState(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);

  useEffect(() => {
    document.title = 'Settings - mailcore';
  }, []);
  useEffect(() => {
    if (!me.data) return;
    setName(me.data.display_name ?? '');
    setSignature(me.data.signature);
    setUndo(me.data.undo_send_seconds);
  }, [me.data]);

  async function save(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    setMessage(null);
    try {
      const updated = await patchMe({ display_name: name.trim() || null, signature, undo_send_seconds: undo });
      qc.setQueryData(keys.me, updated);
      setMessage('Settings saved');
    } catch (err) {
      setMessage(`Could not save: ${(err as Error).message}`);
    } finally {
      setSaving(false);
    }
  }

  async function toggleNotifications(on: boolean) {
    if (on && typeof Notification !== 'undefined' && Notification.permission !== 'granted') {
      const p = await Notification.requestPermission();
      setPermission(p);
      if (p !== 'granted') return;
    }
    useUi.getState().setPrefs({ notifications: on });
  }

  return (
    <main id="main" className="min-w-0 flex-1 overflow-y-auto bg-white md:mb-4 md:rounded-2xl">
      <div className="mx-auto max-w-3xl px-6 py-8">
        <h1 className="mb-6 text-2xl text-ink">Settings</h1>
        {me.isPending ? (
          <Loading label="Loading settings" />
        ) : me.isError ? (
          <ErrorState error={me.error} retry={() => void me.refetch()} />
        ) : (
          <form onSubmit={save} className="divide-y divide-line">
            <section className="grid gap-2 py-5 md:grid-cols-[220px_1fr]">
              <label htmlFor="display-name" className="font-medium text-ink">
                Display name
              </label>
              <div>
                <input
                  id="display-name"
                  value={name}
                  maxLength={200}
                  onChange={(e) => setName(e.target.value)}
                  className="w-full max-w-md rounded border border-outline px-3 py-2"
                />
                <p className="mt-1 text-sm text-muted">Shown to people you write to, as in “{name || me.data.address}” &lt;{me.data.address}&gt;.</p>
              </div>
            </section>
            <section className="grid gap-2 py-5 md:grid-cols-[220px_1fr]">
              <label htmlFor="signature" className="font-medium text-ink">
                Signature
              </label>
              <div>
                <textarea
                  id="signature"
                  value={signature}
                  rows={4}
                  maxLength={10000}
                  onChange={(e) => setSignature(e.target.value)}
                  className="w-full rounded border border-outline px-3 py-2"
                />
                <p className="mt-1 text-sm text-muted">Added to new messages and replies.</p>
              </div>
            </section>
            <section className="grid gap-2 py-5 md:grid-cols-[220px_1fr]">
              <label htmlFor="undo-send" className="font-medium text-ink">
                Undo send
              </label>
              <div className="flex items-center gap-2">
                <span className="text-sm text-muted">Send cancellation period:</span>
                <select
                  id="undo-send"
                  value={undo}
                  onChange={(e) => setUndo(Number(e.target.value))}
                  className="rounded border border-outline px-2 py-1"
                >
                  {[0, 5, 10, 20, 30].map((s) => (
                    <option key={s} value={s}>
                      {s === 0 ? 'off' : `${s} seconds`}
                    </option>
                  ))}
                </select>
              </div>
            </section>
            <fieldset className="grid gap-2 py-5 md:grid-cols-[220px_1fr]">
              <legend className="float-left font-medium text-ink md:w-[220px]">Density</legend>
              <div className="flex gap-6">
                {(['comfortable', 'compact'] as Density[]).map((d) => (
                  <label key={d} className="flex items-center gap-2 capitalize">
                    <input
                      type="radio"
                      name="density"
                      value={d}
                      checked={density === d}
                      onChange={() => useUi.getState().setPrefs({ density: d })}
                      className="accent-accent"
                    />
                    {d}
                  </label>
                ))}
              </div>
            </fieldset>
            <fieldset className="grid gap-2 py-5 md:grid-cols-[220px_1fr]">
              <legend className="float-left font-medium text-ink md:w-[220px]">Desktop notifications</legend>
              <div>
                <label className="flex items-center gap-2">
                  <input
                    type="checkbox"
                    checked={notifications}
                    disabled={permission === 'unsupported' || permission === 'denied'}
                    onChange={(e) => void toggleNotifications(e.target.checked)}
                    className="h-4 w-4 accent-accent"
                  />
                  Notify me of new mail while mailcore is in the background
                </label>
                {permission === 'denied' && (
                  <p className="mt-1 text-sm text-red">Notifications are blocked for this site in the browser settings.</p>
                )}
                {permission === 'unsupported' && <p className="mt-1 text-sm text-muted">This browser cannot show notifications.</p>}
              </div>
            </fieldset>
            <div className="flex items-center gap-4 pt-6">
              <Button type="submit" variant="primary" disabled={saving}>
                {saving ? 'Saving…' : 'Save changes'}
              </Button>
              {message && (
                <p role="status" className="text-sm text-muted">
                  {message}
                </p>
              )}
            </div>
          </form>
        )}
      </div>
    </main>
  );
}
