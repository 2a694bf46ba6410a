import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { auth } from '../../api/client';
import { useUi } from '../../store/ui';
import { composeServer, openCompose, sends, writeMessage } from '../../test/compose';

describe('compose form', () => {
  beforeEach(() => {
    auth.set({ access_token: 'a', refresh_token: 'r', expires_in: 900 });
    useUi.setState({ composes: [], toasts: [] });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('sends with Ctrl+Enter', async () => {
    const api = composeServer();
    openCompose();
    await writeMessage('bob@example.com', 'Quick', 'Yes.');
    await userEvent.keyboard('{Control>}{Enter}{/Control}');
    await waitFor(() => expect(sends(api.calls)).toHaveLength(1));
  });

  it('Escape saves the draft and closes the window', async () => {
    const api = composeServer();
    const { onClose } = openCompose();
    await userEvent.type(screen.getByLabelText('Subject'), 'Unfinished');
    await userEvent.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(api.calls.some((c) => c.method === 'POST' && c.path === '/drafts')).toBe(true));
    expect(api.calls.find((c) => c.path === '/drafts')?.body).toMatchObject({ subject: 'Unfinished' });
  });

  it('lays out a window with a subject, and a reply without one', async () => {
    composeServer();
    const { onSubject, view } = openCompose({ subject: 'Hello' });
    expect(screen.getByLabelText('Subject')).toHaveValue('Hello');
    expect(onSubject).toHaveBeenLastCalledWith('Hello');
    view.unmount();
    const reply = openCompose({ to: ['alice@example.org'], subject: 'Re: Hello', inReplyTo: 'm1' }, 'inline');
    expect(screen.queryByLabelText('Subject')).toBeNull();
    // Escape leaves a reply open: it belongs to the conversation
    await userEvent.type(screen.getByRole('textbox', { name: 'Message body' }), 'Hi{Escape}');
    expect(reply.onClose).not.toHaveBeenCalled();
  });
});
