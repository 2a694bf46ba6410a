import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Button } from './Button';
import { DialogFooter } from './DialogFooter';

describe('Button', () => {
  it('is a plain button (not a submit) unless asked, and runs its action on click', async () => {
    const run = vi.fn();
    render(
      <form onSubmit={() => run('submitted')}>
        <Button variant="primary" onClick={() => run('clicked')}>
          Save
        </Button>
      </form>,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(run.mock.calls).toEqual([['clicked']]);
  });

  it('submits its form when it is a submit button', async () => {
    const submit = vi.fn((e: React.FormEvent) => e.preventDefault());
    render(
      <form onSubmit={submit}>
        <Button type="submit" variant="primary">
          Create
        </Button>
      </form>,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(submit).toHaveBeenCalledTimes(1);
  });

  it('does nothing while disabled, and keyboard users can press it', async () => {
    const run = vi.fn();
    const { rerender } = render(
      <Button variant="danger" disabled onClick={run}>
        Remove
      </Button>,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Remove' }));
    expect(run).not.toHaveBeenCalled();
    rerender(
      <Button variant="danger" onClick={run}>
        Remove
      </Button>,
    );
    await userEvent.tab();
    expect(screen.getByRole('button', { name: 'Remove' })).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('an icon button is named by its label and keeps the layout classes it is given', () => {
    render(
      <Button variant="icon" aria-label="Archive" className="ml-auto">
        <svg />
      </Button>,
    );
    const b = screen.getByRole('button', { name: 'Archive' });
    expect(b).toHaveClass('ml-auto', 'rounded-full');
  });
});

describe('DialogFooter', () => {
  it('offers Cancel before the dialog’s own action', async () => {
    const cancel = vi.fn();
    const remove = vi.fn();
    render(
      <DialogFooter onCancel={cancel}>
        <Button variant="danger" onClick={remove}>
          Remove
        </Button>
      </DialogFooter>,
    );
    const buttons = screen.getAllByRole('button');
    expect(buttons.map((b) => b.textContent)).toEqual(['Cancel', 'Remove']);
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(remove).not.toHaveBeenCalled();
  });
});
