/** The message a reply quotes, kept out of the editor behind "•••" as Gmail does. */

import { useState } from 'react';
import { HtmlBody } from '../thread/MessageBody';

export function QuotedOriginal({ html }: { html: string }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="pb-1">
      <button
        type="button"
        aria-label={open ? 'Hide trimmed content' : 'Show trimmed content'}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        className="rounded bg-chip px-2 leading-4 text-muted hover:bg-chip-strong"
      >
        •••
      </button>
      {open && (
        <div className="mt-2 max-h-64 overflow-y-auto">
          <HtmlBody html={html} title="Quoted message" />
        </div>
      )}
    </div>
  );
}
