/** A recipients field: addresses become chips; contacts autocomplete as you type. */

import { useEffect, useId, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import { contacts } from '../../api/endpoints';
import type { Contact } from '../../api/types';
import { formatAddress, parseAddress } from '../../lib/format';
import { Icon } from '../Icon';

interface Props {
  label: string;
  value: string[];
  onChange: (v: string[]) => void;
  autoFocus?: boolean;
  trailing?: React.ReactNode;
}

function chipLabel(v: string): { text: string; valid: boolean } {
  const a = parseAddress(v);
  return a ? { text: a.name || a.address, valid: true } : { text: v, valid: false };
}

export function RecipientField({ label, value, onChange, autoFocus, trailing }: Props) {
  const id = useId();
  const [text, setText] = useState('');
  const [matches, setMatches] = useState<Contact[]>([]);
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const q = text.trim();
    if (!q) {
      setMatches([]);
      return;
    }
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      contacts(q, ctl.signal)
        .then((r) => {
          setMatches(r.items.filter((c) => !value.some((v) => parseAddress(v)?.address.toLowerCase() === c.address.toLowerCase())));
          setActive(0);
        })
        .catch(() => setMatches([]));
    }, 120);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [text, value]);

  const add = (raw: string[]) => {
    const items = raw.map((r) => r.trim()).filter(Boolean);
    if (items.length) onChange([...value, ...items]);
    setText('');
    setMatches([]);
  };

  const pick = (c: Contact) => add([formatAddress({ name: c.name, address: c.address })]);

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const open = matches.length > 0;
    if (open && e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((active + 1) % matches.length);
    } else if (open && e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((active - 1 + matches.length) % matches.length);
    } else if (e.key === 'Enter' || ((e.key === 'Tab' || e.key === ',' || e.key === ';') && text.trim())) {
      const choice = open ? matches[active] : undefined;
      if (choice) {
        e.preventDefault();
        pick(choice);
      } else if (text.trim()) {
        e.preventDefault();
        add([text]);
      } else if (e.key === 'Enter') e.preventDefault();
    } else if (e.key === 'Escape' && open) {
      e.stopPropagation();
      setMatches([]);
    } else if (e.key === 'Backspace' && !text && value.length) {
      onChange(value.slice(0, -1));
    }
  };

  const onPaste = (e: ClipboardEvent<HTMLInputElement>) => {
    const pasted = e.clipboardData.getData('text');
    if (/[,;\n]/.test(pasted)) {
      e.preventDefault();
      add(pasted.split(/[,;\n]+/));
    }
  };

  const listId = `${id}-list`;
  return (
    <div className="relative flex min-h-10 flex-wrap items-center gap-1 border-b border-line px-1 py-1" onClick={() => inputRef.current?.focus()}>
      <label htmlFor={id} className="mr-1 text-sm text-muted">
        {label}
      </label>
      <ul className="contents" aria-label={`${label} recipients`}>
        {value.map((v, i) => {
          const c = chipLabel(v);
          return (
            <li
              key={`${v}-${i}`}
              title={v}
              className={`flex items-center gap-1 rounded-full border py-0.5 pl-2.5 pr-1 text-sm ${
                c.valid ? 'border-outline-soft bg-white' : 'border-red bg-red-soft text-red'
              }`}
            >
              {c.text}
              <button
                type="button"
                aria-label={`Remove ${v}`}
                onClick={(e) => {
                  e.stopPropagation();
                  onChange(value.filter((_, j) => j !== i));
                }}
                className="rounded-full p-0.5 hover:bg-black/10"
              >
                <Icon name="close" size={12} />
              </button>
            </li>
          );
        })}
      </ul>
      <input
        ref={inputRef}
        id={id}
        role="combobox"
        aria-label={label}
        aria-expanded={matches.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={matches.length ? `${listId}-${active}` : undefined}
        autoComplete="off"
        autoFocus={autoFocus}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        onPaste={onPaste}
        onBlur={() => {
          setTimeout(() => setMatches([]), 150);
          if (text.trim() && parseAddress(text)) add([text]);
        }}
        className="min-w-[120px] flex-1 border-0 bg-transparent py-1 text-sm outline-none focus-visible:outline-none"
      />
      {trailing}
      {matches.length > 0 && (
        <ul
          id={listId}
          role="listbox"
          aria-label="Suggestions"
          className="absolute left-8 top-full z-50 mt-1 w-80 rounded-lg bg-white py-2 shadow-[0_4px_16px_rgba(0,0,0,.25)]"
        >
          {matches.map((c, i) => (
            <li
              key={c.address}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(c);
              }}
              className={`flex cursor-pointer flex-col px-4 py-1.5 ${i === active ? 'bg-accent-faint' : 'hover:bg-black/5'}`}
            >
              <span className="text-sm text-ink">{c.name || c.address}</span>
              {c.name && <span className="text-xs text-muted">{c.address}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
