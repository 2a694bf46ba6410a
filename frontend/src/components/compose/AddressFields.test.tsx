import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { AddressFields } from './AddressFields';

function Harness({ init = {}, onChange }: { init?: { cc?: string[]; bcc?: string[] }; onChange: (f: string, v: string[]) => void }) {
  const [v, setV] = useState({ to: [] as string[], cc: init.cc ?? [], bcc: init.bcc ?? [] });
  return (
    <AddressFields
      {...v}
      onChange={(field, value) => {
        setV((s) => ({ ...s, [field]: value }));
        onChange(field, value);
      }}
    />
  );
}

describe('address fields', () => {
  it('shows To only, and Cc or Bcc once asked for', async () => {
    const changes = vi.fn();
    render(<Harness onChange={changes} />);
    expect(screen.getByRole('combobox', { name: 'To' })).toHaveFocus();
    expect(screen.queryByRole('combobox', { name: 'Cc' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Cc' }));
    await userEvent.type(screen.getByRole('combobox', { name: 'Cc' }), 'carol@example.net,');
    expect(changes).toHaveBeenLastCalledWith('cc', ['carol@example.net']);
    // the Cc toggle is gone, Bcc's stays until it is used
    expect(screen.queryByRole('button', { name: 'Cc' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Bcc' }));
    expect(screen.getByRole('combobox', { name: 'Bcc' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Bcc' })).toBeNull();
  });

  it('tells which field changed', async () => {
    const changes = vi.fn();
    render(<Harness onChange={changes} />);
    await userEvent.type(screen.getByRole('combobox', { name: 'To' }), 'bob@example.com,');
    expect(changes).toHaveBeenLastCalledWith('to', ['bob@example.com']);
  });

  it('opens with Cc and Bcc shown when the message already has them', () => {
    render(<Harness init={{ cc: ['carol@example.net'], bcc: ['boss@example.com'] }} onChange={vi.fn()} />);
    expect(screen.getByRole('button', { name: 'Remove carol@example.net' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Remove boss@example.com' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cc' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Bcc' })).toBeNull();
  });
});
