/**
 * Writing a message: recipients, subject, body, attachments; autosaved as a
 * draft every few seconds; sent with an Undo window or scheduled.
 */

import { forwardRef, useCallback, useEffect, useImperativeHandle, useRef, useState, type DragEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import * as api from '../../api/endpoints';
import { ApiError, fetchBlob } from '../../api/client';
import { keys, useMe } from '../../api/hooks';
import type { Compose } from '../../api/types';
import { parseAddress, size } from '../../lib/format';
import { textToHtml } from '../../lib/quote';
import { useUi, type ComposeInit } from '../../store/ui';
import { Icon } from '../Icon';
import { HtmlBody } from '../thread/MessageBody';
import { Editor, type EditorHandle } from './Editor';
import { RecipientField } from './RecipientField';
import { ScheduleDialog } from './ScheduleDialog';

/** The server takes uploads up to 25 MB each and messages up to 50 MB; base64 grows attachments by a third. */
export const FILE_LIMIT = 25 * 1024 * 1024;
export const ATTACHMENT_LIMIT = 35 * 1024 * 1024;
export const LIMIT_TEXT = `Files up to ${size(FILE_LIMIT)} each, ${size(ATTACHMENT_LIMIT)} in all`;
const AUTOSAVE_MS = 3000;

interface Upload {
  key: number;
  name: string;
  size: number;
  progress: number;
  id: string | null;
  error: string | null;
  abort: AbortController;
}

interface Props {
  init: ComposeInit;
  variant: 'window' | 'inline';
  onClose: () => void;
  /** the subject changed: the window title follows it */
  onSubject?: (s: string) => void;
  /** the draft was saved under a new id (every save stores it anew) */
  onDraftId?: (id: string) => void;
  minHeight?: number;
}

let uploadKey = 1;

/** The text of some HTML (the quote's text alternative). */
function htmlText(html: string): string {
  const div = document.createElement('div');
  div.innerHTML = html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|blockquote)>/gi, '\n');
  return (div.textContent ?? '').replace(/\n{3,}/g, '\n\n').trim();
}

export interface ComposeHandle {
  /** Save the draft and close. */
  close(): Promise<void>;
}

export const ComposeForm = forwardRef<ComposeHandle, Props>(function ComposeForm(
  { init, variant, onClose, onSubject, onDraftId, minHeight },
  ref,
) {
  const me = useMe();
  const qc = useQueryClient();
  const [to, setTo] = useState<string[]>(init.to ?? []);
  const [cc, setCc] = useState<string[]>(init.cc ?? []);
  const [bcc, setBcc] = useState<string[]>(init.bcc ?? []);
  const [showCc, setShowCc] = useState((init.cc?.length ?? 0) > 0);
  const [showBcc, setShowBcc] = useState((init.bcc?.length ?? 0) > 0);
  const [subject, setSubject] = useState(init.subject ?? '');
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [status, setStatus] = useState<'idle' | 'saving' | 'saved' | 'error'>('idle');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [toolbar, setToolbar] = useState(true);
  const [schedule, setSchedule] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [sendMenu, setSendMenu] = useState(false);
  const [showQuote, setShowQuote] = useState(false);
  const quote = init.quote ?? '';
  const editor = useRef<EditorHandle>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const draftId = useRef<string | null>(init.draftId ?? null);
  const dirty = useRef(false);
  const saving = useRef<Promise<void> | null>(null);
  const closed = useRef(false);
  /** upload ids by entry key, kept in step with the uploads at once (state lags) */
  const attached = useRef(new Map<number, string>());
  /** uploads still running, by entry key */
  const pending = useRef(new Map<number, Promise<unknown>>());

  const signature = me.data?.signature ?? '';
  const [initialHtml] = useState(() =>
    init.html !== undefined ? init.html : signature ? `<br><br>-- <br>${textToHtml(signature)}` : '',
  );

  const touch = () => {
    dirty.current = true;
    if (status === 'saved') setStatus('idle');
  };

  const payload = useCallback((): Compose => {
    const html = (editor.current?.html() ?? '') + quote;
    const text = (editor.current?.text() ?? '') + (quote ? `\n\n${htmlText(quote)}` : '');
    return {
      to,
      cc,
      bcc,
      subject,
      html,
      text,
      attachments: [...attached.current.values()],
      in_reply_to: init.inReplyTo ?? null,
      forward: init.forward ?? false,
    };
    // uploads is a dependency so that a finished upload makes a new payload
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [to, cc, bcc, subject, uploads, init.inReplyTo, init.forward, quote]);

  const isEmpty = useCallback(() => {
    const p = payload();
    const typed = (editor.current?.text() ?? '').trim();
    return !p.to?.length && !p.cc?.length && !p.bcc?.length && !p.subject && !typed && !p.attachments?.length;
  }, [payload]);

  const save = useCallback(async (): Promise<void> => {
    if (saving.current) await saving.current;
    if (!dirty.current || isEmpty()) return;
    // Saving while an attachment uploads would store the draft without it:
    // wait for it when closing, else save once it is done (it marks the form dirty).
    if (pending.current.size) {
      if (!closed.current) return;
      await Promise.allSettled([...pending.current.values()]);
    }
    dirty.current = false;
    setStatus('saving');
    const run = (async () => {
      try {
        const body = payload();
        // PUT stores the draft anew and answers its new id
        const saved = draftId.current ? await api.updateDraft(draftId.current, body) : await api.createDraft(body);
        draftId.current = saved.id;
        onDraftId?.(saved.id);
        if (!closed.current) setStatus('saved');
        void qc.invalidateQueries({ queryKey: keys.labels });
      } catch {
        dirty.current = true;
        if (!closed.current) setStatus('error');
      }
    })();
    saving.current = run;
    await run;
    saving.current = null;
  }, [payload, isEmpty, qc, onDraftId]);

  // Autosave every few seconds while there are changes.
  useEffect(() => {
    const timer = setInterval(() => void save(), AUTOSAVE_MS);
    return () => clearInterval(timer);
  }, [save]);

  useEffect(() => onSubject?.(subject), [subject, onSubject]);

  const close = async () => {
    closed.current = true;
    onClose();
    await save();
    if (draftId.current) void qc.invalidateQueries({ queryKey: keys.threadsAll });
  };

  useImperativeHandle(ref, () => ({ close }));

  const discard = async () => {
    closed.current = true;
    for (const u of uploads) u.abort.abort();
    onClose();
    if (saving.current) await saving.current;
    if (draftId.current) {
      try {
        await api.deleteDraft(draftId.current);
      } catch {
        /* gone already */
      }
      void qc.invalidateQueries({ queryKey: keys.labels });
      void qc.invalidateQueries({ queryKey: keys.threadsAll });
    }
    useUi.getState().toast('Draft discarded');
  };

  /** Upload a file (or get it first, for a reopened draft's attachments) as a new entry. */
  const startUpload = (name: string, bytes: number, file: () => Promise<File>, changes = true) => {
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
        if (changes) touch();
      })
      .catch((e: unknown) => {
        if (e instanceof DOMException && e.name === 'AbortError') return;
        update({ error: e instanceof ApiError ? e.message : 'Upload failed' });
      })
      .finally(() => pending.current.delete(key));
    pending.current.set(key, run);
  };

  const addFiles = (files: FileList | File[]) => {
    const list = Array.from(files);
    let total = uploads.reduce((n, u) => n + (u.error ? 0 : u.size), 0);
    for (const file of list) {
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
      startUpload(file.name, file.size, () => Promise.resolve(file));
    }
  };

  // A reopened draft's attachments are uploaded again, so that every save keeps them.
  useEffect(() => {
    for (const a of init.attachments ?? []) {
      const name = a.filename ?? 'attachment';
      startUpload(name, a.size, async () => new File([await fetchBlob(a.url)], name, { type: a.content_type }), false);
    }
    // once, for the attachments the window opened with
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const invalid = [...to, ...cc, ...bcc].filter((r) => !parseAddress(r));

  const doSend = async (at?: Date) => {
    setError(null);
    if (!to.length && !cc.length && !bcc.length) {
      setError('Please specify at least one recipient.');
      return;
    }
    if (invalid.length) {
      setError(`The address "${invalid[0]}" was not recognized. Please make sure that all addresses are properly formed.`);
      return;
    }
    if (uploads.some((u) => !u.id && !u.error)) {
      setError('Wait for the attachments to finish uploading.');
      return;
    }
    setSending(true);
    const body = payload();
    const sendAt = at ? at.toISOString() : null;
    try {
      if (saving.current) await saving.current;
      let res;
      if (draftId.current && !init.inReplyTo) {
        // A saved draft is brought up to date with the screen and sent by its
        // id: the server sends it and takes it out of Drafts.
        dirty.current = true;
        await save();
        if (dirty.current || !draftId.current) throw new Error('The draft could not be saved. Try again.');
        res = await api.send({ draft_id: draftId.current, send_at: sendAt, undo: true });
        draftId.current = null;
      } else {
        // A reply is sent from the screen (the server marks the original
        // answered); its draft is discarded once the send is accepted.
        res = await api.send({ ...body, send_at: sendAt, undo: true });
      }
      closed.current = true;
      onClose();
      if (draftId.current) void api.deleteDraft(draftId.current).catch(() => undefined);
      void qc.invalidateQueries({ queryKey: keys.labels });
      void qc.invalidateQueries({ queryKey: keys.threadsAll });
      if (init.threadId) void qc.invalidateQueries({ queryKey: keys.threadAll(init.threadId) });
      const ui = useUi.getState();
      const reopen = () =>
        ui.openCompose({
          ...init,
          to,
          cc,
          bcc,
          subject,
          html: editor.current?.html() ?? (body.html ?? ''),
          draftId: null,
          attachments: undefined,
        });
      if (at || (res.status === 'scheduled' && !(me.data?.undo_send_seconds ?? 0))) {
        void qc.invalidateQueries({ queryKey: keys.scheduled });
        ui.toast(`Send scheduled for ${at ? at.toLocaleString() : 'later'}`, {
          action: res.send_id
            ? { label: 'Undo', run: () => void api.cancelScheduled(res.send_id as string).then(reopen) }
            : undefined,
          timeout: 8000,
        });
        return;
      }
      const undoSeconds = me.data?.undo_send_seconds ?? 5;
      if (res.send_id && undoSeconds > 0) {
        ui.toast('Message sent', {
          action: {
            label: 'Undo',
            run: () => {
              api
                .cancelScheduled(res.send_id as string)
                .then(() => {
                  useUi.getState().toast('Sending undone');
                  reopen();
                  void qc.invalidateQueries({ queryKey: keys.threadsAll });
                })
                .catch(() => useUi.getState().toast('Too late: the message has been sent'));
            },
          },
          timeout: undoSeconds * 1000,
        });
      } else ui.toast('Message sent');
    } catch (e) {
      setError(e instanceof Error && !(e instanceof TypeError) ? e.message : 'The message could not be sent. Try again.');
    } finally {
      setSending(false);
    }
  };

  const onDrop = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    setDragging(false);
    addFiles(e.dataTransfer.files);
  };

  const inline = variant === 'inline';
  const ccToggles = (
    <span className="flex gap-2 pr-1 text-sm text-muted">
      {!showCc && (
        <button type="button" onClick={() => setShowCc(true)} className="hover:underline">
          Cc
        </button>
      )}
      {!showBcc && (
        <button type="button" onClick={() => setShowBcc(true)} className="hover:underline">
          Bcc
        </button>
      )}
    </span>
  );

  return (
    <div
      className="relative flex min-h-0 flex-1 flex-col"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node)) setDragging(false);
      }}
      onDrop={onDrop}
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
          e.preventDefault();
          void doSend();
        }
        if (e.key === 'Escape' && !inline) {
          e.stopPropagation();
          void close();
        }
      }}
    >
      <div className="px-3">
        <RecipientField label="To" value={to} onChange={(v) => (setTo(v), touch())} autoFocus={!to.length} trailing={ccToggles} />
        {showCc && <RecipientField label="Cc" value={cc} onChange={(v) => (setCc(v), touch())} />}
        {showBcc && <RecipientField label="Bcc" value={bcc} onChange={(v) => (setBcc(v), touch())} />}
        {!inline && (
          <input
            aria-label="Subject"
            placeholder="Subject"
            value={subject}
            onChange={(e) => {
              setSubject(e.target.value);
              touch();
            }}
            className="h-10 w-full border-0 border-b border-line bg-transparent px-1 text-sm outline-none focus-visible:outline-none"
          />
        )}
      </div>
      <div className="flex min-h-0 flex-1 flex-col px-3 pt-1">
        <Editor ref={editor} initialHtml={initialHtml} onInput={touch} showToolbar={toolbar} minHeight={minHeight ?? 180} autoFocus={to.length > 0} />
        {quote && (
          <div className="pb-1">
            <button
              type="button"
              aria-label={showQuote ? 'Hide trimmed content' : 'Show trimmed content'}
              aria-expanded={showQuote}
              onClick={() => setShowQuote(!showQuote)}
              className="rounded bg-[#e8eaed] px-2 leading-4 text-muted hover:bg-[#dadce0]"
            >
              •••
            </button>
            {showQuote && (
              <div className="mt-2 max-h-64 overflow-y-auto">
                <HtmlBody html={quote} title="Quoted message" />
              </div>
            )}
          </div>
        )}
      </div>
      {uploads.length > 0 && (
        <ul aria-label="Attachments" className="space-y-1 px-3 pt-2">
          {uploads.map((u) => (
            <li key={u.key} className={`flex items-center gap-2 rounded bg-[#f5f5f5] px-2 py-1.5 text-sm ${u.error ? 'text-red' : ''}`}>
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
                    className="h-1.5 w-24 accent-[#0b57d0]"
                  />
                )
              )}
              <button
                type="button"
                aria-label={`Remove attachment ${u.name}`}
                onClick={() => {
                  u.abort.abort();
                  attached.current.delete(u.key);
                  pending.current.delete(u.key);
                  setUploads((x) => x.filter((y) => y.key !== u.key));
                  touch();
                }}
                className="rounded-full p-1 hover:bg-black/10"
              >
                <Icon name="close" size={14} />
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p role="alert" className="mx-3 mt-2 rounded bg-[#fce8e6] px-3 py-2 text-sm text-red">
          {error}
        </p>
      )}
      <div className="flex items-center gap-1 px-3 py-3">
        <div className="relative flex">
          <button
            type="button"
            onClick={() => void doSend()}
            disabled={sending}
            className="rounded-l-full bg-accent py-2 pl-6 pr-4 text-sm font-medium text-white hover:bg-[#0842a0] hover:shadow disabled:opacity-60"
          >
            {sending ? 'Sending…' : 'Send'}
          </button>
          <button
            type="button"
            aria-label="More send options"
            aria-haspopup="menu"
            aria-expanded={sendMenu}
            onClick={() => setSendMenu(!sendMenu)}
            className="rounded-r-full border-l border-[#0842a0] bg-accent px-2 text-white hover:bg-[#0842a0]"
          >
            <Icon name="down" size={16} />
          </button>
          {sendMenu && (
            <div role="menu" className="absolute bottom-11 left-0 z-50 w-48 rounded-lg bg-white py-2 shadow-[0_4px_16px_rgba(0,0,0,.25)]">
              <button
                type="button"
                role="menuitem"
                autoFocus
                onClick={() => {
                  setSendMenu(false);
                  setSchedule(true);
                }}
                onKeyDown={(e) => e.key === 'Escape' && setSendMenu(false)}
                className="flex w-full items-center gap-3 px-4 py-2 text-left text-sm hover:bg-black/5 focus:bg-black/5"
              >
                <Icon name="schedule" size={18} /> Schedule send
              </button>
            </div>
          )}
        </div>
        <button
          type="button"
          aria-label="Formatting options"
          aria-pressed={toolbar}
          onClick={() => setToolbar(!toolbar)}
          className="ml-2 rounded-full p-2 text-muted hover:bg-black/5"
        >
          <span className="px-0.5 font-serif text-base underline">A</span>
        </button>
        <button
          type="button"
          aria-label={`Attach files (${LIMIT_TEXT})`}
          title={`Attach files (${LIMIT_TEXT})`}
          onClick={() => fileInput.current?.click()}
          className="rounded-full p-2 text-muted hover:bg-black/5"
        >
          <Icon name="clip" />
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          aria-hidden="true"
          tabIndex={-1}
          onChange={(e) => {
            if (e.target.files) addFiles(e.target.files);
            e.target.value = '';
          }}
        />
        <span aria-live="polite" className="ml-2 text-xs text-muted">
          {status === 'saving' ? 'Saving…' : status === 'saved' ? 'Draft saved' : status === 'error' ? 'Draft not saved' : ''}
        </span>
        <button
          type="button"
          aria-label="Discard draft"
          title="Discard draft"
          onClick={() => void discard()}
          className="ml-auto rounded-full p-2 text-muted hover:bg-black/5"
        >
          <Icon name="trash" />
        </button>
      </div>
      {dragging && (
        <div className="pointer-events-none absolute inset-2 flex flex-col items-center justify-center rounded-lg border-2 border-dashed border-accent bg-[#e8f0fe]/95 text-accent">
          <p className="text-lg font-medium">Drop files here</p>
          <p className="text-sm">{LIMIT_TEXT}</p>
        </div>
      )}
      {schedule && (
        <ScheduleDialog
          onClose={() => setSchedule(false)}
          onPick={(d) => {
            setSchedule(false);
            void doSend(d);
          }}
        />
      )}
    </div>
  );
});
