/**
 * The app's names for the API's wire types. Provisional hand-written copies of
 * apps/webapi/_schemas.py until the OpenAPI document is generated into schema.d.ts.
 */

export interface Address {
  name: string | null;
  address: string;
}
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { field: string; detail: string }[] | null;
  position?: number;
}
export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type?: string;
}
export interface Me {
  id: string;
  address: string;
  display_name: string | null;
  signature: string;
  undo_send_seconds: number;
  send_as: string[];
}
export interface MePatch {
  display_name?: string | null;
  signature?: string | null;
  undo_send_seconds?: number | null;
}
export interface Label {
  id: string;
  name: string;
  type: 'system' | 'user';
  role: string | null;
  total: number;
  unread: number;
  color: string | null;
}
export interface LabelList {
  items: Label[];
}
export interface ThreadSummary {
  id: string;
  subject: string;
  snippet: string;
  participants: Address[];
  message_count: number;
  unread_count: number;
  unread: boolean;
  starred: boolean;
  has_attachment: boolean;
  labels: string[];
  last_date: string;
  modseq: number;
}
export interface ThreadPage {
  items: ThreadSummary[];
  next_cursor: string | null;
  total?: number | null;
}
export interface Attachment {
  part: string;
  filename: string | null;
  content_type: string;
  size: number;
  content_id: string | null;
  inline: boolean;
  url: string;
}
export interface Message {
  id: string;
  thread_id: string;
  labels: string[];
  flags: string[];
  unread: boolean;
  starred: boolean;
  subject: string;
  snippet: string;
  date: string | null;
  received: string;
  from: Address[];
  to: Address[];
  cc: Address[];
  bcc: Address[];
  reply_to: Address[];
  message_id: string | null;
  in_reply_to: string[];
  references: string[];
  size: number;
  has_attachment: boolean;
  attachments: Attachment[];
  modseq: number;
  headers: { name: string; value: string }[];
  text: string;
  html: string | null;
  remote_images_blocked: boolean;
}
export interface Thread {
  id: string;
  subject: string;
  labels: string[];
  unread_count: number;
  starred: boolean;
  modseq: number;
  messages: Message[];
}
export interface Modify {
  add_labels?: string[];
  remove_labels?: string[];
  add_flags?: string[];
  remove_flags?: string[];
}
export interface Modified {
  ids: string[];
  modseq: number;
}
export interface Compose {
  to?: string[];
  cc?: string[];
  bcc?: string[];
  subject?: string;
  text?: string | null;
  html?: string | null;
  attachments?: string[];
  in_reply_to?: string | null;
  forward?: boolean;
  from?: string | null;
}
export interface SendRequest extends Compose {
  draft_id?: string | null;
  send_at?: string | null;
  undo?: boolean;
}
export interface Draft {
  id: string;
  thread_id: string;
}
export interface Send {
  status: 'sent' | 'scheduled';
  send_id: string | null;
  send_at: string | null;
  sent_message_id: string | null;
  queued: string[];
}
export interface Scheduled {
  id: string;
  send_at: string;
  recipients: string[];
  subject: string;
  state: string;
}
export interface ScheduledPage {
  items: Scheduled[];
  next_cursor: string | null;
}
export interface Upload {
  id: string;
  filename: string;
  content_type: string;
  size: number;
  expires_at: string;
}
export interface Contact {
  name: string | null;
  address: string;
  score: number;
}
export interface ContactList {
  items: Contact[];
}
export interface InsightsData {
  per_day: { day: string; received: number; sent: number }[];
  top_correspondents: { name: string | null; address: string; sent: number; received: number }[];
  storage_by_label: { label: string; role: string | null; messages: number; bytes: number }[];
  largest_threads: { thread_id: number | string; subject: string; messages: number; bytes: number }[];
  total_messages: number;
  total_bytes: number;
}
export interface Insights {
  insights: InsightsData;
}

/** A websocket event: the engine's ChangeEvent, ids as the API spells them. */
export interface LiveEvent {
  kind: 'delivered' | 'flags' | 'labels' | 'expunged' | 'label_list' | 'account' | 'resync' | string;
  modseq: number;
  message_ids?: (string | number)[];
  thread_ids?: (string | number)[];
  label_ids?: (string | number)[];
}
