import { useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { auth } from '../api/client';
import { logout } from '../api/endpoints';
import { useMe } from '../api/hooks';
import { useUi } from '../store/ui';
import { parseMailPath } from '../lib/route';
import { Icon } from './Icon';
import { Logo } from './Logo';
import { SearchBox } from './SearchBox';
import { Button, buttonClass } from './Button';

function AccountMenu() {
  const me = useMe();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const address = me.data?.address ?? '';
  const name = me.data?.display_name || address;
  const initial = (name || '?').charAt(0).toUpperCase();

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);

  async function signOut() {
    const token = auth.refreshToken;
    try {
      await logout(token);
    } catch {
      /* the local session ends either way */
    }
    auth.clear();
  }

  return (
    <div className="relative" ref={ref}>
      <button
        type="button"
        aria-label={`Account: ${address}`}
        aria-expanded={open}
        aria-haspopup="true"
        onClick={() => setOpen(!open)}
        className="flex h-9 w-9 items-center justify-center rounded-full bg-accent text-base font-medium text-white hover:ring-4 hover:ring-black/5"
      >
        {initial}
      </button>
      {open && (
        <div
          className="absolute right-0 top-11 z-40 w-72 rounded-2xl bg-surface-blue p-4 text-center shadow-xl"
          onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
        >
          <p className="truncate text-sm text-muted">{address}</p>
          <div className="mx-auto my-3 flex h-16 w-16 items-center justify-center rounded-full bg-accent text-3xl text-white">
            {initial}
          </div>
          <p className="mb-4 text-lg text-ink">Hi, {(me.data?.display_name || address).split(/[\s@]/)[0]}!</p>
          <div className="flex flex-col gap-2">
            <Link
              to="/settings"
              onClick={() => setOpen(false)}
              className="rounded-full border border-outline bg-white px-4 py-2 text-sm font-medium text-accent hover:bg-hover-soft"
            >
              Settings
            </Link>
            <button
              type="button"
              onClick={signOut}
              className="flex items-center justify-center gap-2 rounded-full bg-white px-4 py-2 text-sm font-medium text-ink hover:bg-hover-soft"
            >
              <Icon name="logout" size={18} /> Sign out
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

export function Header() {
  const navigate = useNavigate();
  const location = useLocation();
  const route = parseMailPath(location.pathname);
  const inThread = !!route?.threadId;
  const toggleNav = () => {
    const ui = useUi.getState();
    ui.setNavOpen(!ui.navOpen);
  };

  return (
    <header className="flex h-16 shrink-0 items-center gap-2 px-2 md:px-4">
      <Button variant="icon" size="lg" aria-label="Main menu" onClick={toggleNav} className={inThread ? 'hidden md:block' : ''}>
        <Icon name="menu" />
      </Button>
      {inThread && (
        <Button variant="icon" size="lg" aria-label="Back to the list" onClick={() => navigate(location.pathname.replace(/\/thread\/[^/]+$/, ''))} className="md:hidden">
          <Icon name="back" />
        </Button>
      )}
      <Link to="/label/INBOX" aria-label="mailcore Inbox" className="mr-6 hidden shrink-0 md:block md:w-[174px]">
        <Logo />
      </Link>
      <SearchBox initial={route?.mode === 'search' ? route.value : ''} />
      <div className="ml-auto flex items-center gap-1 pl-2">
        <Button variant="icon" size="lg" aria-label="Keyboard shortcuts" onClick={() => useUi.getState().setShortcutsOpen(true)} className="hidden sm:block">
          <Icon name="keyboard" />
        </Button>
        <Link to="/insights" aria-label="Insights" className={buttonClass('icon', 'lg', 'hidden sm:block')}>
          <Icon name="chart" />
        </Link>
        <Link to="/settings" aria-label="Settings" className={buttonClass('icon', 'lg')}>
          <Icon name="settings" />
        </Link>
        <AccountMenu />
      </div>
    </header>
  );
}
