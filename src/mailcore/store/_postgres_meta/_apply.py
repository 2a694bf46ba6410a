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
    chunks,
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

    def __init__(self, conn: PgConn, account_id: int, modseq: int) -> None:
        self.conn = conn
        self.account_id = account_id
        self.modseq = modseq
        self.touched_threads: dict[int, int] = {}
        self._label_roles: dict[int, str | None] | None = None

    @classmethod
    async def begin(cls, conn: PgConn, account_id: int) -> Tx:
        """Lock the account's row for the rest of the transaction."""
        row = await conn.fetchone("SELECT modseq FROM accounts WHERE id=? FOR UPDATE", (account_id,))
        if row is None:
            raise AccountNotFound(f"account {account_id} does not exist")
        return cls(conn, account_id, int(row[0]))

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
        await self.conn.execute("UPDATE accounts SET modseq=? WHERE id=?", (self.modseq, self.account_id))
        if self.touched_threads:
            await refresh_threads(self.conn, self.account_id, self.touched_threads)

    # -- helpers

    async def own_messages(self, message_ids: Sequence[int]) -> list[tuple[int, int, str, int]]:
        """(id, thread_id, flags, seen) of the given ids that belong to this account."""
        out: list[tuple[int, int, str, int]] = []
        for chunk in chunks(list(dict.fromkeys(message_ids)), 500):
            marks = ",".join("?" * len(chunk))
            out.extend(
                await self.conn.fetchall(
                    f"SELECT id, thread_id, flags, seen FROM messages WHERE account_id=? AND id IN ({marks}) ORDER BY id",
                    (self.account_id, *chunk),
                )
            )
        return out

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
    conn: PgConn, batches: Sequence[tuple[int, Sequence[Mutation]]]
) -> list[list[Outcome] | Exception]:
    """Apply each account's batch under its own savepoint: a batch that fails is
    rolled back alone and its slot holds the error."""
    results: list[list[Outcome] | Exception] = []
    for i, (account_id, mutations) in enumerate(batches):
        savepoint = f"b{i}"
        await conn.execute(f"SAVEPOINT {savepoint}")
        try:
            tx = await Tx.begin(conn, account_id)
            outcomes = [await apply_one(tx, m) for m in mutations]
            await tx.finish()
        except (asyncpg.PostgresError, KeyError) as exc:
            await conn.execute(f"ROLLBACK TO {savepoint}")
            await conn.execute(f"RELEASE {savepoint}")
            results.append(StoreError(f"postgresql: {exc}"))
            continue
        except Exception as exc:  # a typed mailcore error for this batch alone
            await conn.execute(f"ROLLBACK TO {savepoint}")
            await conn.execute(f"RELEASE {savepoint}")
            results.append(exc)
            continue
        await conn.execute(f"RELEASE {savepoint}")
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
    conn = tx.conn
    keys = rules.thread_keys(r)
    candidates: list[rules.ThreadCandidate] = []
    for chunk in range(0, len(keys), 200):
        part = keys[chunk : chunk + 200]
        marks = ",".join("?" * len(part))
        candidates.extend(
            rules.ThreadCandidate(*row)
            for row in (await conn.fetchall(
                "SELECT DISTINCT t.id, t.thread_subject, t.last_date FROM msgids k JOIN threads t"
                f" ON t.id=k.thread_id WHERE k.account_id=? AND k.msgid IN ({marks})",
                (tx.account_id, *part),
            ))
        )
    thread_id = rules.choose_thread(r, candidates)
    since = rules.subject_window_start(r) if thread_id is None else None
    if since is not None:
        row = (await conn.fetchone(
            "SELECT id FROM threads WHERE account_id=? AND thread_subject=? AND last_date>=?"
            " ORDER BY last_date DESC LIMIT 1",
            (tx.account_id, r.thread_subject, since),
        ))
        thread_id = row[0] if row else None
    if thread_id is None:
        thread_id = (await conn.fetchone(
            "INSERT INTO threads(account_id, subject, thread_subject, last_date) VALUES (?,?,?,?) RETURNING id",
            (tx.account_id, r.subject, r.thread_subject, r.internal_date),
        ))[0]
    (await conn.executemany(
        "INSERT INTO msgids(account_id, msgid, thread_id) VALUES (?,?,?) ON CONFLICT DO NOTHING",
        [(tx.account_id, key, thread_id) for key in keys],
    ))
    assert thread_id is not None
    return thread_id


async def add_message(tx: Tx, r: MessageRecord) -> Outcome:
    label_ids = await tx.own_labels(r.label_ids)
    modseq = tx.next_modseq()
    thread_id = await find_thread(tx, r)
    seen = 1 if "\\Seen" in r.flags else 0
    message_id = (await tx.conn.fetchone(
        "INSERT INTO messages(account_id, thread_id, blob, size, internal_date, flags, seen, modseq,"
        " message_id, in_reply_to, refs, subject, date, addrs, snippet, has_attachment, attachments,"
        " envelope, bodystructure, body) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
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
        ),
    ))[0]
    uids: dict[tuple[int, int], int] = {}
    conn = tx.conn
    for label_id in sorted(label_ids):
        # a new message is in no label yet: no membership check needed
        uid = (await conn.fetchone(
            "UPDATE labels SET uidnext=uidnext+1, messages=messages+1, unseen=unseen+?, size=size+?,"
            " highest_modseq=? WHERE id=? RETURNING uidnext-1",
            (0 if seen else 1, r.size, modseq, label_id),
        ))[0]
        await conn.execute(
            "INSERT INTO memberships(label_id, uid, message_id) VALUES (?,?,?)", (label_id, uid, message_id)
        )
        uids[(message_id, label_id)] = int(uid)
    if label_ids:
        await conn.execute(
            "UPDATE messages SET labels=? WHERE id=?", (" ".join(map(str, sorted(label_ids))), message_id)
        )
    tx.touched_threads[thread_id] = modseq
    await conn.execute(
        "INSERT INTO index_pending(message_id, account_id, kind, seq) VALUES (?,?,?,?)"
        " ON CONFLICT(message_id) DO UPDATE SET account_id=excluded.account_id, kind=excluded.kind,"
        " seq=excluded.seq",
        (message_id, tx.account_id, "doc", await tx.next_index_seq()),
    )
    await count_contacts(tx, r, label_ids)
    return Outcome(
        modseq=modseq,
        message_ids=(message_id,),
        thread_ids=(thread_id,),
        label_ids=tuple(sorted(label_ids)),
        uids=uids,
    )


async def labels_of(conn: PgConn, message_id: int) -> list[int]:
    return [r[0] for r in (await conn.fetchall("SELECT label_id FROM memberships WHERE message_id=?", (message_id,)))]


async def set_flags(tx: Tx, m: SetFlags) -> Outcome:
    conn = tx.conn
    rows = await tx.own_messages(m.message_ids)
    if not rows:
        return Outcome(modseq=tx.modseq)
    modseq = tx.next_modseq()
    changed: list[int] = []
    modified: list[int] = []
    threads: set[int] = set()
    labels: set[int] = set()
    for message_id, thread_id, stored_flags, seen in rows:
        if m.unchanged_since is not None:
            cur = (await conn.fetchone("SELECT modseq FROM messages WHERE id=?", (message_id,)))[0]
            if cur > m.unchanged_since:
                modified.append(message_id)
                continue
        old = flags_set(stored_flags)
        new = set(m.replace) if m.replace is not None else (set(old) | m.add) - m.remove
        if frozenset(new) == old:
            continue
        new_seen = 1 if "\\Seen" in new else 0
        await conn.execute(
            "UPDATE messages SET flags=?, seen=?, modseq=? WHERE id=?",
            (flags_text(new), new_seen, modseq, message_id),
        )
        member_of = await labels_of(conn, message_id)
        if member_of:
            marks = ",".join("?" * len(member_of))
            delta = seen - new_seen  # +1 when becoming unseen
            await conn.execute(
                f"UPDATE labels SET unseen=unseen+?, highest_modseq=? WHERE id IN ({marks})",
                (delta, modseq, *member_of),
            )
        labels.update(member_of)
        changed.append(message_id)
        threads.add(thread_id)
        tx.touched_threads[thread_id] = modseq
        await tx.queue_index(message_id, "state")
    if not changed:
        modseq = tx.give_back(modseq)
    return Outcome(
        modseq=modseq,
        message_ids=tuple(changed),
        thread_ids=tuple(sorted(threads)),
        label_ids=tuple(sorted(labels)),
        modified=tuple(modified),
    )


async def change_labels(tx: Tx, m: ChangeLabels) -> Outcome:
    conn = tx.conn
    await tx.own_labels(m.add | m.remove)
    rows = await tx.own_messages(m.message_ids)
    if not rows:
        return Outcome(modseq=tx.modseq)
    modseq = tx.next_modseq()
    uids: dict[tuple[int, int], int] = {}
    changed: list[int] = []
    threads: set[int] = set()
    labels: set[int] = set()
    for message_id, thread_id, _flags, seen in rows:
        size = (await conn.fetchone("SELECT size FROM messages WHERE id=?", (message_id,)))[0]
        did = False
        for label_id in sorted(m.remove - m.add):
            if await tx.remove_membership(message_id, label_id, seen, size, modseq):
                did = True
                labels.add(label_id)
        for label_id in sorted(m.add):
            uid = await tx.add_membership(message_id, label_id, seen, size, modseq)
            if uid is not None:
                uids[(message_id, label_id)] = uid
                did = True
                labels.add(label_id)
        if did:
            await conn.execute("UPDATE messages SET modseq=? WHERE id=?", (modseq, message_id))
            # the other labels' views show X-GM-LABELS: they changed too
            for other in await labels_of(conn, message_id):
                if other not in labels:
                    await conn.execute("UPDATE labels SET highest_modseq=? WHERE id=?", (modseq, other))
                    labels.add(other)
            changed.append(message_id)
            threads.add(thread_id)
            tx.touched_threads[thread_id] = modseq
            await tx.queue_index(message_id, "state")
    if not changed:
        modseq = tx.give_back(modseq)
    return Outcome(
        modseq=modseq,
        message_ids=tuple(changed),
        thread_ids=tuple(sorted(threads)),
        label_ids=tuple(sorted(labels)),
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


async def refresh_threads(conn: PgConn, account_id: int, touched: dict[int, int]) -> None:
    """Store the summary rows of the conversations a batch touched."""
    for thread_id, modseq in touched.items():
        members = [
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
            for subject, date, seen, flags, has_att, snippet, addrs, labels in (await conn.fetchall(
                "SELECT subject, internal_date, seen, flags, has_attachment, snippet, addrs, labels"
                " FROM messages WHERE thread_id=? ORDER BY internal_date, id",
                (thread_id,),
            ))
        ]
        row = rules.summarize_thread(members)
        await conn.execute("DELETE FROM thread_labels WHERE thread_id=?", (thread_id,))
        await conn.execute("DELETE FROM thread_all WHERE thread_id=? AND account_id=?", (thread_id, account_id))
        if row is None:
            await conn.execute("DELETE FROM threads WHERE id=?", (thread_id,))
            await conn.execute("DELETE FROM msgids WHERE thread_id=?", (thread_id,))
            continue
        await conn.execute(
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
        (await conn.executemany(
            "INSERT INTO thread_labels(label_id, last_date, thread_id) VALUES (?,?,?)",
            [(lid, row.last_date, thread_id) for lid in sorted(row.label_ids)],
        ))
        await conn.execute(
            "INSERT INTO thread_all(account_id, last_date, thread_id) VALUES (?,?,?)",
            (account_id, row.last_date, thread_id),
        )


async def count_contacts(tx: Tx, r: MessageRecord, label_ids: list[int]) -> None:
    roles = await tx.label_roles()
    await tx.conn.executemany(
        "INSERT INTO contacts(account_id, address, name, sent, received, last_date) VALUES (?,?,?,?,?,?)"
        " ON CONFLICT(account_id, address) DO UPDATE SET name=coalesce(excluded.name, contacts.name),"
        " sent=contacts.sent+excluded.sent, received=contacts.received+excluded.received,"
        " last_date=greatest(contacts.last_date, excluded.last_date)",
        [
            (tx.account_id, hit.address, hit.name, hit.sent, hit.received, hit.date)
            for hit in rules.contact_hits(r, (roles.get(lid) for lid in label_ids))
        ],
    )

