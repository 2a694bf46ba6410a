import { describe, expect, it } from 'vitest';
import { buildQuery, emptySearch, parseQuery } from './query';

describe('advanced search', () => {
  it('builds Gmail operators from the form', () => {
    expect(
      buildQuery({
        ...emptySearch,
        from: 'alice@example.com',
        subject: 'quarterly report',
        words: 'budget',
        without: 'draft',
        hasAttachment: true,
        after: '2024-01-31',
        sizeOp: 'larger',
        sizeMb: '2',
      }),
    ).toBe('from:alice@example.com subject:"quarterly report" budget -draft has:attachment after:2024/01/31 larger:2M');
  });

  it('is empty for an empty form', () => {
    expect(buildQuery(emptySearch)).toBe('');
  });

  it('reads a query back into the form', () => {
    const f = parseQuery('from:bob subject:"a b" has:attachment before:2023/05/01 hello -spam');
    expect(f.from).toBe('bob');
    expect(f.subject).toBe('a b');
    expect(f.hasAttachment).toBe(true);
    expect(f.before).toBe('2023-05-01');
    expect(f.words).toBe('hello');
    expect(f.without).toBe('spam');
  });
});
