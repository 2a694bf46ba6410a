/**
 * The draft behind a compose form: its recipients and subject, its saved
 * state, and its life as a stored draft. It is saved every few seconds while
 * it has changes (never while empty, and never without an attachment still
 * uploading, unless the form is closing), saved once more on close, and
 * deleted on discard. Every save stores it anew under a new id.
 */

import { useCallback, useEffect, useReducer, useRef, useState, type RefObject } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import * as api from '../../api/endpoints';
import { keys } from '../../api/hooks';
import type { Compose } from '../../api/types';
import { useLatest } from '../../lib/useLatest';
import { useUi, type ComposeInit } from '../../store/ui';
import type { EditorHandle } from './Editor';
import { useAttachments, type Attachments } from './useAttachments';

export const AUTOSAVE_MS = 3000;

export interface DraftFields {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
}

export type SaveStatus = 'idle' | 'saving' | 'saved' | 'error';

type FieldChange = { [K in keyof DraftFields]: { field: K; value: DraftFields[K] } }[keyof DraftFields];

export function fieldsReducer(state: DraftFields, change: FieldChange): DraftFields {
  return { ...state, [change.field]: change.value };
}

/** The text of some HTML (the quote's text alternative). */
export function htmlText(html: string): string {
  const div = document.createElement('div');
  div.innerHTML = html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|blockquote)>/gi, '\n');
  return (div.textContent ?? '').replace(/\n{3,}/g, '\n\n').trim();
}

interface Options {
  init: ComposeInit;
  editor: RefObject<EditorHandle | null>;
  /** the form is going away (closed, discarded or sent) */
  onClose: () => void;
  /** the draft was saved under a new id */
  onDraftId?: ((id: string) => void) | undefined;
}

export interface ComposeDraft {
  fields: DraftFields;
  /** its attachments (a reopened draft's are uploaded again) */
  attachments: Attachments;
  /** Change a field; the draft has changes. */
  setField: <K extends keyof DraftFields>(field: K, value: DraftFields[K]) => void;
  status: SaveStatus;
  /** The body or the attachments changed. */
  changed: () => void;
  /** The message as the screen shows it. */
  payload: () => Compose;
  /** Save if there are changes (waits for a save under way first). */
  save: () => Promise<void>;
  /** Save the screen now, for sending the draft by its id; answers the id. */
  saveForSend: () => Promise<string>;
  /** The stored draft's id, if it was saved. */
  id: () => string | null;
  /** The draft was sent by its id: the server took it out of Drafts. */
  forgetId: () => void;
  /** Wait for a save under way. */
  settled: () => Promise<void>;
  /** Save and close. */
  close: () => Promise<void>;
  /** Close and delete the stored draft. */
  discard: () => Promise<void>;
  /** Close without saving (the message was sent). */
  closeSent: () => void;
}

export function useComposeDraft({ init, editor, onClose, onDraftId }: Options): ComposeDraft {
  const qc = useQueryClient();
  const [fields, dispatch] = useReducer(fieldsReducer, init, (i) => ({
    to: i.to ?? [],
    cc: i.cc ?? [],
    bcc: i.bcc ?? [],
    subject: i.subject ?? '',
  }));
  const [status, setStatus] = useState<SaveStatus>('idle');
  const draftId = useRef<string | null>(init.draftId ?? null);
  const dirty = useRef(false);
  const saving = useRef<Promise<void> | null>(null);
  const closed = useRef(false);

  const changed = useCallback(() => {
    dirty.current = true;
    setStatus((s) => (s === 'saved' ? 'idle' : s));
  }, []);
  const attachments = useAttachments(init.attachments, changed);
  const latest = useLatest({ fields, init, attachments, onClose, onDraftId });

  const setField = useCallback(
    <K extends keyof DraftFields>(field: K, value: DraftFields[K]) => {
      dispatch({ field, value } as FieldChange);
      changed();
    },
    [changed],
  );

  const payload = useCallback((): Compose => {
    const { fields: f, init: i, attachments: a } = latest.current;
    const quote = i.quote ?? '';
    const html = (editor.current?.html() ?? '') + quote;
    const text = (editor.current?.text() ?? '') + (quote ? `\n\n${htmlText(quote)}` : '');
    return {
      to: f.to,
      cc: f.cc,
      bcc: f.bcc,
      subject: f.subject,
      html,
      text,
      attachments: a.ids(),
      in_reply_to: i.inReplyTo ?? null,
      forward: i.forward ?? false,
    };
  }, [latest, editor]);

  const isEmpty = useCallback(() => {
    const p = payload();
    const typed = (editor.current?.text() ?? '').trim();
    return !p.to?.length && !p.cc?.length && !p.bcc?.length && !p.subject && !typed && !p.attachments?.length;
  }, [payload, editor]);

  const save = useCallback(async (): Promise<void> => {
    if (saving.current) await saving.current;
    if (!dirty.current || isEmpty()) return;
    // Saving while an attachment uploads would store the draft without it:
    // wait for it when closing, else save once it is done (it marks the form dirty).
    const running = latest.current.attachments.running();
    if (running.length) {
      if (!closed.current) return;
      await Promise.allSettled(running);
    }
    dirty.current = false;
    setStatus('saving');
    const run = (async () => {
      try {
        const body = payload();
        // PUT stores the draft anew and answers its new id
        const saved = draftId.current ? await api.updateDraft(draftId.current, body) : await api.createDraft(body);
        draftId.current = saved.id;
        latest.current.onDraftId?.(saved.id);
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
  }, [payload, isEmpty, qc, latest]);

  // Autosave every few seconds while there are changes. The clock starts
  // again whenever the fields or the attachments change, so a save waits for
  // a pause in typing them.
  useEffect(() => {
    const timer = setInterval(() => void save(), AUTOSAVE_MS);
    return () => clearInterval(timer);
  }, [save, fields, attachments.uploads]);

  const settled = useCallback(async () => {
    if (saving.current) await saving.current;
  }, []);

  const saveForSend = useCallback(async () => {
    dirty.current = true;
    await save();
    if (dirty.current || !draftId.current) throw new Error('The draft could not be saved. Try again.');
    return draftId.current;
  }, [save]);

  const close = useCallback(async () => {
    closed.current = true;
    latest.current.onClose();
    await save();
    if (draftId.current) void qc.invalidateQueries({ queryKey: keys.threadsAll });
  }, [save, qc, latest]);

  const discard = useCallback(async () => {
    closed.current = true;
    latest.current.attachments.abortAll();
    latest.current.onClose();
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
  }, [qc, latest]);

  const closeSent = useCallback(() => {
    closed.current = true;
    latest.current.onClose();
  }, [latest]);

  return {
    fields,
    attachments,
    setField,
    status,
    changed,
    payload,
    save,
    saveForSend,
    id: () => draftId.current,
    forgetId: () => {
      draftId.current = null;
    },
    settled,
    close,
    discard,
    closeSent,
  };
}
