/** The files attached to a message being written: name, size, upload progress or error, and Remove. */

import { size } from '../../lib/format';
import { Icon } from '../Icon';
import type { Upload } from './useAttachments';

interface Props {
  uploads: Upload[];
  onRemove: (key: number) => void;
}

export function AttachmentList({ uploads, onRemove }: Props) {
  if (!uploads.length) return null;
  return (
    <ul aria-label="Attachments" className="space-y-1 px-3 pt-2">
      {uploads.map((u) => (
        <li key={u.key} className={`flex items-center gap-2 rounded bg-attachment px-2 py-1.5 text-sm ${u.error ? 'text-red' : ''}`}>
          <Icon name="clip" size={16} className="shrink-0" />
          <span className="min-w-0 flex-1 truncate font-medium text-accent">{u.name}</span>
          <span className="text-xs text-muted">({size(u.size)})</span>
          {u.error ? (
            <span role="alert" className="text-xs">
              {u.error}
            </span>
          ) : (
            !u.id && (
              <progress
                aria-label={`Uploading ${u.name}`}
                value={Math.round(u.progress * 100)}
                max={100}
                className="h-1.5 w-24 accent-accent"
              />
            )
          )}
          <button
            type="button"
            aria-label={`Remove attachment ${u.name}`}
            onClick={() => onRemove(u.key)}
            className="rounded-full p-1 hover:bg-black/10"
          >
            <Icon name="close" size={14} />
          </button>
        </li>
      ))}
    </ul>
  );
}
