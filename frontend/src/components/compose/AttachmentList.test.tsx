import { describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AttachmentList } from './AttachmentList';
import type { Upload } from './useAttachments';

const entry = (over: Partial<Upload>): Upload => ({
  key: 1,
  name: 'agenda.txt',
  size: 2048,
  progress: 0,
  id: null,
  error: null,
  abort: new AbortController(),
  ...over,
});

describe('attachment list', () => {
  it('is absent without attachments', () => {
    render(<AttachmentList uploads={[]} onRemove={vi.fn()} />);
    expect(screen.queryByRole('list', { name: 'Attachments' })).toBeNull();
  });

  it('shows each file with its size, its progress while it uploads, and its error', () => {
    render(
      <AttachmentList
        uploads={[
          entry({ key: 1, name: 'agenda.txt', progress: 0.42 }),
          entry({ key: 2, name: 'photo.jpg', size: 512, id: 'up-2', progress: 1 }),
          entry({ key: 3, name: 'huge.iso', size: 40 * 1024 * 1024, error: 'Too large: a file can be at most 25 MB' }),
        ]}
        onRemove={vi.fn()}
      />,
    );
    const list = screen.getByRole('list', { name: 'Attachments' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(3);
    expect(within(list).getByText('(2 KB)')).toBeInTheDocument();
    expect(within(list).getByText('(512 B)')).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Uploading agenda.txt' })).toHaveAttribute('value', '42');
    // a stored file has no progress bar, a refused one says why
    expect(screen.queryByRole('progressbar', { name: 'Uploading photo.jpg' })).toBeNull();
    expect(screen.getByRole('alert')).toHaveTextContent('Too large: a file can be at most 25 MB');
  });

  it('removes the entry asked for', async () => {
    const remove = vi.fn();
    render(<AttachmentList uploads={[entry({ key: 7, name: 'a.txt' }), entry({ key: 8, name: 'b.txt' })]} onRemove={remove} />);
    await userEvent.click(screen.getByRole('button', { name: 'Remove attachment b.txt' }));
    expect(remove).toHaveBeenCalledWith(8);
  });
});
