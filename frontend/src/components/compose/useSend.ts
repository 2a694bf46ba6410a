/**
 * Sending what a compose form shows: checked first (a recipient, well-formed
 * addresses, uploads finished), then sent with an Undo window, or scheduled.
 * A saved draft is sent by its id (the server takes it out of Drafts); a
 * reply is sent from the screen so that the server marks the original
 * answered. Undo cancels the send and opens the message again.
 */

import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import * as api from '../../api/endpoints';
import { keys, useMe } from '../../api/hooks';
import { parseAddress } from '../../lib/format';
import { useUi, type ComposeInit } from '../../store/ui';
import type { EditorHandle } from './Editor';
import type { ComposeDraft } from './useComposeDraft';

interface Options {
  init: ComposeInit;
  draft: ComposeDraft;
  editor: React.RefObject<EditorHandle | null>;
}

export interface Send {
  /** Send now (with Undo), or at `at`. */
  send: (at?: Date) => Promise<void>;
  sending: boolean;
  /** why the last attempt did not send */
  error: string | null;
}

export function useSend({ init, draft, editor }: Options): Send {
  const me = useMe();
  const qc = useQueryClient();
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { to, cc, bcc, subject } = draft.fields;

  const send = async (at?: Date) => {
    setError(null);
    if (!to.length && !cc.length && !bcc.length) {
      setError('Please specify at least one recipient.');
      return;
    }
    const invalid = [...to, ...cc, ...bcc].filter((r) => !parseAddress(r));
    if (invalid.length) {
      setError(`The address "${invalid[0]}" was not recognized. Please make sure that all addresses are properly formed.`);
      return;
    }
    if (draft.attachments.busy) {
      setError('Wait for the attachments to finish uploading.');
      return;
    }
    setSending(true);
    const body = draft.payload();
    const sendAt = at ? at.toISOString() : null;
    try {
      await draft.settled();
      let res;
      if (draft.id() && !init.inReplyTo) {
        // A saved draft is brought up to date with the screen and sent by its
        // id: the server sends it and takes it out of Drafts.
        const id = await draft.saveForSend();
        res = await api.send({ draft_id: id, send_at: sendAt, undo: true });
        draft.forgetId();
      } else {
        // A reply is sent from the screen (the server marks the original
        // answered); its draft is discarded once the send is accepted.
        res = await api.send({ ...body, send_at: sendAt, undo: true });
      }
      draft.closeSent();
      const stale = draft.id();
      if (stale) void api.deleteDraft(stale).catch(() => undefined);
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

  return { send, sending, error };
}
