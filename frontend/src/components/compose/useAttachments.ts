/**
 * The attachments of a message being written: each file is uploaded as soon
 * as it is added, with its progress, and a draft or a send refers to it by
 * the upload's id. Files over the limits are listed with their error and
 * never uploaded.
 */

import { useCallback, useEffect, useRef, useState } from 'react';
import * as api from '../../api/endpoints';
import { ApiError, fetchBlob } from '../../api/client';
import type { Attachment } from '../../api/types';
import { size } from '../../lib/format';
import { useLatest } from '../../lib/useLatest';
import { ATTACHMENT_LIMIT, FILE_LIMIT } from './limits';

export interface Upload {
  key: number;
  name: string;
  size: number;
  /** 0 to 1 */
  progress: number;
  /** the upload's id once it is stored */
  id: string | null;
  error: string | null;
  abort: AbortController;
}

export interface Attachments {
  uploads: Upload[];
  /** Upload files chosen or dropped by the user (the draft changes when each is stored). */
  add(files: FileList | File[]): void;
  /** Take an entry away, stopping its upload. */
  remove(key: number): void;
  /** Stop every upload (the message is discarded). */
  abortAll(): void;
  /** The stored uploads' ids, up to date even before the next render. */
  ids(): string[];
  /** Uploads still running, to wait for before a last save. */
  running(): Promise<unknown>[];
  /** Some upload has neither finished nor failed. */
  busy: boolean;
}

let uploadKey = 1;

/**
 * `initial` (a reopened draft's attachments) are fetched and uploaded again
 * once, so that every save keeps them; they do not count as a change.
 * `onChange` runs when an added file is stored or an entry is removed.
 */
export function useAttachments(initial: Attachment[] | undefined, onChange: () => void): Attachments {
  const [uploads, setUploads] = useState<Upload[]>([]);
  /** upload ids by entry key, kept in step with the uploads at once (state lags) */
  const attached = useRef(new Map<number, string>());
  /** uploads still running, by entry key */
  const pending = useRef(new Map<number, Promise<unknown>>());
  const changed = useLatest(onChange);

  const start = useCallback(
    (name: string, bytes: number, file: () => Promise<File>, changes: boolean) => {
      const key = uploadKey++;
      const abort = new AbortController();
      setUploads((u) => [...u, { key, name, size: bytes, progress: 0, id: null, error: null, abort }]);
      const update = (patch: Partial<Upload>) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, ...patch } : x)));
      const run = file()
        .then((f) => api.upload(f, (progress) => update({ progress }), abort.signal))
        .then((res) => {
          if (abort.signal.aborted) return;
          attached.current.set(key, res.id);
          update({ id: res.id, progress: 1 });
          if (changes) changed.current();
        })
        .catch((e: unknown) => {
          if (e instanceof DOMException && e.name === 'AbortError') return;
          update({ error: e instanceof ApiError ? e.message : 'Upload failed' });
        })
        .finally(() => pending.current.delete(key));
      pending.current.set(key, run);
    },
    [changed],
  );

  const [reopened] = useState(() => initial ?? []);
  useEffect(() => {
    for (const a of reopened) {
      const name = a.filename ?? 'attachment';
      start(name, a.size, async () => new File([await fetchBlob(a.url)], name, { type: a.content_type }), false);
    }
  }, [reopened, start]);

  const add = (files: FileList | File[]) => {
    let total = uploads.reduce((n, u) => n + (u.error ? 0 : u.size), 0);
    for (const file of Array.from(files)) {
      if (file.size > FILE_LIMIT || total + file.size > ATTACHMENT_LIMIT) {
        const error =
          file.size > FILE_LIMIT
            ? `Too large: a file can be at most ${size(FILE_LIMIT)}`
            : `Too large: attachments can total ${size(ATTACHMENT_LIMIT)}`;
        setUploads((u) => [
          ...u,
          { key: uploadKey++, name: file.name, size: file.size, progress: 0, id: null, error, abort: new AbortController() },
        ]);
        continue;
      }
      total += file.size;
      start(file.name, file.size, () => Promise.resolve(file), true);
    }
  };

  const remove = (key: number) => {
    uploads.find((u) => u.key === key)?.abort.abort();
    attached.current.delete(key);
    pending.current.delete(key);
    setUploads((x) => x.filter((y) => y.key !== key));
    changed.current();
  };

  return {
    uploads,
    add,
    remove,
    abortAll: () => uploads.forEach((u) => u.abort.abort()),
    ids: () => [...attached.current.values()],
    running: () => [...pending.current.values()],
    busy: uploads.some((u) => !u.id && !u.error),
  };
}
