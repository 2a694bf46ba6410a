/** The reply, reply all or forward box at the bottom of a conversation. */

import { useRef } from 'react';
import type { ComposeInit } from '../../store/ui';
import { Icon } from '../Icon';
import { ComposeForm, type ComposeHandle } from './ComposeForm';

const TITLES = { reply: 'Reply', replyAll: 'Reply all', forward: 'Forward' } as const;

export default function InlineCompose({ init, mode, onClose }: { init: ComposeInit; mode: keyof typeof TITLES; onClose: () => void }) {
  const form = useRef<ComposeHandle>(null);
  return (
    <section
      aria-label={TITLES[mode]}
      className="rounded-lg border border-line shadow-[0_1px_2px_0_rgba(60,64,67,.3),0_2px_6px_2px_rgba(60,64,67,.15)]"
    >
      <div className="flex items-center gap-2 px-4 pt-3 text-sm text-muted">
        <Icon name={mode === 'forward' ? 'forward' : mode === 'replyAll' ? 'replyAll' : 'reply'} size={18} />
        <span>{TITLES[mode]}</span>
        <button
          type="button"
          aria-label="Save & close reply"
          onClick={() => void form.current?.close()}
          className="ml-auto rounded-full p-1 hover:bg-black/10"
        >
          <Icon name="close" size={18} />
        </button>
      </div>
      <ComposeForm ref={form} init={init} variant="inline" onClose={onClose} minHeight={140} />
    </section>
  );
}
