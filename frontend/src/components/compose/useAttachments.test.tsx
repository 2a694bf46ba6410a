import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { auth } from '../../api/client';
import type { Attachment } from '../../api/types';
import { fakeApi } from '../../test/fakeApi';
import { FakeXhr, stubXhr } from '../../test/fakeXhr';
import { AttachmentList } from './AttachmentList';
import { useAttachments, type Attachments } from './useAttachments';

let current: Attachments;

function Harness({ initial, onChange }: { initial?: Attachment[]; onChange: () => void }) {
  const a = useAttachments(initial, onChange);
  current = a;
  return (
    <>
      <input type="file" multiple aria-label="Files" onChange={(e) => e.target.files && a.add(e.target.files)} />
      <AttachmentList uploads={a.uploads} onRemove={a.remove} />
      <p>{a.busy ? 'busy' : 'idle'}</p>
    </>
  );
}

function sized(name: string, bytes: number): File {
  const f = new File(['x'], name, { type: 'text/plain' });
  Object.defineProperty(f, 'size', { value: bytes });
  return f;
}

const MB = 1024 * 1024;

describe('attachments', () => {
  beforeEach(() => {
    auth.set({ access_token: 'a', refresh_token: 'r', expires_in: 900 });
    stubXhr();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('uploads each file added, shows its progress, and knows its id once stored', async () => {
    const changed = vi.fn();
    render(<Harness onChange={changed} />);
    await userEvent.upload(screen.getByLabelText('Files'), [sized('a.txt', 10), sized('b.txt', 20)]);
    await waitFor(() => expect(FakeXhr.all).toHaveLength(2));
    expect(screen.getByText('busy')).toBeInTheDocument();
    act(() => FakeXhr.all[0]?.progress(0.5));
    expect(screen.getByRole('progressbar', { name: 'Uploading a.txt' })).toHaveAttribute('value', '50');
    let first = '';
    act(() => {
      first = FakeXhr.all[0]?.finish() ?? '';
    });
    await waitFor(() => expect(screen.queryByRole('progressbar', { name: 'Uploading a.txt' })).toBeNull());
    expect(current.ids()).toEqual([first]);
    expect(changed).toHaveBeenCalledTimes(1);
    expect(current.running()).toHaveLength(1);
    act(() => void FakeXhr.all[1]?.finish());
    await waitFor(() => expect(screen.getByText('idle')).toBeInTheDocument());
    expect(current.ids()).toHaveLength(2);
    expect(current.running()).toHaveLength(0);
    expect(changed).toHaveBeenCalledTimes(2);
  });

  it('refuses a file over 25 MB, and files over 35 MB in all, without uploading them', async () => {
    render(<Harness onChange={vi.fn()} />);
    await userEvent.upload(screen.getByLabelText('Files'), [sized('big.iso', 26 * MB), sized('one.bin', 20 * MB), sized('two.bin', 20 * MB)]);
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((a) => a.textContent)).toEqual([
      'Too large: a file can be at most 25 MB',
      'Too large: attachments can total 35 MB',
    ]);
    await waitFor(() => expect(FakeXhr.all).toHaveLength(1));
    // refused entries do not count against the total: a refused file is not attached
    expect(screen.getByRole('progressbar', { name: 'Uploading one.bin' })).toBeInTheDocument();
  });

  it('says why an upload failed', async () => {
    render(<Harness onChange={vi.fn()} />);
    await userEvent.upload(screen.getByLabelText('Files'), [sized('a.txt', 10)]);
    await waitFor(() => expect(FakeXhr.all).toHaveLength(1));
    act(() => FakeXhr.all[0]?.fail(413, 'The file is too large'));
    expect(await screen.findByRole('alert')).toHaveTextContent('The file is too large');
    expect(current.ids()).toEqual([]);
    expect(current.busy).toBe(false);
  });

  it('Remove stops the upload and the file is not attached', async () => {
    const changed = vi.fn();
    render(<Harness onChange={changed} />);
    await userEvent.upload(screen.getByLabelText('Files'), [sized('a.txt', 10)]);
    await waitFor(() => expect(FakeXhr.all).toHaveLength(1));
    await userEvent.click(screen.getByRole('button', { name: 'Remove attachment a.txt' }));
    expect(FakeXhr.all[0]?.aborted).toBe(true);
    expect(screen.queryByRole('list', { name: 'Attachments' })).toBeNull();
    expect(current.ids()).toEqual([]);
    expect(changed).toHaveBeenCalledTimes(1);
  });

  it('uploads a reopened draft’s attachments again, once, and that is no change', async () => {
    const api = fakeApi({
      'GET /messages/41/attachments/2': () => new Response('agenda items', { headers: { 'Content-Type': 'text/plain' } }),
    });
    const changed = vi.fn();
    const initial: Attachment[] = [
      { part: '2', filename: 'agenda.txt', content_type: 'text/plain', size: 12, content_id: null, inline: false, url: '/api/v1/messages/41/attachments/2' },
    ];
    const { rerender } = render(<Harness initial={initial} onChange={changed} />);
    expect(screen.getByText('agenda.txt')).toBeInTheDocument();
    await waitFor(() => expect(FakeXhr.all).toHaveLength(1));
    expect((FakeXhr.all[0]?.body as File).name).toBe('agenda.txt');
    rerender(<Harness initial={[...initial]} onChange={changed} />);
    act(() => void FakeXhr.all[0]?.finish('up-9'));
    await waitFor(() => expect(current.ids()).toEqual(['up-9']));
    expect(FakeXhr.all).toHaveLength(1);
    expect(api.calls.filter((c) => c.path === '/messages/41/attachments/2')).toHaveLength(1);
    expect(changed).not.toHaveBeenCalled();
  });
});
