import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError, auth, request } from './client';
import { fakeApi, json, problem, signIn } from '../test/fakeApi';

describe('the API client', () => {
  beforeEach(() => {
    signIn();
    // the module-level session was read at import: reload it from storage
    auth.set({ access_token: 'access-1', refresh_token: 'refresh-1', expires_in: 600 });
  });

  it('sends the bearer token and decodes JSON', async () => {
    const api = fakeApi({ 'GET /me': () => json({ address: 'demo@example.com' }) });
    await expect(request('GET', '/me')).resolves.toEqual({ address: 'demo@example.com' });
    expect(api.calls[0]?.auth).toBe('Bearer access-1');
  });

  it('refreshes once for concurrent 401s and retries', async () => {
    let refreshes = 0;
    const api = fakeApi({
      'GET /me': ({ headers }) =>
        headers.get('Authorization') === 'Bearer access-2' ? json({ ok: true }) : problem('invalid-token', 401, 'expired'),
      'POST /auth/refresh': ({ body }) => {
        refreshes += 1;
        expect(body).toEqual({ refresh_token: 'refresh-1' });
        return json({ access_token: 'access-2', refresh_token: 'refresh-2', expires_in: 900 });
      },
    });
    const results = await Promise.all([request('GET', '/me'), request('GET', '/me'), request('GET', '/me')]);
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(refreshes).toBe(1);
    expect(auth.refreshToken).toBe('refresh-2');
    expect(api.calls.filter((c) => c.path === '/me')).toHaveLength(6);
  });

  it('signs out when the refresh token is rejected', async () => {
    fakeApi({
      'GET /me': () => problem('invalid-token', 401, 'expired'),
      'POST /auth/refresh': () => problem('invalid-token', 401, 'spent'),
    });
    await expect(request('GET', '/me')).rejects.toBeInstanceOf(ApiError);
    expect(auth.signedIn).toBe(false);
    expect(localStorage.getItem('mailcore.session')).toBeNull();
  });

  it('turns problem documents into typed errors, keeping the query position', async () => {
    fakeApi({ 'GET /threads': () => problem('invalid-query', 400, 'unclosed quote', { position: 7 }) });
    const err = await request('GET', '/threads', { query: { q: 'from:"x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe('invalid-query');
    expect((err as ApiError).problem.position).toBe(7);
    expect((err as ApiError).message).toBe('unclosed quote');
  });

  it('drops empty query parameters', async () => {
    const api = fakeApi({ 'GET /threads': ({ url }) => json({ q: url.search }) });
    await request('GET', '/threads', { query: { label: 'INBOX', q: undefined, cursor: '' } });
    expect(api.fn.mock.calls[0]?.[0]).toBe('/api/v1/threads?label=INBOX');
  });
});
