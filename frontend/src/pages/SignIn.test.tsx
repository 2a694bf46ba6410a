import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderApp } from '../test/render';
import { fakeApi, json, LABELS, ME, problem } from '../test/fakeApi';
import { auth } from '../api/client';

describe('signing in', () => {
  it('shows the form and an error for a wrong password', async () => {
    auth.clear();
    fakeApi({ 'POST /auth/login': () => problem('invalid-credentials', 401, 'wrong') });
    renderApp('/label/INBOX');
    await userEvent.type(await screen.findByLabelText('Email'), 'demo@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'nope');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong email or password');
  });

  it('keeps the tokens and opens the Inbox', async () => {
    auth.clear();
    const api = fakeApi({
      'POST /auth/login': () => json({ access_token: 'a', refresh_token: 'r', expires_in: 900, token_type: 'Bearer' }),
      'GET /me': () => json(ME),
      'GET /labels': () => json({ items: LABELS }),
      'GET /threads': () => json({ items: [], next_cursor: null, total: 0 }),
    });
    renderApp('/login');
    await userEvent.type(screen.getByLabelText('Email'), 'demo@example.com');
    await userEvent.type(screen.getByLabelText('Password'), 'secret');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('No conversations in Inbox')).toBeInTheDocument();
    expect(api.calls[0]?.body).toEqual({ username: 'demo@example.com', password: 'secret' });
    await waitFor(() => expect(JSON.parse(localStorage.getItem('mailcore.session') ?? '{}').refresh).toBe('r'));
  });
});
