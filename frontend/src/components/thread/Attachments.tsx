/** Attachment chips with download, and image previews. */

import { useEffect, useState } from 'react';
import { fetchBlob } from '../../api/client';
import type { Attachment } from '../../api/types';
import { size } from '../../lib/format';
import { Icon } from '../Icon';

function isImage(a: Attachment): boolean {
  return /^image\/(png|jpe?g|gif|webp|bmp)$/i.test(a.content_type);
}

async function download(a: Attachment): Promise<void> {
  const blob = await fetchBlob(a.url);
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = a.filename ?? 'attachment';
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Preview({ a }: { a: Attachment }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let url: string | null = null;
    let live = true;
    fetchBlob(a.url + (a.url.includes('?') ? '&' : '?') + 'inline=true')
      .then((b) => {
        if (!live) return;
        url = URL.createObjectURL(b);
        setSrc(url);
      })
      .catch(() => undefined);
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [a.url]);
  return src ? (
    <img src={src} alt={a.filename ?? 'image attachment'} className="h-full w-full object-cover" />
  ) : (
    <Icon name="image" size={40} className="text-outline-soft" />
  );
}

export function Attachments({ items }: { items: Attachment[] }) {
  const shown = items.filter((a) => !(a.inline && a.content_id));
  const [error, setError] = useState<string | null>(null);
  if (shown.length === 0) return null;
  return (
    <section aria-label="Attachments" className="mt-4 border-t border-line pt-4">
      <p className="mb-3 text-sm font-medium text-muted">
        {shown.length} attachment{shown.length > 1 ? 's' : ''}
      </p>
      <ul className="flex flex-wrap gap-3">
        {shown.map((a) => (
          <li key={a.part} className="group relative w-44 overflow-hidden rounded-lg border border-line bg-hover-soft">
            {isImage(a) && (
              <div className="flex h-24 items-center justify-center overflow-hidden bg-surface-blue">
                <Preview a={a} />
              </div>
            )}
            <div className="flex items-center gap-2 p-2">
              <Icon name={isImage(a) ? 'image' : 'clip'} size={18} className="shrink-0 text-red" />
              <div className="min-w-0 flex-1">
                <p className="truncate text-xs font-medium text-ink" title={a.filename ?? ''}>
                  {a.filename ?? 'Untitled'}
                </p>
                <p className="text-xs text-muted">{size(a.size)}</p>
              </div>
              <button
                type="button"
                aria-label={`Download ${a.filename ?? 'attachment'}`}
                onClick={() => download(a).catch((e: Error) => setError(e.message))}
                className="rounded-full p-1.5 text-muted hover:bg-black/10"
              >
                <Icon name="download" size={18} />
              </button>
            </div>
          </li>
        ))}
      </ul>
      {error && (
        <p role="alert" className="mt-2 text-sm text-red">
          Download failed: {error}
        </p>
      )}
    </section>
  );
}
