/** UI state that is not server state: selection, compose windows, toasts, prefs. */

import { create } from 'zustand';
import type { Attachment } from '../api/types';

export type Density = 'comfortable' | 'compact';
export type Connection = 'online' | 'connecting' | 'offline';

export interface ComposeInit {
  to?: string[];
  cc?: string[];
  bcc?: string[];
  subject?: string;
  html?: string;
  /** the quoted original, kept out of the editor behind "Show trimmed content" */
  quote?: string;
  inReplyTo?: string | null;
  forward?: boolean;
  draftId?: string | null;
  threadId?: string | null;
  /** a reopened draft's attachments, uploaded again so that saving keeps them */
  attachments?: Attachment[];
}

export interface ComposeWindow {
  key: number;
  init: ComposeInit;
  minimized: boolean;
  maximized: boolean;
}

export interface Toast {
  id: number;
  text: string;
  action?: { label: string; run: () => void };
  /** ms before it disappears; 0 stays until dismissed */
  timeout: number;
}

const PREFS_KEY = 'mailcore.prefs';

interface Prefs {
  density: Density;
  notifications: boolean;
}

function loadPrefs(): Prefs {
  try {
    const raw = localStorage.getItem(PREFS_KEY);
    if (raw) {
      const p = JSON.parse(raw) as Partial<Prefs>;
      return {
        density: p.density === 'compact' ? 'compact' : 'comfortable',
        notifications: p.notifications === true,
      };
    }
  } catch {
    /* defaults */
  }
  return { density: 'comfortable', notifications: false };
}

interface UiState extends Prefs {
  /** selected thread ids in the list on screen */
  selected: ReadonlySet<string>;
  /** the thread id of the list row the keyboard cursor is on */
  cursor: string | null;
  composes: ComposeWindow[];
  /** inline reply open in the thread view */
  reply: { threadId: string; mode: 'reply' | 'replyAll' | 'forward'; messageId: string } | null;
  toasts: Toast[];
  shortcutsOpen: boolean;
  navOpen: boolean;
  connection: Connection;

  toggleSelected(id: string): void;
  setSelected(ids: Iterable<string>): void;
  clearSelection(): void;
  setCursor(id: string | null): void;
  openCompose(init?: ComposeInit): void;
  updateCompose(key: number, patch: Partial<Omit<ComposeWindow, 'key'>>): void;
  closeCompose(key: number): void;
  setReply(reply: UiState['reply']): void;
  toast(text: string, opts?: { action?: Toast['action']; timeout?: number }): number;
  dismissToast(id: number): void;
  setShortcutsOpen(open: boolean): void;
  setNavOpen(open: boolean): void;
  setConnection(c: Connection): void;
  setPrefs(p: Partial<Prefs>): void;
}

let nextKey = 1;

export const useUi = create<UiState>((set, get) => ({
  ...loadPrefs(),
  selected: new Set(),
  cursor: null,
  composes: [],
  reply: null,
  toasts: [],
  shortcutsOpen: false,
  navOpen: false,
  connection: 'online',

  toggleSelected(id) {
    const next = new Set(get().selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    set({ selected: next });
  },
  setSelected(ids) {
    set({ selected: new Set(ids) });
  },
  clearSelection() {
    if (get().selected.size) set({ selected: new Set() });
  },
  setCursor(id) {
    if (get().cursor !== id) set({ cursor: id });
  },
  openCompose(init = {}) {
    const composes = get().composes;
    if (init.draftId) {
      const open = composes.find((c) => c.init.draftId === init.draftId);
      if (open) {
        get().updateCompose(open.key, { minimized: false });
        return;
      }
    }
    // Gmail keeps at most a few windows; the oldest are minimized.
    const kept = composes.map((c, i) => (composes.length - i > 1 ? { ...c, minimized: true } : c));
    set({ composes: [...kept, { key: nextKey++, init, minimized: false, maximized: false }] });
  },
  updateCompose(key, patch) {
    set({ composes: get().composes.map((c) => (c.key === key ? { ...c, ...patch } : c)) });
  },
  closeCompose(key) {
    set({ composes: get().composes.filter((c) => c.key !== key) });
  },
  setReply(reply) {
    set({ reply });
  },
  toast(text, opts = {}) {
    const id = nextKey++;
    const t: Toast = { id, text, timeout: opts.timeout ?? 6000, ...(opts.action ? { action: opts.action } : {}) };
    set({ toasts: [...get().toasts.slice(-2), t] });
    return id;
  },
  dismissToast(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
  setShortcutsOpen(open) {
    set({ shortcutsOpen: open });
  },
  setNavOpen(open) {
    set({ navOpen: open });
  },
  setConnection(c) {
    if (get().connection !== c) set({ connection: c });
  },
  setPrefs(p) {
    const prefs: Prefs = { density: get().density, notifications: get().notifications, ...p };
    localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
    set(prefs);
  },
}));
