"""Mailbox commands: labels shown as IMAP mailboxes (``/`` delimiter, INBOX).

LIST follows RFC 9051 with LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC
5819) and SPECIAL-USE (RFC 6154); the system labels carry their special-use
attributes. Every engine call takes the session's own account id, so a name
can only ever resolve to one of the session's own labels.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import mailcore
from mailcore.protocol.imap import (
    Create,
    Delete,
    List,
    Lsub,
    Rename,
    Status,
    list_response,
    status_response,
)

from ._errors import ImapError

if TYPE_CHECKING:
    from ._session import Session

__all__ = [
    "create_command",
    "delete_command",
    "list_command",
    "lsub_command",
    "rename_command",
    "status_command",
    "status_items",
    "subscribe_command",
]

DELIMITER = "/"
_STATUS_ITEMS = frozenset(
    (
        "MESSAGES",
        "UIDNEXT",
        "UIDVALIDITY",
        "UNSEEN",
        "DELETED",
        "SIZE",
        "RECENT",
        "HIGHESTMODSEQ",
        "APPENDLIMIT",
    )
)


def _pattern(reference: str, pattern: str) -> re.Pattern[str]:
    """``*`` matches anything, ``%`` anything but the delimiter; INBOX is caseless."""
    full = reference + pattern if not pattern.startswith(DELIMITER) or not reference else pattern
    out = []
    for ch in full:
        if ch == "*":
            out.append(".*")
        elif ch == "%":
            out.append("[^/]*")
        else:
            out.append(re.escape(ch))
    text = "".join(out)
    if full[:5].upper() == "INBOX":
        text = "(?i:" + "".join(out[:5]) + ")" + "".join(out[5:])
    return re.compile(text + r"\Z", re.DOTALL)


def _tree(labels: list[mailcore.Label]) -> tuple[dict[str, mailcore.Label], set[str]]:
    """Labels by name, and the names of parents that exist only as a path."""
    by_name = {lb.name: lb for lb in labels}
    implied: set[str] = set()
    for name in by_name:
        parts = name.split(DELIMITER)
        for i in range(1, len(parts)):
            parent = DELIMITER.join(parts[:i])
            if parent not in by_name:
                implied.add(parent)
    return by_name, implied


def _has_children(name: str, names: set[str]) -> bool:
    prefix = name + DELIMITER
    return any(n.startswith(prefix) for n in names)


def _attributes(
    label: mailcore.Label | None, name: str, all_names: set[str], *, subscribed: bool
) -> list[str]:
    attrs: list[str] = []
    if label is None:
        attrs += ["\\NonExistent", "\\Noselect"]
    children = _has_children(name, all_names)
    attrs.append("\\HasChildren" if children else "\\HasNoChildren")
    if label is not None and label.special_use is not None:
        attrs.append(label.special_use)
    if subscribed:
        attrs.append("\\Subscribed")
    return attrs


async def list_command(s: Session, cmd: List) -> None:
    if cmd.patterns == ("",):
        await s.write(list_response(["\\Noselect"], DELIMITER, "", utf8=s.server.imap4rev2))
        return
    labels = await s.engine.labels(s.account_id)
    by_name, implied = _tree(labels)
    all_names = set(by_name) | implied
    patterns = [_pattern(cmd.reference, p) for p in cmd.patterns]
    sel = cmd.selection_options
    ret = cmd.return_options
    only_subscribed = "SUBSCRIBED" in sel
    only_special = "SPECIAL-USE" in sel
    show_subscribed = only_subscribed or "SUBSCRIBED" in ret
    recursive = "RECURSIVEMATCH" in sel
    subscribed_names = {n for n, lb in by_name.items() if lb.subscribed}
    for name in sorted(all_names, key=_sort_key):
        if not any(p.match(name) for p in patterns):
            continue
        label = by_name.get(name)
        childinfo: list[str] = []
        if only_subscribed and name not in subscribed_names:
            if recursive and any(n.startswith(name + DELIMITER) for n in subscribed_names):
                childinfo = ["SUBSCRIBED"]
            else:
                continue
        if only_special and (label is None or label.special_use is None):
            continue
        attrs = _attributes(
            label, name, all_names, subscribed=show_subscribed and name in subscribed_names
        )
        await s.write(
            list_response(attrs, DELIMITER, name, utf8=s.server.imap4rev2, childinfo=childinfo)
        )
        if cmd.status_items is not None and label is not None:
            await s.write(
                status_response(
                    name, await status_items(s, label, cmd.status_items), utf8=s.server.imap4rev2
                )
            )


def _sort_key(name: str) -> tuple[int, str]:
    return (0 if name == "INBOX" else 1, name)


async def lsub_command(s: Session, cmd: Lsub) -> None:
    labels = await s.engine.labels(s.account_id)
    by_name, implied = _tree(labels)
    all_names = set(by_name) | implied
    pattern = _pattern(cmd.reference, cmd.pattern)
    for name in sorted(by_name, key=_sort_key):
        label = by_name[name]
        if label.subscribed and pattern.match(name):
            attrs = ["\\HasChildren" if _has_children(name, all_names) else "\\HasNoChildren"]
            await s.write(
                list_response(attrs, DELIMITER, name, utf8=s.server.imap4rev2, command="LSUB")
            )


async def status_items(
    s: Session, label: mailcore.Label, items: tuple[str, ...]
) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    deleted: int | None = None
    for item in items:
        match item:
            case "MESSAGES":
                out.append((item, label.messages))
            case "UIDNEXT":
                out.append((item, label.uidnext))
            case "UIDVALIDITY":
                out.append((item, label.uidvalidity))
            case "UNSEEN":
                out.append((item, label.unseen))
            case "RECENT":
                out.append((item, 0))
            case "SIZE":
                out.append((item, label.size))
            case "HIGHESTMODSEQ":
                s.server.enable_condstore()
                out.append((item, label.highest_modseq))
            case "APPENDLIMIT":
                out.append((item, s.engine.config.limits.max_message_size))
            case "DELETED":
                if deleted is None:
                    metas = await s.engine.fetch(s.account_id, label.id)
                    deleted = sum(1 for m in metas if "\\Deleted" in m.flags)
                out.append((item, deleted))
            case _:
                raise ImapError("BAD", f"Unknown STATUS item {item}")
    return out


async def status_command(s: Session, cmd: Status) -> None:
    for item in cmd.items:
        if item not in _STATUS_ITEMS:
            raise ImapError("BAD", f"Unknown STATUS item {item}")
    label = await s.engine.label(s.account_id, cmd.mailbox)
    await s.write(
        status_response(
            label.name, await status_items(s, label, cmd.items), utf8=s.server.imap4rev2
        )
    )


def _clean(name: str) -> str:
    name = name.rstrip(DELIMITER)
    if not name or any(not part for part in name.split(DELIMITER)):
        raise ImapError("NO", "Invalid mailbox name", "CANNOT")
    return name


async def create_command(s: Session, cmd: Create) -> None:
    if cmd.special_use:
        raise ImapError("NO", "Special-use attributes cannot be assigned", "USEATTR")
    name = _clean(cmd.mailbox)
    if name.upper() == "INBOX":
        raise ImapError("NO", "INBOX exists", "ALREADYEXISTS")
    try:
        await s.engine.label(s.account_id, name)
    except mailcore.LabelNotFound:
        pass
    else:
        raise ImapError("NO", "Mailbox already exists", "ALREADYEXISTS")
    await s.engine.create_label(s.account_id, name)


async def delete_command(s: Session, cmd: Delete) -> None:
    label = await s.engine.label(s.account_id, cmd.mailbox)
    if label.is_system:
        raise ImapError("NO", "System mailboxes cannot be deleted", "NOPERM")
    await s.engine.delete_label(s.account_id, label.id)


async def rename_command(s: Session, cmd: Rename) -> None:
    label = await s.engine.label(s.account_id, cmd.mailbox)
    if label.is_system:
        raise ImapError("NO", "System mailboxes cannot be renamed", "NOPERM")
    new_name = _clean(cmd.new_name)
    try:
        existing = await s.engine.label(s.account_id, new_name)
    except mailcore.LabelNotFound:
        pass
    else:
        if existing.id != label.id:
            raise ImapError("NO", "Target mailbox exists", "ALREADYEXISTS")
    await s.engine.rename_label(s.account_id, label.id, new_name)


async def subscribe_command(s: Session, mailbox: str, subscribed: bool) -> None:
    label = await s.engine.label(s.account_id, mailbox)
    await s.engine.update_label(s.account_id, label.id, subscribed=subscribed)
