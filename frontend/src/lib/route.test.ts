import { describe, expect, it } from 'vitest';
import { listPath, parseMailPath, threadPath } from './route';

describe('mail routes', () => {
  it('parses a label list and a nested label thread', () => {
    expect(parseMailPath('/label/INBOX')).toEqual({ mode: 'label', value: 'INBOX', threadId: null });
    expect(parseMailPath('/label/Work/Clients/thread/42')).toEqual({
      mode: 'label',
      value: 'Work/Clients',
      threadId: '42',
    });
  });

  it('round-trips a search query with operators and slashes', () => {
    const q = 'from:alice subject:"a/b" after:2024/01/01';
    const path = threadPath({ mode: 'search', value: q }, '7');
    expect(parseMailPath(path)).toEqual({ mode: 'search', value: q, threadId: '7' });
  });

  it('encodes label names with spaces', () => {
    expect(listPath({ mode: 'label', value: 'All Mail' })).toBe('/label/All%20Mail');
  });

  it('rejects other paths', () => {
    expect(parseMailPath('/settings')).toBeNull();
  });
});
