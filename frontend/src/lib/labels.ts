/** System labels: their order, names as people read them, and URL names. */

import type { CSSProperties } from 'react';
import type { Label } from '../api/types';

export const ROLE_ORDER = ['inbox', 'starred', 'snoozed', 'important', 'sent', 'drafts', 'spam', 'trash', 'all'];

const ROLE_NAMES: Record<string, string> = {
  inbox: 'Inbox',
  starred: 'Starred',
  snoozed: 'Snoozed',
  important: 'Important',
  sent: 'Sent',
  drafts: 'Drafts',
  spam: 'Spam',
  trash: 'Trash',
  all: 'All Mail',
};

/** The name a person reads: "Inbox" for INBOX, the last part of a nested label. */
export function labelTitle(label: Pick<Label, 'name' | 'role'>, leafOnly = false): string {
  if (label.role && ROLE_NAMES[label.role]) return ROLE_NAMES[label.role] ?? label.name;
  if (leafOnly) return label.name.split('/').pop() ?? label.name;
  return label.name;
}

/** The title for a URL label parameter, even before labels have loaded. */
export function routeLabelTitle(param: string, labels: Label[] | undefined): string {
  const found = findLabel(param, labels);
  if (found) return labelTitle(found);
  return param.toUpperCase() === 'INBOX' ? 'Inbox' : param;
}

export function findLabel(param: string, labels: Label[] | undefined): Label | undefined {
  if (!labels) return undefined;
  const lower = param.toLowerCase();
  return (
    labels.find((l) => l.name === param) ??
    labels.find((l) => l.name.toLowerCase() === lower) ??
    labels.find((l) => l.role === lower) ??
    labels.find((l) => l.id === param)
  );
}

export function systemLabels(labels: Label[]): Label[] {
  return labels
    .filter((l) => l.type === 'system' && ROLE_ORDER.includes(l.role ?? ''))
    .sort((a, b) => ROLE_ORDER.indexOf(a.role ?? '') - ROLE_ORDER.indexOf(b.role ?? ''));
}

export interface LabelNode {
  label: Label | null; // null for an implied parent that does not exist itself
  name: string; // full path
  leaf: string;
  children: LabelNode[];
}

/** User labels as a tree by their `/`-separated names, sorted by name. */
export function labelTree(labels: Label[]): LabelNode[] {
  const user = labels.filter((l) => l.type === 'user').sort((a, b) => a.name.localeCompare(b.name));
  const root: LabelNode[] = [];
  const byPath = new Map<string, LabelNode>();
  const ensure = (path: string): LabelNode => {
    const existing = byPath.get(path);
    if (existing) return existing;
    const parts = path.split('/');
    const node: LabelNode = { label: null, name: path, leaf: parts[parts.length - 1] ?? path, children: [] };
    byPath.set(path, node);
    if (parts.length > 1) ensure(parts.slice(0, -1).join('/')).children.push(node);
    else root.push(node);
    return node;
  };
  for (const l of user) ensure(l.name).label = l;
  return root;
}

/** The URL of a label's list. */
export function labelPath(name: string): string {
  return `/label/${name.split('/').map(encodeURIComponent).join('/')}`;
}

export const LABEL_COLORS = [
  '#e66550', '#f2a60c', '#fad165', '#16a766', '#43d692', '#4a86e8',
  '#a479e2', '#f691b3', '#8e63ce', '#3c78d8', '#285bac', '#999999',
];

function luminance(hex: string): number | null {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return null;
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => {
    const c = parseInt(h ?? '0', 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

/** Text colour for a label chip of this background: whichever contrasts more (WCAG). */
export function chipText(bg: string): string {
  const l = luminance(bg);
  if (l === null) return '#111111';
  const onWhite = 1.05 / (l + 0.05);
  const onDark = (l + 0.05) / (0.0056 + 0.05); // #111111
  return onWhite >= onDark ? '#ffffff' : '#111111';
}

/**
 * How a label chip is coloured: with the label's own colour (a user's choice,
 * stored with the label) and text that reads on it, or with the theme's chip
 * colours when the label has none.
 */
export function chipColors(color: string | null | undefined): { className: string; style?: CSSProperties } {
  return color ? { className: '', style: { background: color, color: chipText(color) } } : { className: 'bg-chip-strong text-chip-ink' };
}
