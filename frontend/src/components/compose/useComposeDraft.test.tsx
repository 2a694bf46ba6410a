import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useRef } from 'react';
import { auth } from '../../api/client';
import { useUi, type ComposeInit } from '../../store/ui';
import { fakeApi, json, problem } from '../../test/fakeApi';
import { FakeXhr, stubXhr } from '../../test/fakeXhr';
import { withProviders } from '../../test/render';
import type { EditorHandle } from './Editor';
import { AUTOSAVE_MS, fieldsReducer, htmlText, useComposeDraft } from './useComposeDraft';

/** A form on the hook: the body is a plain text box standing in for the editor. */
function Harness({ init = {}, onClose = () => {}, onDraftId }: { init?: ComposeInit; onClose?: () => void; onDraftId?: (id: string) => void }) {
  const body = useRef<HTMLTextAreaElement>(null);
  const editor = useRef<EditorHandle>({
    html: () => (body.current?.value ? `<p>${body.current.value}</p>` : ''),
    text: () => body.current?.value ?? '',
    focus: () => body.current?.focus(),
  });
  const draft = useComposeDraft({ init, editor, onClose, onDraftId });
  return (
    <>
      <input aria-label="Subject" value={draft.fields.subject} onChange={(e) => draft.setField('subject', e.target.value)} />
      <textarea aria-label="Body" ref={body} onInput={draft.changed} />
      <input type="file" aria-label="Files" onChange={(e) => e.target.files && draft.attachments.add(e.target.files)} />
      <p role="status">{draft.status}</p>
      <p>{draft.attachments.busy ? 'uploading' : 'uploaded'}</p>
      <button type="button" onClick={() => void draft.close()}>
        Close
      </button>
      <button type="button" onClick={() => void draft.discard()}>
        Discard
      </button>
    </>
  );
}

const saves = <C extends { method: string; path: string }>(calls: C[]) => calls.filter((c) => c.path.startsWith('/drafts') && c.method !== 'DELETE');
const tick = (ms = AUTOSAVE_MS) => act(() => vi.advanceTimersByTime(ms));

describe('the draft of a compose form', () => {
  let ids = 0;
  beforeEach(() => {
    ids = 0;
    auth.set({ access_token: 'a', refresh_token: 'r', expires_in: 900 });
    useUi.setState({ toasts: [] });
    // only the autosave clock is faked: user-event and waitFor keep real timers
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  function server(over: Record<string, Parameters<typeof fakeApi>[0][string]> = {}) {
    return fakeApi({
      'GET /labels': () => json({ items: [] }),
      'POST /drafts': () => json({ id: `d${++ids}`, thread_id: 't1' }, 201),
      'PUT /drafts/:id': () => json({ id: `d${++ids}`, thread_id: 't1' }),
      'DELETE /drafts/:id': () => new Response(null, { status: 204 }),
      ...over,
    });
  }

  it('is not saved while empty', async () => {
    const api = server();
    withProviders(<Harness />);
    await userEvent.type(screen.getByLabelText('Subject'), 'x');
    await userEvent.clear(screen.getByLabelText('Subject'));
    tick();
    expect(screen.getByRole('status')).toHaveTextContent('idle');
    expect(saves(api.calls)).toHaveLength(0);
  });

  it('is saved a few seconds after a change, then saved anew under each new id', async () => {
    const api = server();
    const onDraftId = vi.fn();
    withProviders(<Harness init={{ to: ['bob@example.com'] }} onDraftId={onDraftId} />);
    await userEvent.type(screen.getByLabelText('Subject'), 'Plans');
    tick(AUTOSAVE_MS - 1);
    expect(saves(api.calls)).toHaveLength(0);
    tick(1);
    expect(screen.getByRole('status')).toHaveTextContent('saving');
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('saved'));
    expect(saves(api.calls)[0]).toMatchObject({ method: 'POST', path: '/drafts', body: { to: ['bob@example.com'], subject: 'Plans' } });
    expect(onDraftId).toHaveBeenLastCalledWith('d1');
    // no change, no save
    tick();
    expect(saves(api.calls)).toHaveLength(1);
    // a change in the body is saved over the stored draft, which gets a new id
    await userEvent.type(screen.getByLabelText('Body'), 'Launch on Tuesday');
    expect(screen.getByRole('status')).toHaveTextContent('idle');
    tick();
    await waitFor(() => expect(onDraftId).toHaveBeenLastCalledWith('d2'));
    expect(saves(api.calls)[1]).toMatchObject({ method: 'PUT', path: '/drafts/d1', body: { html: '<p>Launch on Tuesday</p>', text: 'Launch on Tuesday' } });
  });

  it('waits for a pause in typing the fields before it saves', async () => {
    const api = server();
    withProviders(<Harness />);
    await userEvent.type(screen.getByLabelText('Subject'), 'a');
    tick(2000);
    await userEvent.type(screen.getByLabelText('Subject'), 'b');
    tick(2000);
    expect(saves(api.calls)).toHaveLength(0);
    tick(1000);
    await waitFor(() => expect(saves(api.calls)).toHaveLength(1));
    expect(saves(api.calls)[0]?.body).toMatchObject({ subject: 'ab' });
  });

  it('says when a save failed, and tries again', async () => {
    let fail = true;
    const api = server({
      'POST /drafts': () => (fail ? problem('unavailable', 503, 'Try later') : json({ id: 'd1', thread_id: 't1' }, 201)),
    });
    withProviders(<Harness />);
    await userEvent.type(screen.getByLabelText('Subject'), 'Plans');
    tick();
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('error'));
    fail = false;
    tick();
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('saved'));
    expect(saves(api.calls)).toHaveLength(2);
  });

  it('waits for an attachment to upload before saving, and saves it with the draft', async () => {
    stubXhr();
    const api = server();
    withProviders(<Harness />);
    await userEvent.type(screen.getByLabelText('Subject'), 'With a file');
    await userEvent.upload(screen.getByLabelText('Files'), new File(['x'], 'a.txt'));
    await waitFor(() => expect(FakeXhr.all).toHaveLength(1));
    tick();
    expect(saves(api.calls)).toHaveLength(0);
    act(() => void FakeXhr.all[0]?.finish('up-1'));
    await screen.findByText('uploaded');
    tick();
    await waitFor(() => expect(saves(api.calls)).toHaveLength(1));
    expect(saves(api.calls)[0]?.body).toMatchObject({ subject: 'With a file', attachments: ['up-1'] });
  });

  it('on close, is saved at once, after the upload under way', async () => {
    stubXhr();
    const api = server();
    const onClose = vi.fn();
    withProviders(<Harness onClose={onClose} />);
    await userEvent.type(screen.getByLabelText('Subject'), 'Closing');
    await userEvent.upload(screen.getByLabelText('Files'), new File(['x'], 'a.txt'));
    await waitFor(() => expect(FakeXhr.all).toHaveLength(1));
    await userEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(saves(api.calls)).toHaveLength(0);
    act(() => void FakeXhr.all[0]?.finish('up-7'));
    await waitFor(() => expect(saves(api.calls)).toHaveLength(1));
    expect(saves(api.calls)[0]?.body).toMatchObject({ subject: 'Closing', attachments: ['up-7'] });
  });

  it('on discard, the stored draft is deleted and the uploads stopped', async () => {
    stubXhr();
    const api = server();
    const onClose = vi.fn();
    withProviders(<Harness init={{ draftId: 'd41' }} onClose={onClose} />);
    await userEvent.upload(screen.getByLabelText('Files'), new File(['x'], 'a.txt'));
    await waitFor(() => expect(FakeXhr.all).toHaveLength(1));
    await userEvent.click(screen.getByRole('button', { name: 'Discard' }));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(FakeXhr.all[0]?.aborted).toBe(true);
    await waitFor(() => expect(useUi.getState().toasts.map((t) => t.text)).toContain('Draft discarded'));
    expect(api.calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/drafts/d41']);
    expect(saves(api.calls)).toHaveLength(0);
  });
});

describe('draft helpers', () => {
  it('changes one field and keeps the others', () => {
    const before = { to: ['a@x'], cc: [], bcc: [], subject: 'Hi' };
    expect(fieldsReducer(before, { field: 'subject', value: 'Hello' })).toEqual({ ...before, subject: 'Hello' });
    expect(fieldsReducer(before, { field: 'cc', value: ['c@x'] })).toEqual({ ...before, cc: ['c@x'] });
  });

  it('takes the text of a quote, one line per paragraph', () => {
    expect(htmlText('<div>On Monday, Alice wrote:<br><blockquote><p>One</p><p>Two</p></blockquote></div>')).toBe(
      'On Monday, Alice wrote:\nOne\nTwo',
    );
  });
});
