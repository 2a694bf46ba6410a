"""Tables of the embedded MetaStore and the codecs between their rows and the model."""

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
)
from mailcore.store.meta import (
    MessageRecord,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS domains(name TEXT PRIMARY KEY, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS accounts(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  address TEXT NOT NULL UNIQUE,
  domain TEXT NOT NULL REFERENCES domains(name),
  password_hash TEXT NOT NULL,
  display_name TEXT,
  settings TEXT NOT NULL DEFAULT '{}',
  modseq INTEGER NOT NULL DEFAULT 1,
  created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases(
  address TEXT PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS labels(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  role TEXT,
  uidvalidity INTEGER NOT NULL,
  uidnext INTEGER NOT NULL DEFAULT 1,
  highest_modseq INTEGER NOT NULL DEFAULT 1,
  messages INTEGER NOT NULL DEFAULT 0,
  unseen INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL DEFAULT 0,
  color TEXT,
  subscribed INTEGER NOT NULL DEFAULT 1,
  UNIQUE(account_id, name)
);
CREATE TABLE IF NOT EXISTS threads(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  thread_subject TEXT NOT NULL DEFAULT '',
  last_date REAL NOT NULL DEFAULT 0,
  message_count INTEGER NOT NULL DEFAULT 0,
  unread_count INTEGER NOT NULL DEFAULT 0,
  flagged INTEGER NOT NULL DEFAULT 0,
  has_attachment INTEGER NOT NULL DEFAULT 0,
  snippet TEXT NOT NULL DEFAULT '',
  participants TEXT NOT NULL DEFAULT '[]',
  label_ids TEXT NOT NULL DEFAULT '[]',
  modseq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS threads_subject ON threads(account_id, thread_subject, last_date);
CREATE TABLE IF NOT EXISTS thread_labels(
  label_id INTEGER NOT NULL,
  last_date REAL NOT NULL,
  thread_id INTEGER NOT NULL,
  PRIMARY KEY(label_id, last_date, thread_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS thread_labels_thread ON thread_labels(thread_id);
CREATE TABLE IF NOT EXISTS thread_all(
  account_id INTEGER NOT NULL,
  last_date REAL NOT NULL,
  thread_id INTEGER NOT NULL,
  PRIMARY KEY(account_id, last_date, thread_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  thread_id INTEGER NOT NULL,
  blob TEXT NOT NULL,
  size INTEGER NOT NULL,
  internal_date REAL NOT NULL,
  flags TEXT NOT NULL DEFAULT '',
  labels TEXT NOT NULL DEFAULT '',
  seen INTEGER NOT NULL DEFAULT 0,
  modseq INTEGER NOT NULL,
  message_id TEXT,
  in_reply_to TEXT NOT NULL DEFAULT '[]',
  refs TEXT NOT NULL DEFAULT '[]',
  subject TEXT NOT NULL DEFAULT '',
  date REAL,
  addrs TEXT NOT NULL DEFAULT '{}',
  snippet TEXT NOT NULL DEFAULT '',
  has_attachment INTEGER NOT NULL DEFAULT 0,
  attachments TEXT NOT NULL DEFAULT '[]',
  envelope BLOB NOT NULL,
  bodystructure BLOB NOT NULL,
  body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_thread ON messages(thread_id, internal_date);
CREATE INDEX IF NOT EXISTS messages_blob ON messages(blob);
CREATE INDEX IF NOT EXISTS messages_modseq ON messages(account_id, modseq);
CREATE INDEX IF NOT EXISTS messages_header_id ON messages(account_id, message_id);
CREATE TABLE IF NOT EXISTS memberships(
  label_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  message_id INTEGER NOT NULL,
  PRIMARY KEY(label_id, uid)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS memberships_message ON memberships(message_id, label_id);
CREATE TABLE IF NOT EXISTS vanished(
  label_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  PRIMARY KEY(label_id, uid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vanished_modseq ON vanished(label_id, modseq);
CREATE TABLE IF NOT EXISTS msgids(
  account_id INTEGER NOT NULL,
  msgid TEXT NOT NULL,
  thread_id INTEGER NOT NULL,
  PRIMARY KEY(account_id, msgid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS index_pending(
  message_id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS index_pending_seq ON index_pending(seq);
CREATE TABLE IF NOT EXISTS contacts(
  account_id INTEGER NOT NULL,
  address TEXT NOT NULL,
  name TEXT,
  sent INTEGER NOT NULL DEFAULT 0,
  received INTEGER NOT NULL DEFAULT 0,
  last_date REAL NOT NULL DEFAULT 0,
  PRIMARY KEY(account_id, address)
) WITHOUT ROWID;
"""

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

