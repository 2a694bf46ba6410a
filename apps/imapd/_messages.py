"""Commands on messages: APPEND, EXPUNGE, CLOSE, STORE, COPY, MOVE, and the
QRESYNC answers of SELECT.

Each takes the session and its parsed command, makes its engine calls with
the session's own account id, writes its untagged responses and returns the
response code of its tagged OK (or None).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mailcore
from mailcore.protocol.imap import (
    Append,
    Copy,
    Expunge,
    Move,
    QResync,
    SequenceSet,
    Store,
    code_appenduid,
    code_copyuid,
    code_modified,
    flag_list,
    untagged_condition,
    vanished,
)

from ._errors import ImapError
from ._fetch import uid_runs
from ._selected import SelectedMailbox, sorted_flags

if TYPE_CHECKING:
    from ._session import Session

__all__ = [
    "append_command",
    "close_command",
    "copy_command",
    "expunge_command",
    "qresync_answers",
    "store_command",
]


async def qresync_answers(s: Session, view: SelectedMailbox, qresync: QResync) -> None:
    changes = await s.engine.changes_since(s.account_id, view.label_id, qresync.modseq)
    known = qresync.known_uids
    gone = changes.vanished
    if known is not None:
        top = max(gone) if gone else 0
        resolved = known.resolve(top)
        gone = [u for u in gone if u in resolved]
    if gone:
        await s.write(vanished(gone, earlier=True))
    for meta in changes.changed:
        if meta.uid is None:
            continue
        seq = view.seq_of(meta.uid)
        if seq is None:
            continue
        await s.write(
            b"* %d FETCH (UID %d FLAGS %s MODSEQ (%d))\r\n"
            % (seq, meta.uid, flag_list(sorted_flags(meta.flags)), meta.modseq)
        )


async def close_command(s: Session) -> None:
    """CLOSE of a read-write mailbox: expunge silently (the core then closes it)."""
    view = s.require_writable()
    await _deleted_ids(s, view, None, expunge_now=True)


async def append_command(s: Session, command: Append) -> bytes:
    try:
        label = await s.engine.label(s.account_id, command.mailbox)
    except mailcore.LabelNotFound:
        raise ImapError("NO", "No such mailbox", "TRYCREATE") from None
    uids: list[int] = []
    uidvalidity = label.uidvalidity
    for message in command.messages:
        when = message.internal_date.timestamp() if message.internal_date else None
        result = await s.engine.append(
            s.account_id,
            label.id,
            message.data,
            flags=[f for f in message.flags if f.lower() != "\\recent"],
            internal_date=when,
        )
        uids.append(result.uid)
        uidvalidity = result.uidvalidity
    if s.selected is not None and s.selected.label_id == label.id:
        s.mark_dirty()
    return bytes(code_appenduid(uidvalidity, uids))


async def _deleted_ids(
    s: Session, view: SelectedMailbox, uid_set: SequenceSet | None, *, expunge_now: bool
) -> list[int]:
    """Expunge the \\Deleted messages (within ``uid_set``); returns their UIDs."""
    wanted: set[int] | None = None
    if uid_set is not None:
        indexes = view.resolve(s.substitute_saved(uid_set, uid=True), uid=True)
        wanted = {view.uids[i] for i in indexes}
        candidates = sorted(wanted)
    else:
        candidates = list(view.uids)
    ids: list[int] = []
    uids: list[int] = []
    for run in uid_runs(candidates):
        for meta in await s.engine.fetch(s.account_id, view.label_id, run[0], run[-1]):
            if meta.uid is None or (wanted is not None and meta.uid not in wanted):
                continue
            if "\\Deleted" in meta.flags and view.index_of(meta.uid) is not None:
                ids.append(meta.id)
                uids.append(meta.uid)
    if ids and expunge_now:
        await s.engine.expunge(s.account_id, view.label_id, ids)
        view.remove_now(uids)
    return uids


async def expunge_command(s: Session, command: Expunge) -> None:
    view = s.require_writable()
    await _deleted_ids(s, view, command.uid_set if command.uid else None, expunge_now=True)
    s.mark_dirty()


async def store_command(s: Session, command: Store) -> bytes | None:
    view = s.require_writable()
    if command.unchanged_since is not None:
        s.server.enable_condstore()
    pairs = s.pairs(command.sequence_set, uid=command.uid)
    if not pairs:
        return None
    uid_of = {mid: uid for uid, mid in pairs}
    ids = [mid for _, mid in pairs]
    if command.item == "X-GM-LABELS":
        values = [_gmail_label(v) for v in command.values]
        add: list[str | int] = []
        remove: list[str | int] = []
        if command.mode == "add":
            add = list(values)
        elif command.mode == "remove":
            remove = list(values)
        else:
            raise ImapError("NO", "Replacing X-GM-LABELS is not supported; use +/-", "CANNOT")
        await s.engine.modify_labels(s.account_id, ids, add=add, remove=remove)
        s.mark_dirty()
        return None
    values = [v for v in command.values if v.lower() != "\\recent"]
    # the new flags are shown unless .SILENT, and their MODSEQs under CONDSTORE
    report = not command.silent or s.server.condstore
    result = await s.engine.store_flags(
        s.account_id,
        ids,
        add=values if command.mode == "add" else (),
        remove=values if command.mode == "remove" else (),
        replace=values if command.mode == "replace" else None,
        unchanged_since=command.unchanged_since,
        report=report,
    )
    modified = set(result.modified)
    if not report:
        # nothing to show; the session must not show its own change later either
        for message_id in result.changed_ids:
            uid = uid_of.get(message_id)
            if uid is not None and view.seq_of(uid) is not None:
                view.note_reported(uid, result.last_modseq)
    for meta in result.changed:
        if meta.id in modified:
            continue
        uid = uid_of.get(meta.id)
        if uid is None:
            continue
        seq = view.seq_of(uid)
        if seq is None:
            continue
        view.note_reported(uid, meta.modseq)
        items = [b"UID %d" % uid] if command.uid else []
        if not command.silent:
            items.append(b"FLAGS " + flag_list(sorted_flags(meta.flags)))
        if s.server.condstore:
            items.append(b"MODSEQ (%d)" % meta.modseq)
        if not command.silent or s.server.condstore:
            await s.write(b"* %d FETCH (%s)\r\n" % (seq, b" ".join(items)))
    if modified:
        if command.uid:
            numbers = [uid_of[m] for m in modified if m in uid_of]
        else:
            numbers = [n for m in modified if m in uid_of and (n := view.seq_of(uid_of[m]))]
        return bytes(code_modified(sorted(numbers)))
    return None


async def copy_command(s: Session, command: Copy | Move) -> bytes | None:
    view = s.require_selected()
    is_move = isinstance(command, Move)
    if is_move:
        s.require_writable()
    try:
        target = await s.engine.label(s.account_id, command.mailbox)
    except mailcore.LabelNotFound:
        raise ImapError("NO", "No such mailbox", "TRYCREATE") from None
    pairs = s.pairs(command.sequence_set, uid=command.uid)
    if not pairs:
        return None
    ids = [mid for _, mid in pairs]
    if is_move:
        result = await s.engine.move(s.account_id, ids, view.label_id, target.id)
    else:
        result = await s.engine.copy(s.account_id, ids, target.id)
    source = [uid for uid, mid in pairs if mid in result.uids]
    destination = [result.uids[mid] for _, mid in pairs if mid in result.uids]
    code = code_copyuid(result.uidvalidity, source, destination) if source else None
    s.mark_dirty()
    if is_move:
        if code is not None:
            await s.write(untagged_condition("OK", "Moved", code))
        return None
    return code


def _gmail_label(value: str) -> str:
    names = {
        "\\inbox": "INBOX",
        "\\sent": "Sent",
        "\\draft": "Drafts",
        "\\drafts": "Drafts",
        "\\trash": "Trash",
        "\\spam": "Spam",
        "\\starred": "Starred",
        "\\important": "Important",
    }
    return names.get(value.lower(), value)
