/**
 * An area that takes files dropped on it: while files are dragged over, it
 * says so and gives the limits. Other drags (text, rows) pass through.
 */

import { useState, type DragEvent, type HTMLAttributes } from 'react';
import { LIMIT_TEXT } from './limits';

interface Props extends HTMLAttributes<HTMLDivElement> {
  onFiles: (files: FileList) => void;
}

const hasFiles = (e: DragEvent) => e.dataTransfer.types.includes('Files');

export function FileDrop({ onFiles, children, ...rest }: Props) {
  const [dragging, setDragging] = useState(false);
  return (
    <div
      {...rest}
      onDragOver={(e) => {
        if (hasFiles(e)) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node)) setDragging(false);
      }}
      onDrop={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setDragging(false);
        onFiles(e.dataTransfer.files);
      }}
    >
      {children}
      {dragging && (
        <div className="pointer-events-none absolute inset-2 flex flex-col items-center justify-center rounded-lg border-2 border-dashed border-accent bg-accent-faint/95 text-accent">
          <p className="text-lg font-medium">Drop files here</p>
          <p className="text-sm">{LIMIT_TEXT}</p>
        </div>
      )}
    </div>
  );
}
