"""The embedded MetaStore: SQLite in WAL mode with ``synchronous=FULL``.

A commit here is an acknowledgement to a user (SMTP 250, IMAP OK), so every
write transaction is durable when it returns. UIDs, MODSEQs and thread ids
are allocated inside the write transaction.
"""

from __future__ import annotations

import base64
import functools
import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mailcore import rules
from mailcore.errors import (
    AccountNotFound,
    AlreadyExists,
    DomainNotFound,
    LabelNotFound,
    PermissionDenied,
)
from mailcore.model import (
    Account,
    AttachmentInfo,
    Changes,
    EmailAddress,
    Label,
    LabelRole,
    MessageMeta,
    Thread,
    ThreadPage,
    ThreadSummary,
)
from mailcore.store._sqlite import SQLiteDatabase
from mailcore.store.meta import (
    AddMessage,
    ChangeLabels,
    CreateLabel,
    DeleteLabel,
    DeleteMessages,
    MessageRecord,
    Mutation,
    Outcome,
    RenameLabel,
    SetFlags,
    UpdateLabel,
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

_MSG_COLUMNS = (
    "m.id, m.account_id, m.thread_id, m.flags, m.internal_date, m.size, m.modseq, m.blob, "
    "m.envelope, m.bodystructure, m.body, m.message_id, m.subject, m.date, m.addrs, m.snippet, "
    "m.has_attachment, m.attachments, m.in_reply_to, m.refs, m.labels"
)


def _flags_text(flags: Iterable[str]) -> str:
    return " ".join(sorted(set(flags)))


@functools.lru_cache(maxsize=4096)
def _flags_set(text: str) -> frozenset[str]:
    return frozenset(text.split()) if text else frozenset()


@functools.lru_cache(maxsize=4096)
def _label_set(text: str) -> frozenset[int]:
    return frozenset(int(x) for x in text.split()) if text else frozenset()


def _addrs_json(record: MessageRecord) -> str:
    def enc(addrs: tuple[EmailAddress, ...]) -> list[list[str | None]]:
        return [[a.name, a.address] for a in addrs]

    return json.dumps(
        {"from": enc(record.from_), "to": enc(record.to), "cc": enc(record.cc), "bcc": enc(record.bcc)},
        separators=(",", ":"),
    )


def _dec_addrs(items: list[list[str | None]]) -> tuple[EmailAddress, ...]:
    return tuple(EmailAddress(name, address or "") for name, address in items)


def _attachments_json(items: tuple[AttachmentInfo, ...]) -> str:
    return json.dumps(
        [[a.section, a.filename, a.content_type, a.size, a.content_id, a.disposition] for a in items],
        separators=(",", ":"),
    )


def _row_to_label(row: sqlite3.Row | tuple[Any, ...]) -> Label:
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


_LABEL_COLUMNS = (
    "id, account_id, name, role, uidvalidity, uidnext, highest_modseq, messages, unseen, size, color, subscribed"
)


def _row_to_account(row: tuple[Any, ...]) -> Account:
    id_, address, display_name, created, settings = row
    return Account(id_, address, display_name, created, json.loads(settings))


class _Tx:
    """The state of one account's batch inside a write transaction."""

    def __init__(self, conn: sqlite3.Connection, account_id: int, store: SQLiteMetaStore) -> None:
        self.conn = conn
        self.account_id = account_id
        self.store = store
        row = conn.execute("SELECT modseq FROM accounts WHERE id=?", (account_id,)).fetchone()
        if row is None:
            raise AccountNotFound(f"account {account_id} does not exist")
        self.modseq: int = row[0]
        self.touched_threads: dict[int, int] = {}
        self._label_roles: dict[int, str | None] | None = None
        self._index_seq: int | None = None

    def next_modseq(self) -> int:
        self.modseq += 1
        return self.modseq

    def label_roles(self) -> dict[int, str | None]:
        """This account's label ids and roles, read once per batch."""
        if self._label_roles is None:
            self._label_roles = dict(
                self.conn.execute("SELECT id, role FROM labels WHERE account_id=?", (self.account_id,)).fetchall()
            )
        return self._label_roles

    def next_index_seq(self) -> int:
        if self._index_seq is None:
            row = self.conn.execute("SELECT value FROM settings WHERE key='index_seq'").fetchone()
            self._index_seq = int(row[0]) if row else 0
        self._index_seq += 1
        return self._index_seq

    def finish(self) -> None:
        self.conn.execute("UPDATE accounts SET modseq=? WHERE id=?", (self.modseq, self.account_id))
        if self._index_seq is not None:
            self.conn.execute(
                "INSERT OR REPLACE INTO settings(key, value) VALUES ('index_seq', ?)", (str(self._index_seq),)
            )
        if self.touched_threads:
            self.store._refresh_threads(self.conn, self.account_id, self.touched_threads)

    # -- helpers

    def own_messages(self, message_ids: Sequence[int]) -> list[tuple[int, int, str, int]]:
        """(id, thread_id, flags, seen) of the given ids that belong to this account."""
        out: list[tuple[int, int, str, int]] = []
        for chunk in _chunks(list(dict.fromkeys(message_ids)), 500):
            marks = ",".join("?" * len(chunk))
            out.extend(
                self.conn.execute(
                    f"SELECT id, thread_id, flags, seen FROM messages WHERE account_id=? AND id IN ({marks})",
                    (self.account_id, *chunk),
                ).fetchall()
            )
        return out

    def own_labels(self, label_ids: Iterable[int]) -> list[int]:
        ids = list(set(label_ids))
        roles = self.label_roles()
        if any(i not in roles for i in ids):
            raise LabelNotFound("no such label")
        return ids

    def add_membership(self, message_id: int, label_id: int, seen: int, size: int, modseq: int) -> int | None:
        """Put a message in a label, allocating its UID there; None if already in."""
        conn = self.conn
        if conn.execute(
            "SELECT 1 FROM memberships WHERE message_id=? AND label_id=?", (message_id, label_id)
        ).fetchone():
            return None
        uid = conn.execute(
            "UPDATE labels SET uidnext=uidnext+1, messages=messages+1, unseen=unseen+?, size=size+?,"
            " highest_modseq=? WHERE id=? RETURNING uidnext-1",
            (0 if seen else 1, size, modseq, label_id),
        ).fetchone()[0]
        conn.execute("INSERT INTO memberships(label_id, uid, message_id) VALUES (?,?,?)", (label_id, uid, message_id))
        _refresh_message_labels(conn, message_id)
        return int(uid)

    def remove_membership(self, message_id: int, label_id: int, seen: int, size: int, modseq: int) -> bool:
        conn = self.conn
        row = conn.execute(
            "DELETE FROM memberships WHERE message_id=? AND label_id=? RETURNING uid", (message_id, label_id)
        ).fetchone()
        if row is None:
            return False
        conn.execute(
            "UPDATE labels SET messages=messages-1, unseen=unseen-?, size=size-?, highest_modseq=? WHERE id=?",
            (0 if seen else 1, size, modseq, label_id),
        )
        conn.execute(
            "INSERT OR REPLACE INTO vanished(label_id, uid, modseq) VALUES (?,?,?)", (label_id, row[0], modseq)
        )
        _refresh_message_labels(conn, message_id)
        return True

    def queue_index(self, message_id: int, kind: str) -> None:
        seq = self.next_index_seq()
        if kind == "state":
            # a pending full index already carries the new state
            existing = self.conn.execute(
                "SELECT kind FROM index_pending WHERE message_id=?", (message_id,)
            ).fetchone()
            if existing and existing[0] in ("doc", "delete"):
                kind = existing[0]
        self.conn.execute(
            "INSERT OR REPLACE INTO index_pending(message_id, account_id, kind, seq) VALUES (?,?,?,?)",
            (message_id, self.account_id, kind, seq),
        )


def _refresh_message_labels(conn: sqlite3.Connection, message_id: int) -> None:
    """Keep the message row's copy of its label ids (read on every FETCH) in step."""
    conn.execute(
        "UPDATE messages SET labels=coalesce((SELECT group_concat(label_id, ' ') FROM"
        " (SELECT label_id FROM memberships WHERE message_id=? ORDER BY label_id)), '') WHERE id=?",
        (message_id, message_id),
    )


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class SQLiteMetaStore:
    """MetaStore on one SQLite file (``meta.db`` in the data directory)."""

    def __init__(self, path: Path | str, *, readers: int = 3) -> None:
        self.db = SQLiteDatabase(path, synchronous="FULL", readers=readers, schema=SCHEMA)
        self._uidvalidity_base = int(time.time())

    async def aclose(self) -> None:
        await self.db.aclose()

    # ------------------------------------------------------------ domains

    async def add_domain(self, name: str) -> None:
        def fn(conn: sqlite3.Connection) -> None:
            try:
                conn.execute("INSERT INTO domains(name, created) VALUES (?,?)", (name, time.time()))
            except sqlite3.IntegrityError as exc:
                raise AlreadyExists(f"domain {name} exists") from exc

        await self.db.write(fn)

    async def list_domains(self) -> list[str]:
        return await self.db.read(lambda c: [r[0] for r in c.execute("SELECT name FROM domains ORDER BY name")])

    async def remove_domain(self, name: str) -> None:
        def fn(conn: sqlite3.Connection) -> None:
            if conn.execute("SELECT 1 FROM accounts WHERE domain=? LIMIT 1", (name,)).fetchone():
                raise PermissionDenied(f"domain {name} still has accounts")
            if conn.execute("DELETE FROM domains WHERE name=?", (name,)).rowcount == 0:
                raise DomainNotFound(f"no such domain: {name}")

        await self.db.write(fn)

    # ----------------------------------------------------------- accounts

    def _new_uidvalidity(self, conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM settings WHERE key='uidvalidity'").fetchone()
        last = int(row[0]) if row else 0
        value = max(last + 1, self._uidvalidity_base) & 0xFFFFFFFF or 1
        conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES ('uidvalidity', ?)", (str(value),))
        return value

    def _next_index_seq(self, conn: sqlite3.Connection) -> int:
        counter = conn.execute(
            "INSERT INTO settings(key, value) VALUES ('index_seq', '1') ON CONFLICT(key) DO UPDATE"
            " SET value=CAST(value AS INTEGER)+1 RETURNING value"
        ).fetchone()[0]
        return int(counter)

    async def create_account(
        self,
        address: str,
        password_hash: str,
        display_name: str | None,
        labels: Sequence[tuple[str, LabelRole]],
    ) -> Account:
        domain = address.rpartition("@")[2]

        def fn(conn: sqlite3.Connection) -> Account:
            if not conn.execute("SELECT 1 FROM domains WHERE name=?", (domain,)).fetchone():
                raise DomainNotFound(f"{domain} is not a local domain (add it first)")
            if conn.execute("SELECT 1 FROM aliases WHERE address=?", (address,)).fetchone():
                raise AlreadyExists(f"{address} is an alias")
            now = time.time()
            try:
                account_id = conn.execute(
                    "INSERT INTO accounts(address, domain, password_hash, display_name, created)"
                    " VALUES (?,?,?,?,?) RETURNING id",
                    (address, domain, password_hash, display_name, now),
                ).fetchone()[0]
            except sqlite3.IntegrityError as exc:
                raise AlreadyExists(f"account {address} exists") from exc
            for name, role in labels:
                conn.execute(
                    "INSERT INTO labels(account_id, name, role, uidvalidity) VALUES (?,?,?,?)",
                    (account_id, name, role.value, self._new_uidvalidity(conn)),
                )
            return Account(account_id, address, display_name, now, {})

        return await self.db.write(fn)

    async def get_account(self, address: str) -> Account | None:
        def fn(conn: sqlite3.Connection) -> Account | None:
            row = conn.execute(
                "SELECT id, address, display_name, created, settings FROM accounts WHERE address=?",
                (address,),
            ).fetchone()
            return _row_to_account(row) if row else None

        return await self.db.read(fn)

    async def get_account_by_id(self, account_id: int) -> Account | None:
        def fn(conn: sqlite3.Connection) -> Account | None:
            row = conn.execute(
                "SELECT id, address, display_name, created, settings FROM accounts WHERE id=?",
                (account_id,),
            ).fetchone()
            return _row_to_account(row) if row else None

        return await self.db.read(fn)

    async def list_accounts(self) -> list[Account]:
        return await self.db.read(
            lambda c: [
                _row_to_account(r)
                for r in c.execute(
                    "SELECT id, address, display_name, created, settings FROM accounts ORDER BY address"
                )
            ]
        )

    async def password_hash(self, account_id: int) -> str | None:
        def fn(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT password_hash FROM accounts WHERE id=?", (account_id,)).fetchone()
            return row[0] if row else None

        return await self.db.read(fn)

    async def set_password_hash(self, account_id: int, password_hash: str) -> None:
        def fn(conn: sqlite3.Connection) -> None:
            if conn.execute(
                "UPDATE accounts SET password_hash=? WHERE id=?", (password_hash, account_id)
            ).rowcount == 0:
                raise AccountNotFound("no such account")

        await self.db.write(fn)

    async def update_account(
        self, account_id: int, display_name: str | None, settings: dict[str, object]
    ) -> Account:
        def fn(conn: sqlite3.Connection) -> Account:
            row = conn.execute(
                "UPDATE accounts SET display_name=?, settings=? WHERE id=?"
                " RETURNING id, address, display_name, created, settings",
                (display_name, json.dumps(settings), account_id),
            ).fetchone()
            if row is None:
                raise AccountNotFound("no such account")
            return _row_to_account(row)

        return await self.db.write(fn)

    async def delete_account(self, account_id: int) -> list[str]:
        def fn(conn: sqlite3.Connection) -> list[str]:
            if not conn.execute("SELECT 1 FROM accounts WHERE id=?", (account_id,)).fetchone():
                raise AccountNotFound("no such account")
            blobs = [r[0] for r in conn.execute("SELECT DISTINCT blob FROM messages WHERE account_id=?", (account_id,))]
            label_ids = [r[0] for r in conn.execute("SELECT id FROM labels WHERE account_id=?", (account_id,))]
            for lid in label_ids:
                conn.execute("DELETE FROM memberships WHERE label_id=?", (lid,))
                conn.execute("DELETE FROM vanished WHERE label_id=?", (lid,))
                conn.execute("DELETE FROM thread_labels WHERE label_id=?", (lid,))
            conn.execute("DELETE FROM thread_all WHERE account_id=?", (account_id,))
            conn.execute("DELETE FROM messages WHERE account_id=?", (account_id,))
            conn.execute("DELETE FROM threads WHERE account_id=?", (account_id,))
            conn.execute("DELETE FROM msgids WHERE account_id=?", (account_id,))
            conn.execute("DELETE FROM contacts WHERE account_id=?", (account_id,))
            conn.execute("DELETE FROM index_pending WHERE account_id=?", (account_id,))
            conn.execute("DELETE FROM labels WHERE account_id=?", (account_id,))
            conn.execute("DELETE FROM aliases WHERE account_id=?", (account_id,))
            conn.execute("DELETE FROM accounts WHERE id=?", (account_id,))
            return [b for b in blobs if not conn.execute("SELECT 1 FROM messages WHERE blob=? LIMIT 1", (b,)).fetchone()]

        return await self.db.write(fn)

    async def add_alias(self, alias: str, account_id: int) -> None:
        domain = alias.rpartition("@")[2]

        def fn(conn: sqlite3.Connection) -> None:
            if not conn.execute("SELECT 1 FROM domains WHERE name=?", (domain,)).fetchone():
                raise DomainNotFound(f"{domain} is not a local domain")
            if conn.execute("SELECT 1 FROM accounts WHERE address=?", (alias,)).fetchone():
                raise AlreadyExists(f"{alias} is an account")
            if not conn.execute("SELECT 1 FROM accounts WHERE id=?", (account_id,)).fetchone():
                raise AccountNotFound("no such account")
            try:
                conn.execute("INSERT INTO aliases(address, account_id) VALUES (?,?)", (alias, account_id))
            except sqlite3.IntegrityError as exc:
                raise AlreadyExists(f"alias {alias} exists") from exc

        await self.db.write(fn)

    async def remove_alias(self, alias: str) -> None:
        def fn(conn: sqlite3.Connection) -> None:
            if conn.execute("DELETE FROM aliases WHERE address=?", (alias,)).rowcount == 0:
                raise AccountNotFound(f"no such alias: {alias}")

        await self.db.write(fn)

    async def list_aliases(self, account_id: int | None = None) -> list[tuple[str, int]]:
        def fn(conn: sqlite3.Connection) -> list[tuple[str, int]]:
            if account_id is None:
                rows = conn.execute("SELECT address, account_id FROM aliases ORDER BY address")
            else:
                rows = conn.execute(
                    "SELECT address, account_id FROM aliases WHERE account_id=? ORDER BY address", (account_id,)
                )
            return [(r[0], r[1]) for r in rows]

        return await self.db.read(fn)

    async def resolve_address(self, address: str) -> int | None:
        def fn(conn: sqlite3.Connection) -> int | None:
            row = conn.execute("SELECT id FROM accounts WHERE address=?", (address,)).fetchone()
            if row is None:
                row = conn.execute("SELECT account_id FROM aliases WHERE address=?", (address,)).fetchone()
            return int(row[0]) if row else None

        return await self.db.read(fn)

    # ------------------------------------------------------------- writes

    async def apply(self, account_id: int, mutations: Sequence[Mutation]) -> list[Outcome]:
        result = await self.apply_many([(account_id, mutations)])
        first = result[0]
        if isinstance(first, Exception):
            raise first
        return first

    async def apply_many(
        self, batches: Sequence[tuple[int, Sequence[Mutation]]]
    ) -> list[list[Outcome] | Exception]:
        def fn(conn: sqlite3.Connection) -> list[list[Outcome] | Exception]:
            results: list[list[Outcome] | Exception] = []
            for i, (account_id, mutations) in enumerate(batches):
                savepoint = f"b{i}"
                conn.execute(f"SAVEPOINT {savepoint}")
                try:
                    tx = _Tx(conn, account_id, self)
                    outcomes = [self._apply_one(tx, m) for m in mutations]
                    tx.finish()
                except (sqlite3.Error, KeyError) as exc:
                    conn.execute(f"ROLLBACK TO {savepoint}")
                    conn.execute(f"RELEASE {savepoint}")
                    from mailcore.errors import StoreError

                    results.append(StoreError(f"sqlite: {exc}"))
                    continue
                except Exception as exc:  # a typed mailcore error for this batch alone
                    conn.execute(f"ROLLBACK TO {savepoint}")
                    conn.execute(f"RELEASE {savepoint}")
                    results.append(exc)
                    continue
                conn.execute(f"RELEASE {savepoint}")
                results.append(outcomes)
            return results

        return await self.db.write(fn)

    def _apply_one(self, tx: _Tx, m: Mutation) -> Outcome:
        match m:
            case AddMessage(record=record):
                return self._add_message(tx, record)
            case SetFlags():
                return self._set_flags(tx, m)
            case ChangeLabels():
                return self._change_labels(tx, m)
            case DeleteMessages(message_ids=ids):
                return self._delete_messages(tx, ids)
            case CreateLabel():
                tx._label_roles = None
                return self._create_label(tx, m)
            case RenameLabel():
                return self._rename_label(tx, m)
            case UpdateLabel():
                return self._update_label(tx, m)
            case DeleteLabel(label_id=label_id):
                outcome = self._delete_label(tx, label_id)
                tx._label_roles = None
                return outcome
        raise TypeError(f"unknown mutation {m!r}")

    def _find_thread(self, tx: _Tx, r: MessageRecord) -> int:
        conn = tx.conn
        keys = rules.thread_keys(r)
        candidates: list[rules.ThreadCandidate] = []
        for chunk in range(0, len(keys), 200):
            part = keys[chunk : chunk + 200]
            marks = ",".join("?" * len(part))
            candidates.extend(
                rules.ThreadCandidate(*row)
                for row in conn.execute(
                    "SELECT DISTINCT t.id, t.thread_subject, t.last_date FROM msgids k JOIN threads t"
                    f" ON t.id=k.thread_id WHERE k.account_id=? AND k.msgid IN ({marks})",
                    (tx.account_id, *part),
                )
            )
        thread_id = rules.choose_thread(r, candidates)
        since = rules.subject_window_start(r) if thread_id is None else None
        if since is not None:
            row = conn.execute(
                "SELECT id FROM threads WHERE account_id=? AND thread_subject=? AND last_date>=?"
                " ORDER BY last_date DESC LIMIT 1",
                (tx.account_id, r.thread_subject, since),
            ).fetchone()
            thread_id = row[0] if row else None
        if thread_id is None:
            thread_id = conn.execute(
                "INSERT INTO threads(account_id, subject, thread_subject, last_date) VALUES (?,?,?,?) RETURNING id",
                (tx.account_id, r.subject, r.thread_subject, r.internal_date),
            ).fetchone()[0]
        conn.executemany(
            "INSERT OR IGNORE INTO msgids(account_id, msgid, thread_id) VALUES (?,?,?)",
            [(tx.account_id, key, thread_id) for key in keys],
        )
        assert thread_id is not None
        return thread_id

    def _add_message(self, tx: _Tx, r: MessageRecord) -> Outcome:
        label_ids = tx.own_labels(r.label_ids)
        modseq = tx.next_modseq()
        thread_id = self._find_thread(tx, r)
        seen = 1 if "\\Seen" in r.flags else 0
        message_id = tx.conn.execute(
            "INSERT INTO messages(account_id, thread_id, blob, size, internal_date, flags, seen, modseq,"
            " message_id, in_reply_to, refs, subject, date, addrs, snippet, has_attachment, attachments,"
            " envelope, bodystructure, body) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
            (
                tx.account_id,
                thread_id,
                r.blob_ref,
                r.size,
                r.internal_date,
                _flags_text(r.flags),
                seen,
                modseq,
                r.message_id,
                json.dumps(list(r.in_reply_to)),
                json.dumps(list(r.references)),
                r.subject,
                r.date,
                _addrs_json(r),
                r.snippet,
                1 if r.has_attachment else 0,
                _attachments_json(r.attachments),
                r.envelope,
                r.bodystructure,
                r.body,
            ),
        ).fetchone()[0]
        uids: dict[tuple[int, int], int] = {}
        conn = tx.conn
        for label_id in sorted(label_ids):
            # a new message is in no label yet: no membership check needed
            uid = conn.execute(
                "UPDATE labels SET uidnext=uidnext+1, messages=messages+1, unseen=unseen+?, size=size+?,"
                " highest_modseq=? WHERE id=? RETURNING uidnext-1",
                (0 if seen else 1, r.size, modseq, label_id),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO memberships(label_id, uid, message_id) VALUES (?,?,?)", (label_id, uid, message_id)
            )
            uids[(message_id, label_id)] = int(uid)
        if label_ids:
            conn.execute(
                "UPDATE messages SET labels=? WHERE id=?", (" ".join(map(str, sorted(label_ids))), message_id)
            )
        tx.touched_threads[thread_id] = modseq
        conn.execute(
            "INSERT OR REPLACE INTO index_pending(message_id, account_id, kind, seq) VALUES (?,?,?,?)",
            (message_id, tx.account_id, "doc", tx.next_index_seq()),
        )
        self._count_contacts(tx, r, label_ids)
        return Outcome(
            modseq=modseq,
            message_ids=(message_id,),
            thread_ids=(thread_id,),
            label_ids=tuple(sorted(label_ids)),
            uids=uids,
        )

    def _labels_of(self, conn: sqlite3.Connection, message_id: int) -> list[int]:
        return [r[0] for r in conn.execute("SELECT label_id FROM memberships WHERE message_id=?", (message_id,))]

    def _set_flags(self, tx: _Tx, m: SetFlags) -> Outcome:
        conn = tx.conn
        rows = tx.own_messages(m.message_ids)
        if not rows:
            return Outcome(modseq=tx.modseq)
        modseq = tx.next_modseq()
        changed: list[int] = []
        modified: list[int] = []
        threads: set[int] = set()
        labels: set[int] = set()
        for message_id, thread_id, flags_text, seen in rows:
            if m.unchanged_since is not None:
                cur = conn.execute("SELECT modseq FROM messages WHERE id=?", (message_id,)).fetchone()[0]
                if cur > m.unchanged_since:
                    modified.append(message_id)
                    continue
            old = _flags_set(flags_text)
            new = set(m.replace) if m.replace is not None else (set(old) | m.add) - m.remove
            if frozenset(new) == old:
                continue
            new_seen = 1 if "\\Seen" in new else 0
            conn.execute(
                "UPDATE messages SET flags=?, seen=?, modseq=? WHERE id=?",
                (_flags_text(new), new_seen, modseq, message_id),
            )
            member_of = self._labels_of(conn, message_id)
            if member_of:
                marks = ",".join("?" * len(member_of))
                delta = seen - new_seen  # +1 when becoming unseen
                conn.execute(
                    f"UPDATE labels SET unseen=unseen+?, highest_modseq=? WHERE id IN ({marks})",
                    (delta, modseq, *member_of),
                )
            labels.update(member_of)
            changed.append(message_id)
            threads.add(thread_id)
            tx.touched_threads[thread_id] = modseq
            tx.queue_index(message_id, "state")
        return Outcome(
            modseq=modseq,
            message_ids=tuple(changed),
            thread_ids=tuple(sorted(threads)),
            label_ids=tuple(sorted(labels)),
            modified=tuple(modified),
        )

    def _change_labels(self, tx: _Tx, m: ChangeLabels) -> Outcome:
        conn = tx.conn
        tx.own_labels(m.add | m.remove)
        rows = tx.own_messages(m.message_ids)
        if not rows:
            return Outcome(modseq=tx.modseq)
        modseq = tx.next_modseq()
        uids: dict[tuple[int, int], int] = {}
        changed: list[int] = []
        threads: set[int] = set()
        labels: set[int] = set()
        for message_id, thread_id, _flags, seen in rows:
            size = conn.execute("SELECT size FROM messages WHERE id=?", (message_id,)).fetchone()[0]
            did = False
            for label_id in sorted(m.remove - m.add):
                if tx.remove_membership(message_id, label_id, seen, size, modseq):
                    did = True
                    labels.add(label_id)
            for label_id in sorted(m.add):
                uid = tx.add_membership(message_id, label_id, seen, size, modseq)
                if uid is not None:
                    uids[(message_id, label_id)] = uid
                    did = True
                    labels.add(label_id)
            if did:
                conn.execute("UPDATE messages SET modseq=? WHERE id=?", (modseq, message_id))
                # the other labels' views show X-GM-LABELS: they changed too
                for other in self._labels_of(conn, message_id):
                    if other not in labels:
                        conn.execute("UPDATE labels SET highest_modseq=? WHERE id=?", (modseq, other))
                        labels.add(other)
                changed.append(message_id)
                threads.add(thread_id)
                tx.touched_threads[thread_id] = modseq
                tx.queue_index(message_id, "state")
        return Outcome(
            modseq=modseq,
            message_ids=tuple(changed),
            thread_ids=tuple(sorted(threads)),
            label_ids=tuple(sorted(labels)),
            uids=uids,
        )

    def _delete_messages(self, tx: _Tx, message_ids: Sequence[int]) -> Outcome:
        conn = tx.conn
        rows = tx.own_messages(message_ids)
        if not rows:
            return Outcome(modseq=tx.modseq)
        modseq = tx.next_modseq()
        labels: set[int] = set()
        threads: set[int] = set()
        blobs: set[str] = set()
        for message_id, thread_id, _flags, seen in rows:
            size, blob = conn.execute("SELECT size, blob FROM messages WHERE id=?", (message_id,)).fetchone()
            for label_id in self._labels_of(conn, message_id):
                tx.remove_membership(message_id, label_id, seen, size, modseq)
                labels.add(label_id)
            conn.execute("DELETE FROM messages WHERE id=?", (message_id,))
            blobs.add(blob)
            threads.add(thread_id)
            tx.touched_threads[thread_id] = modseq
            tx.queue_index(message_id, "delete")
        freed = tuple(
            sorted(b for b in blobs if not conn.execute("SELECT 1 FROM messages WHERE blob=? LIMIT 1", (b,)).fetchone())
        )
        return Outcome(
            modseq=modseq,
            message_ids=tuple(r[0] for r in rows),
            thread_ids=tuple(sorted(threads)),
            label_ids=tuple(sorted(labels)),
            freed_blobs=freed,
        )

    def _account_labels(self, tx: _Tx) -> list[Label]:
        return [
            _row_to_label(r)
            for r in tx.conn.execute(
                f"SELECT {_LABEL_COLUMNS} FROM labels WHERE account_id=? ORDER BY id", (tx.account_id,)
            )
        ]

    def _create_label(self, tx: _Tx, m: CreateLabel) -> Outcome:
        conn = tx.conn
        name = rules.check_new_label(self._account_labels(tx), m.name, m.role)
        modseq = tx.next_modseq()
        row = conn.execute(
            f"INSERT INTO labels(account_id, name, role, uidvalidity, color, highest_modseq) VALUES (?,?,?,?,?,?)"
            f" RETURNING {_LABEL_COLUMNS}",
            (tx.account_id, name, m.role.value if m.role else None, self._new_uidvalidity(conn), m.color, modseq),
        ).fetchone()
        label = _row_to_label(row)
        return Outcome(modseq=modseq, label_ids=(label.id,), label=label)

    def _get_label(self, tx: _Tx, label_id: int) -> Label:
        row = tx.conn.execute(
            f"SELECT {_LABEL_COLUMNS} FROM labels WHERE id=? AND account_id=?", (label_id, tx.account_id)
        ).fetchone()
        if row is None:
            raise LabelNotFound("no such label")
        return _row_to_label(row)

    def _rename_label(self, tx: _Tx, m: RenameLabel) -> Outcome:
        conn = tx.conn
        plan = rules.labels_to_rename(self._account_labels(tx), m.label_id, m.new_name)
        modseq = tx.next_modseq()
        # a renamed mailbox is a new mailbox to IMAP clients: new UIDVALIDITY
        for label_id, new_name in plan:
            conn.execute(
                "UPDATE labels SET name=?, uidvalidity=?, highest_modseq=? WHERE id=?",
                (new_name, self._new_uidvalidity(conn), modseq, label_id),
            )
        return Outcome(modseq=modseq, label_ids=tuple(label_id for label_id, _ in plan))

    def _update_label(self, tx: _Tx, m: UpdateLabel) -> Outcome:
        label = self._get_label(tx, m.label_id)
        modseq = tx.next_modseq()
        color = None if m.clear_color else (m.color if m.color is not None else label.color)
        subscribed = label.subscribed if m.subscribed is None else m.subscribed
        tx.conn.execute(
            "UPDATE labels SET color=?, subscribed=? WHERE id=?", (color, 1 if subscribed else 0, label.id)
        )
        return Outcome(modseq=modseq, label_ids=(label.id,))

    def _delete_label(self, tx: _Tx, label_id: int) -> Outcome:
        conn = tx.conn
        targets = [(lid,) for lid in rules.labels_to_delete(self._account_labels(tx), label_id)]
        modseq = tx.next_modseq()
        messages: set[int] = set()
        for (lid,) in targets:
            for (mid,) in conn.execute("SELECT message_id FROM memberships WHERE label_id=?", (lid,)).fetchall():
                messages.add(mid)
            conn.execute("DELETE FROM memberships WHERE label_id=?", (lid,))
            conn.execute("DELETE FROM vanished WHERE label_id=?", (lid,))
            conn.execute("DELETE FROM thread_labels WHERE label_id=?", (lid,))
            conn.execute("DELETE FROM labels WHERE id=?", (lid,))
        threads: set[int] = set()
        for mid in messages:
            row = conn.execute("SELECT thread_id FROM messages WHERE id=?", (mid,)).fetchone()
            conn.execute("UPDATE messages SET modseq=? WHERE id=?", (modseq, mid))
            _refresh_message_labels(conn, mid)
            # the labels the message is still in show its new MODSEQ: they changed too
            conn.execute(
                "UPDATE labels SET highest_modseq=? WHERE id IN (SELECT label_id FROM memberships WHERE message_id=?)",
                (modseq, mid),
            )
            if row:
                threads.add(row[0])
                tx.touched_threads[row[0]] = modseq
            tx.queue_index(mid, "state")
        return Outcome(
            modseq=modseq,
            message_ids=tuple(sorted(messages)),
            thread_ids=tuple(sorted(threads)),
            label_ids=tuple(sorted(t[0] for t in targets)),
        )

    def _refresh_threads(self, conn: sqlite3.Connection, account_id: int, touched: dict[int, int]) -> None:
        """Store the summary rows of the conversations a batch touched."""
        for thread_id, modseq in touched.items():
            members = [
                rules.ThreadMember(
                    subject=subject,
                    internal_date=date,
                    seen=bool(seen),
                    flagged="\\Flagged" in _flags_set(flags),
                    has_attachment=bool(has_att),
                    snippet=snippet,
                    from_=_dec_addrs(json.loads(addrs).get("from", [])),
                    label_ids=_label_set(labels),
                )
                for subject, date, seen, flags, has_att, snippet, addrs, labels in conn.execute(
                    "SELECT subject, internal_date, seen, flags, has_attachment, snippet, addrs, labels"
                    " FROM messages WHERE thread_id=? ORDER BY internal_date, id",
                    (thread_id,),
                )
            ]
            row = rules.summarize_thread(members)
            conn.execute("DELETE FROM thread_labels WHERE thread_id=?", (thread_id,))
            conn.execute("DELETE FROM thread_all WHERE thread_id=? AND account_id=?", (thread_id, account_id))
            if row is None:
                conn.execute("DELETE FROM threads WHERE id=?", (thread_id,))
                conn.execute("DELETE FROM msgids WHERE thread_id=?", (thread_id,))
                continue
            conn.execute(
                "UPDATE threads SET subject=?, last_date=?, message_count=?, unread_count=?, flagged=?,"
                " has_attachment=?, snippet=?, participants=?, label_ids=?, modseq=? WHERE id=?",
                (
                    row.subject,
                    row.last_date,
                    row.message_count,
                    row.unread_count,
                    1 if row.flagged else 0,
                    1 if row.has_attachment else 0,
                    row.snippet,
                    json.dumps([[p.name, p.address] for p in row.participants]),
                    json.dumps(sorted(row.label_ids)),
                    modseq,
                    thread_id,
                ),
            )
            conn.executemany(
                "INSERT INTO thread_labels(label_id, last_date, thread_id) VALUES (?,?,?)",
                [(lid, row.last_date, thread_id) for lid in sorted(row.label_ids)],
            )
            conn.execute(
                "INSERT INTO thread_all(account_id, last_date, thread_id) VALUES (?,?,?)",
                (account_id, row.last_date, thread_id),
            )

    # -------------------------------------------------------------- reads

    async def labels(self, account_id: int) -> list[Label]:
        return await self.db.read(
            lambda c: [
                _row_to_label(r)
                for r in c.execute(
                    f"SELECT {_LABEL_COLUMNS} FROM labels WHERE account_id=? ORDER BY id", (account_id,)
                )
            ]
        )

    async def highest_modseq(self, account_id: int) -> int:
        def fn(conn: sqlite3.Connection) -> int:
            row = conn.execute("SELECT modseq FROM accounts WHERE id=?", (account_id,)).fetchone()
            if row is None:
                raise AccountNotFound("no such account")
            return int(row[0])

        return await self.db.read(fn)

    def _check_label(self, conn: sqlite3.Connection, account_id: int, label_id: int) -> None:
        if not conn.execute("SELECT 1 FROM labels WHERE id=? AND account_id=?", (label_id, account_id)).fetchone():
            raise LabelNotFound("no such label")

    async def label_uids(self, account_id: int, label_id: int) -> list[tuple[int, int]]:
        def fn(conn: sqlite3.Connection) -> list[tuple[int, int]]:
            self._check_label(conn, account_id, label_id)
            return conn.execute(
                "SELECT uid, message_id FROM memberships WHERE label_id=? ORDER BY uid", (label_id,)
            ).fetchall()

        return await self.db.read(fn)

    @staticmethod
    def _metas(conn: sqlite3.Connection, rows: list[tuple[Any, ...]], uid_of: dict[int, int] | None) -> list[MessageMeta]:
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
                    flags=_flags_set(r[3]),
                    label_ids=_label_set(r[20]),
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

    async def fetch_label(
        self, account_id: int, label_id: int, uid_min: int = 1, uid_max: int | None = None
    ) -> list[MessageMeta]:
        def fn(conn: sqlite3.Connection) -> list[MessageMeta]:
            self._check_label(conn, account_id, label_id)
            rows = conn.execute(
                f"SELECT ms.uid, {_MSG_COLUMNS} FROM memberships ms JOIN messages m ON m.id=ms.message_id"
                " WHERE ms.label_id=? AND ms.uid BETWEEN ? AND ? ORDER BY ms.uid",
                (label_id, uid_min, uid_max if uid_max is not None else 2**62),
            ).fetchall()
            uid_of = {r[1]: r[0] for r in rows}
            return self._metas(conn, [r[1:] for r in rows], uid_of)

        return await self.db.read(fn)

    async def find_in_label(self, account_id: int, label_id: int, header_id: str) -> tuple[int, int, int] | None:
        def fn(conn: sqlite3.Connection) -> tuple[int, int, int] | None:
            row = conn.execute(
                "SELECT m.id, m.thread_id, ms.uid FROM messages m JOIN memberships ms"
                " ON ms.message_id=m.id AND ms.label_id=? WHERE m.account_id=? AND m.message_id=?"
                " ORDER BY m.id DESC LIMIT 1",
                (label_id, account_id, header_id),
            ).fetchone()
            return (int(row[0]), int(row[1]), int(row[2])) if row else None

        return await self.db.read(fn)

    async def blobs_referenced(self, refs: Sequence[str]) -> set[str]:
        def fn(conn: sqlite3.Connection) -> set[str]:
            found: set[str] = set()
            for i in range(0, len(refs), 500):
                chunk = list(refs[i : i + 500])
                marks = ",".join("?" * len(chunk))
                found.update(r[0] for r in conn.execute(f"SELECT DISTINCT blob FROM messages WHERE blob IN ({marks})", chunk))
            return found

        return await self.db.read(fn)

    async def label_versions(
        self, account_id: int, label_id: int, uid_min: int = 1, uid_max: int | None = None
    ) -> list[tuple[int, int, int]]:
        def fn(conn: sqlite3.Connection) -> list[tuple[int, int, int]]:
            self._check_label(conn, account_id, label_id)
            return conn.execute(
                "SELECT ms.uid, ms.message_id, m.modseq FROM memberships ms JOIN messages m ON m.id=ms.message_id"
                " WHERE ms.label_id=? AND ms.uid BETWEEN ? AND ? ORDER BY ms.uid",
                (label_id, uid_min, uid_max if uid_max is not None else 2**62),
            ).fetchall()

        return await self.db.read(fn)

    async def fetch_label_uids(self, account_id: int, label_id: int, uids: Sequence[int]) -> list[MessageMeta]:
        def fn(conn: sqlite3.Connection) -> list[MessageMeta]:
            self._check_label(conn, account_id, label_id)
            rows: list[tuple[Any, ...]] = []
            for chunk in _chunks(list(uids), 900):
                marks = ",".join("?" * len(chunk))
                rows.extend(
                    conn.execute(
                        f"SELECT ms.uid, {_MSG_COLUMNS} FROM memberships ms JOIN messages m ON m.id=ms.message_id"
                        f" WHERE ms.label_id=? AND ms.uid IN ({marks})",
                        (label_id, *chunk),
                    ).fetchall()
                )
            rows.sort(key=lambda r: r[0])
            return self._metas(conn, [r[1:] for r in rows], {r[1]: r[0] for r in rows})

        return await self.db.read(fn)

    async def fetch_messages(self, account_id: int, message_ids: Sequence[int]) -> list[MessageMeta]:
        def fn(conn: sqlite3.Connection) -> list[MessageMeta]:
            rows: list[tuple[Any, ...]] = []
            for chunk in _chunks(list(dict.fromkeys(message_ids)), 900):
                marks = ",".join("?" * len(chunk))
                rows.extend(
                    conn.execute(
                        f"SELECT {_MSG_COLUMNS} FROM messages m WHERE m.account_id=? AND m.id IN ({marks})",
                        (account_id, *chunk),
                    ).fetchall()
                )
            order = {mid: i for i, mid in enumerate(message_ids)}
            rows.sort(key=lambda r: order.get(r[0], 0))
            return self._metas(conn, rows, None)

        return await self.db.read(fn)

    async def changes_since(self, account_id: int, label_id: int, modseq: int) -> Changes:
        def fn(conn: sqlite3.Connection) -> Changes:
            row = conn.execute(
                "SELECT highest_modseq FROM labels WHERE id=? AND account_id=?", (label_id, account_id)
            ).fetchone()
            if row is None:
                raise LabelNotFound("no such label")
            rows = conn.execute(
                f"SELECT ms.uid, {_MSG_COLUMNS} FROM memberships ms JOIN messages m ON m.id=ms.message_id"
                " WHERE ms.label_id=? AND m.modseq>? ORDER BY ms.uid",
                (label_id, modseq),
            ).fetchall()
            uid_of = {r[1]: r[0] for r in rows}
            vanished = [
                r[0]
                for r in conn.execute(
                    "SELECT uid FROM vanished WHERE label_id=? AND modseq>? ORDER BY uid", (label_id, modseq)
                )
            ]
            return Changes(label_id, int(row[0]), self._metas(conn, [r[1:] for r in rows], uid_of), vanished)

        return await self.db.read(fn)

    @staticmethod
    def _summaries(rows: list[tuple[Any, ...]]) -> list[ThreadSummary]:
        return [
            ThreadSummary(
                id=r[0],
                account_id=r[1],
                subject=r[2],
                snippet=r[3],
                participants=_dec_addrs(json.loads(r[4])),
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

    _THREAD_COLUMNS = (
        "t.id, t.account_id, t.subject, t.snippet, t.participants, t.message_count, t.unread_count,"
        " t.has_attachment, t.label_ids, t.last_date, t.modseq, t.flagged"
    )

    async def threads(
        self, account_id: int, label_id: int | None, cursor: str | None, limit: int
    ) -> ThreadPage:
        after = _decode_cursor(cursor)

        def fn(conn: sqlite3.Connection) -> ThreadPage:
            if label_id is not None:
                self._check_label(conn, account_id, label_id)
                table, key, key_value = "thread_labels", "label_id", label_id
            else:
                table, key, key_value = "thread_all", "account_id", account_id
            params: list[Any] = [key_value]
            where = f"x.{key}=?"
            if after is not None:
                where += " AND (x.last_date < ? OR (x.last_date = ? AND x.thread_id < ?))"
                params += [after[0], after[0], after[1]]
            rows = conn.execute(
                f"SELECT {self._THREAD_COLUMNS} FROM {table} x JOIN threads t ON t.id=x.thread_id"
                f" WHERE {where} ORDER BY x.last_date DESC, x.thread_id DESC LIMIT ?",
                (*params, limit + 1),
            ).fetchall()
            total = conn.execute(f"SELECT count(*) FROM {table} WHERE {key}=?", (key_value,)).fetchone()[0]
            more = len(rows) > limit
            rows = rows[:limit]
            summaries = self._summaries(rows)
            next_cursor = _encode_cursor(summaries[-1].last_date, summaries[-1].id) if more and summaries else None
            return ThreadPage(summaries, next_cursor, total)

        return await self.db.read(fn)

    async def thread_summaries(self, account_id: int, thread_ids: Sequence[int]) -> list[ThreadSummary]:
        def fn(conn: sqlite3.Connection) -> list[ThreadSummary]:
            ids = list(dict.fromkeys(thread_ids))
            rows: list[tuple[Any, ...]] = []
            for chunk in _chunks(ids, 900):
                marks = ",".join("?" * len(chunk))
                rows.extend(
                    conn.execute(
                        f"SELECT {self._THREAD_COLUMNS} FROM threads t WHERE t.account_id=? AND t.id IN ({marks})",
                        (account_id, *chunk),
                    ).fetchall()
                )
            order = {tid: i for i, tid in enumerate(ids)}
            rows.sort(key=lambda r: order[r[0]])
            return self._summaries(rows)

        return await self.db.read(fn)

    async def thread(self, account_id: int, thread_id: int) -> Thread | None:
        def fn(conn: sqlite3.Connection) -> Thread | None:
            row = conn.execute(
                f"SELECT {self._THREAD_COLUMNS} FROM threads t WHERE t.id=? AND t.account_id=?",
                (thread_id, account_id),
            ).fetchone()
            if row is None:
                return None
            rows = conn.execute(
                f"SELECT {_MSG_COLUMNS} FROM messages m WHERE m.thread_id=? AND m.account_id=?"
                " ORDER BY m.internal_date, m.id",
                (thread_id, account_id),
            ).fetchall()
            return Thread(self._summaries([row])[0], self._metas(conn, rows, None))

        return await self.db.read(fn)

    async def account_changes(self, account_id: int, since_modseq: int, limit: int) -> list[tuple[int, int]]:
        return await self.db.read(
            lambda c: c.execute(
                "SELECT id, modseq FROM messages WHERE account_id=? AND modseq>? ORDER BY modseq LIMIT ?",
                (account_id, since_modseq, limit),
            ).fetchall()
        )

    def _count_contacts(self, tx: _Tx, r: MessageRecord, label_ids: list[int]) -> None:
        roles = tx.label_roles()
        tx.conn.executemany(
            "INSERT INTO contacts(account_id, address, name, sent, received, last_date) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT(account_id, address) DO UPDATE SET name=coalesce(excluded.name, contacts.name),"
            " sent=contacts.sent+excluded.sent, received=contacts.received+excluded.received,"
            " last_date=max(contacts.last_date, excluded.last_date)",
            [
                (tx.account_id, hit.address, hit.name, hit.sent, hit.received, hit.date)
                for hit in rules.contact_hits(r, (roles.get(lid) for lid in label_ids))
            ],
        )

    async def contacts(self, account_id: int, prefix: str) -> list[rules.ContactRow]:
        like = _like_prefix(prefix.strip().lower())

        def fn(conn: sqlite3.Connection) -> list[rules.ContactRow]:
            return [
                rules.ContactRow(*row)
                for row in conn.execute(
                    "SELECT name, address, sent, received, last_date FROM contacts WHERE account_id=?"
                    " AND (address LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\'"
                    " OR lower(name) LIKE ? ESCAPE '\\')",
                    (account_id, like, like, "% " + like),
                )
            ]

        return await self.db.read(fn)

    async def message_stats(self, account_id: int) -> list[rules.MessageStat]:
        def fn(conn: sqlite3.Connection) -> list[rules.MessageStat]:
            return [
                rules.MessageStat(thread_id, date, size, _label_set(labels))
                for thread_id, date, size, labels in conn.execute(
                    "SELECT thread_id, internal_date, size, labels FROM messages WHERE account_id=?", (account_id,)
                )
            ]

        return await self.db.read(fn)

    # -------------------------------------------------------- index outbox

    async def index_pending(self, limit: int) -> list[tuple[int, int, str, int]]:
        return await self.db.read(
            lambda c: c.execute(
                "SELECT message_id, account_id, kind, seq FROM index_pending ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        )

    async def index_backlog(self) -> tuple[int | None, int | None]:
        def fn(conn: sqlite3.Connection) -> tuple[int | None, int | None]:
            low, high = conn.execute("SELECT min(seq), max(seq) FROM index_pending").fetchone()
            return low, high

        return await self.db.read(fn)

    async def index_done(self, entries: Sequence[tuple[int, int]]) -> None:
        def fn(conn: sqlite3.Connection) -> None:
            conn.executemany("DELETE FROM index_pending WHERE message_id=? AND seq<=?", entries)

        # losing this in a crash only makes the indexer index those messages again
        await self.db.write(fn, durable=False)


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _encode_cursor(last_date: float, thread_id: int) -> str:
    return base64.urlsafe_b64encode(f"{last_date!r}:{thread_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[float, int] | None:
    if not cursor:
        return None
    from mailcore.errors import InvalidArgument

    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        date_text, _, tid = text.partition(":")
        return float(date_text), int(tid)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArgument("malformed cursor") from exc
