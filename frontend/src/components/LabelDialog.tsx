/** Create, rename, recolour, nest and delete labels. */

import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { createLabel, deleteLabel, patchLabel } from '../api/endpoints';
import { keys, useLabels } from '../api/hooks';
import { ApiError } from '../api/client';
import type { Label } from '../api/types';
import { LABEL_COLORS } from '../lib/labels';
import { useUi } from '../store/ui';
import { Button } from './Button';
import { Dialog } from './Dialog';
import { DialogFooter } from './DialogFooter';

interface Props {
  label?: Label;
  parent?: string;
  onClose: () => void;
  onCreated?: (l: Label) => void;
}

export function LabelDialog({ label, parent, onClose, onCreated }: Props) {
  const labels = useLabels();
  const qc = useQueryClient();
  const parts = label?.name.split('/') ?? [];
  const [name, setName] = useState(label ? (parts[parts.length - 1] ?? '') : '');
  const [nestUnder, setNestUnder] = useState(label ? parts.slice(0, -1).join('/') : (parent ?? ''));
  const [color, setColor] = useState<string | null>(label?.color ?? null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const parents = (labels.data ?? [])
    .filter((l) => l.type === 'user' && l.id !== label?.id && !l.name.startsWith(`${label?.name ?? '\u0000'}/`))
    .map((l) => l.name)
    .sort();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const leaf = name.trim();
    if (!leaf) {
      setError('Enter a label name.');
      return;
    }
    if (leaf.includes('/')) {
      setError('Use "Nest label under" instead of "/" in the name.');
      return;
    }
    const full = nestUnder ? `${nestUnder}/${leaf}` : leaf;
    setBusy(true);
    setError(null);
    try {
      if (label) {
        const patch: { name?: string; color?: string | null } = {};
        if (full !== label.name) patch.name = full;
        if (color !== label.color) patch.color = color;
        if (Object.keys(patch).length) await patchLabel(label.id, patch);
        useUi.getState().toast(`Label "${full}" saved`);
      } else {
        const created = await createLabel(full, color);
        onCreated?.(created);
        useUi.getState().toast(`Label "${full}" created`);
      }
      await qc.invalidateQueries({ queryKey: keys.labels });
      onClose();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 409 ? 'A label with this name exists already.' : String((err as Error).message));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={label ? 'Edit label' : 'New label'} onClose={onClose}>
      <form onSubmit={submit} className="space-y-4">
        <div>
          <label htmlFor="label-name" className="mb-1 block text-sm text-muted">
            Label name
          </label>
          <input
            id="label-name"
            autoFocus
            value={name}
            onChange={(e) => setName(e.target.value)}
            className="w-full rounded border border-outline px-3 py-2 focus:border-accent focus:outline-none"
          />
        </div>
        <div>
          <label htmlFor="label-parent" className="mb-1 block text-sm text-muted">
            Nest label under
          </label>
          <select
            id="label-parent"
            value={nestUnder}
            onChange={(e) => setNestUnder(e.target.value)}
            className="w-full rounded border border-outline px-3 py-2"
          >
            <option value="">(no parent)</option>
            {parents.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </div>
        <fieldset>
          <legend className="mb-2 text-sm text-muted">Label colour</legend>
          <div className="flex flex-wrap gap-2">
            <button
              type="button"
              aria-label="No colour"
              aria-pressed={color === null}
              onClick={() => setColor(null)}
              className={`h-7 w-7 rounded-full border border-outline bg-white ${color === null ? 'ring-2 ring-accent ring-offset-2' : ''}`}
            />
            {LABEL_COLORS.map((c) => (
              <button
                key={c}
                type="button"
                aria-label={`Colour ${c}`}
                aria-pressed={color === c}
                onClick={() => setColor(c)}
                className={`h-7 w-7 rounded-full ${color === c ? 'ring-2 ring-accent ring-offset-2' : ''}`}
                style={{ background: c }}
              />
            ))}
          </div>
        </fieldset>
        {error && (
          <p role="alert" className="text-sm text-red">
            {error}
          </p>
        )}
        <DialogFooter onCancel={onClose} className="pt-2">
          <Button type="submit" variant="primary" disabled={busy}>
            {label ? 'Save' : 'Create'}
          </Button>
        </DialogFooter>
      </form>
    </Dialog>
  );
}

export function DeleteLabelDialog({ label, onClose }: { label: Label; onClose: () => void }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  async function remove() {
    try {
      await deleteLabel(label.id);
      await qc.invalidateQueries({ queryKey: keys.labels });
      void qc.invalidateQueries({ queryKey: keys.threadsAll });
      useUi.getState().toast(`Label "${label.name}" removed`);
      if (decodeURIComponent(location.pathname).startsWith(`/label/${label.name}`)) navigate('/label/INBOX');
      onClose();
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <Dialog title="Remove label" onClose={onClose}>
      <p className="text-sm text-muted">
        Remove the label "{label.name}"? Conversations keep their other labels; nothing is deleted.
      </p>
      {error && (
        <p role="alert" className="mt-2 text-sm text-red">
          {error}
        </p>
      )}
      <DialogFooter onCancel={onClose}>
        <Button variant="danger" onClick={remove}>
          Remove
        </Button>
      </DialogFooter>
    </Dialog>
  );
}
