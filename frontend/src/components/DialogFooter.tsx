/**
 * The actions at the foot of a dialog or panel: Cancel on the left of the
 * actions, which come last and rightmost, as in every dialog of the app.
 */

import type { ReactNode } from 'react';
import { Button } from './Button';

interface Props {
  onCancel: () => void;
  cancelLabel?: string;
  /** the dialog's own actions (a primary or danger Button) */
  children: ReactNode;
  /** spacing above; the layout itself is fixed */
  className?: string;
}

export function DialogFooter({ onCancel, cancelLabel = 'Cancel', children, className = 'mt-6' }: Props) {
  return (
    <div className={`flex justify-end gap-2 ${className}`}>
      <Button variant="ghost" onClick={onCancel}>
        {cancelLabel}
      </Button>
      {children}
    </div>
  );
}
