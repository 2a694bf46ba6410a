import { useState } from 'react';
import { Button } from '../Button';
import { Dialog } from '../Dialog';
import { DialogFooter } from '../DialogFooter';
import { fullDate } from '../../lib/format';

function at(daysAhead: number, hour: number, from = new Date()): Date {
  const d = new Date(from);
  d.setDate(d.getDate() + daysAhead);
  d.setHours(hour, 0, 0, 0);
  return d;
}

function nextMonday(hour: number, from = new Date()): Date {
  const days = ((8 - from.getDay()) % 7) || 7;
  return at(days, hour, from);
}

function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function ScheduleDialog({ onPick, onClose }: { onPick: (d: Date) => void; onClose: () => void }) {
  const presets: [string, Date][] = [
    ['Tomorrow morning', at(1, 8)],
    ['Tomorrow afternoon', at(1, 13)],
    ['Monday morning', nextMonday(8)],
  ];
  const [custom, setCustom] = useState(localInput(at(1, 9)));
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title="Schedule send" onClose={onClose}>
      <ul className="mb-4">
        {presets.map(([label, d]) => (
          <li key={label}>
            <button
              type="button"
              onClick={() => onPick(d)}
              className="flex w-full justify-between rounded px-3 py-2 text-left text-sm hover:bg-black/5"
            >
              <span>{label}</span>
              <span className="text-muted">{fullDate(d.toISOString())}</span>
            </button>
          </li>
        ))}
      </ul>
      <label htmlFor="schedule-at" className="mb-1 block text-sm text-muted">
        Pick date &amp; time
      </label>
      <input
        id="schedule-at"
        type="datetime-local"
        value={custom}
        onChange={(e) => setCustom(e.target.value)}
        className="w-full rounded border border-outline px-3 py-2"
      />
      {error && (
        <p role="alert" className="mt-2 text-sm text-red">
          {error}
        </p>
      )}
      <DialogFooter onCancel={onClose}>
        <Button
          variant="primary"
          onClick={() => {
            const d = new Date(custom);
            if (Number.isNaN(d.getTime()) || d.getTime() < Date.now() + 60_000) {
              setError('Choose a time at least a minute from now.');
              return;
            }
            onPick(d);
          }}
        >
          Schedule send
        </Button>
      </DialogFooter>
    </Dialog>
  );
}
