"""The write path of the PostgreSQL MetaStore: one account's batch of mutations
inside the write transaction, UIDs and MODSEQs allocated here.

The account's row is locked first (``FOR UPDATE``), so batches of one account
from several engines (nodes) are serialised by the database: MODSEQs never go
backwards and a UID is never handed out twice.

Decisions about mail (which thread, which labels a rename moves, who is a
correspondent) come from :mod:`mailcore.rules`; this module only stores them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

from mailcore import rules
from mailcore.errors import (
    AccountNotFound,
    LabelNotFound,
    StoreError,
)
from mailcore.model import (
    Label,
)
from mailcore.store._postgres import PgConn
from mailcore.store._rows import (
    LABEL_COLUMNS,
    addrs_json,
    attachments_json,
    dec_addrs,
    flags_set,
    flags_text,
    label_set,
    row_to_label,
)
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


class Tx:
    """The state of one account's batch inside a write transaction."""

    def __init__(
        self, conn: PgConn, account_id: int, modseq: int, label_roles: dict[int, str | None] | None = None
    ) -> None:
        self.conn = conn
        self.account_id = account_id
        self.modseq = modseq
        self.touched_threads: dict[int, int] = {}
        self._label_roles = label_roles

    def next_modseq(self) -> int:
        self.modseq += 1
        return self.modseq

    def give_back(self, modseq: int) -> int:
        """Return the MODSEQ of a mutation that changed nothing, so that the
        account's highest MODSEQ moves only with a change that an event tells."""
        if modseq == self.modseq:
            self.modseq -= 1
        return self.modseq

    async def label_roles(self) -> dict[int, str | None]:
        """This account's label ids and roles, read once per batch."""
        if self._label_roles is None:
            self._label_roles = dict(
                await self.conn.fetchall("SELECT id, role FROM labels WHERE account_id=?", (self.account_id,))
            )
        return self._label_roles

    async def next_index_seq(self) -> int:
        row = await self.conn.fetchone("SELECT nextval('index_seq')")
        assert row is not None
        return int(row[0])

    async def finish(self) -> None:
        if self.touched_threads:
            await refresh_threads(self.conn, self.account_id, self.touched_threads, self.modseq)
        else:
            await self.conn.execute("UPDATE accounts SET modseq=? WHERE id=?", (self.modseq, self.account_id))

    # -- helpers

    async def own_messages(self, message_ids: Sequence[int]) -> list[tuple[int, int, str, int]]:
        """(id, thread_id, flags, seen) of the given ids that belong to this account."""
        return await self.conn.fetchall(
            "SELECT id, thread_id, flags, seen FROM messages WHERE account_id=? AND id = ANY(?::bigint[]) ORDER BY id",
            (self.account_id, list(dict.fromkeys(message_ids))),
        )

    async def own_labels(self, label_ids: Iterable[int]) -> list[int]:
        ids = list(set(label_ids))
        roles = await self.label_roles()
        if any(i not in roles for i in ids):
            raise LabelNotFound("no such label")
        return ids

    async def add_membership(self, message_id: int, label_id: int, seen: int, size: int, modseq: int) -> int | None:
        """Put a message in a label, allocating its UID there; None if already in."""
        conn = self.conn
        if (await conn.fetchone(
            "SELECT 1 FROM memberships WHERE message_id=? AND label_id=?", (message_id, label_id)
        )):
            return None
        uid = (await conn.fetchone(
            "UPDATE labels SET uidnext=uidnext+1, messages=messages+1, unseen=unseen+?, size=size+?,"
            " highest_modseq=? WHERE id=? RETURNING uidnext-1",
            (0 if seen else 1, size, modseq, label_id),
        ))[0]
        await conn.execute("INSERT INTO memberships(label_id, uid, message_id) VALUES (?,?,?)", (label_id, uid, message_id))
        await refresh_message_labels(conn, message_id)
        return int(uid)

    async def remove_membership(self, message_id: int, label_id: int, seen: int, size: int, modseq: int) -> bool:
        conn = self.conn
        row = (await conn.fetchone(
            "DELETE FROM memberships WHERE message_id=? AND label_id=? RETURNING uid", (message_id, label_id)
        ))
        if row is None:
            return False
        await conn.execute(
            "UPDATE labels SET messages=messages-1, unseen=unseen-?, size=size-?, highest_modseq=? WHERE id=?",
            (0 if seen else 1, size, modseq, label_id),
        )
        await conn.execute(
            "INSERT INTO vanished(label_id, uid, modseq) VALUES (?,?,?)"
            " ON CONFLICT(label_id, uid) DO UPDATE SET modseq=excluded.modseq", (label_id, row[0], modseq)
        )
        await refresh_message_labels(conn, message_id)
        return True

    async def queue_index(self, message_id: int, kind: str) -> None:
        seq = await self.next_index_seq()
        if kind == "state":
            # a pending full index already carries the new state
            existing = (await self.conn.fetchone(
                "SELECT kind FROM index_pending WHERE message_id=?", (message_id,)
            ))
            if existing and existing[0] in ("doc", "delete"):
                kind = existing[0]
        await self.conn.execute(
            "INSERT INTO index_pending(message_id, account_id, kind, seq) VALUES (?,?,?,?)"
            " ON CONFLICT(message_id) DO UPDATE SET account_id=excluded.account_id, kind=excluded.kind,"
            " seq=excluded.seq",
            (message_id, self.account_id, kind, seq),
        )


    # -- the same, for many messages at once (a STORE or MOVE over a range)

    async def column(self, message_ids: Sequence[int], name: str) -> dict[int, Any]:
        """One column (``size``, ``modseq``) of the given messages, by id."""
        return dict(
            await self.conn.fetchall(
                f"SELECT id, {name} FROM messages WHERE id = ANY(?::bigint[])", (list(message_ids),)
            )
        )

    async def memberships(self, message_ids: Sequence[int]) -> dict[int, dict[int, int]]:
        """label id -> UID, of each of the given messages."""
        out: dict[int, dict[int, int]] = {mid: {} for mid in message_ids}
        for message_id, label_id, uid in await self.conn.fetchall(
            "SELECT message_id, label_id, uid FROM memberships WHERE message_id = ANY(?::bigint[])",
            (list(message_ids),),
        ):
            out[message_id][label_id] = uid
        return out

    async def queue_index_many(self, message_ids: Sequence[int], kind: str) -> None:
        """:meth:`queue_index` for many messages, in one statement."""
        if not message_ids:
            return
        await self.conn.execute(
            "INSERT INTO index_pending(message_id, account_id, kind, seq)"
            " SELECT id, ?, ?, nextval('index_seq') FROM unnest(?::bigint[]) AS id"
            " ON CONFLICT(message_id) DO UPDATE SET account_id=excluded.account_id,"
            # a pending full index already carries the new state
            " kind=CASE WHEN excluded.kind='state' AND index_pending.kind IN ('doc', 'delete')"
            " THEN index_pending.kind ELSE excluded.kind END, seq=excluded.seq",
            (self.account_id, kind, list(message_ids)),
        )


async def refresh_message_labels(conn: PgConn, message_id: int) -> None:
    """Keep the message row's copy of its label ids (read on every FETCH) in step."""
    await conn.execute(
        "UPDATE messages SET labels=coalesce((SELECT string_agg(label_id::text, ' ' ORDER BY label_id)"
        " FROM memberships WHERE message_id=?), '') WHERE id=?",
        (message_id, message_id),
    )


async def new_uidvalidity(conn: PgConn) -> int:
    """A fresh UIDVALIDITY: above every one handed out, and at least the clock's seconds."""
    row = await conn.fetchone("SELECT value FROM settings WHERE key='uidvalidity' FOR UPDATE")
    last = int(row[0]) if row else 0
    value = max(last + 1, int(time.time())) & 0xFFFFFFFF or 1
    await conn.execute("UPDATE settings SET value=? WHERE key='uidvalidity'", (str(value),))
    return value


async def apply_batches(
    conn: PgConn, batches: Sequence[tuple[int, Sequence[Mutation]]], *, isolate: bool = True
) -> list[list[Outcome] | Exception]:
    """Apply each account's batch under its own savepoint: a batch that fails is
    rolled back alone and its slot holds the error.

    Without ``isolate`` (one batch alone) there is no savepoint: an error
    propagates and rolls the whole transaction back.
    """
    # every account of the transaction is locked first, in id order, so that
    # transactions overlapping on one database never deadlock; their MODSEQs
    # and label roles come with the lock
    modseqs: dict[int, int] = {}
    roles: dict[int, dict[int, str | None]] = {}
    for account_id, modseq, label_id, role in await conn.fetchall(
        "WITH a AS (SELECT id, modseq FROM accounts WHERE id = ANY(?::bigint[]) ORDER BY id FOR UPDATE)"
        " SELECT a.id, a.modseq, l.id, l.role FROM a LEFT JOIN labels l ON l.account_id=a.id",
        (sorted({account_id for account_id, _ in batches}),),
    ):
        modseqs[account_id] = int(modseq)
        known = roles.setdefault(account_id, {})
        if label_id is not None:
            known[label_id] = role
    results: list[list[Outcome] | Exception] = []
    for i, (account_id, mutations) in enumerate(batches):
        savepoint = f"b{i}"
        if isolate:
            await conn.execute(f"SAVEPOINT {savepoint}")
        try:
            if account_id not in modseqs:
                raise AccountNotFound(f"account {account_id} does not exist")
            tx = Tx(conn, account_id, modseqs[account_id], dict(roles[account_id]))
            outcomes = [await apply_one(tx, m) for m in mutations]
            await tx.finish()
        except (asyncpg.PostgresError, KeyError) as exc:
            if not isolate:
                raise StoreError(f"postgresql: {exc}") from exc
            await conn.execute(f"ROLLBACK TO {savepoint}")
            await conn.execute(f"RELEASE {savepoint}")
            results.append(StoreError(f"postgresql: {exc}"))
            continue
        except Exception as exc:  # a typed mailcore error for this batch alone
            if not isolate:
                raise
            await conn.execute(f"ROLLBACK TO {savepoint}")
            await conn.execute(f"RELEASE {savepoint}")
            results.append(exc)
            continue
        if isolate:
            await conn.execute(f"RELEASE {savepoint}")
        modseqs[account_id] = tx.modseq
        roles[account_id] = tx._label_roles if tx._label_roles is not None else await tx.label_roles()
        results.append(outcomes)
    return results


async def apply_one(tx: Tx, m: Mutation) -> Outcome:
    match m:
        case AddMessage(record=record):
            return await add_message(tx, record)
        case SetFlags():
            return await set_flags(tx, m)
        case ChangeLabels():
            return await change_labels(tx, m)
        case DeleteMessages(message_ids=ids):
            return await delete_messages(tx, ids)
        case CreateLabel():
            tx._label_roles = None
            return await create_label(tx, m)
        case RenameLabel():
            return await rename_label(tx, m)
        case UpdateLabel():
            return await update_label(tx, m)
        case DeleteLabel(label_id=label_id):
            outcome = await delete_label(tx, label_id)
            tx._label_roles = None
            return outcome
    raise TypeError(f"unknown mutation {m!r}")


async def find_thread(tx: Tx, r: MessageRecord) -> int:
    """The conversation the message joins (created if none): two round trips.

    One statement reads the conversations holding the message's keys and the
    one it may join by subject; one more records its keys (and creates the
    conversation when it joins none).
    """
    conn = tx.conn
    keys = rules.thread_keys(r)
    since = rules.subject_window_start(r)
    rows = await conn.fetchall(
        "SELECT DISTINCT true, t.id, t.thread_subject, t.last_date FROM msgids k JOIN threads t"
        " ON t.id=k.thread_id WHERE k.account_id=? AND k.msgid = ANY(?::text[])"
        " UNION ALL (SELECT false, id, thread_subject, last_date FROM threads"
        " WHERE ? AND account_id=? AND thread_subject=? AND last_date>=?"
        " ORDER BY last_date DESC LIMIT 1)",
        (tx.account_id, keys, since is not None, tx.account_id, r.thread_subject, since or 0.0),
    )
    candidates = [rules.ThreadCandidate(tid, subject, last) for by_key, tid, subject, last in rows if by_key]
    thread_id = rules.choose_thread(r, candidates)
    if thread_id is None:
        by_subject = [tid for by_key, tid, _s, _l in rows if not by_key]
        thread_id = by_subject[0] if by_subject else None
    if thread_id is None:
        row = await conn.fetchone(
            "WITH t AS (INSERT INTO threads(account_id, subject, thread_subject, last_date)"
            " VALUES (?,?,?,?) RETURNING id),"
            " k AS (INSERT INTO msgids(account_id, msgid, thread_id)"
            " SELECT ?, key, t.id FROM t, unnest(?::text[]) AS key ON CONFLICT DO NOTHING)"
            " SELECT id FROM t",
            (tx.account_id, r.subject, r.thread_subject, r.internal_date, tx.account_id, keys),
        )
        assert row is not None
        return int(row[0])
    await conn.execute(
        "INSERT INTO msgids(account_id, msgid, thread_id) SELECT ?, key, ? FROM unnest(?::text[]) AS key"
        " ON CONFLICT DO NOTHING",
        (tx.account_id, thread_id, keys),
    )
    return int(thread_id)


async def add_message(tx: Tx, r: MessageRecord) -> Outcome:
    """Store a new message: its row, its UIDs in each label, its index entry,
    all in one statement (after its conversation is found)."""
    label_ids = sorted(await tx.own_labels(r.label_ids))
    roles = await tx.label_roles()
    modseq = tx.next_modseq()
    thread_id = await find_thread(tx, r)
    seen = 1 if "\\Seen" in r.flags else 0
    rows = await tx.conn.fetchall(
        "WITH m AS (INSERT INTO messages(account_id, thread_id, blob, size, internal_date, flags, seen, modseq,"
        " message_id, in_reply_to, refs, subject, date, addrs, snippet, has_attachment, attachments,"
        " envelope, bodystructure, body, labels) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id),"
        # a new message is in no label yet: each label hands out its next UID
        " l AS (UPDATE labels SET uidnext=uidnext+1, messages=messages+1, unseen=unseen+?, size=size+?,"
        " highest_modseq=? WHERE id = ANY(?::bigint[]) RETURNING id, uidnext-1 AS uid),"
        " mb AS (INSERT INTO memberships(label_id, uid, message_id) SELECT l.id, l.uid, m.id FROM l, m),"
        " ip AS (INSERT INTO index_pending(message_id, account_id, kind, seq)"
        " SELECT m.id, ?, 'doc', nextval('index_seq') FROM m),"
        " c AS (INSERT INTO contacts(account_id, address, name, sent, received, last_date)"
        " SELECT ?, * FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::float8[])"
        " ON CONFLICT(account_id, address) DO UPDATE SET name=coalesce(excluded.name, contacts.name),"
        " sent=contacts.sent+excluded.sent, received=contacts.received+excluded.received,"
        " last_date=greatest(contacts.last_date, excluded.last_date))"
        " SELECT m.id, l.id, l.uid FROM m LEFT JOIN l ON true",
        (
            tx.account_id,
            thread_id,
            r.blob_ref,
            r.size,
            r.internal_date,
            flags_text(r.flags),
            seen,
            modseq,
            r.message_id,
            json.dumps(list(r.in_reply_to)),
            json.dumps(list(r.references)),
            r.subject,
            r.date,
            addrs_json(r),
            r.snippet,
            1 if r.has_attachment else 0,
            attachments_json(r.attachments),
            r.envelope,
            r.bodystructure,
            r.body,
            " ".join(map(str, label_ids)),
            0 if seen else 1,
            r.size,
            modseq,
            label_ids,
            tx.account_id,
            tx.account_id,
            *contact_rows(rules.contact_hits(r, (roles.get(lid) for lid in label_ids))),
        ),
    )
    message_id = int(rows[0][0])
    uids = {(message_id, int(label_id)): int(uid) for _m, label_id, uid in rows if label_id is not None}
    tx.touched_threads[thread_id] = modseq
    return Outcome(
        modseq=modseq,
        message_ids=(message_id,),
        thread_ids=(thread_id,),
        label_ids=tuple(label_ids),
        uids=uids,
    )


async def labels_of(conn: PgConn, message_id: int) -> list[int]:
    return [r[0] for r in (await conn.fetchall("SELECT label_id FROM memberships WHERE message_id=?", (message_id,)))]


async def set_flags(tx: Tx, m: SetFlags) -> Outcome:
    """Flags of many messages in a few statements, whatever their number."""
    conn = tx.conn
    rows = await tx.own_messages(m.message_ids)
    if not rows:
        return Outcome(modseq=tx.modseq)
    modseq = tx.next_modseq()
    current = await tx.column([r[0] for r in rows], "modseq") if m.unchanged_since is not None else {}
    changed: list[int] = []
    modified: list[int] = []
    threads: set[int] = set()
    new_flags: list[str] = []
    new_seens: list[int] = []
    became_unseen: dict[int, int] = {}  # +1 when a message becomes unseen, -1 when seen
    for message_id, thread_id, stored_flags, seen in rows:
        if m.unchanged_since is not None and current[message_id] > m.unchanged_since:
            modified.append(message_id)
            continue
        old = flags_set(stored_flags)
        new = set(m.replace) if m.replace is not None else (set(old) | m.add) - m.remove
        if frozenset(new) == old:
            continue
        new_seen = 1 if "\\Seen" in new else 0
        new_flags.append(flags_text(new))
        new_seens.append(new_seen)
        became_unseen[message_id] = seen - new_seen
        changed.append(message_id)
        threads.add(thread_id)
        tx.touched_threads[thread_id] = modseq
    if not changed:
        return Outcome(modseq=tx.give_back(modseq), modified=tuple(modified))
    await conn.execute(
        "UPDATE messages AS m SET flags=u.flags, seen=u.seen, modseq=? FROM"
        " unnest(?::bigint[], ?::text[], ?::int[]) AS u(id, flags, seen) WHERE m.id=u.id",
        (modseq, changed, new_flags, new_seens),
    )
    delta: dict[int, int] = {}
    for message_id, member_of in (await tx.memberships(changed)).items():
        for label_id in member_of:
            delta[label_id] = delta.get(label_id, 0) + became_unseen[message_id]
    if delta:
        await conn.execute(
            "UPDATE labels AS l SET unseen=l.unseen+u.d, highest_modseq=? FROM"
            " unnest(?::bigint[], ?::bigint[]) AS u(id, d) WHERE l.id=u.id",
            (modseq, list(delta), list(delta.values())),
        )
    await tx.queue_index_many(changed, "state")
    return Outcome(
        modseq=modseq,
        message_ids=tuple(changed),
        thread_ids=tuple(sorted(threads)),
        label_ids=tuple(sorted(delta)),
        modified=tuple(modified),
    )


async def change_labels(tx: Tx, m: ChangeLabels) -> Outcome:
    """Labels of many messages in a few statements, whatever their number:
    each label hands out its new UIDs in one range."""
    conn = tx.conn
    await tx.own_labels(m.add | m.remove)
    rows = await tx.own_messages(m.message_ids)
    if not rows:
        return Outcome(modseq=tx.modseq)
    modseq = tx.next_modseq()
    ids = [r[0] for r in rows]
    sizes = await tx.column(ids, "size")
    members = await tx.memberships(ids)
    remove = sorted(m.remove - m.add)
    add = sorted(m.add)
    uidnext: dict[int, int] = dict(
        await conn.fetchall("SELECT id, uidnext FROM labels WHERE id = ANY(?::bigint[])", (add,))
    ) if add else {}
    counts: dict[int, list[int]] = {}  # label id -> [messages, unseen, size, uids handed out]
    removed: list[tuple[int, int, int]] = []  # (message, label, uid)
    added: list[tuple[int, int, int]] = []  # (label, uid, message)
    uids: dict[tuple[int, int], int] = {}
    changed: list[int] = []
    threads: set[int] = set()
    for message_id, thread_id, _flags, seen in rows:
        have = members[message_id]
        unseen = 0 if seen else 1
        size = sizes[message_id]
        did = False
        for label_id in remove:
            uid = have.pop(label_id, None)
            if uid is None:
                continue
            removed.append((message_id, label_id, uid))
            c = counts.setdefault(label_id, [0, 0, 0, 0])
            c[0] -= 1
            c[1] -= unseen
            c[2] -= size
            did = True
        for label_id in add:
            if label_id in have:
                continue
            c = counts.setdefault(label_id, [0, 0, 0, 0])
            uid = uidnext[label_id] + c[3]
            have[label_id] = uid
            added.append((label_id, uid, message_id))
            uids[(message_id, label_id)] = uid
            c[0] += 1
            c[1] += unseen
            c[2] += size
            c[3] += 1
            did = True
        if did:
            changed.append(message_id)
            threads.add(thread_id)
            tx.touched_threads[thread_id] = modseq
    if not changed:
        return Outcome(modseq=tx.give_back(modseq))
    if removed:
        await conn.execute(
            "WITH r AS (DELETE FROM memberships AS m USING unnest(?::bigint[], ?::bigint[]) AS u(mid, lid)"
            " WHERE m.message_id=u.mid AND m.label_id=u.lid RETURNING m.label_id, m.uid)"
            " INSERT INTO vanished(label_id, uid, modseq) SELECT label_id, uid, ? FROM r"
            " ON CONFLICT(label_id, uid) DO UPDATE SET modseq=excluded.modseq",
            ([r[0] for r in removed], [r[1] for r in removed], modseq),
        )
    if added:
        await conn.execute(
            "INSERT INTO memberships(label_id, uid, message_id) SELECT * FROM"
            " unnest(?::bigint[], ?::bigint[], ?::bigint[])",
            ([a[0] for a in added], [a[1] for a in added], [a[2] for a in added]),
        )
    # the other labels' views show X-GM-LABELS: they changed too
    others = sorted({lid for mid in changed for lid in members[mid]} - set(counts))
    touched = sorted(counts)
    await conn.execute(
        "WITH c AS (UPDATE labels AS l SET uidnext=l.uidnext+u.n, messages=l.messages+u.messages,"
        " unseen=l.unseen+u.unseen, size=l.size+u.size, highest_modseq=? FROM"
        " unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[])"
        " AS u(id, n, messages, unseen, size) WHERE l.id=u.id),"
        " o AS (UPDATE labels SET highest_modseq=? WHERE id = ANY(?::bigint[]))"
        " UPDATE messages AS m SET modseq=?, labels=u.labels FROM unnest(?::bigint[], ?::text[])"
        " AS u(id, labels) WHERE m.id=u.id",
        (
            modseq,
            touched,
            [counts[lid][3] for lid in touched],
            [counts[lid][0] for lid in touched],
            [counts[lid][1] for lid in touched],
            [counts[lid][2] for lid in touched],
            modseq,
            others,
            modseq,
            changed,
            [" ".join(map(str, sorted(members[mid]))) for mid in changed],
        ),
    )
    await tx.queue_index_many(changed, "state")
    return Outcome(
        modseq=modseq,
        message_ids=tuple(changed),
        thread_ids=tuple(sorted(threads)),
        label_ids=tuple(sorted({*touched, *others})),
        uids=uids,
    )


async def delete_messages(tx: Tx, message_ids: Sequence[int]) -> Outcome:
    conn = tx.conn
    rows = await tx.own_messages(message_ids)
    if not rows:
        return Outcome(modseq=tx.modseq)
    modseq = tx.next_modseq()
    labels: set[int] = set()
    threads: set[int] = set()
    blobs: set[str] = set()
    for message_id, thread_id, _flags, seen in rows:
        size, blob = (await conn.fetchone("SELECT size, blob FROM messages WHERE id=?", (message_id,)))
        for label_id in await labels_of(conn, message_id):
            await tx.remove_membership(message_id, label_id, seen, size, modseq)
            labels.add(label_id)
        await conn.execute("DELETE FROM messages WHERE id=?", (message_id,))
        blobs.add(blob)
        threads.add(thread_id)
        tx.touched_threads[thread_id] = modseq
        await tx.queue_index(message_id, "delete")
    still = {r[0] for r in await conn.fetchall("SELECT DISTINCT blob FROM messages WHERE blob = ANY(?)", (list(blobs),))}
    freed = tuple(sorted(blobs - still))
    return Outcome(
        modseq=modseq,
        message_ids=tuple(r[0] for r in rows),
        thread_ids=tuple(sorted(threads)),
        label_ids=tuple(sorted(labels)),
        freed_blobs=freed,
    )


async def account_labels(tx: Tx) -> list[Label]:
    return [
        row_to_label(r)
        for r in (await tx.conn.fetchall(
            f"SELECT {LABEL_COLUMNS} FROM labels WHERE account_id=? ORDER BY id", (tx.account_id,)
        ))
    ]


async def create_label(tx: Tx, m: CreateLabel) -> Outcome:
    conn = tx.conn
    name = rules.check_new_label(await account_labels(tx), m.name, m.role)
    modseq = tx.next_modseq()
    row = (await conn.fetchone(
        f"INSERT INTO labels(account_id, name, role, uidvalidity, color, highest_modseq) VALUES (?,?,?,?,?,?)"
        f" RETURNING {LABEL_COLUMNS}",
        (tx.account_id, name, m.role.value if m.role else None, await new_uidvalidity(conn), m.color, modseq),
    ))
    label = row_to_label(row)
    return Outcome(modseq=modseq, label_ids=(label.id,), label=label)


async def get_label(tx: Tx, label_id: int) -> Label:
    row = (await tx.conn.fetchone(
        f"SELECT {LABEL_COLUMNS} FROM labels WHERE id=? AND account_id=?", (label_id, tx.account_id)
    ))
    if row is None:
        raise LabelNotFound("no such label")
    return row_to_label(row)


async def rename_label(tx: Tx, m: RenameLabel) -> Outcome:
    conn = tx.conn
    plan = rules.labels_to_rename(await account_labels(tx), m.label_id, m.new_name)
    modseq = tx.next_modseq()
    # a renamed mailbox is a new mailbox to IMAP clients: new UIDVALIDITY
    for label_id, new_name in plan:
        await conn.execute(
            "UPDATE labels SET name=?, uidvalidity=?, highest_modseq=? WHERE id=?",
            (new_name, await new_uidvalidity(conn), modseq, label_id),
        )
    return Outcome(modseq=modseq, label_ids=tuple(label_id for label_id, _ in plan))


async def update_label(tx: Tx, m: UpdateLabel) -> Outcome:
    label = await get_label(tx, m.label_id)
    modseq = tx.next_modseq()
    color = None if m.clear_color else (m.color if m.color is not None else label.color)
    subscribed = label.subscribed if m.subscribed is None else m.subscribed
    await tx.conn.execute(
        "UPDATE labels SET color=?, subscribed=? WHERE id=?", (color, 1 if subscribed else 0, label.id)
    )
    return Outcome(modseq=modseq, label_ids=(label.id,))


async def delete_label(tx: Tx, label_id: int) -> Outcome:
    conn = tx.conn
    targets = [(lid,) for lid in rules.labels_to_delete(await account_labels(tx), label_id)]
    modseq = tx.next_modseq()
    messages: set[int] = set()
    for (lid,) in targets:
        for (mid,) in (await conn.fetchall("SELECT message_id FROM memberships WHERE label_id=?", (lid,))):
            messages.add(mid)
        await conn.execute("DELETE FROM memberships WHERE label_id=?", (lid,))
        await conn.execute("DELETE FROM vanished WHERE label_id=?", (lid,))
        await conn.execute("DELETE FROM thread_labels WHERE label_id=?", (lid,))
        await conn.execute("DELETE FROM labels WHERE id=?", (lid,))
    threads: set[int] = set()
    for mid in messages:
        row = (await conn.fetchone("SELECT thread_id FROM messages WHERE id=?", (mid,)))
        await conn.execute("UPDATE messages SET modseq=? WHERE id=?", (modseq, mid))
        await refresh_message_labels(conn, mid)
        # the labels the message is still in show its new MODSEQ: they changed too
        await conn.execute(
            "UPDATE labels SET highest_modseq=? WHERE id IN (SELECT label_id FROM memberships WHERE message_id=?)",
            (modseq, mid),
        )
        if row:
            threads.add(row[0])
            tx.touched_threads[row[0]] = modseq
        await tx.queue_index(mid, "state")
    return Outcome(
        modseq=modseq,
        message_ids=tuple(sorted(messages)),
        thread_ids=tuple(sorted(threads)),
        label_ids=tuple(sorted(t[0] for t in targets)),
    )


async def refresh_threads(conn: PgConn, account_id: int, touched: dict[int, int], modseq: int) -> None:
    """Store the summary rows of the conversations a batch touched (and the
    account's MODSEQ): one read of their messages, then at most two
    statements whatever their number."""
    thread_ids = sorted(touched)
    members: dict[int, list[rules.ThreadMember]] = {tid: [] for tid in thread_ids}
    for thread_id, subject, date, seen, flags, has_att, snippet, addrs, labels in await conn.fetchall(
        "SELECT thread_id, subject, internal_date, seen, flags, has_attachment, snippet, addrs, labels"
        " FROM messages WHERE thread_id = ANY(?::bigint[]) ORDER BY thread_id, internal_date, id",
        (thread_ids,),
    ):
        members[thread_id].append(
            rules.ThreadMember(
                subject=subject,
                internal_date=date,
                seen=bool(seen),
                flagged="\\Flagged" in flags_set(flags),
                has_attachment=bool(has_att),
                snippet=snippet,
                from_=dec_addrs(json.loads(addrs).get("from", [])),
                label_ids=label_set(labels),
            )
        )
    empty: list[int] = []
    updates: list[tuple[object, ...]] = []
    by_label: list[tuple[int, float, int]] = []
    for thread_id in thread_ids:
        row = rules.summarize_thread(members[thread_id])
        if row is None:
            empty.append(thread_id)
            continue
        updates.append((
            thread_id,
            row.subject,
            row.last_date,
            row.message_count,
            row.unread_count,
            1 if row.flagged else 0,
            1 if row.has_attachment else 0,
            row.snippet,
            json.dumps([[p.name, p.address] for p in row.participants]),
            json.dumps(sorted(row.label_ids)),
            touched[thread_id],
        ))
        by_label.extend((lid, row.last_date, thread_id) for lid in sorted(row.label_ids))
    columns: list[Sequence[object]] = list(zip(*updates, strict=True)) if updates else [[] for _ in range(11)]
    await conn.execute(
        "WITH ua AS (UPDATE accounts SET modseq=? WHERE id=?),"
        " dl AS (DELETE FROM thread_labels WHERE thread_id = ANY(?::bigint[])),"
        # thread_all is keyed by (account, date, thread): the date the summary
        # had is the conversation's last_date until this statement updates it
        " da AS (DELETE FROM thread_all a USING threads o WHERE o.id = ANY(?::bigint[]) AND a.account_id=?"
        " AND a.last_date=o.last_date AND a.thread_id=o.id),"
        " dt AS (DELETE FROM threads WHERE id = ANY(?::bigint[])),"
        " dk AS (DELETE FROM msgids WHERE thread_id = ANY(?::bigint[]))"
        " UPDATE threads AS t SET subject=u.subject, last_date=u.last_date, message_count=u.message_count,"
        " unread_count=u.unread_count, flagged=u.flagged, has_attachment=u.has_attachment, snippet=u.snippet,"
        " participants=u.participants, label_ids=u.label_ids, modseq=u.modseq"
        " FROM unnest(?::bigint[], ?::text[], ?::float8[], ?::bigint[], ?::bigint[], ?::int[], ?::int[],"
        " ?::text[], ?::text[], ?::text[], ?::bigint[]) AS u(id, subject, last_date, message_count,"
        " unread_count, flagged, has_attachment, snippet, participants, label_ids, modseq) WHERE t.id=u.id",
        (modseq, account_id, thread_ids, thread_ids, account_id, empty, empty, *(list(c) for c in columns)),
    )
    if updates:
        # after the deletes above: a summary keeps its (label, date, thread) keys
        await conn.execute(
            "WITH a AS (INSERT INTO thread_all(account_id, last_date, thread_id)"
            " SELECT ?, d, t FROM unnest(?::float8[], ?::bigint[]) AS x(d, t))"
            " INSERT INTO thread_labels(label_id, last_date, thread_id)"
            " SELECT l, d, t FROM unnest(?::bigint[], ?::float8[], ?::bigint[]) AS y(l, d, t)",
            (
                account_id,
                [u[2] for u in updates],
                [u[0] for u in updates],
                [b[0] for b in by_label],
                [b[1] for b in by_label],
                [b[2] for b in by_label],
            ),
        )


def contact_rows(hits: Iterable[rules.ContactHit]) -> tuple[list[object], ...]:
    """Contact hits as columns (address, name, sent, received, date), one row
    per address, so that one upsert statement can take them all: counts add
    up, the latest date and the last name given win."""
    merged: dict[str, rules.ContactHit] = {}
    for hit in hits:
        was = merged.get(hit.address)
        if was is not None:
            hit = rules.ContactHit(
                hit.address,
                hit.name if hit.name is not None else was.name,
                was.sent + hit.sent,
                was.received + hit.received,
                max(was.date, hit.date),
            )
        merged[hit.address] = hit
    rows = merged.values()
    return (
        [h.address for h in rows],
        [h.name for h in rows],
        [h.sent for h in rows],
        [h.received for h in rows],
        [h.date for h in rows],
    )
