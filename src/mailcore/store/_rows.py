"""Rows of the SQL MetaStore adapters and their codecs to and from the model.

The SQLite and PostgreSQL adapters keep the same columns, so they share these.
"""

from __future__ import annotations

import base64
import functools
import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from mailcore.model import (
    Account,
    AttachmentInfo,
    EmailAddress,
    Label,
    LabelRole,
    MessageMeta,
    ThreadSummary,
)
from mailcore.store.meta import (
    MessageRecord,
)

MSG_COLUMNS = (
    "m.id, m.account_id, m.thread_id, m.flags, m.internal_date, m.size, m.modseq, m.blob, "
    "m.envelope, m.bodystructure, m.body, m.message_id, m.subject, m.date, m.addrs, m.snippet, "
    "m.has_attachment, m.attachments, m.in_reply_to, m.refs, m.labels"
)


def flags_text(flags: Iterable[str]) -> str:
    return " ".join(sorted(set(flags)))


@functools.lru_cache(maxsize=4096)
def flags_set(text: str) -> frozenset[str]:
    return frozenset(text.split()) if text else frozenset()


@functools.lru_cache(maxsize=4096)
def label_set(text: str) -> frozenset[int]:
    return frozenset(int(x) for x in text.split()) if text else frozenset()


def addrs_json(record: MessageRecord) -> str:
    def enc(addrs: tuple[EmailAddress, ...]) -> list[list[str | None]]:
        return [[a.name, a.address] for a in addrs]

    return json.dumps(
        {"from": enc(record.from_), "to": enc(record.to), "cc": enc(record.cc), "bcc": enc(record.bcc)},
        separators=(",", ":"),
    )


def dec_addrs(items: list[list[str | None]]) -> tuple[EmailAddress, ...]:
    return tuple(EmailAddress(name, address or "") for name, address in items)


def attachments_json(items: tuple[AttachmentInfo, ...]) -> str:
    return json.dumps(
        [[a.section, a.filename, a.content_type, a.size, a.content_id, a.disposition] for a in items],
        separators=(",", ":"),
    )


def row_to_label(row: sqlite3.Row | tuple[Any, ...]) -> Label:
    (id_, account_id, name, role, uidvalidity, uidnext, hms, messages, unseen, size, color, sub) = row
    return Label(
        id=id_,
        account_id=account_id,
        name=name,
        role=LabelRole(role) if role else None,
        uidvalidity=uidvalidity,
        uidnext=uidnext,
        highest_modseq=hms,
        messages=messages,
        unseen=unseen,
        color=color,
        subscribed=bool(sub),
        size=size,
    )


LABEL_COLUMNS = (
    "id, account_id, name, role, uidvalidity, uidnext, highest_modseq, messages, unseen, size, color, subscribed"
)


def row_to_account(row: tuple[Any, ...]) -> Account:
    id_, address, display_name, created, settings = row
    return Account(id_, address, display_name, created, json.loads(settings))


def chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def encode_cursor(last_date: float, thread_id: int) -> str:
    return base64.urlsafe_b64encode(f"{last_date!r}:{thread_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[float, int] | None:
    if not cursor:
        return None
    from mailcore.errors import InvalidArgument

    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        date_text, _, tid = text.partition(":")
        return float(date_text), int(tid)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArgument("malformed cursor") from exc


def metas(rows: list[tuple[Any, ...]], uid_of: dict[int, int] | None) -> list[MessageMeta]:
    if not rows:
        return []
    out = []
    for r in rows:
        out.append(
            MessageMeta(
                id=r[0],
                account_id=r[1],
                thread_id=r[2],
                uid=uid_of.get(r[0]) if uid_of is not None else None,
                flags=flags_set(r[3]),
                label_ids=label_set(r[20]),
                internal_date=r[4],
                size=r[5],
                modseq=r[6],
                blob_ref=r[7],
                envelope=r[8],
                bodystructure=r[9],
                body=r[10],
                message_id=r[11],
                subject=r[12],
                date=r[13],
                snippet=r[15],
                has_attachment=bool(r[16]),
                addresses_json=r[14],
                attachments_json=r[17],
                in_reply_to_json=r[18],
                references_json=r[19],
            )
        )
    return out


def summaries(rows: list[tuple[Any, ...]]) -> list[ThreadSummary]:
    return [
        ThreadSummary(
            id=r[0],
            account_id=r[1],
            subject=r[2],
            snippet=r[3],
            participants=dec_addrs(json.loads(r[4])),
            message_count=r[5],
            unread_count=r[6],
            has_attachment=bool(r[7]),
            label_ids=frozenset(json.loads(r[8])),
            last_date=r[9],
            modseq=r[10],
            starred=bool(r[11]),
        )
        for r in rows
    ]

THREAD_COLUMNS = (
    "t.id, t.account_id, t.subject, t.snippet, t.participants, t.message_count, t.unread_count,"
    " t.has_attachment, t.label_ids, t.last_date, t.modseq, t.flagged"
)
