import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { RecipientField } from './RecipientField';
import { fakeApi, json } from '../../test/fakeApi';
import { auth } from '../../api/client';

function Harness({ onChange }: { onChange: (v: string[]) => void }) {
  const [v, setV] = useState<string[]>([]);
  return (
    <RecipientField
      label="To"
      value={v}
      onChange={(next) => {
        setV(next);
        onChange(next);
      }}
    />
  );
}

describe('recipients', () => {
  it('turns typed addresses into chips and removes them with Backspace', async () => {
    const changes = vi.fn();
    render(<Harness onChange={changes} />);
    const input = screen.getByRole('combobox', { name: 'To' });
    await userEvent.type(input, 'bob@example.com,');
    expect(screen.getByRole('button', { name: 'Remove bob@example.com' })).toBeInTheDocument();
    await userEvent.type(input, '{Backspace}');
    expect(changes).toHaveBeenLastCalledWith([]);
  });

  it('autocompletes from the contacts endpoint', async () => {
    auth.set({ access_token: 'a', refresh_token: 'r', expires_in: 900 });
    const api = fakeApi({
      'GET /contacts': () => json({ items: [{ name: 'Carol Diaz', address: 'carol@example.net', score: 3 }] }),
    });
    const changes = vi.fn();
    render(<Harness onChange={changes} />);
    await userEvent.type(screen.getByRole('combobox', { name: 'To' }), 'car');
    const option = await screen.findByRole('option', { name: /Carol Diaz/ });
    expect(option).toHaveAttribute('aria-selected', 'true');
    await userEvent.keyboard('{Enter}');
    expect(changes).toHaveBeenLastCalledWith(['Carol Diaz <carol@example.net>']);
    expect(api.calls.some((c) => c.path === '/contacts')).toBe(true);
  });
});
