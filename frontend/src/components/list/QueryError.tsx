/** A malformed search: the server's message, and where in the query it points. */

import { Link } from 'react-router';
import type { ApiError } from '../../api/client';

export function QueryError({ query, error }: { query: string; error: ApiError }) {
  const pos = error.problem.position;
  const at = typeof pos === 'number' && pos >= 0 && pos <= query.length ? pos : null;
  return (
    <div role="alert" className="mx-auto max-w-2xl px-6 py-12">
      <h2 className="text-lg text-ink">This search could not be understood</h2>
      <p className="mt-2 text-sm text-muted">{error.message}</p>
      {at !== null && (
        <div className="mt-4 overflow-x-auto rounded-lg bg-surface p-4 font-mono text-sm" aria-label={`Problem at position ${at + 1}`}>
          <div className="whitespace-pre">
            {query.slice(0, at)}
            <mark className="rounded-sm bg-red-mark text-red">{query.slice(at, at + 1) || ' '}</mark>
            {query.slice(at + 1)}
          </div>
          <div className="whitespace-pre text-red" aria-hidden="true">
            {' '.repeat(at)}^
          </div>
        </div>
      )}
      <p className="mt-4 text-sm text-muted">
        Operators look like <code>from:alice</code>, <code>has:attachment</code> or <code>after:2024/01/31</code>.{' '}
        <Link to="/label/INBOX" className="text-accent underline">
          Back to Inbox
        </Link>
      </p>
    </div>
  );
}
