import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '../test/render';
import { fakeApi, json, LABELS, ME, thread } from '../test/fakeApi';
import { auth } from '../api/client';
import { useUi } from '../store/ui';

const draftMessage = {
  id: '41',
  thread_id: '40',
  labels: ['3', '8'],
  flags: ['draft', 'seen'],
  unread: false,
  starred: false,
  subject: 'Offsite agenda',
  snippet: 'Day one',
  date: new Date().toISOString(),
  received: new Date().toISOString(),
  from: [{ name: 'Demo User', address: 'demo@example.com' }],
  to: [{ name: 'Bob Stone', address: 'bob@example.com' }],
  cc: [{ name: null, address: 'carol@example.net' }],
  bcc: [{ name: null, address: 'boss@example.com' }],
  reply_to: [],
  message_id: '<41@x>',
  in_reply_to: [],
  references: [],
  size: 900,
  has_attachment: true,
  attachments: [
    { part: '2', filename: 'agenda.txt', content_type: 'text/plain', size: 12, content_id: null, inline: false, url: '/api/v1/messages/41/attachments/2' },
  ],
  modseq: 4,
  headers: [],
  text: 'Day one: planning',
  html: '<p>Day one: <b>planning</b></p>',
  remote_images_blocked: false,
};

/** XMLHttpRequest as the upload needs it: answers the upload with an id. */
class FakeXhr {
  static bodies: unknown[] = [];
  upload = { onprogress: null };
  status = 0;
  responseText = '';
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open() {}
  setRequestHeader() {}
  abort() {}
  send(body: unknown) {
    FakeXhr.bodies.push(body);
    setTimeout(() => {
      this.status = 201;
      this.responseText = JSON.stringify({ id: 'up-1', filename: 'agenda.txt', content_type: 'text/plain', size: 12, expires: '' });
      this.onload?.();
    });
  }
}

function drafts() {
  return fakeApi({
    'GET /me': () => json(ME),
    'GET /labels': () => json({ items: LABELS }),
    'GET /threads': () =>
      json({ items: [thread('40', { subject: 'Offsite agenda', labels: ['3', '8'], unread: false, unread_count: 0 })], next_cursor: null, total: 1 }),
    'GET /threads/40': () =>
      json({ id: '40', subject: 'Offsite agenda', labels: ['3', '8'], unread_count: 0, starred: false, modseq: 4, messages: [draftMessage] }),
    'GET /messages/41/attachments/2': () => new Response('agenda items', { headers: { 'Content-Type': 'text/plain' } }),
    'PUT /drafts/41': () => json({ id: '42', thread_id: '40' }),
    'POST /send': () => json({ status: 'scheduled', send_id: 's1', send_at: new Date().toISOString(), sent_id: null, queued: [] }, 202),
    'DELETE /drafts/:id': () => new Response(null, { status: 204 }),
  });
}

describe('a draft in Drafts', () => {
  beforeEach(() => {
    auth.set({ access_token: 'a', refresh_token: 'r', expires_in: 900 });
    useUi.setState({ selected: new Set(), cursor: null, composes: [], toasts: [] });
    FakeXhr.bodies = [];
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
  });
  afterEach(() => vi.unstubAllGlobals());

  async function reopen() {
    const api = drafts();
    renderApp('/label/Drafts');
    await userEvent.click(await screen.findByRole('link', { name: /Offsite agenda/ }));
    const win = await screen.findByRole('dialog', { name: 'Offsite agenda' });
    return { api, win };
  }

  it('opens in the compose window with its recipients, subject, body and attachments', async () => {
    const { win } = await reopen();
    expect(within(win).getByRole('button', { name: 'Remove Bob Stone <bob@example.com>' })).toBeInTheDocument();
    expect(within(win).getByRole('button', { name: 'Remove carol@example.net' })).toBeInTheDocument();
    expect(within(win).getByRole('button', { name: 'Remove boss@example.com' })).toBeInTheDocument();
    expect(within(win).getByLabelText('Subject')).toHaveValue('Offsite agenda');
    expect(within(win).getByRole('textbox', { name: 'Message body' }).innerHTML).toBe('<p>Day one: <b>planning</b></p>');
    expect(await within(win).findByText('agenda.txt')).toBeInTheDocument();
    // the conversation view did not open
    expect(screen.queryByRole('region', { name: 'Conversation' })).toBeNull();
  });

  it('saves over the draft, then sends it by its new id', async () => {
    const { api, win } = await reopen();
    // the attachment is uploaded again so that the draft keeps it
    await waitFor(() => expect(within(win).queryByRole('progressbar')).toBeNull());
    expect(FakeXhr.bodies).toHaveLength(1);
    const subject = within(win).getByLabelText('Subject');
    await userEvent.type(subject, ' v2');
    await userEvent.click(within(win).getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(api.calls.some((c) => c.method === 'POST' && c.path === '/send')).toBe(true));
    const put = api.calls.find((c) => c.method === 'PUT');
    expect(put?.path).toBe('/drafts/41');
    expect(put?.body).toMatchObject({
      to: ['Bob Stone <bob@example.com>'],
      cc: ['carol@example.net'],
      bcc: ['boss@example.com'],
      subject: 'Offsite agenda v2',
      attachments: ['up-1'],
    });
    expect(api.calls.find((c) => c.path === '/send')?.body).toMatchObject({ draft_id: '42', undo: true });
    // the server takes a sent draft out of Drafts: no DELETE from the client
    expect(api.calls.some((c) => c.method === 'DELETE')).toBe(false);
  });

  it('Discard deletes it', async () => {
    const { api, win } = await reopen();
    await userEvent.click(within(win).getByRole('button', { name: 'Discard draft' }));
    await waitFor(() => expect(api.calls.some((c) => c.method === 'DELETE' && c.path === '/drafts/41')).toBe(true));
    expect(await screen.findByText('Draft discarded')).toBeInTheDocument();
  });
});
