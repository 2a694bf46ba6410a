import { describe, expect, it, vi } from 'vitest';
import { renderHook } from '@testing-library/react';
import { useShortcuts } from './shortcuts';

function press(key: string, target: EventTarget = document.body, init: KeyboardEventInit = {}) {
  const e = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(e);
  return e;
}

describe('keyboard shortcuts', () => {
  it('dispatches to the newest handler that has the key, and ignores typing', () => {
    const outer = { c: vi.fn(), j: vi.fn() };
    const inner = { j: vi.fn() };
    renderHook(() => useShortcuts(outer));
    const { unmount } = renderHook(() => useShortcuts(inner));
    press('j');
    expect(inner.j).toHaveBeenCalledTimes(1);
    expect(outer.j).not.toHaveBeenCalled();
    press('c');
    expect(outer.c).toHaveBeenCalledTimes(1);
    const input = document.createElement('input');
    document.body.appendChild(input);
    press('c', input);
    expect(outer.c).toHaveBeenCalledTimes(1);
    unmount();
    press('j');
    expect(outer.j).toHaveBeenCalledTimes(1);
  });

  it('knows Shift+i from i, and the g-then-i sequence', () => {
    const map = { I: vi.fn(), i: vi.fn(), 'g i': vi.fn() };
    renderHook(() => useShortcuts(map));
    press('I', document.body, { shiftKey: true });
    expect(map.I).toHaveBeenCalledTimes(1);
    press('g');
    press('i');
    expect(map['g i']).toHaveBeenCalledTimes(1);
    expect(map.i).not.toHaveBeenCalled();
  });
});
