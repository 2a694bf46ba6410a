/** The left pane: Compose, system labels with counts, user labels as a coloured tree. */

import { Fragment, useState, type DragEvent } from 'react';
import { NavLink, useLocation } from 'react-router';
import { useLabels } from '../api/hooks';
import { useThreadActions } from '../api/actions';
import type { Label } from '../api/types';
import { count } from '../lib/format';
import { labelPath, labelTitle, labelTree, systemLabels, type LabelNode } from '../lib/labels';
import { parseMailPath } from '../lib/route';
import { useUi } from '../store/ui';
import { Icon, type IconName } from './Icon';
import { LabelDialog, DeleteLabelDialog } from './LabelDialog';
import { Button } from './Button';

export const DRAG_TYPE = 'application/x-mailcore-threads';

const ROLE_ICONS: Record<string, IconName> = {
  inbox: 'inbox',
  starred: 'star',
  snoozed: 'clock',
  important: 'important',
  sent: 'send',
  drafts: 'draft',
  spam: 'spam',
  trash: 'trash',
  all: 'allmail',
};

function badge(l: Label): number {
  if (l.role === 'drafts') return l.total;
  if (l.role === 'sent' || l.role === 'all' || l.role === 'trash' || l.role === 'starred' || l.role === 'important') return 0;
  return l.unread;
}

function useDrop(label: Label | null) {
  const actions = useThreadActions();
  const location = useLocation();
  const [over, setOver] = useState(false);
  if (!label) return { over: false, props: {} };
  return {
    over,
    props: {
      onDragOver: (e: DragEvent) => {
        if (e.dataTransfer.types.includes(DRAG_TYPE)) {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'move';
          setOver(true);
        }
      },
      onDragLeave: () => setOver(false),
      onDrop: (e: DragEvent) => {
        setOver(false);
        const ids = (e.dataTransfer.getData(DRAG_TYPE) || '').split(',').filter(Boolean);
        if (!ids.length) return;
        e.preventDefault();
        const route = parseMailPath(location.pathname);
        const from = route?.mode === 'label' && route.value !== label.name ? route.value : null;
        void actions.moveTo(ids, label.name, from === 'All Mail' ? null : from);
        useUi.getState().clearSelection();
      },
    },
  };
}

function Item({ label, icon, depth = 0, name, color, onMenu }: {
  label: Label;
  icon: IconName;
  depth?: number;
  name: string;
  color?: string | null;
  onMenu?: (l: Label) => void;
}) {
  const drop = useDrop(label);
  const n = badge(label);
  return (
    <li className="group relative" {...drop.props}>
      <NavLink
        to={labelPath(label.name)}
        onClick={() => useUi.getState().setNavOpen(false)}
        className={({ isActive }) =>
          `flex h-8 items-center rounded-r-full pr-3 text-sm ${
            isActive ? 'bg-accent-soft font-bold text-on-accent-soft' : 'text-ink hover:bg-nav-hover'
          } ${drop.over ? 'ring-2 ring-accent' : ''} ${n ? 'font-bold' : ''}`
        }
        style={{ paddingLeft: 26 + depth * 16 }}
      >
        <Icon
          name={icon}
          size={18}
          filled={!!color}
          className="mr-4 shrink-0"
          style={color ? { color, stroke: color } : undefined}
        />
        <span className="flex-1 truncate">{name}</span>{" "}
        {n > 0 && (
          <span className="ml-2 text-xs">
            {count(n)}
            <span className="sr-only">{label.role === 'drafts' ? ' drafts' : ' unread'}</span>
          </span>
        )}
      </NavLink>
      {onMenu && (
        <button
          type="button"
          aria-label={`Options for ${label.name}`}
          onClick={() => onMenu(label)}
          className="absolute right-1 top-0.5 hidden rounded-full p-1 text-muted hover:bg-black/10 focus:block group-hover:block"
        >
          <Icon name="more" size={18} strokeWidth={3} />
        </button>
      )}
    </li>
  );
}

function Tree({ nodes, depth, onMenu }: { nodes: LabelNode[]; depth: number; onMenu: (l: Label) => void }) {
  return (
    <>
      {nodes.map((node) => (
        <Fragment key={node.name}>
          {node.label ? (
            <Item
              label={node.label}
              icon="label"
              depth={depth}
              name={node.leaf}
              color={node.label.color ?? 'var(--color-label-default)'}
              onMenu={onMenu}
            />
          ) : (
            <li className="flex h-8 items-center pr-3 text-sm text-muted" style={{ paddingLeft: 26 + depth * 16 }}>
              <Icon name="label" size={18} className="mr-4" /> {node.leaf}
            </li>
          )}
          {node.children.length > 0 && <Tree nodes={node.children} depth={depth + 1} onMenu={onMenu} />}
        </Fragment>
      ))}
    </>
  );
}

function LabelMenu({ label, onClose }: { label: Label; onClose: () => void }) {
  const [mode, setMode] = useState<'menu' | 'edit' | 'sub' | 'delete'>('menu');
  if (mode === 'edit') return <LabelDialog label={label} onClose={onClose} />;
  if (mode === 'sub') return <LabelDialog parent={label.name} onClose={onClose} />;
  if (mode === 'delete') return <DeleteLabelDialog label={label} onClose={onClose} />;
  return (
    <div className="fixed inset-0 z-50" onMouseDown={onClose}>
      <div
        role="menu"
        aria-label={`Options for ${label.name}`}
        className="absolute left-56 top-1/3 w-56 rounded-lg bg-white py-2 shadow-xl"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        {(
          [
            ['Edit (rename, colour)', () => setMode('edit')],
            ['Add sublabel', () => setMode('sub')],
            ['Remove label', () => setMode('delete')],
          ] as const
        ).map(([text, run], i) => (
          <button
            key={text}
            type="button"
            role="menuitem"
            autoFocus={i === 0}
            onClick={run}
            className="block w-full px-4 py-2 text-left text-sm hover:bg-black/5 focus:bg-black/5"
          >
            {text}
          </button>
        ))}
      </div>
    </div>
  );
}

export function Sidebar() {
  const labels = useLabels();
  const navOpen = useUi((s) => s.navOpen);
  const [creating, setCreating] = useState(false);
  const [menuFor, setMenuFor] = useState<Label | null>(null);
  const [more, setMore] = useState(true);
  const all = labels.data ?? [];
  const system = systemLabels(all);
  const primary = system.filter((l) => ['inbox', 'starred', 'snoozed', 'important', 'sent', 'drafts'].includes(l.role ?? ''));
  const rest = system.filter((l) => !primary.includes(l));

  return (
    <nav
      aria-label="Mail"
      className={`${
        navOpen ? 'fixed inset-y-0 left-0 z-40 w-72 bg-white pt-4 shadow-xl' : 'hidden'
      } shrink-0 flex-col overflow-y-auto pb-6 md:static md:flex md:w-64 md:bg-transparent md:pt-0 md:shadow-none ${navOpen ? 'flex' : ''}`}
    >
      <div className="px-2 pb-4 pt-1">
        <button
          type="button"
          onClick={() => {
            useUi.getState().openCompose();
            useUi.getState().setNavOpen(false);
          }}
          className="flex h-14 items-center gap-3 rounded-2xl bg-compose px-5 pr-6 text-sm font-medium text-on-accent-soft shadow-sm transition hover:shadow-md"
        >
          <Icon name="pencil" size={22} /> Compose
        </button>
      </div>
      {labels.isPending && (
        <ul aria-label="Loading labels" className="space-y-3 px-6 pt-2">
          {Array.from({ length: 8 }, (_, i) => (
            <li key={i} className="skeleton h-4 w-40" />
          ))}
        </ul>
      )}
      {labels.isError && (
        <p role="alert" className="px-6 text-sm text-red">
          Labels could not be loaded.{' '}
          <button type="button" className="underline" onClick={() => void labels.refetch()}>
            Retry
          </button>
        </p>
      )}
      <ul className="pr-2">
        {primary.map((l) => (
          <Item key={l.id} label={l} icon={ROLE_ICONS[l.role ?? ''] ?? 'label'} name={labelTitle(l)} />
        ))}
        {rest.length > 0 && (
          <li>
            <button
              type="button"
              aria-expanded={more}
              onClick={() => setMore(!more)}
              className="flex h-8 w-full items-center rounded-r-full pl-[26px] text-sm text-ink hover:bg-nav-hover"
            >
              <Icon name={more ? 'up' : 'down'} size={18} className="mr-4" /> {more ? 'Less' : 'More'}
            </button>
          </li>
        )}
        {more &&
          rest.map((l) => <Item key={l.id} label={l} icon={ROLE_ICONS[l.role ?? ''] ?? 'label'} name={labelTitle(l)} />)}
        {more && (
          <li>
            <NavLink
              to="/scheduled"
              className={({ isActive }) =>
                `flex h-8 items-center rounded-r-full pl-[26px] text-sm ${isActive ? 'bg-accent-soft font-bold' : 'hover:bg-nav-hover'}`
              }
            >
              <Icon name="schedule" size={18} className="mr-4" /> Scheduled
            </NavLink>
          </li>
        )}
      </ul>
      <div className="mt-4 flex items-center justify-between pl-6 pr-4">
        <h2 className="text-base font-medium text-ink">Labels</h2>
        <Button variant="icon" aria-label="Create new label" onClick={() => setCreating(true)}>
          <Icon name="plus" size={18} />
        </Button>
      </div>
      <ul className="pr-2">
        <Tree nodes={labelTree(all)} depth={0} onMenu={setMenuFor} />
      </ul>
      {creating && <LabelDialog onClose={() => setCreating(false)} />}
      {menuFor && <LabelMenu label={menuFor} onClose={() => setMenuFor(null)} />}
    </nav>
  );
}
