/** A compose form on a fake server, for the compose tests. */

import { vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ComposeInit } from '../store/ui';
import { ComposeForm } from '../components/compose/ComposeForm';
import { fakeApi, json, ME } from './fakeApi';
import { withProviders } from './render';

export const SENT = { status: 'scheduled', send_id: 's1', send_at: new Date().toISOString(), sent_id: null, queued: [] };

export function composeServer(over: Record<string, Parameters<typeof fakeApi>[0][string]> = {}) {
  return fakeApi({
    'GET /me': () => json(ME),
    'GET /labels': () => json({ items: [] }),
    'GET /contacts': () => json({ items: [] }),
    'POST /drafts': () => json({ id: 'd1', thread_id: 't1' }, 201),
    'PUT /drafts/:id': () => json({ id: 'd2', thread_id: 't1' }),
    'DELETE /drafts/:id': () => new Response(null, { status: 204 }),
    'POST /send': () => json(SENT, 202),
    'DELETE /scheduled/:id': () => new Response(null, { status: 204 }),
    ...over,
  });
}

export function openCompose(init: ComposeInit = {}, variant: 'window' | 'inline' = 'window') {
  const onClose = vi.fn();
  const onSubject = vi.fn();
  const view = withProviders(<ComposeForm init={init} variant={variant} onClose={onClose} onSubject={onSubject} />);
  return { onClose, onSubject, view };
}

export const sends = <C extends { method: string; path: string }>(calls: C[]) => calls.filter((c) => c.method === 'POST' && c.path === '/send');

/** Type a message as a user does: recipient, subject, body. */
export async function writeMessage(to: string, subject: string, body: string) {
  await userEvent.type(screen.getByRole('combobox', { name: 'To' }), `${to},`);
  await userEvent.type(screen.getByLabelText('Subject'), subject);
  await userEvent.type(screen.getByRole('textbox', { name: 'Message body' }), body);
}
