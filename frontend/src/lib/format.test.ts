import { describe, expect, it } from 'vitest';
import { count, listDate, pageRange, parseAddress, senders, size } from './format';

describe('list dates', () => {
  const now = new Date(2024, 10, 20, 15, 0);
  it('shows a time for today', () => {
    expect(listDate(new Date(2024, 10, 20, 9, 5).toISOString(), now)).toBe('9:05 AM');
  });
  it('shows "Nov 3" earlier this year', () => {
    expect(listDate(new Date(2024, 10, 3, 9, 5).toISOString(), now)).toBe('Nov 3');
  });
  it('shows the full date for older mail', () => {
    expect(listDate(new Date(2023, 0, 31).toISOString(), now)).toBe('1/31/23');
  });
});

describe('paging', () => {
  it('reads "1–50 of 1,234"', () => {
    expect(pageRange(0, 50, 1234)).toBe('1–50 of 1,234');
    expect(pageRange(50, 50, 1234)).toBe('51–100 of 1,234');
  });
  it('says "many" when the total is unknown', () => {
    expect(pageRange(0, 50, null)).toBe('1–50 of many');
  });
});

describe('people and sizes', () => {
  it('lists senders by first name, "me" for the account', () => {
    expect(
      senders(
        [
          { name: 'Alice Martin', address: 'alice@x.org' },
          { name: null, address: 'demo@example.com' },
        ],
        'demo@example.com',
      ),
    ).toBe('Alice, me');
  });
  it('parses addresses with and without names', () => {
    expect(parseAddress('Bob Stone <bob@example.com>')).toEqual({ name: 'Bob Stone', address: 'bob@example.com' });
    expect(parseAddress('bob@example.com')).toEqual({ name: null, address: 'bob@example.com' });
    expect(parseAddress('not an address')).toBeNull();
  });
  it('formats sizes and counts', () => {
    expect(size(512)).toBe('512 B');
    expect(size(1536)).toBe('2 KB');
    expect(size(1.5 * 1024 * 1024)).toBe('1.5 MB');
    expect(count(1234567)).toBe('1,234,567');
  });
});

import { chipText } from './labels';

describe('label chips', () => {
  it('pick the text colour with WCAG AA contrast', () => {
    expect(chipText('#4a86e8')).toBe('#111111');
    expect(chipText('#285bac')).toBe('#ffffff');
    expect(chipText('#fad165')).toBe('#111111');
  });
});
