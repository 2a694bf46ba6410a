/**
 * Gmail's keyboard shortcuts. One document listener dispatches a key to the
 * most recently mounted handler map that has it, so the thread view can take
 * `r` while the shell keeps `c` and `/`. Keys typed into fields are ignored,
 * and `g` starts a two-key sequence (`g` then `i`).
 */

import { useEffect, useRef } from 'react';

export type KeyMap = Record<string, (e: KeyboardEvent) => void>;

const stack: { current: KeyMap }[] = [];
let pendingG = 0;
let installed = false;

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (target as HTMLInputElement).type;
    return !['checkbox', 'radio', 'button', 'submit'].includes(type);
  }
  return false;
}

/** The name of a key press in the maps: "j", "#", "?", "Enter", "I" (Shift+i), "g i". */
export function keyName(e: KeyboardEvent): string {
  if (e.key.length === 1 && /[a-z]/i.test(e.key)) return e.shiftKey ? e.key.toUpperCase() : e.key.toLowerCase();
  return e.key;
}

export function dispatch(e: KeyboardEvent): boolean {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return false;
  if (isTyping(e.target)) return false;
  let name = keyName(e);
  const now = Date.now();
  if (pendingG && now - pendingG < 1500 && name !== 'g') {
    name = `g ${name}`;
    pendingG = 0;
  } else if (name === 'g') {
    pendingG = now;
    return true;
  }
  // Enter on a button or link is the element's own action.
  if (name === 'Enter' && e.target instanceof HTMLElement && e.target.closest('button, a, [role="button"]')) {
    return false;
  }
  for (let i = stack.length - 1; i >= 0; i--) {
    const handler = stack[i]?.current[name];
    if (handler) {
      e.preventDefault();
      handler(e);
      return true;
    }
  }
  return false;
}

function install(): void {
  if (installed) return;
  installed = true;
  document.addEventListener('keydown', (e) => {
    dispatch(e);
  });
}

export function useShortcuts(map: KeyMap): void {
  const ref = useRef(map);
  useEffect(() => {
    ref.current = map;
  });
  useEffect(() => {
    install();
    const entry = ref;
    stack.push(entry);
    return () => {
      const i = stack.indexOf(entry);
      if (i >= 0) stack.splice(i, 1);
    };
  }, []);
}

export const SHORTCUTS: [string, string][] = [
  ['c', 'Compose'],
  ['/', 'Search mail'],
  ['j / k', 'Newer / older conversation'],
  ['o or Enter', 'Open conversation'],
  ['u', 'Back to the list'],
  ['e', 'Archive'],
  ['#', 'Delete'],
  ['r', 'Reply'],
  ['a', 'Reply all'],
  ['f', 'Forward'],
  ['s', 'Star / unstar'],
  ['x', 'Select conversation'],
  ['Shift + i', 'Mark as read'],
  ['Shift + u', 'Mark as unread'],
  ['g then i', 'Go to Inbox'],
  ['?', 'Show keyboard shortcuts'],
  ['Esc', 'Close dialog'],
];
