/** The frame around every signed-in screen: header, navigation, overlays. */

import { lazy, Suspense } from 'react';
import { Outlet, useNavigate } from 'react-router';
import { Header } from './Header';
import { Sidebar } from './Sidebar';
import { Toasts } from './Toasts';
import { OfflineBanner } from './OfflineBanner';
import { useShortcuts } from '../lib/shortcuts';
import { useUi } from '../store/ui';
import { useLive } from '../lib/useLive';
import { useMe } from '../api/hooks';

const ComposeDock = lazy(() => import('./compose/ComposeDock'));
const ShortcutsHelp = lazy(() => import('./ShortcutsHelp'));

export function Shell() {
  const navigate = useNavigate();
  const composes = useUi((s) => s.composes.length);
  const shortcutsOpen = useUi((s) => s.shortcutsOpen);
  const navOpen = useUi((s) => s.navOpen);
  useLive(true);
  useMe();

  useShortcuts({
    c: () => useUi.getState().openCompose(),
    '/': () => document.getElementById('search-input')?.focus(),
    '?': () => useUi.getState().setShortcutsOpen(true),
    'g i': () => navigate('/label/INBOX'),
    'g s': () => navigate('/label/Starred'),
    'g t': () => navigate('/label/Sent'),
    'g d': () => navigate('/label/Drafts'),
    'g a': () => navigate('/label/All%20Mail'),
    Escape: () => {
      const ui = useUi.getState();
      if (ui.shortcutsOpen) ui.setShortcutsOpen(false);
      else if (ui.navOpen) ui.setNavOpen(false);
      else ui.clearSelection();
    },
  });

  return (
    <div className="flex h-full flex-col">
      <a
        href="#main"
        className="sr-only-focusable absolute left-2 top-2 z-50 rounded bg-white px-3 py-2 text-accent shadow"
      >
        Skip to content
      </a>
      <OfflineBanner />
      <Header />
      <div className="relative flex min-h-0 flex-1 pr-0 md:pr-4">
        {navOpen && (
          <div
            className="fixed inset-0 z-30 bg-black/30 md:hidden"
            aria-hidden="true"
            onClick={() => useUi.getState().setNavOpen(false)}
          />
        )}
        <Sidebar />
        <Outlet />
      </div>
      <Suspense fallback={null}>
        {composes > 0 && <ComposeDock />}
        {shortcutsOpen && <ShortcutsHelp />}
      </Suspense>
      <Toasts />
    </div>
  );
}
