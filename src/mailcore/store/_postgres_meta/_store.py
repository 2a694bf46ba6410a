"""The MetaStore on PostgreSQL, for installations that outgrow one machine.

Several engines (processes, nodes) share one database. A commit is an
acknowledgement to a user, so every write transaction has committed when it
returns. UIDs, MODSEQs and thread ids are allocated inside the write
transaction, under a lock on the account's row.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Sequence
from typing import Any

import asyncpg

from mailcore import rules
from mailcore._bridge import Bridge
from mailcore.errors import (
    AccountNotFound,
    AlreadyExists,
    DomainNotFound,
    LabelNotFound,
    PermissionDenied,
    Unavailable,
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
from mailcore.store._postgres import PgConn, PgDatabase
from mailcore.store._postgres_meta._apply import apply_batches, new_uidvalidity
from mailcore.store._postgres_meta._schema import META_SCHEMA
from mailcore.store._postgres_migrations import bring_up_to_date
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
from mailcore.store.meta import (
    Mutation,
    Outcome,
)


class PostgresMetaStore:
    """MetaStore on a PostgreSQL database (one schema of it), through the bridge."""

    #: Write transactions the engine overlaps. Each spends most of its time
    #: waiting for round trips, so a few in flight keep the server busy; they
    #: lock their accounts in id order, so they never deadlock.
    write_concurrency = 4

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    @classmethod
    async def open(
        cls, bridge: Bridge, dsn: str, *, schema: str | None = None, migrate: str = "auto"
    ) -> PostgresMetaStore:
        """Connect and bring the tables up to date (:data:`META_SCHEMA`): apply
        the pending migrations (``migrate="auto"``), or raise
        :class:`~mailcore.errors.SchemaOutdated` if any is pending (``"manual"``)."""
        db = await PgDatabase.open(bridge, dsn, schema=schema)
        try:
            await bring_up_to_date(db, [META_SCHEMA], migrate)
        except BaseException:
            await db.aclose()
            raise
        return cls(db)

    async def aclose(self) -> None:
        await self.db.aclose()

    # ------------------------------------------------------------ domains

    async def add_domain(self, name: str) -> None:
        async def fn(conn: PgConn) -> None:
            try:
                await conn.execute("INSERT INTO domains(name, created) VALUES (?,?)", (name, time.time()))
            except asyncpg.UniqueViolationError as exc:
                raise AlreadyExists(f"domain {name} exists") from exc

        await self.db.write(fn)

    async def list_domains(self) -> list[str]:
        async def fn(conn: PgConn) -> list[str]:
            return [r[0] for r in await conn.fetchall("SELECT name FROM domains ORDER BY name")]

        return await self.db.read(fn)

    async def remove_domain(self, name: str) -> None:
        async def fn(conn: PgConn) -> None:
            if (await conn.fetchone("SELECT 1 FROM accounts WHERE domain=? LIMIT 1", (name,))):
                raise PermissionDenied(f"domain {name} still has accounts")
            if (await conn.execute("DELETE FROM domains WHERE name=?", (name,))).rowcount == 0:
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

        async def fn(conn: PgConn) -> Account:
            if not (await conn.fetchone("SELECT 1 FROM domains WHERE name=?", (domain,))):
                raise DomainNotFound(f"{domain} is not a local domain (add it first)")
            if (await conn.fetchone("SELECT 1 FROM aliases WHERE address=?", (address,))):
                raise AlreadyExists(f"{address} is an alias")
            now = time.time()
            try:
                account_id = (await conn.fetchone(
                    "INSERT INTO accounts(address, domain, password_hash, display_name, created)"
                    " VALUES (?,?,?,?,?) RETURNING id",
                    (address, domain, password_hash, display_name, now),
                ))[0]
            except asyncpg.UniqueViolationError as exc:
                raise AlreadyExists(f"account {address} exists") from exc
            for name, role in labels:
                await conn.execute(
                    "INSERT INTO labels(account_id, name, role, uidvalidity) VALUES (?,?,?,?)",
                    (account_id, name, role.value, await new_uidvalidity(conn)),
                )
            return Account(account_id, address, display_name, now, {})

        return await self.db.write(fn)

    async def get_account(self, address: str) -> Account | None:
        async def fn(conn: PgConn) -> Account | None:
            row = (await conn.fetchone(
                "SELECT id, address, display_name, created, settings FROM accounts WHERE address=?",
                (address,),
            ))
            return row_to_account(row) if row else None

        return await self.db.read(fn)

    async def get_account_by_id(self, account_id: int) -> Account | None:
        async def fn(conn: PgConn) -> Account | None:
            row = (await conn.fetchone(
                "SELECT id, address, display_name, created, settings FROM accounts WHERE id=?",
                (account_id,),
            ))
            return row_to_account(row) if row else None

        return await self.db.read(fn)

    async def list_accounts(self) -> list[Account]:
        async def fn(c: PgConn) -> list[Account]:
            return [
                row_to_account(r)
                for r in (await c.fetchall(
                    "SELECT id, address, display_name, created, settings FROM accounts ORDER BY address"
                ))
            ]

        return await self.db.read(fn)

    async def password_hash(self, account_id: int) -> str | None:
        async def fn(conn: PgConn) -> str | None:
            row = (await conn.fetchone("SELECT password_hash FROM accounts WHERE id=?", (account_id,)))
            return row[0] if row else None

        return await self.db.read(fn)

    async def set_password_hash(self, account_id: int, password_hash: str) -> None:
        async def fn(conn: PgConn) -> None:
            if (await conn.execute(
                "UPDATE accounts SET password_hash=? WHERE id=?", (password_hash, account_id)
            )).rowcount == 0:
                raise AccountNotFound("no such account")

        await self.db.write(fn)

    async def update_account(
        self, account_id: int, display_name: str | None, settings: dict[str, object]
    ) -> Account:
        async def fn(conn: PgConn) -> Account:
            row = (await conn.fetchone(
                "UPDATE accounts SET display_name=?, settings=? WHERE id=?"
                " RETURNING id, address, display_name, created, settings",
                (display_name, json.dumps(settings), account_id),
            ))
            if row is None:
                raise AccountNotFound("no such account")
            return row_to_account(row)

        return await self.db.write(fn)

    async def delete_account(self, account_id: int) -> list[str]:
        async def fn(conn: PgConn) -> list[str]:
            if not (await conn.fetchone("SELECT 1 FROM accounts WHERE id=?", (account_id,))):
                raise AccountNotFound("no such account")
            blobs = [r[0] for r in (await conn.fetchall("SELECT DISTINCT blob FROM messages WHERE account_id=?", (account_id,)))]
            label_ids = [r[0] for r in (await conn.fetchall("SELECT id FROM labels WHERE account_id=?", (account_id,)))]
            for lid in label_ids:
                await conn.execute("DELETE FROM memberships WHERE label_id=?", (lid,))
                await conn.execute("DELETE FROM vanished WHERE label_id=?", (lid,))
                await conn.execute("DELETE FROM thread_labels WHERE label_id=?", (lid,))
            await conn.execute("DELETE FROM thread_all WHERE account_id=?", (account_id,))
            await conn.execute("DELETE FROM messages WHERE account_id=?", (account_id,))
            await conn.execute("DELETE FROM threads WHERE account_id=?", (account_id,))
            await conn.execute("DELETE FROM msgids WHERE account_id=?", (account_id,))
            await conn.execute("DELETE FROM contacts WHERE account_id=?", (account_id,))
            await conn.execute("DELETE FROM index_pending WHERE account_id=?", (account_id,))
            await conn.execute("DELETE FROM labels WHERE account_id=?", (account_id,))
            await conn.execute("DELETE FROM aliases WHERE account_id=?", (account_id,))
            await conn.execute("DELETE FROM accounts WHERE id=?", (account_id,))
            return [b for b in blobs if not (await conn.fetchone("SELECT 1 FROM messages WHERE blob=? LIMIT 1", (b,)))]

        return await self.db.write(fn)

    async def add_alias(self, alias: str, account_id: int) -> None:
        domain = alias.rpartition("@")[2]

        async def fn(conn: PgConn) -> None:
            if not (await conn.fetchone("SELECT 1 FROM domains WHERE name=?", (domain,))):
                raise DomainNotFound(f"{domain} is not a local domain")
            if (await conn.fetchone("SELECT 1 FROM accounts WHERE address=?", (alias,))):
                raise AlreadyExists(f"{alias} is an account")
            if not (await conn.fetchone("SELECT 1 FROM accounts WHERE id=?", (account_id,))):
                raise AccountNotFound("no such account")
            try:
                await conn.execute("INSERT INTO aliases(address, account_id) VALUES (?,?)", (alias, account_id))
            except asyncpg.UniqueViolationError as exc:
                raise AlreadyExists(f"alias {alias} exists") from exc

        await self.db.write(fn)

    async def remove_alias(self, alias: str) -> None:
        async def fn(conn: PgConn) -> None:
            if (await conn.execute("DELETE FROM aliases WHERE address=?", (alias,))).rowcount == 0:
                raise AccountNotFound(f"no such alias: {alias}")

        await self.db.write(fn)

    async def list_aliases(self, account_id: int | None = None) -> list[tuple[str, int]]:
        async def fn(conn: PgConn) -> list[tuple[str, int]]:
            if account_id is None:
                rows = (await conn.fetchall("SELECT address, account_id FROM aliases ORDER BY address"))
            else:
                rows = (await conn.fetchall(
                    "SELECT address, account_id FROM aliases WHERE account_id=? ORDER BY address", (account_id,)
                ))
            return [(r[0], r[1]) for r in rows]

        return await self.db.read(fn)

    async def resolve_address(self, address: str) -> int | None:
        async def fn(conn: PgConn) -> int | None:
            row = (await conn.fetchone("SELECT id FROM accounts WHERE address=?", (address,)))
            if row is None:
                row = (await conn.fetchone("SELECT account_id FROM aliases WHERE address=?", (address,)))
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
        if len(batches) != 1:
            return await self.db.write(functools.partial(apply_batches, batches=batches))
        # one batch needs no savepoint: its failure rolls back the transaction
        try:
            return await self.db.write(functools.partial(apply_batches, batches=batches, isolate=False))
        except Unavailable:
            raise
        except Exception as exc:  # the batch's own error, in its slot
            return [exc]

    # -------------------------------------------------------------- reads

    async def labels(self, account_id: int) -> list[Label]:
        async def fn(c: PgConn) -> list[Label]:
            return [
                row_to_label(r)
                for r in (await c.fetchall(
                    f"SELECT {LABEL_COLUMNS} FROM labels WHERE account_id=? ORDER BY id", (account_id,)
                ))
            ]

        return await self.db.read(fn)

    async def highest_modseq(self, account_id: int) -> int:
        async def fn(conn: PgConn) -> int:
            row = (await conn.fetchone("SELECT modseq FROM accounts WHERE id=?", (account_id,)))
            if row is None:
                raise AccountNotFound("no such account")
            return int(row[0])

        return await self.db.read(fn)

    async def _check_label(self, conn: PgConn, account_id: int, label_id: int) -> None:
        if not (await conn.fetchone("SELECT 1 FROM labels WHERE id=? AND account_id=?", (label_id, account_id))):
            raise LabelNotFound("no such label")

    async def label_uids(self, account_id: int, label_id: int) -> list[tuple[int, int]]:
        async def fn(conn: PgConn) -> list[tuple[int, int]]:
            await self._check_label(conn, account_id, label_id)
            return (await conn.fetchall(
                "SELECT uid, message_id FROM memberships WHERE label_id=? ORDER BY uid", (label_id,)
            ))

        return await self.db.read(fn)

    async def fetch_label(
        self, account_id: int, label_id: int, uid_min: int = 1, uid_max: int | None = None
    ) -> list[MessageMeta]:
        async def fn(conn: PgConn) -> list[MessageMeta]:
            await self._check_label(conn, account_id, label_id)
            rows = (await conn.fetchall(
                f"SELECT ms.uid, {MSG_COLUMNS} FROM memberships ms JOIN messages m ON m.id=ms.message_id"
                " WHERE ms.label_id=? AND ms.uid BETWEEN ? AND ? ORDER BY ms.uid",
                (label_id, uid_min, uid_max if uid_max is not None else 2**62),
            ))
            uid_of = {r[1]: r[0] for r in rows}
            return metas([r[1:] for r in rows], uid_of)

        return await self.db.read(fn)

    async def find_in_label(self, account_id: int, label_id: int, header_id: str) -> tuple[int, int, int] | None:
        async def fn(conn: PgConn) -> tuple[int, int, int] | None:
            row = (await conn.fetchone(
                "SELECT m.id, m.thread_id, ms.uid FROM messages m JOIN memberships ms"
                " ON ms.message_id=m.id AND ms.label_id=? WHERE m.account_id=? AND m.message_id=?"
                " ORDER BY m.id DESC LIMIT 1",
                (label_id, account_id, header_id),
            ))
            return (int(row[0]), int(row[1]), int(row[2])) if row else None

        return await self.db.read(fn)

    async def blobs_referenced(self, refs: Sequence[str]) -> set[str]:
        async def fn(conn: PgConn) -> set[str]:
            found: set[str] = set()
            for i in range(0, len(refs), 500):
                chunk = list(refs[i : i + 500])
                marks = ",".join("?" * len(chunk))
                found.update(r[0] for r in (await conn.fetchall(f"SELECT DISTINCT blob FROM messages WHERE blob IN ({marks})", chunk)))
            return found

        return await self.db.read(fn)

    async def label_versions(
        self, account_id: int, label_id: int, uid_min: int = 1, uid_max: int | None = None
    ) -> list[tuple[int, int, int]]:
        async def fn(conn: PgConn) -> list[tuple[int, int, int]]:
            await self._check_label(conn, account_id, label_id)
            return (await conn.fetchall(
                "SELECT ms.uid, ms.message_id, m.modseq FROM memberships ms JOIN messages m ON m.id=ms.message_id"
                " WHERE ms.label_id=? AND ms.uid BETWEEN ? AND ? ORDER BY ms.uid",
                (label_id, uid_min, uid_max if uid_max is not None else 2**62),
            ))

        return await self.db.read(fn)

    async def fetch_label_uids(self, account_id: int, label_id: int, uids: Sequence[int]) -> list[MessageMeta]:
        async def fn(conn: PgConn) -> list[MessageMeta]:
            await self._check_label(conn, account_id, label_id)
            rows: list[tuple[Any, ...]] = []
            for chunk in chunks(list(uids), 900):
                marks = ",".join("?" * len(chunk))
                rows.extend(
                    await conn.fetchall(
                        f"SELECT ms.uid, {MSG_COLUMNS} FROM memberships ms JOIN messages m ON m.id=ms.message_id"
                        f" WHERE ms.label_id=? AND ms.uid IN ({marks})",
                        (label_id, *chunk),
                    )
                )
            rows.sort(key=lambda r: r[0])
            return metas([r[1:] for r in rows], {r[1]: r[0] for r in rows})

        return await self.db.read(fn)

    async def fetch_messages(self, account_id: int, message_ids: Sequence[int]) -> list[MessageMeta]:
        async def fn(conn: PgConn) -> list[MessageMeta]:
            rows: list[tuple[Any, ...]] = []
            for chunk in chunks(list(dict.fromkeys(message_ids)), 900):
                marks = ",".join("?" * len(chunk))
                rows.extend(
                    await conn.fetchall(
                        f"SELECT {MSG_COLUMNS} FROM messages m WHERE m.account_id=? AND m.id IN ({marks})",
                        (account_id, *chunk),
                    )
                )
            order = {mid: i for i, mid in enumerate(message_ids)}
            rows.sort(key=lambda r: order.get(r[0], 0))
            return metas(rows, None)

        return await self.db.read(fn)

    async def changes_since(self, account_id: int, label_id: int, modseq: int) -> Changes:
        async def fn(conn: PgConn) -> Changes:
            row = (await conn.fetchone(
                "SELECT highest_modseq FROM labels WHERE id=? AND account_id=?", (label_id, account_id)
            ))
            if row is None:
                raise LabelNotFound("no such label")
            rows = (await conn.fetchall(
                f"SELECT ms.uid, {MSG_COLUMNS} FROM memberships ms JOIN messages m ON m.id=ms.message_id"
                " WHERE ms.label_id=? AND m.modseq>? ORDER BY ms.uid",
                (label_id, modseq),
            ))
            uid_of = {r[1]: r[0] for r in rows}
            vanished = [
                r[0]
                for r in (await conn.fetchall(
                    "SELECT uid FROM vanished WHERE label_id=? AND modseq>? ORDER BY uid", (label_id, modseq)
                ))
            ]
            return Changes(label_id, int(row[0]), metas([r[1:] for r in rows], uid_of), vanished)

        return await self.db.read(fn)

    async def threads(
        self, account_id: int, label_id: int | None, cursor: str | None, limit: int
    ) -> ThreadPage:
        after = decode_cursor(cursor)

        async def fn(conn: PgConn) -> ThreadPage:
            if label_id is not None:
                await self._check_label(conn, account_id, label_id)
                table, key, key_value = "thread_labels", "label_id", label_id
            else:
                table, key, key_value = "thread_all", "account_id", account_id
            params: list[Any] = [key_value]
            where = f"x.{key}=?"
            if after is not None:
                where += " AND (x.last_date < ? OR (x.last_date = ? AND x.thread_id < ?))"
                params += [after[0], after[0], after[1]]
            rows = (await conn.fetchall(
                f"SELECT {THREAD_COLUMNS} FROM {table} x JOIN threads t ON t.id=x.thread_id"
                f" WHERE {where} ORDER BY x.last_date DESC, x.thread_id DESC LIMIT ?",
                (*params, limit + 1),
            ))
            total = (await conn.fetchone(f"SELECT count(*) FROM {table} WHERE {key}=?", (key_value,)))[0]
            more = len(rows) > limit
            rows = rows[:limit]
            page = summaries(rows)
            next_cursor = encode_cursor(page[-1].last_date, page[-1].id) if more and page else None
            return ThreadPage(page, next_cursor, total)

        return await self.db.read(fn)

    async def thread_summaries(self, account_id: int, thread_ids: Sequence[int]) -> list[ThreadSummary]:
        async def fn(conn: PgConn) -> list[ThreadSummary]:
            ids = list(dict.fromkeys(thread_ids))
            rows: list[tuple[Any, ...]] = []
            for chunk in chunks(ids, 900):
                marks = ",".join("?" * len(chunk))
                rows.extend(
                    await conn.fetchall(
                        f"SELECT {THREAD_COLUMNS} FROM threads t WHERE t.account_id=? AND t.id IN ({marks})",
                        (account_id, *chunk),
                    )
                )
            order = {tid: i for i, tid in enumerate(ids)}
            rows.sort(key=lambda r: order[r[0]])
            return summaries(rows)

        return await self.db.read(fn)

    async def thread(self, account_id: int, thread_id: int) -> Thread | None:
        async def fn(conn: PgConn) -> Thread | None:
            row = (await conn.fetchone(
                f"SELECT {THREAD_COLUMNS} FROM threads t WHERE t.id=? AND t.account_id=?",
                (thread_id, account_id),
            ))
            if row is None:
                return None
            rows = (await conn.fetchall(
                f"SELECT {MSG_COLUMNS} FROM messages m WHERE m.thread_id=? AND m.account_id=?"
                " ORDER BY m.internal_date, m.id",
                (thread_id, account_id),
            ))
            return Thread(summaries([row])[0], metas(rows, None))

        return await self.db.read(fn)

    async def account_changes(self, account_id: int, since_modseq: int, limit: int) -> list[tuple[int, int]]:
        async def fn(c: PgConn) -> list[tuple[int, int]]:
            return (await c.fetchall(
                "SELECT id, modseq FROM messages WHERE account_id=? AND modseq>? ORDER BY modseq LIMIT ?",
                (account_id, since_modseq, limit),
            ))

        return await self.db.read(fn)

    async def contacts(self, account_id: int, prefix: str) -> list[rules.ContactRow]:
        like = like_prefix(prefix.strip().lower())

        async def fn(conn: PgConn) -> list[rules.ContactRow]:
            return [
                rules.ContactRow(*row)
                for row in (await conn.fetchall(
                    "SELECT name, address, sent, received, last_date FROM contacts WHERE account_id=?"
                    " AND (address LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\'"
                    " OR lower(name) LIKE ? ESCAPE '\\')",
                    (account_id, like, like, "% " + like),
                ))
            ]

        return await self.db.read(fn)

    async def message_stats(self, account_id: int) -> list[rules.MessageStat]:
        async def fn(conn: PgConn) -> list[rules.MessageStat]:
            return [
                rules.MessageStat(thread_id, date, size, label_set(labels))
                for thread_id, date, size, labels in (await conn.fetchall(
                    "SELECT thread_id, internal_date, size, labels FROM messages WHERE account_id=?", (account_id,)
                ))
            ]

        return await self.db.read(fn)

    # -------------------------------------------------------- index outbox

    async def index_pending(self, limit: int) -> list[tuple[int, int, str, int]]:
        async def fn(c: PgConn) -> list[tuple[int, int, str, int]]:
            return (await c.fetchall(
                "SELECT message_id, account_id, kind, seq FROM index_pending ORDER BY seq LIMIT ?", (limit,)
            ))

        return await self.db.read(fn)

    async def index_backlog(self) -> tuple[int | None, int | None]:
        async def fn(conn: PgConn) -> tuple[int | None, int | None]:
            low, high = (await conn.fetchone("SELECT min(seq), max(seq) FROM index_pending"))
            return low, high

        return await self.db.read(fn)

    async def index_done(self, entries: Sequence[tuple[int, int]]) -> None:
        async def fn(conn: PgConn) -> None:
            (await conn.executemany("DELETE FROM index_pending WHERE message_id=? AND seq<=?", entries))

        # losing this in a crash only makes the indexer index those messages again
        await self.db.write(fn, durable=False)


