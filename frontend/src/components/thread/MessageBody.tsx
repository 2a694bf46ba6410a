/**
 * A message body. HTML (sanitized by the server) goes into a sandboxed
 * iframe without scripts: `allow-same-origin` only lets the app measure its
 * height, and no script can run inside to abuse it. Links open in a new tab.
 */

import { useEffect, useRef, useState } from 'react';

const FRAME_CSS = `
  html,body{margin:0;padding:0;background:white;color:var(--color-body-text);font:14px/1.5 Arial,Helvetica,sans-serif;word-wrap:break-word;overflow-wrap:anywhere}
  body{overflow-y:hidden}
  img{max-width:100%;height:auto}
  table{max-width:100%}
  pre{white-space:pre-wrap}
  blockquote{margin:0 0 0 .8ex;border-left:1px solid var(--color-quote-line);padding-left:1ex}
  a{color:var(--color-link)}
`;

/** The theme's colours a message document uses: it is a document of its own and does not inherit the app's. */
const FRAME_TOKENS = ['--color-body-text', '--color-quote-line', '--color-link'];

function frameTheme(): string {
  const root = getComputedStyle(document.documentElement);
  return `:root{${FRAME_TOKENS.map((t) => `${t}:${root.getPropertyValue(t).trim()}`).join(';')}}`;
}

export function srcDoc(html: string, theme = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><style>${theme}${FRAME_CSS}</style></head><body>${html}</body></html>`;
}

export function HtmlBody({ html, title }: { html: string; title: string }) {
  const ref = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(80);

  useEffect(() => {
    const frame = ref.current;
    if (!frame) return;
    let observer: ResizeObserver | null = null;
    const measure = () => {
      const doc = frame.contentDocument;
      if (!doc?.documentElement) return;
      setHeight(Math.max(40, doc.documentElement.scrollHeight));
    };
    const onLoad = () => {
      measure();
      const doc = frame.contentDocument;
      if (doc?.body && typeof ResizeObserver !== 'undefined') {
        observer?.disconnect();
        observer = new ResizeObserver(measure);
        observer.observe(doc.body);
      }
      doc?.querySelectorAll('img').forEach((img) => img.addEventListener('load', measure));
      // Links open in a new tab (the page's CSP forbids <base>, so set each one).
      doc?.querySelectorAll('a[href]').forEach((a) => {
        a.setAttribute('target', '_blank');
        a.setAttribute('rel', 'noopener noreferrer nofollow');
      });
    };
    frame.addEventListener('load', onLoad);
    return () => {
      frame.removeEventListener('load', onLoad);
      observer?.disconnect();
    };
  }, [html]);

  return (
    <iframe
      ref={ref}
      title={title}
      sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
      referrerPolicy="no-referrer"
      srcDoc={srcDoc(html, frameTheme())}
      style={{ height }}
      className="block w-full border-0"
    />
  );
}

/** Plain text, with the quoted tail folded away behind "…" as Gmail does. */
export function TextBody({ text }: { text: string }) {
  const [showQuoted, setShowQuoted] = useState(false);
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let cut = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^On .+wrote:\s*$/.test(line) || (line.startsWith('>') && lines.slice(i).every((l) => l.startsWith('>') || !l.trim()))) {
      cut = i;
      break;
    }
  }
  const head = lines.slice(0, cut).join('\n').trimEnd();
  const tail = lines.slice(cut).join('\n');
  return (
    <div className="whitespace-pre-wrap break-words text-sm leading-relaxed text-body-text">
      {linkify(head)}
      {tail.trim() && (
        <>
          <div>
            <button
              type="button"
              aria-label={showQuoted ? 'Hide quoted text' : 'Show trimmed content'}
              aria-expanded={showQuoted}
              onClick={() => setShowQuoted(!showQuoted)}
              className="mt-2 rounded bg-chip px-2 leading-4 text-muted hover:bg-chip-strong"
            >
              •••
            </button>
          </div>
          {showQuoted && <div className="mt-2 text-muted">{linkify(tail)}</div>}
        </>
      )}
    </div>
  );
}

function linkify(text: string) {
  const parts = text.split(/(https?:\/\/[^\s<>"]+)/g);
  return parts.map((p, i) =>
    i % 2 === 1 ? (
      <a key={i} href={p} target="_blank" rel="noopener noreferrer nofollow" className="text-link underline">
        {p}
      </a>
    ) : (
      p
    ),
  );
}
