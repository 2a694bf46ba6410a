"""The embedded MetaStore: SQLite in WAL mode with ``synchronous=FULL``.

A commit here is an acknowledgement to a user (SMTP 250, IMAP OK), so every
write transaction is durable when it returns. UIDs, MODSEQs and thread ids
are allocated inside the write transaction.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
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
    Changes,
    Label,
    LabelRole,
    MessageMeta,
    Thread,
    ThreadPage,
    ThreadSummary,
)
from mailcore.store._rows import (
    LABEL_COLUMNS,
    MSG_COLUMNS,
    THREAD_COLUMNS,
    chunks,
    decode_cursor,
    encode_cursor,
    label_set,
    like_prefix,
    metas,
    row_to_account,
    row_to_label,
    summaries,
)
from mailcore.store._sqlite import SQLiteDatabase
from mailcore.store._sqlite_meta._apply import apply_batches, new_uidvalidity
from mailcore.store._sqlite_meta._schema import SCHEMA
from mailcore.store.meta import (
    Mutation,
    Outcome,
)


class SQLiteMetaStore:
    """MetaStore on one SQLite file (``meta.db`` in the data directory)."""

    #: SQLite has one writer at a time; group commit is what makes it fast.
    write_concurrency = 1

    def __init__(self, path: Path | str, *, readers: int = 3) -> None:
        self.db = SQLiteDatabase(path, synchronous="FULL", readers=readers, schema=SCHEMA)

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
                    (account_id, name, role.value, new_uidvalidity(conn)),
                )
            return Account(account_id, address, display_name, now, {})

        return await self.db.write(fn)

    async def get_account(self, address: str) -> Account | None:
        def fn(conn: sqlite3.Connection) -> Account | None:
            row = conn.execute(
                "SELECT id, address, display_name, created, settings FROM accounts WHERE address=?",
                (address,),
            ).fetchone()
            return row_to_account(row) if row else None

        return await self.db.read(fn)

    async def get_account_by_id(self, account_id: int) -> Account | None:
        def fn(conn: sqlite3.Connection) -> Account | None:
            row = conn.execute(
                "SELECT id, address, display_name, created, settings FROM accounts WHERE id=?",
                (account_id,),
            ).fetchone()
            return row_to_account(row) if row else None

        return await self.db.read(fn)

    async def list_accounts(self) -> list[Account]:
        return await self.db.read(
            lambda c: [
                row_to_account(r)
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
            return row_to_account(row)

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
        return await self.db.write(lambda conn: apply_batches(conn, batches))

    # -------------------------------------------------------------- reads

    async def labels(self, account_id: int) -> list[Label]:
        return await self.db.read(
            lambda c: [
                row_to_label(r)
                for r in c.execute(
                    f"SELECT {LABEL_COLUMNS} FROM labels WHERE account_id=? ORDER BY id", (account_id,)
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

    async def fetch_label(
        self, account_id: int, label_id: int, uid_min: int = 1, uid_max: int | None = None
    ) -> list[MessageMeta]:
        def fn(conn: sqlite3.Connection) -> list[MessageMeta]:
            self._check_label(conn, account_id, label_id)
            rows = conn.execute(
                f"SELECT ms.uid, {MSG_COLUMNS} FROM memberships ms JOIN messages m ON m.id=ms.message_id"
                " WHERE ms.label_id=? AND ms.uid BETWEEN ? AND ? ORDER BY ms.uid",
                (label_id, uid_min, uid_max if uid_max is not None else 2**62),
            ).fetchall()
            uid_of = {r[1]: r[0] for r in rows}
            return metas([r[1:] for r in rows], uid_of)

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
            for chunk in chunks(list(uids), 900):
                marks = ",".join("?" * len(chunk))
                rows.extend(
                    conn.execute(
                        f"SELECT ms.uid, {MSG_COLUMNS} FROM memberships ms JOIN messages m ON m.id=ms.message_id"
                        f" WHERE ms.label_id=? AND ms.uid IN ({marks})",
                        (label_id, *chunk),
                    ).fetchall()
                )
            rows.sort(key=lambda r: r[0])
            return metas([r[1:] for r in rows], {r[1]: r[0] for r in rows})

        return await self.db.read(fn)

    async def fetch_messages(self, account_id: int, message_ids: Sequence[int]) -> list[MessageMeta]:
        def fn(conn: sqlite3.Connection) -> list[MessageMeta]:
            rows: list[tuple[Any, ...]] = []
            for chunk in chunks(list(dict.fromkeys(message_ids)), 900):
                marks = ",".join("?" * len(chunk))
                rows.extend(
                    conn.execute(
                        f"SELECT {MSG_COLUMNS} FROM messages m WHERE m.account_id=? AND m.id IN ({marks})",
                        (account_id, *chunk),
                    ).fetchall()
                )
            order = {mid: i for i, mid in enumerate(message_ids)}
            rows.sort(key=lambda r: order.get(r[0], 0))
            return metas(rows, None)

        return await self.db.read(fn)

    async def changes_since(self, account_id: int, label_id: int, modseq: int) -> Changes:
        def fn(conn: sqlite3.Connection) -> Changes:
            row = conn.execute(
                "SELECT highest_modseq FROM labels WHERE id=? AND account_id=?", (label_id, account_id)
            ).fetchone()
            if row is None:
                raise LabelNotFound("no such label")
            rows = conn.execute(
                f"SELECT ms.uid, {MSG_COLUMNS} FROM memberships ms JOIN messages m ON m.id=ms.message_id"
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
            return Changes(label_id, int(row[0]), metas([r[1:] for r in rows], uid_of), vanished)

        return await self.db.read(fn)

    async def threads(
        self, account_id: int, label_id: int | None, cursor: str | None, limit: int
    ) -> ThreadPage:
        after = decode_cursor(cursor)

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
                f"SELECT {THREAD_COLUMNS} FROM {table} x JOIN threads t ON t.id=x.thread_id"
                f" WHERE {where} ORDER BY x.last_date DESC, x.thread_id DESC LIMIT ?",
                (*params, limit + 1),
            ).fetchall()
            total = conn.execute(f"SELECT count(*) FROM {table} WHERE {key}=?", (key_value,)).fetchone()[0]
            more = len(rows) > limit
            rows = rows[:limit]
            page = summaries(rows)
            next_cursor = encode_cursor(page[-1].last_date, page[-1].id) if more and page else None
            return ThreadPage(page, next_cursor, total)

        return await self.db.read(fn)

    async def thread_summaries(self, account_id: int, thread_ids: Sequence[int]) -> list[ThreadSummary]:
        def fn(conn: sqlite3.Connection) -> list[ThreadSummary]:
            ids = list(dict.fromkeys(thread_ids))
            rows: list[tuple[Any, ...]] = []
            for chunk in chunks(ids, 900):
                marks = ",".join("?" * len(chunk))
                rows.extend(
                    conn.execute(
                        f"SELECT {THREAD_COLUMNS} FROM threads t WHERE t.account_id=? AND t.id IN ({marks})",
                        (account_id, *chunk),
                    ).fetchall()
                )
            order = {tid: i for i, tid in enumerate(ids)}
            rows.sort(key=lambda r: order[r[0]])
            return summaries(rows)

        return await self.db.read(fn)

    async def thread(self, account_id: int, thread_id: int) -> Thread | None:
        def fn(conn: sqlite3.Connection) -> Thread | None:
            row = conn.execute(
                f"SELECT {THREAD_COLUMNS} FROM threads t WHERE t.id=? AND t.account_id=?",
                (thread_id, account_id),
            ).fetchone()
            if row is None:
                return None
            rows = conn.execute(
                f"SELECT {MSG_COLUMNS} FROM messages m WHERE m.thread_id=? AND m.account_id=?"
                " ORDER BY m.internal_date, m.id",
                (thread_id, account_id),
            ).fetchall()
            return Thread(summaries([row])[0], metas(rows, None))

        return await self.db.read(fn)

    async def account_changes(self, account_id: int, since_modseq: int, limit: int) -> list[tuple[int, int]]:
        return await self.db.read(
            lambda c: c.execute(
                "SELECT id, modseq FROM messages WHERE account_id=? AND modseq>? ORDER BY modseq LIMIT ?",
                (account_id, since_modseq, limit),
            ).fetchall()
        )

    async def contacts(self, account_id: int, prefix: str) -> list[rules.ContactRow]:
        like = like_prefix(prefix.strip().lower())

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
                rules.MessageStat(thread_id, date, size, label_set(labels))
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


