import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { auth } from '../../api/client';
import { useUi } from '../../store/ui';
import { ME, problem } from '../../test/fakeApi';
import { FakeXhr, stubXhr } from '../../test/fakeXhr';
import { withProviders } from '../../test/render';
import { composeServer, openCompose, sends, writeMessage } from '../../test/compose';
import { ComposeForm } from './ComposeForm';

describe('sending a message', () => {
  beforeEach(() => {
    auth.set({ access_token: 'a', refresh_token: 'r', expires_in: 900 });
    useUi.setState({ composes: [], toasts: [] });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('asks for a recipient, then for well-formed addresses, before sending', async () => {
    const api = composeServer();
    const { onClose } = openCompose();
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Please specify at least one recipient.');
    await userEvent.type(screen.getByRole('combobox', { name: 'To' }), 'bob,');
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByRole('alert')).toHaveTextContent('The address "bob" was not recognized.');
    expect(sends(api.calls)).toHaveLength(0);
    expect(onClose).not.toHaveBeenCalled();
  });

  it('sends a new message with an Undo that opens it again', async () => {
    const api = composeServer();
    const { onClose, onSubject } = openCompose();
    await writeMessage('bob@example.com', 'Plans', 'Launch is on Tuesday.');
    expect(onSubject).toHaveBeenLastCalledWith('Plans');
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(onClose).toHaveBeenCalledTimes(1));
    const body = sends(api.calls)[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({ to: ['bob@example.com'], subject: 'Plans', undo: true, send_at: null, in_reply_to: null, forward: false });
    expect(body.text).toContain('Launch is on Tuesday.');
    const toast = useUi.getState().toasts.find((t) => t.text === 'Message sent');
    expect(toast?.timeout).toBe(ME.undo_send_seconds * 1000);
    toast?.action?.run();
    await waitFor(() => expect(useUi.getState().toasts.map((t) => t.text)).toContain('Sending undone'));
    expect(api.calls.some((c) => c.method === 'DELETE' && c.path === '/scheduled/s1')).toBe(true);
    expect(useUi.getState().composes.map((c) => c.init)).toEqual([
      expect.objectContaining({ to: ['bob@example.com'], subject: 'Plans', draftId: null }),
    ]);
  });

  it('sends a saved draft by its id, brought up to date first', async () => {
    const api = composeServer();
    const { onClose } = openCompose({ to: ['bob@example.com'], subject: 'Agenda', html: '<p>First point</p>', draftId: 'd41' });
    await userEvent.type(screen.getByLabelText('Subject'), ' v2');
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const put = api.calls.find((c) => c.method === 'PUT');
    expect(put).toMatchObject({ path: '/drafts/d41', body: { subject: 'Agenda v2' } });
    expect(sends(api.calls)[0]?.body).toEqual({ draft_id: 'd2', send_at: null, undo: true });
    expect(api.calls.some((c) => c.method === 'DELETE')).toBe(false);
  });

  it('sends a reply from the screen, with its quote, and deletes its draft', async () => {
    const api = composeServer();
    const { onClose } = openCompose(
      { to: ['alice@example.org'], subject: 'Re: Welcome', inReplyTo: 'm1', draftId: 'd9', threadId: 't1', quote: '<blockquote>Glad to have you</blockquote>' },
      'inline',
    );
    expect(screen.queryByLabelText('Subject')).toBeNull();
    await userEvent.type(screen.getByRole('textbox', { name: 'Message body' }), 'Thanks');
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(api.calls.some((c) => c.method === 'DELETE' && c.path === '/drafts/d9')).toBe(true));
    expect(onClose).toHaveBeenCalled();
    const body = sends(api.calls)[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({ to: ['alice@example.org'], subject: 'Re: Welcome', in_reply_to: 'm1' });
    expect(String(body.html)).toMatch(/<blockquote>Glad to have you<\/blockquote>$/);
    expect(String(body.text)).toMatch(/Thanks\n\nGlad to have you$/);
  });

  it('schedules a send for a time picked in the dialog', async () => {
    const api = composeServer();
    const { onClose } = openCompose();
    await writeMessage('bob@example.com', 'Later', 'Tomorrow.');
    await userEvent.click(screen.getByRole('button', { name: 'More send options' }));
    await userEvent.click(screen.getByRole('menuitem', { name: 'Schedule send' }));
    await userEvent.click(await screen.findByRole('button', { name: /^Tomorrow morning/ }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const at = (sends(api.calls)[0]?.body as { send_at: string }).send_at;
    const tomorrow = new Date();
    tomorrow.setDate(tomorrow.getDate() + 1);
    tomorrow.setHours(8, 0, 0, 0);
    expect(at).toBe(tomorrow.toISOString());
    expect(useUi.getState().toasts.map((t) => t.text)).toEqual([`Send scheduled for ${tomorrow.toLocaleString()}`]);
  });

  it('waits for the attachments to finish uploading before sending', async () => {
    stubXhr();
    const api = composeServer();
    const { container } = withProviders(<ComposeForm init={{ to: ['bob@example.com'] }} variant="window" onClose={vi.fn()} />);
    const input = container.querySelector<HTMLInputElement>('input[type=file]');
    if (!input) throw new Error('no file input');
    await userEvent.upload(input, new File(['x'], 'a.txt'));
    await waitFor(() => expect(FakeXhr.all).toHaveLength(1));
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Wait for the attachments to finish uploading.');
    expect(sends(api.calls)).toHaveLength(0);
  });

  it('says why a send was refused and keeps the message', async () => {
    composeServer({ 'POST /send': () => problem('invalid-recipient', 422, 'Recipient refused: nobody@example.com') });
    const { onClose } = openCompose();
    await writeMessage('nobody@example.com', 'Hello', 'Hi.');
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Recipient refused: nobody@example.com');
    expect(onClose).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Send' })).toBeEnabled();
  });
});
