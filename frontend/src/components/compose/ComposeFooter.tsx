/**
 * The foot of a compose form: Send (with Schedule send in its menu), the
 * formatting toolbar's toggle, Attach, whether the draft is saved, Discard.
 */

import { useRef, useState } from 'react';
import { Button } from '../Button';
import { Icon } from '../Icon';
import { LIMIT_TEXT } from './limits';
import type { SaveStatus } from './useComposeDraft';

interface Props {
  sending: boolean;
  status: SaveStatus;
  toolbar: boolean;
  onToggleToolbar: () => void;
  onSend: () => void;
  onSchedule: () => void;
  onFiles: (files: FileList) => void;
  onDiscard: () => void;
}

const STATUS: Record<SaveStatus, string> = { idle: '', saving: 'Saving…', saved: 'Draft saved', error: 'Draft not saved' };

export function ComposeFooter({ sending, status, toolbar, onToggleToolbar, onSend, onSchedule, onFiles, onDiscard }: Props) {
  const fileInput = useRef<HTMLInputElement>(null);
  return (
    <div className="flex items-center gap-1 px-3 py-3">
      <SendButton sending={sending} onSend={onSend} onSchedule={onSchedule} />
      <Button variant="icon" aria-label="Formatting options" aria-pressed={toolbar} onClick={onToggleToolbar} className="ml-2">
        <span className="px-0.5 font-serif text-base underline">A</span>
      </Button>
      <Button
        variant="icon"
        aria-label={`Attach files (${LIMIT_TEXT})`}
        title={`Attach files (${LIMIT_TEXT})`}
        onClick={() => fileInput.current?.click()}
      >
        <Icon name="clip" />
      </Button>
      <input
        ref={fileInput}
        type="file"
        multiple
        hidden
        aria-hidden="true"
        tabIndex={-1}
        onChange={(e) => {
          if (e.target.files) onFiles(e.target.files);
          e.target.value = '';
        }}
      />
      <span aria-live="polite" className="ml-2 text-xs text-muted">
        {STATUS[status]}
      </span>
      <Button variant="icon" aria-label="Discard draft" title="Discard draft" onClick={onDiscard} className="ml-auto">
        <Icon name="trash" />
      </Button>
    </div>
  );
}

/** Send, split with a menu of other ways to send. */
function SendButton({ sending, onSend, onSchedule }: { sending: boolean; onSend: () => void; onSchedule: () => void }) {
  const [menu, setMenu] = useState(false);
  return (
    <div className="relative flex">
      <button
        type="button"
        onClick={onSend}
        disabled={sending}
        className="rounded-l-full bg-accent py-2 pl-6 pr-4 text-sm font-medium text-white hover:bg-accent-strong hover:shadow disabled:opacity-60"
      >
        {sending ? 'Sending…' : 'Send'}
      </button>
      <button
        type="button"
        aria-label="More send options"
        aria-haspopup="menu"
        aria-expanded={menu}
        onClick={() => setMenu(!menu)}
        className="rounded-r-full border-l border-accent-strong bg-accent px-2 text-white hover:bg-accent-strong"
      >
        <Icon name="down" size={16} />
      </button>
      {menu && (
        <div role="menu" className="absolute bottom-11 left-0 z-50 w-48 rounded-lg bg-white py-2 shadow-[0_4px_16px_rgba(0,0,0,.25)]">
          <button
            type="button"
            role="menuitem"
            autoFocus
            onClick={() => {
              setMenu(false);
              onSchedule();
            }}
            onKeyDown={(e) => e.key === 'Escape' && setMenu(false)}
            className="flex w-full items-center gap-3 px-4 py-2 text-left text-sm hover:bg-black/5 focus:bg-black/5"
          >
            <Icon name="schedule" size={18} /> Schedule send
          </button>
        </div>
      )}
    </div>
  );
}
