/** Reopening a saved draft: the compose window's starting point from the stored message. */

import type { Attachment, Label, Thread } from '../api/types';
import type { ComposeInit } from '../store/ui';
import { formatAddress } from './format';
import { textToHtml } from './quote';

/** Attachments a reopened draft carries over (inline images stay in the HTML). */
export function draftAttachments(list: Attachment[]): Attachment[] {
  return list.filter((a) => !(a.inline && a.content_id));
}

/**
 * The compose window for a conversation whose last message is a draft, as
 * Gmail opens it from Drafts; null when the last message is not a draft.
 */
export function draftInit(thread: Thread, labels: Label[] | undefined): ComposeInit | null {
  const drafts = labels?.find((l) => l.role === 'drafts');
  const last = thread.messages[thread.messages.length - 1];
  if (!drafts || !last || !last.labels.includes(drafts.id)) return null;
  // a reply keeps its threading: the message it answers is in the conversation
  const replied = thread.messages.find((m) => m.id !== last.id && m.message_id && last.in_reply_to.includes(m.message_id));
  return {
    to: last.to.map(formatAddress),
    cc: last.cc.map(formatAddress),
    bcc: last.bcc.map(formatAddress),
    subject: last.subject,
    html: last.html ?? textToHtml(last.text.replace(/\s+$/, '')),
    inReplyTo: replied?.id ?? null,
    draftId: last.id,
    threadId: thread.id,
    attachments: draftAttachments(last.attachments),
  };
}
