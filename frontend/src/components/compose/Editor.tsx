/**
 * The message body: a contentEditable with bold, italic, lists and links.
 * execCommand is old but it is what every browser implements for editing
 * with native undo; the output is plain HTML the server sanitizes anyway.
 */

import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { Icon, type IconName } from '../Icon';
import { Button } from '../Button';

export interface EditorHandle {
  html(): string;
  text(): string;
  focus(): void;
}

interface Props {
  initialHtml: string;
  onInput: () => void;
  showToolbar: boolean;
  minHeight?: number;
  autoFocus?: boolean;
}

function exec(cmd: string, value?: string): void {
  if (typeof document.execCommand === 'function') document.execCommand(cmd, false, value);
}

export const Editor = forwardRef<EditorHandle, Props>(function Editor(
  { initialHtml, onInput, showToolbar, minHeight = 200, autoFocus },
  ref,
) {
  const el = useRef<HTMLDivElement>(null);
  const [linking, setLinking] = useState(false);
  const [url, setUrl] = useState('https://');
  const saved = useRef<Range | null>(null);

  // The content and focus it opened with, and only those: later renders must
  // not reset what the user typed.
  const opening = useRef({ html: initialHtml, autoFocus });
  useEffect(() => {
    const { html, autoFocus: focus } = opening.current;
    if (el.current) el.current.innerHTML = html;
    if (focus) {
      el.current?.focus();
      const sel = window.getSelection();
      if (sel && el.current) {
        const r = document.createRange();
        r.setStart(el.current, 0);
        r.collapse(true);
        sel.removeAllRanges();
        sel.addRange(r);
      }
    }
  }, []);

  useImperativeHandle(ref, () => ({
    html: () => el.current?.innerHTML ?? '',
    text: () => (el.current?.innerText ?? el.current?.textContent ?? '').replace(/\u00a0/g, ' '),
    focus: () => el.current?.focus(),
  }));

  const command = (cmd: string) => () => {
    el.current?.focus();
    exec(cmd);
    onInput();
  };

  const startLink = () => {
    const sel = window.getSelection();
    saved.current = sel && sel.rangeCount ? sel.getRangeAt(0).cloneRange() : null;
    setUrl('https://');
    setLinking(true);
  };

  const insertLink = () => {
    setLinking(false);
    el.current?.focus();
    const sel = window.getSelection();
    if (saved.current && sel) {
      sel.removeAllRanges();
      sel.addRange(saved.current);
    }
    const href = url.trim();
    if (!/^(https?:|mailto:)/i.test(href)) return;
    if (sel && sel.isCollapsed) exec('insertHTML', `<a href="${href.replace(/"/g, '&quot;')}">${href.replace(/</g, '&lt;')}</a>`);
    else exec('createLink', href);
    onInput();
  };

  const tools: [IconName, string, () => void][] = [
    ['bold', 'Bold', command('bold')],
    ['italic', 'Italic', command('italic')],
    ['bullets', 'Bulleted list', command('insertUnorderedList')],
    ['numbers', 'Numbered list', command('insertOrderedList')],
    ['link', 'Insert link', startLink],
  ];

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div
        ref={el}
        role="textbox"
        aria-multiline="true"
        aria-label="Message body"
        contentEditable
        suppressContentEditableWarning
        onInput={onInput}
        onKeyDown={(e) => {
          if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
            e.preventDefault();
            startLink();
          }
        }}
        className="editor min-h-0 flex-1 overflow-y-auto px-1 py-2 text-sm leading-relaxed outline-none focus-visible:outline-none"
        style={{ minHeight }}
      />
      {linking && (
        <div className="flex items-center gap-2 border-t border-line py-2">
          <label htmlFor="link-url" className="text-sm text-muted">
            Link to
          </label>
          <input
            id="link-url"
            autoFocus
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                insertLink();
              }
              if (e.key === 'Escape') {
                e.stopPropagation();
                setLinking(false);
              }
            }}
            className="flex-1 rounded border border-outline-soft px-2 py-1 text-sm"
          />
          <Button variant="ghost" size="sm" onClick={insertLink}>
            OK
          </Button>
        </div>
      )}
      {showToolbar && (
        <div role="toolbar" aria-label="Formatting options" className="flex items-center gap-0.5 rounded-md bg-surface p-1">
          {tools.map(([icon, label, run]) => (
            <button
              key={label}
              type="button"
              aria-label={label}
              title={label}
              onMouseDown={(e) => e.preventDefault()}
              onClick={run}
              className="rounded p-1.5 text-muted hover:bg-black/10"
            >
              <Icon name={icon} size={18} />
            </button>
          ))}
        </div>
      )}
    </div>
  );
});
