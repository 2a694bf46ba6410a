/**
 * The app's names for the API's wire types, taken from schema.d.ts (generated
 * from the server's OpenAPI document), so the client cannot drift from it.
 * Request bodies are Partial: the server fills in defaults.
 */

import type { components, paths } from './schema';

type S = components['schemas'];

export type ApiPath = keyof paths;

export type Address = S['Address'];
/** A problem document; `position` comes with invalid-query, `retry_after` with 429. */
export type Problem = Omit<S['ProblemOut'], 'errors'> & {
  errors?: S['FieldErrorOut'][] | null;
  position?: number;
  retry_after?: number;
};
export type Tokens = S['TokensOut'];
export type Me = S['MeOut'];
export type MePatch = Partial<S['MePatch']>;
export type Label = S['LabelOut'];
export type LabelList = S['LabelListOut'];
export type LabelPatch = Partial<S['LabelPatch']>;
export type ThreadSummary = S['ThreadSummaryOut'];
export type ThreadPage = S['ThreadPageOut'];
export type Attachment = S['AttachmentOut'];
export type Message = S['MessageFullOut'];
export type Thread = S['ThreadOut'];
export type Modify = Partial<S['ModifyIn']>;
export type Modified = S['ModifiedOut'];
export type Compose = Partial<S['ComposeIn']>;
export type SendRequest = Partial<S['SendIn']>;
export type Draft = S['DraftOut'];
export type Send = S['SendOut'];
export type Scheduled = S['ScheduledOut'];
export type ScheduledPage = S['ScheduledPageOut'];
export type Upload = S['UploadOut'];
export type Contact = S['ContactOut'];
export type ContactList = S['ContactListOut'];

/**
 * The figures inside InsightsOut.insights, which the OpenAPI document leaves
 * as a free-form object (see mailcore's MetaStore.insights).
 */
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

/** A websocket event (apps/webapi/_ws.py, not in the OpenAPI document): `type` is the kind of change. */
export interface LiveEvent {
  kind: 'message_new' | 'thread_updated' | 'labels_changed' | 'account_updated' | 'resync' | string;
  modseq: number;
  reason?: string;
  catch_up?: boolean;
  message_ids?: string[];
  thread_ids?: string[];
  label_ids?: string[];
  /** new total and unread numbers of the labels concerned */
  counts?: { id: string; total: number; unread: number }[];
}
