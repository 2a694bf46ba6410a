/** An open conversation: its actions, its messages, and the inline reply. */

import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { keys, useLabels, useMe, useThread } from '../../api/hooks';
import { useThreadActions } from '../../api/actions';
import { modifyMessage } from '../../api/endpoints';
import { ApiError } from '../../api/client';
import type { Message } from '../../api/types';
import { chipColors, labelTitle } from '../../lib/labels';
import { replyInit, type ReplyMode } from '../../lib/quote';
import type { MailRoute } from '../../lib/route';
import { useShortcuts } from '../../lib/shortcuts';
import { useUi } from '../../store/ui';
import { ErrorState, NotFoundState, ThreadSkeleton } from '../States';
import { Icon, type IconName } from '../Icon';
import { LabelPicker } from '../LabelPicker';
import { MessageItem } from './MessageItem';
import { Button } from '../Button';

const InlineCompose = lazy(() => import('../compose/InlineCompose'));

interface Props {
  id: string;
  route: MailRoute;
  onBack: () => void;
  onRemoved: (run: (ids: string[]) => Promise<void>) => void;
  listRole: string | null;
}

function ToolBtn({ icon, label, onClick }: { icon: IconName; label: string; onClick: () => void }) {
  return (
    <Button variant="icon" aria-label={label} title={label} onClick={onClick}>
      <Icon name={icon} size={20} />
    </Button>
  );
}

/** Which messages start expanded: the unread ones and the last one. */
export function initialExpanded(messages: Pick<Message, 'id' | 'unread'>[]): Set<string> {
  const open = new Set(messages.filter((m) => m.unread).map((m) => m.id));
  const last = messages[messages.length - 1];
  if (last) open.add(last.id);
  return open;
}

export default function ThreadView({ id, route, onBack, onRemoved, listRole }: Props) {
  const [remote, setRemote] = useState(false);
  const thread = useThread(id, remote);
  const plain = useThread(id, false);
  const data = thread.data ?? (remote ? plain.data : undefined);
  const labels = useLabels();
  const me = useMe();
  const qc = useQueryClient();
  const actions = useThreadActions();
  const reply = useUi((s) => s.reply);
  const [expanded, setExpanded] = useState<Set<string> | null>(null);
  const [showAll, setShowAll] = useState(false);
  const [picker, setPicker] = useState<'label' | 'move' | null>(null);
  const markedRead = useRef(false);
  const headingRef = useRef<HTMLHeadingElement>(null);

  const messages = useMemo(() => data?.messages ?? [], [data]);
  const open = expanded ?? initialExpanded(messages);

  // Opening a conversation reads it.
  useEffect(() => {
    if (!data || markedRead.current) return;
    markedRead.current = true;
    if (data.messages.some((m) => m.unread)) void actions.markRead([id], true);
  }, [data, id, actions]);

  // Focus moves to the heading when a conversation has loaded, not when it is refreshed.
  const loadedId = data?.id;
  useEffect(() => {
    if (loadedId !== undefined) headingRef.current?.focus({ preventScroll: true });
  }, [loadedId]);

  const myAddresses = useMemo(() => {
    const list = [...(me.data?.send_as ?? [])];
    if (me.data?.address) list.push(me.data.address);
    return list;
  }, [me.data]);

  const startReply = (mode: ReplyMode, messageId?: string) => {
    const target = messageId ?? messages[messages.length - 1]?.id;
    if (!target) return;
    useUi.getState().setReply({ threadId: id, mode, messageId: target });
  };

  const starred = data?.starred ?? false;
  const inTrash = listRole === 'trash';
  const inSpam = listRole === 'spam';

  useShortcuts({
    r: () => startReply('reply'),
    a: () => startReply('replyAll'),
    f: () => startReply('forward'),
  });

  if (thread.isPending && !data) return <div className="min-w-0 flex-1 overflow-y-auto"><ThreadSkeleton /></div>;
  if (thread.isError && !data) {
    if (thread.error instanceof ApiError && thread.error.status === 404)
      return (
        <div className="min-w-0 flex-1 overflow-y-auto">
          <NotFoundState what="conversation" />
        </div>
      );
    return (
      <div className="min-w-0 flex-1">
        <ErrorState error={thread.error} retry={() => void thread.refetch()} title="This conversation could not be loaded" />
      </div>
    );
  }
  if (!data) return null;

  const labelMap = new Map((labels.data ?? []).map((l) => [l.id, l]));
  const chips = data.labels
    .map((l) => labelMap.get(l))
    .filter((l) => l && (l.type === 'user' || ['inbox', 'spam', 'trash'].includes(l.role ?? '')));
  const blocked = !remote && messages.some((m) => m.remote_images_blocked);

  // Long conversations fold their middle read messages into one bar.
  const items: (Message | { fold: number })[] = [];
  if (!showAll && messages.length > 4) {
    let run: Message[] = [];
    const flush = () => {
      if (run.length > 2) items.push({ fold: run.length });
      else items.push(...run);
      run = [];
    };
    messages.forEach((m, i) => {
      const middle = i > 0 && i < messages.length - 1;
      if (middle && !open.has(m.id)) run.push(m);
      else {
        flush();
        items.push(m);
      }
    });
    flush();
  } else items.push(...messages);

  const toggle = (mid: string) => {
    const next = new Set(open);
    if (next.has(mid)) next.delete(mid);
    else next.add(mid);
    setExpanded(next);
  };

  const applied = { all: new Set(data.labels), some: new Set<string>() };
  const replyHere = reply && reply.threadId === id ? reply : null;
  const replyMessage = replyHere ? messages.find((m) => m.id === replyHere.messageId) : undefined;

  return (
    <section aria-label="Conversation" className="flex min-w-0 flex-1 flex-col">
      <div role="toolbar" aria-label="Conversation actions" className="flex h-12 shrink-0 items-center gap-1 px-2">
        <span className="hidden md:contents"><ToolBtn icon="back" label="Back to list" onClick={onBack} /></span>
        {inSpam ? (
          <ToolBtn icon="inbox" label="Not spam" onClick={() => onRemoved(actions.notSpam)} />
        ) : inTrash ? (
          <>
            <ToolBtn icon="unarchive" label="Move to Inbox" onClick={() => onRemoved(actions.moveToInbox)} />
            <ToolBtn icon="trash" label="Delete forever" onClick={() => onRemoved(actions.deleteForever)} />
          </>
        ) : (
          <>
            <ToolBtn icon="archive" label="Archive" onClick={() => onRemoved(actions.archive)} />
            <ToolBtn icon="spam" label="Report spam" onClick={() => onRemoved(actions.spam)} />
            <ToolBtn icon="trash" label="Delete" onClick={() => onRemoved(actions.trash)} />
          </>
        )}
        <span className="mx-1 h-5 w-px bg-outline-soft" aria-hidden="true" />
        <ToolBtn
          icon="mail"
          label="Mark as unread"
          onClick={() => {
            void actions.markRead([id], false);
            onBack();
          }}
        />
        <div className="relative">
          <ToolBtn icon="move" label="Move to" onClick={() => setPicker(picker === 'move' ? null : 'move')} />
          {picker === 'move' && (
            <LabelPicker
              mode="move"
              applied={applied}
              onApply={() => undefined}
              onMove={(to) =>
                onRemoved((ids) => actions.moveTo(ids, to, route.mode === 'label' && listRole !== 'all' ? route.value : null))
              }
              onClose={() => setPicker(null)}
            />
          )}
        </div>
        <div className="relative">
          <ToolBtn icon="label" label="Labels" onClick={() => setPicker(picker === 'label' ? null : 'label')} />
          {picker === 'label' && (
            <LabelPicker
              mode="label"
              applied={applied}
              onApply={(add, remove) => void actions.label([id], add, remove)}
              onMove={() => undefined}
              onClose={() => setPicker(null)}
            />
          )}
        </div>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto pb-10">
        <div className="flex items-start gap-3 px-4 pb-2 pt-3 md:pl-[72px] md:pr-6">
          <h2 ref={headingRef} tabIndex={-1} className="min-w-0 flex-1 break-words text-[22px] leading-7 text-ink focus:outline-none">
            {data.subject || '(no subject)'}
            {chips.map(
              (l) =>
                l && (
                  <span
                    key={l.id}
                    className={`ml-2 inline-flex items-center gap-1 rounded px-1.5 py-0.5 align-middle text-xs ${chipColors(l.color).className}`}
                    style={chipColors(l.color).style}
                  >
                    {labelTitle(l)}
                    <button
                      type="button"
                      aria-label={`Remove label ${labelTitle(l)}`}
                      onClick={() => void actions.label([id], [], [l.name])}
                      className="rounded hover:bg-black/10"
                    >
                      <Icon name="close" size={12} />
                    </button>
                  </span>
                ),
            )}
          </h2>
          <button
            type="button"
            aria-label={starred ? 'Unstar conversation' : 'Star conversation'}
            aria-pressed={starred}
            onClick={() => void actions.star([id], !starred)}
            className={`rounded-full p-2 hover:bg-black/5 ${starred ? 'text-star' : 'text-muted'}`}
          >
            <Icon name="star" filled={starred} />
          </button>
        </div>
        {blocked && (
          <div className="mx-4 mb-2 flex items-center gap-3 rounded-lg bg-surface px-4 py-2 text-sm text-muted md:ml-[72px]">
            <Icon name="image" size={18} />
            <span>Images in this message are hidden to protect your privacy.</span>
            <button type="button" onClick={() => setRemote(true)} className="font-medium text-accent hover:underline">
              Display images below
            </button>
          </div>
        )}
        <ul aria-label="Messages">
          {items.map((it) =>
            'fold' in it ? (
              <li key="fold" className="relative border-t border-line">
                <button
                  type="button"
                  onClick={() => setShowAll(true)}
                  className="mx-auto my-2 flex h-10 w-10 items-center justify-center rounded-full border border-line bg-white text-sm text-muted hover:bg-hover"
                  aria-label={`${it.fold} older messages`}
                >
                  {it.fold}
                </button>
              </li>
            ) : (
              <MessageItem
                key={it.id}
                message={it}
                expanded={open.has(it.id)}
                onToggle={() => toggle(it.id)}
                me={me.data?.address}
                onReply={(mode) => startReply(mode, it.id)}
                onStar={(on) => {
                  void modifyMessage(it.id, on ? { add_labels: ['Starred'] } : { remove_labels: ['Starred'] }).then(() =>
                    qc.invalidateQueries({ queryKey: keys.threadAll(id) }),
                  );
                }}
              />
            ),
          )}
        </ul>
        {replyHere && replyMessage ? (
          <div className="px-4 pt-2 md:pl-[72px] md:pr-6">
            <Suspense fallback={null}>
              <InlineCompose
                key={`${replyHere.mode}-${replyHere.messageId}`}
                init={replyInit(replyMessage, replyHere.mode, myAddresses, me.data?.signature ?? '')}
                mode={replyHere.mode}
                onClose={() => useUi.getState().setReply(null)}
              />
            </Suspense>
          </div>
        ) : (
          <div className="flex flex-wrap gap-3 px-4 pt-4 md:pl-[72px]">
            {(
              [
                ['reply', 'Reply', 'reply'],
                ['replyAll', 'Reply all', 'replyAll'],
                ['forward', 'Forward', 'forward'],
              ] as const
            ).map(([mode, text, icon]) => (
              <Button key={mode} variant="outline" onClick={() => startReply(mode)} className="flex items-center gap-2">
                <Icon name={icon} size={18} /> {text}
              </Button>
            ))}
          </div>
        )}
      </div>
    </section>
  );
}
