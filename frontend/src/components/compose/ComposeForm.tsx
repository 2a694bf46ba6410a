/**
 * Writing a message: recipients, subject, body, attachments; autosaved as a
 * draft every few seconds; sent with an Undo window or scheduled.
 *
 * The parts: the draft and its autosave (useComposeDraft, which holds the
 * attachments of useAttachments), sending (useSend), the address fields,
 * the attachment list, the drop area and the footer.
 */

import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { useMe } from '../../api/hooks';
import { textToHtml } from '../../lib/quote';
import type { ComposeInit } from '../../store/ui';
import { AddressFields } from './AddressFields';
import { AttachmentList } from './AttachmentList';
import { ComposeFooter } from './ComposeFooter';
import { Editor, type EditorHandle } from './Editor';
import { FileDrop } from './FileDrop';
import { QuotedOriginal } from './QuotedOriginal';
import { ScheduleDialog } from './ScheduleDialog';
import { useComposeDraft } from './useComposeDraft';
import { useSend } from './useSend';

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

export interface ComposeHandle {
  /** Save the draft and close. */
  close(): Promise<void>;
}

export const ComposeForm = forwardRef<ComposeHandle, Props>(function ComposeForm(
  { init, variant, onClose, onSubject, onDraftId, minHeight },
  ref,
) {
  const me = useMe();
  const editor = useRef<EditorHandle>(null);
  const draft = useComposeDraft({ init, editor, onClose, onDraftId });
  const { send, sending, error } = useSend({ init, draft, editor });
  const [toolbar, setToolbar] = useState(true);
  const [schedule, setSchedule] = useState(false);
  const { to, cc, bcc, subject } = draft.fields;
  const quote = init.quote ?? '';
  const inline = variant === 'inline';

  const signature = me.data?.signature ?? '';
  const [initialHtml] = useState(() =>
    init.html !== undefined ? init.html : signature ? `<br><br>-- <br>${textToHtml(signature)}` : '',
  );

  useEffect(() => onSubject?.(subject), [subject, onSubject]);

  const { close } = draft;
  useImperativeHandle(ref, () => ({ close }), [close]);

  return (
    <FileDrop
      className="relative flex min-h-0 flex-1 flex-col"
      onFiles={draft.attachments.add}
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
          e.preventDefault();
          void send();
        }
        if (e.key === 'Escape' && !inline) {
          e.stopPropagation();
          void close();
        }
      }}
    >
      <div className="px-3">
        <AddressFields to={to} cc={cc} bcc={bcc} onChange={draft.setField} />
        {!inline && (
          <input
            aria-label="Subject"
            placeholder="Subject"
            value={subject}
            onChange={(e) => draft.setField('subject', e.target.value)}
            className="h-10 w-full border-0 border-b border-line bg-transparent px-1 text-sm outline-none focus-visible:outline-none"
          />
        )}
      </div>
      <div className="flex min-h-0 flex-1 flex-col px-3 pt-1">
        <Editor
          ref={editor}
          initialHtml={initialHtml}
          onInput={draft.changed}
          showToolbar={toolbar}
          minHeight={minHeight ?? 180}
          autoFocus={to.length > 0}
        />
        {quote && <QuotedOriginal html={quote} />}
      </div>
      <AttachmentList uploads={draft.attachments.uploads} onRemove={draft.attachments.remove} />
      {error && (
        <p role="alert" className="mx-3 mt-2 rounded bg-red-soft px-3 py-2 text-sm text-red">
          {error}
        </p>
      )}
      <ComposeFooter
        sending={sending}
        status={draft.status}
        toolbar={toolbar}
        onToggleToolbar={() => setToolbar(!toolbar)}
        onSend={() => void send()}
        onSchedule={() => setSchedule(true)}
        onFiles={draft.attachments.add}
        onDiscard={() => void draft.discard()}
      />
      {schedule && (
        <ScheduleDialog
          onClose={() => setSchedule(false)}
          onPick={(d) => {
            setSchedule(false);
            void send(d);
          }}
        />
      )}
    </FileDrop>
  );
});
