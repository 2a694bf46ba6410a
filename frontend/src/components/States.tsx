/** The designed states: loading, empty, error with retry, not found. */

import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { ApiError } from '../api/client';
import { Icon, type IconName } from './Icon';
import { Button, buttonClass } from './Button';

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div role="status" className="flex items-center justify-center p-10 text-muted">
      <span className="mr-3 inline-block h-5 w-5 animate-spin rounded-full border-2 border-accent border-t-transparent" />
      {label}…
    </div>
  );
}

export function ListSkeleton({ rows = 12 }: { rows?: number }) {
  return (
    <div role="status" aria-label="Loading conversations" className="divide-y divide-line">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex items-center gap-4 px-4 py-3">
          <div className="skeleton h-4 w-4" />
          <div className="skeleton h-4 w-4" />
          <div className="skeleton h-4 w-36" />
          <div className="skeleton h-4 flex-1" style={{ maxWidth: `${50 + ((i * 37) % 40)}%` }} />
          <div className="skeleton h-4 w-12" />
        </div>
      ))}
    </div>
  );
}

export function ThreadSkeleton() {
  return (
    <div role="status" aria-label="Loading conversation" className="space-y-6 p-6">
      <div className="skeleton h-7 w-2/3" />
      {[0, 1, 2].map((i) => (
        <div key={i} className="flex gap-4">
          <div className="skeleton h-10 w-10 rounded-full" />
          <div className="flex-1 space-y-2">
            <div className="skeleton h-4 w-48" />
            <div className="skeleton h-4 w-full" />
            <div className="skeleton h-4 w-5/6" />
          </div>
        </div>
      ))}
    </div>
  );
}

export function Empty({ icon = 'inbox', title, children }: { icon?: IconName; title: string; children?: ReactNode }) {
  return (
    <div className="flex flex-col items-center justify-center px-6 py-20 text-center text-muted">
      <Icon name={icon} size={56} className="mb-4 text-outline-soft" />
      <p className="text-base text-ink">{title}</p>
      {children && <div className="mt-2 text-sm">{children}</div>}
    </div>
  );
}

export function ErrorState({ error, retry, title }: { error: unknown; retry?: () => void; title?: string }) {
  const message =
    error instanceof ApiError ? error.message : error instanceof Error ? error.message : 'Something went wrong.';
  return (
    <div role="alert" className="flex flex-col items-center justify-center px-6 py-16 text-center">
      <Icon name="offline" size={48} className="mb-4 text-outline-soft" />
      <p className="text-base text-ink">{title ?? 'Something went wrong'}</p>
      <p className="mt-1 max-w-md text-sm text-muted">{message}</p>
      {retry && (
        <Button variant="secondary" onClick={retry} className="mt-5">
          Try again
        </Button>
      )}
    </div>
  );
}

export function NotFoundState({ what = 'page', backTo = '/label/INBOX' }: { what?: string; backTo?: string }) {
  return (
    <div className="flex flex-col items-center justify-center px-6 py-20 text-center">
      <p className="text-6xl font-light text-muted">404</p>
      <h2 className="mt-4 text-xl text-ink">This {what} was not found</h2>
      <p className="mt-2 max-w-md text-sm text-muted">
        It may have been deleted, or it does not belong to this account.
      </p>
      <Link to={backTo} className={buttonClass('primary', 'md', 'mt-6')}>
        Back to Inbox
      </Link>
    </div>
  );
}
