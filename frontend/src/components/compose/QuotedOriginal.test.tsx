import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QuotedOriginal } from './QuotedOriginal';

describe('quoted original', () => {
  it('stays folded until asked for, and folds again', async () => {
    render(<QuotedOriginal html="<blockquote>Earlier message</blockquote>" />);
    expect(screen.queryByTitle('Quoted message')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Show trimmed content' }));
    expect(screen.getByTitle('Quoted message')).toBeInTheDocument();
    const hide = screen.getByRole('button', { name: 'Hide trimmed content' });
    expect(hide).toHaveAttribute('aria-expanded', 'true');
    await userEvent.click(hide);
    expect(screen.queryByTitle('Quoted message')).toBeNull();
  });
});
