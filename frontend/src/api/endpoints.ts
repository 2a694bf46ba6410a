/**
 * One function per API operation the app uses. Paths are checked against the
 * generated `paths` of the OpenAPI document: an operation the server drops or
 * renames fails the type check.
 */

import { request, uploadFile } from './client';
import type {
  ApiPath,
  Compose,
  ContactList,
  Draft,
  Insights,
  Label,
  LabelList,
  LabelPatch,
  Me,
  MePatch,
  Modified,
  Modify,
  ScheduledPage,
  Send,
  SendRequest,
  Thread,
  ThreadPage,
  ThreadSummary,
  Tokens,
  Upload,
} from './types';

type Params<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? { [k in K]: string } & Params<Rest> : unknown;

/** A checked API path with its `{params}` filled in. */
export function path<P extends ApiPath>(p: P, params?: Params<P>): string {
  return p.replace(/\{(\w+)\}/g, (_, k: string) =>
    encodeURIComponent((params as Record<string, string> | undefined)?.[k] ?? ''),
  );
}

export const login = (username: string, password: string) =>
  request<Tokens>('POST', path('/auth/login'), { body: { username, password }, anonymous: true });

export const logout = (refresh_token: string | null) =>
  request<void>('POST', path('/auth/logout'), { body: refresh_token ? { refresh_token } : {}, anonymous: true });

export const getMe = () => request<Me>('GET', path('/me'));
export const patchMe = (patch: MePatch) => request<Me>('PATCH', path('/me'), { body: patch });

export const listLabels = () => request<LabelList>('GET', path('/labels'));
export const createLabel = (name: string, color?: string | null) =>
  request<Label>('POST', path('/labels'), { body: color ? { name, color } : { name } });
export const patchLabel = (id: string, patch: LabelPatch) =>
  request<Label>('PATCH', path('/labels/{label_id}', { label_id: id }), { body: patch });
export const deleteLabel = (id: string) => request<void>('DELETE', path('/labels/{label_id}', { label_id: id }));

export interface ThreadsParams {
  label?: string | undefined;
  q?: string | undefined;
  cursor?: string | undefined;
  limit?: number;
}
export const listThreads = (p: ThreadsParams, signal?: AbortSignal) =>
  request<ThreadPage>('GET', path('/threads'), {
    query: { label: p.q ? undefined : p.label, q: p.q, cursor: p.cursor, limit: p.limit ?? 50 },
    signal,
  });

export const getThread = (id: string, remoteImages = false, signal?: AbortSignal) =>
  request<Thread>('GET', path('/threads/{thread_id}', { thread_id: id }), {
    query: remoteImages ? { remote_images: true } : undefined,
    signal,
  });

export const modifyThreads = (ids: string[], change: Modify) =>
  ids.length === 1
    ? request<ThreadSummary>('POST', path('/threads/{thread_id}/modify', { thread_id: ids[0] ?? '' }), { body: change })
    : request<Modified>('POST', path('/threads/modify'), { body: { ids, ...change } });

export const modifyMessage = (id: string, change: Modify) =>
  request<unknown>('POST', path('/messages/{message_id}/modify', { message_id: id }), { body: change });

/** Delete for good (from Trash or Spam). */
export const deleteThreads = (ids: string[]) => request<Modified>('POST', path('/threads/delete'), { body: { ids } });

export const createDraft = (c: Compose) => request<Draft>('POST', path('/drafts'), { body: c });
export const updateDraft = (id: string, c: Compose) =>
  request<Draft>('PUT', path('/drafts/{draft_id}', { draft_id: id }), { body: c });
export const deleteDraft = (id: string) => request<void>('DELETE', path('/drafts/{draft_id}', { draft_id: id }));

export const send = (s: SendRequest) => request<Send>('POST', path('/send'), { body: s });
export const listScheduled = () => request<ScheduledPage>('GET', path('/scheduled'));
export const cancelScheduled = (id: string) => request<void>('DELETE', path('/scheduled/{send_id}', { send_id: id }));

export const upload = (file: File, onProgress: (f: number) => void, signal?: AbortSignal) =>
  uploadFile(path('/uploads'), file, onProgress, signal) as Promise<Upload>;

export const contacts = (q: string, signal?: AbortSignal) =>
  request<ContactList>('GET', path('/contacts'), { query: { q, limit: 8 }, signal });

export const getInsights = (days = 90) => request<Insights>('GET', path('/insights'), { query: { days } });
