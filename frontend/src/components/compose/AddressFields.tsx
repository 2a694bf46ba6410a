/** To, and Cc and Bcc once asked for (or when the message already has them). */

import { useState } from 'react';
import { RecipientField } from './RecipientField';

type Field = 'to' | 'cc' | 'bcc';

interface Props {
  to: string[];
  cc: string[];
  bcc: string[];
  onChange: (field: Field, value: string[]) => void;
}


export function AddressFields({ to, cc, bcc, onChange }: Props) {
  const [showCc, setShowCc] = useState(cc.length > 0);
  const [showBcc, setShowBcc] = useState(bcc.length > 0);
  const toggles = (
    <span className="flex gap-2 pr-1 text-sm text-muted">
      {!showCc && (
        <button type="button" onClick={() => setShowCc(true)} className="hover:underline">
          Cc
        </button>
      )}
      {!showBcc && (
        <button type="button" onClick={() => setShowBcc(true)} className="hover:underline">
          Bcc
        </button>
      )}
    </span>
  );
  return (
    <>
      <RecipientField label="To" value={to} onChange={(v) => onChange('to', v)} autoFocus={!to.length} trailing={toggles} />
      {showCc && <RecipientField label="Cc" value={cc} onChange={(v) => onChange('cc', v)} />}
      {showBcc && <RecipientField label="Bcc" value={bcc} onChange={(v) => onChange('bcc', v)} />}
    </>
  );
}
