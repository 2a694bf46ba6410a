import { beforeEach, describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '../test/render';
import { fakeApi, json, LABELS, ME, problem, thread } from '../test/fakeApi';
import { auth } from '../api/client';
import { useUi } from '../store/ui';

function base(extra: Parameters<typeof fakeApi>[0] = {}) {
  return fakeApi({
    'GET /me': () => json(ME),
    'GET /labels': () => json({ items: LABELS }),
    ...extra,
  });
}

describe('the mail view', () => {
  beforeEach(() => {
    auth.set({ access_token: 'a', refresh_token: 'r', expires_in: 900 });
    useUi.setState({ selected: new Set(), cursor: null, composes: [], toasts: [] });
  });

  it('lists conversations with names that carry sender and subject, and pages them', async () => {
    const items = Array.from({ length: 50 }, (_, i) => thread(String(i + 1), { unread: i === 0, unread_count: i === 0 ? 1 : 0 }));
    base({ 'GET /threads': () => json({ items, next_cursor: 'c2', total: 1234 }) });
    renderApp('/label/INBOX');
    const row = await screen.findByRole('link', { name: /unread,.*Alice.*Subject 1.*Snippet 1/ });
    expect(row).toBeInTheDocument();
    expect(screen.getByText('1–50 of 1,234')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Newer' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Older' })).toBeEnabled();
    await waitFor(() => expect(document.title).toBe('Inbox (2) - demo@example.com - mailcore'));
    // the navigation shows the unread count and the nested labels
    const nav = screen.getByRole('navigation', { name: 'Mail' });
    expect(within(nav).getByRole('link', { name: /^Inbox\s*2\s*unread$/ })).toBeInTheDocument();
    expect(within(nav).getByRole('link', { name: /Clients/ })).toBeInTheDocument();
  });

  it('selects rows and shows the bulk actions', async () => {
    base({ 'GET /threads': () => json({ items: [thread('1'), thread('2')], next_cursor: null, total: 2 }) });
    renderApp('/label/INBOX');
    await screen.findByRole('link', { name: /Subject 1/ });
    await userEvent.click(screen.getByRole('checkbox', { name: 'Select all' }));
    const bar = screen.getByRole('group', { name: 'Bulk actions for 2 selected' });
    for (const name of ['Archive', 'Report spam', 'Delete', 'Mark as read', 'Move to', 'Labels'])
      expect(within(bar).getByRole('button', { name })).toBeInTheDocument();
  });

  it('archives with an optimistic update and offers Undo', async () => {
    const api = base({
      'GET /threads': () => json({ items: [thread('1'), thread('2')], next_cursor: null, total: 2 }),
      'POST /threads/:id/modify': () => json(thread('1')),
    });
    renderApp('/label/INBOX');
    await screen.findByRole('link', { name: /Subject 1/ });
    await userEvent.click(screen.getByRole('checkbox', { name: /Select: Alice, Subject 1/ }));
    const bar = screen.getByRole('group', { name: /Bulk actions/ });
    await userEvent.click(within(bar).getByRole('button', { name: 'Archive' }));
    await waitFor(() => expect(screen.queryByRole('link', { name: /Subject 1,/ })).toBeNull());
    expect(await screen.findByText('Conversation archived')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Undo' })).toBeInTheDocument();
    expect(api.calls.find((c) => c.path === '/threads/1/modify')?.body).toEqual({ remove_labels: ['INBOX'] });
  });

  it('shows the empty state of a label', async () => {
    base({ 'GET /threads': () => json({ items: [], next_cursor: null, total: 0 }) });
    renderApp('/label/Work');
    expect(await screen.findByText('No conversations in Work')).toBeInTheDocument();
  });

  it('shows an error with a retry', async () => {
    let fail = true;
    base({
      'GET /threads': () => (fail ? problem('internal', 500, 'boom') : json({ items: [thread('9')], next_cursor: null, total: 1 })),
    });
    renderApp('/label/INBOX');
    expect(await screen.findByText('Conversations could not be loaded', {}, { timeout: 5000 })).toBeInTheDocument();
    fail = false;
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('link', { name: /Subject 9/ })).toBeInTheDocument();
  });

  it('points at the place a malformed search breaks', async () => {
    base({ 'GET /threads': () => problem('invalid-query', 400, 'unclosed quote', { position: 5 }) });
    renderApp(`/search/${encodeURIComponent('from:"bob')}`);
    expect(await screen.findByText('unclosed quote')).toBeInTheDocument();
    expect(screen.getByLabelText('Problem at position 6')).toBeInTheDocument();
    expect(screen.getByRole('searchbox', { name: 'Search mail' })).toHaveValue('from:"bob');
  });

  it('shows a 404 for a conversation that does not exist', async () => {
    base({ 'GET /threads': () => json({ items: [], next_cursor: null, total: 0 }) });
    renderApp('/label/INBOX/thread/999');
    expect(await screen.findByText('This conversation was not found')).toBeInTheDocument();
  });

  it('opens a conversation: unread and last messages expanded, the others collapsed', async () => {
    const msg = (id: string, unread: boolean) => ({
      id,
      thread_id: '7',
      labels: ['1'],
      flags: [],
      unread,
      starred: false,
      subject: 'Plans',
      snippet: `snippet ${id}`,
      date: new Date().toISOString(),
      received: new Date().toISOString(),
      from: [{ name: `Sender ${id}`, address: `s${id}@example.org` }],
      to: [{ name: null, address: 'demo@example.com' }],
      cc: [],
      bcc: [],
      reply_to: [],
      message_id: `<${id}@x>`,
      in_reply_to: [],
      references: [],
      size: 100,
      has_attachment: false,
      attachments: [],
      modseq: 1,
      headers: [],
      text: `Body of ${id}`,
      html: null,
      remote_images_blocked: false,
    });
    const api = base({
      'GET /threads': () => json({ items: [thread('7')], next_cursor: null, total: 1 }),
      'GET /threads/7': () =>
        json({ id: '7', subject: 'Plans', labels: ['1'], unread_count: 1, starred: false, modseq: 3, messages: [msg('a', false), msg('b', true), msg('c', false)] }),
      'POST /threads/:id/modify': () => json(thread('7')),
    });
    renderApp('/label/INBOX/thread/7');
    expect(await screen.findByRole('heading', { name: /Plans/ })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Sender a snippet a/ })).toHaveAttribute('aria-expanded', 'false');
    expect(screen.getByText('Body of b')).toBeInTheDocument();
    expect(screen.getByText('Body of c')).toBeInTheDocument();
    expect(screen.queryByText('Body of a')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: /Sender a snippet a/ }));
    expect(screen.getByText('Body of a')).toBeInTheDocument();
    // opening it marked it read
    await waitFor(() => expect(api.calls.find((c) => c.path === '/threads/7/modify')?.body).toEqual({ add_flags: ['seen'] }));
  });
});
