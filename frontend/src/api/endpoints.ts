/** One function per API operation the app uses. */

import { request, uploadFile } from './client';
import type {
  Compose,
  ContactList,
  Draft,
  Insights,
  Label,
  LabelList,
  Me,
  MePatch,
  Modified,
  Modify,
  ScheduledPage,
  Send,
  SendRequest,
  Thread,
  ThreadPage,
  Tokens,
  Upload,
} from './types';

export const login = (username: string, password: string) =>
  request<Tokens>('POST', '/auth/login', { body: { username, password }, anonymous: true });

export const logout = (refresh_token: string | null) =>
  request<void>('POST', '/auth/logout', { body: refresh_token ? { refresh_token } : {} });

export const getMe = () => request<Me>('GET', '/me');
export const patchMe = (patch: MePatch) => request<Me>('PATCH', '/me', { body: patch });

export const listLabels = () => request<LabelList>('GET', '/labels');
export const createLabel = (name: string, color?: string | null) =>
  request<Label>('POST', '/labels', { body: color ? { name, color } : { name } });
export const patchLabel = (id: string, patch: { name?: string; color?: string | null }) =>
  request<Label>('PATCH', `/labels/${encodeURIComponent(id)}`, { body: patch });
export const deleteLabel = (id: string) => request<void>('DELETE', `/labels/${encodeURIComponent(id)}`);

export interface ThreadsParams {
  label?: string | undefined;
  q?: string | undefined;
  cursor?: string | undefined;
  limit?: number;
}
export const listThreads = (p: ThreadsParams, signal?: AbortSignal) =>
  request<ThreadPage>('GET', '/threads', {
    query: { label: p.q ? undefined : p.label, q: p.q, cursor: p.cursor, limit: p.limit ?? 50 },
    signal,
  });

export const getThread = (id: string, remoteImages = false, signal?: AbortSignal) =>
  request<Thread>('GET', `/threads/${encodeURIComponent(id)}`, {
    query: remoteImages ? { remote_images: true } : undefined,
    signal,
  });

export const modifyThreads = (ids: string[], change: Modify) =>
  ids.length === 1
    ? request<Modified>('POST', `/threads/${encodeURIComponent(ids[0] ?? '')}/modify`, { body: change })
    : request<Modified>('POST', '/threads/batchModify', { body: { ids, ...change } });

export const modifyMessage = (id: string, change: Modify) =>
  request<Modified>('POST', `/messages/${encodeURIComponent(id)}/modify`, { body: change });

/** Delete for good (from Trash or Spam). */
export const deleteThreads = (ids: string[]) =>
  request<void>('POST', '/threads/batchDelete', { body: { ids } });

export const createDraft = (c: Compose) => request<Draft>('POST', '/drafts', { body: c });
export const updateDraft = (id: string, c: Compose) =>
  request<Draft>('PUT', `/drafts/${encodeURIComponent(id)}`, { body: c });
export const deleteDraft = (id: string) => request<void>('DELETE', `/drafts/${encodeURIComponent(id)}`);

export const send = (s: SendRequest) => request<Send>('POST', '/send', { body: s });
export const listScheduled = () => request<ScheduledPage>('GET', '/scheduled');
export const cancelScheduled = (id: string) =>
  request<void>('DELETE', `/scheduled/${encodeURIComponent(id)}`);

export const upload = (file: File, onProgress: (f: number) => void, signal?: AbortSignal) =>
  uploadFile('/uploads', file, onProgress, signal) as Promise<Upload>;

export const contacts = (q: string, signal?: AbortSignal) =>
  request<ContactList>('GET', '/contacts', { query: { q, limit: 8 }, signal });

export const getInsights = (days = 90) => request<Insights>('GET', '/insights', { query: { days } });
