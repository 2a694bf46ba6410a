import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { ComposeFooter } from './ComposeFooter';
import type { SaveStatus } from './useComposeDraft';

function Harness(props: Partial<Parameters<typeof ComposeFooter>[0]> & { status?: SaveStatus }) {
  const [toolbar, setToolbar] = useState(true);
  return (
    <ComposeFooter
      sending={false}
      status="idle"
      toolbar={toolbar}
      onToggleToolbar={() => setToolbar(!toolbar)}
      onSend={vi.fn()}
      onSchedule={vi.fn()}
      onFiles={vi.fn()}
      onDiscard={vi.fn()}
      {...props}
    />
  );
}

describe('compose footer', () => {
  it('sends, and says so while sending', async () => {
    const send = vi.fn();
    const { rerender } = render(<Harness onSend={send} />);
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(send).toHaveBeenCalledTimes(1);
    rerender(<Harness onSend={send} sending />);
    expect(screen.getByRole('button', { name: 'Sending…' })).toBeDisabled();
  });

  it('schedules from the send menu, which Escape closes', async () => {
    const schedule = vi.fn();
    render(<Harness onSchedule={schedule} />);
    const more = screen.getByRole('button', { name: 'More send options' });
    expect(more).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(more);
    expect(more).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('menuitem', { name: 'Schedule send' })).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('menu')).toBeNull();
    await userEvent.click(more);
    await userEvent.click(screen.getByRole('menuitem', { name: 'Schedule send' }));
    expect(schedule).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('menu')).toBeNull();
  });

  it('hands over the files chosen with Attach', async () => {
    const files = vi.fn();
    const { container } = render(<Harness onFiles={files} />);
    expect(screen.getByRole('button', { name: /^Attach files \(Files up to 25 MB each, 35 MB in all\)$/ })).toBeInTheDocument();
    const input = container.querySelector<HTMLInputElement>('input[type=file]');
    if (!input) throw new Error('no file input');
    await userEvent.upload(input, [new File(['a'], 'a.txt'), new File(['b'], 'b.txt')]);
    expect(files).toHaveBeenCalledTimes(1);
    expect(Array.from(files.mock.calls[0]?.[0] as FileList).map((f) => f.name)).toEqual(['a.txt', 'b.txt']);
    // the input is emptied, so the same file can be chosen again
    expect(input.value).toBe('');
  });

  it('toggles the formatting toolbar and discards', async () => {
    const discard = vi.fn();
    render(<Harness onDiscard={discard} />);
    const format = screen.getByRole('button', { name: 'Formatting options' });
    expect(format).toHaveAttribute('aria-pressed', 'true');
    await userEvent.click(format);
    expect(format).toHaveAttribute('aria-pressed', 'false');
    await userEvent.click(screen.getByRole('button', { name: 'Discard draft' }));
    expect(discard).toHaveBeenCalledTimes(1);
  });

  it('tells whether the draft is saved', () => {
    const { rerender } = render(<Harness status="saving" />);
    expect(screen.getByText('Saving…')).toBeInTheDocument();
    rerender(<Harness status="saved" />);
    expect(screen.getByText('Draft saved')).toBeInTheDocument();
    rerender(<Harness status="error" />);
    expect(screen.getByText('Draft not saved')).toBeInTheDocument();
  });
});
