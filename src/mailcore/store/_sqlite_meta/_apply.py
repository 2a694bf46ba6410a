"""The write path of the embedded MetaStore: one account's batch of mutations
inside the write transaction, UIDs and MODSEQs allocated here.

Decisions about mail (which thread, which labels a rename moves, who is a
correspondent) come from :mod:`mailcore.rules`; this module only stores them.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from typing import Any

from mailcore import rules
from mailcore.errors import (
    AccountNotFound,
    LabelNotFound,
    StoreError,
)
from mailcore.model import (
    Label,
)
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

# Upserts rather than INSERT OR REPLACE: inside a batch's savepoint, a
# REPLACE costs SQLite a statement journal per row (about 100 µs each after
# a large update in the same transaction), an upsert does not.
_QUEUE_INDEX = (
    "INSERT INTO index_pending(message_id, account_id, kind, seq) VALUES (?,?,?,?)"
    " ON CONFLICT(message_id) DO UPDATE SET account_id=excluded.account_id, kind=excluded.kind, seq=excluded.seq"
)
_VANISHED = (
    "INSERT INTO vanished(label_id, uid, modseq) VALUES (?,?,?)"
    " ON CONFLICT(label_id, uid) DO UPDATE SET modseq=excluded.modseq"
)


class Tx:
    """The state of one account's batch inside a write transaction."""

    def __init__(self, conn: sqlite3.Connection, account_id: int) -> None:
        self.conn = conn
        self.account_id = account_id
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

    def give_back(self, modseq: int) -> int:
        """Return the MODSEQ of a mutation that changed nothing, so that the
        account's highest MODSEQ moves only with a change that an event tells."""
        if modseq == self.modseq:
            self.modseq -= 1
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
            refresh_threads(self.conn, self.account_id, self.touched_threads)

    # -- helpers

    def own_messages(self, message_ids: Sequence[int]) -> list[tuple[int, int, str, int]]:
        """(id, thread_id, flags, seen) of the given ids that belong to this account."""
        out: list[tuple[int, int, str, int]] = []
        for chunk in chunks(list(dict.fromkeys(message_ids)), 500):
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
        refresh_message_labels(conn, message_id)
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
            _VANISHED, (label_id, row[0], modseq)
        )
        refresh_message_labels(conn, message_id)
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
            _QUEUE_INDEX,
            (message_id, self.account_id, kind, seq),
        )


    # -- the same, for many messages at once (a STORE or MOVE over a range)

    def column(self, message_ids: Sequence[int], name: str) -> dict[int, Any]:
        """One column (``size``, ``modseq``) of the given messages, by id."""
        out: dict[int, Any] = {}
        for chunk in chunks(list(message_ids), 500):
            marks = ",".join("?" * len(chunk))
            out.update(self.conn.execute(f"SELECT id, {name} FROM messages WHERE id IN ({marks})", chunk).fetchall())
        return out

    def memberships(self, message_ids: Sequence[int]) -> dict[int, dict[int, int]]:
        """label id -> UID, of each of the given messages."""
        out: dict[int, dict[int, int]] = {mid: {} for mid in message_ids}
        for chunk in chunks(list(message_ids), 500):
            marks = ",".join("?" * len(chunk))
            for message_id, label_id, uid in self.conn.execute(
                f"SELECT message_id, label_id, uid FROM memberships WHERE message_id IN ({marks})", chunk
            ):
                out[message_id][label_id] = uid
        return out

    def queue_index_many(self, message_ids: Sequence[int], kind: str) -> None:
        """:meth:`queue_index` for many messages, in their order."""
        keep: dict[int, str] = {}
        if kind == "state":
            for chunk in chunks(list(message_ids), 500):
                marks = ",".join("?" * len(chunk))
                keep.update(
                    self.conn.execute(
                        f"SELECT message_id, kind FROM index_pending WHERE message_id IN ({marks})"
                        " AND kind IN ('doc', 'delete')",
                        chunk,
                    ).fetchall()
                )
        self.conn.executemany(
            _QUEUE_INDEX,
            [(mid, self.account_id, keep.get(mid, kind), self.next_index_seq()) for mid in message_ids],
        )


def refresh_message_labels(conn: sqlite3.Connection, message_id: int) -> None:
    """Keep the message row's copy of its label ids (read on every FETCH) in step."""
    conn.execute(
        "UPDATE messages SET labels=coalesce((SELECT group_concat(label_id, ' ') FROM"
        " (SELECT label_id FROM memberships WHERE message_id=? ORDER BY label_id)), '') WHERE id=?",
        (message_id, message_id),
    )


def new_uidvalidity(conn: sqlite3.Connection) -> int:
    """A fresh UIDVALIDITY: above every one handed out, and at least the clock's seconds."""
    row = conn.execute("SELECT value FROM settings WHERE key='uidvalidity'").fetchone()
    last = int(row[0]) if row else 0
    value = max(last + 1, int(time.time())) & 0xFFFFFFFF or 1
    conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES ('uidvalidity', ?)", (str(value),))
    return value


def apply_batches(
    conn: sqlite3.Connection, batches: Sequence[tuple[int, Sequence[Mutation]]]
) -> list[list[Outcome] | Exception]:
    """Apply each account's batch under its own savepoint: a batch that fails is
    rolled back alone and its slot holds the error."""
    results: list[list[Outcome] | Exception] = []
    for i, (account_id, mutations) in enumerate(batches):
        savepoint = f"b{i}"
        conn.execute(f"SAVEPOINT {savepoint}")
        try:
            tx = Tx(conn, account_id)
            outcomes = [apply_one(tx, m) for m in mutations]
            tx.finish()
        except (sqlite3.Error, KeyError) as exc:
            conn.execute(f"ROLLBACK TO {savepoint}")
            conn.execute(f"RELEASE {savepoint}")
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


def apply_one(tx: Tx, m: Mutation) -> Outcome:
    match m:
        case AddMessage(record=record):
            return add_message(tx, record)
        case SetFlags():
            return set_flags(tx, m)
        case ChangeLabels():
            return change_labels(tx, m)
        case DeleteMessages(message_ids=ids):
            return delete_messages(tx, ids)
        case CreateLabel():
            tx._label_roles = None
            return create_label(tx, m)
        case RenameLabel():
            return rename_label(tx, m)
        case UpdateLabel():
            return update_label(tx, m)
        case DeleteLabel(label_id=label_id):
            outcome = delete_label(tx, label_id)
            tx._label_roles = None
            return outcome
    raise TypeError(f"unknown mutation {m!r}")


def find_thread(tx: Tx, r: MessageRecord) -> int:
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


def add_message(tx: Tx, r: MessageRecord) -> Outcome:
    label_ids = tx.own_labels(r.label_ids)
    modseq = tx.next_modseq()
    thread_id = find_thread(tx, r)
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
        _QUEUE_INDEX,
        (message_id, tx.account_id, "doc", tx.next_index_seq()),
    )
    count_contacts(tx, r, label_ids)
    return Outcome(
        modseq=modseq,
        message_ids=(message_id,),
        thread_ids=(thread_id,),
        label_ids=tuple(sorted(label_ids)),
        uids=uids,
    )


def labels_of(conn: sqlite3.Connection, message_id: int) -> list[int]:
    return [r[0] for r in conn.execute("SELECT label_id FROM memberships WHERE message_id=?", (message_id,))]


def set_flags(tx: Tx, m: SetFlags) -> Outcome:
    """Flags of many messages in a few statements, whatever their number."""
    conn = tx.conn
    rows = tx.own_messages(m.message_ids)
    if not rows:
        return Outcome(modseq=tx.modseq)
    modseq = tx.next_modseq()
    current = tx.column([r[0] for r in rows], "modseq") if m.unchanged_since is not None else {}
    changed: list[int] = []
    modified: list[int] = []
    threads: set[int] = set()
    updates: list[tuple[str, int, int, int]] = []
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
        updates.append((flags_text(new), new_seen, modseq, message_id))
        became_unseen[message_id] = seen - new_seen
        changed.append(message_id)
        threads.add(thread_id)
        tx.touched_threads[thread_id] = modseq
    if not changed:
        return Outcome(modseq=tx.give_back(modseq), modified=tuple(modified))
    conn.executemany("UPDATE messages SET flags=?, seen=?, modseq=? WHERE id=?", updates)
    delta: dict[int, int] = {}
    for message_id, member_of in tx.memberships(changed).items():
        for label_id in member_of:
            delta[label_id] = delta.get(label_id, 0) + became_unseen[message_id]
    conn.executemany(
        "UPDATE labels SET unseen=unseen+?, highest_modseq=? WHERE id=?",
        [(d, modseq, label_id) for label_id, d in sorted(delta.items())],
    )
    tx.queue_index_many(changed, "state")
    return Outcome(
        modseq=modseq,
        message_ids=tuple(changed),
        thread_ids=tuple(sorted(threads)),
        label_ids=tuple(sorted(delta)),
        modified=tuple(modified),
    )


def change_labels(tx: Tx, m: ChangeLabels) -> Outcome:
    """Labels of many messages in a few statements, whatever their number:
    each label hands out its new UIDs in one range."""
    conn = tx.conn
    tx.own_labels(m.add | m.remove)
    rows = tx.own_messages(m.message_ids)
    if not rows:
        return Outcome(modseq=tx.modseq)
    modseq = tx.next_modseq()
    ids = [r[0] for r in rows]
    sizes = tx.column(ids, "size")
    members = tx.memberships(ids)
    remove = sorted(m.remove - m.add)
    add = sorted(m.add)
    uidnext = {
        label_id: conn.execute("SELECT uidnext FROM labels WHERE id=?", (label_id,)).fetchone()[0]
        for label_id in add
    }
    counts: dict[int, list[int]] = {}  # label id -> [messages, unseen, size, uids handed out]
    removed: list[tuple[int, int]] = []
    vanished: list[tuple[int, int, int]] = []
    added: list[tuple[int, int, int]] = []
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
            removed.append((message_id, label_id))
            vanished.append((label_id, uid, modseq))
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
    conn.executemany("DELETE FROM memberships WHERE message_id=? AND label_id=?", removed)
    conn.executemany(_VANISHED, vanished)
    conn.executemany("INSERT INTO memberships(label_id, uid, message_id) VALUES (?,?,?)", added)
    conn.executemany(
        "UPDATE labels SET uidnext=uidnext+?, messages=messages+?, unseen=unseen+?, size=size+?,"
        " highest_modseq=? WHERE id=?",
        [(c[3], c[0], c[1], c[2], modseq, label_id) for label_id, c in sorted(counts.items())],
    )
    conn.executemany(
        "UPDATE messages SET modseq=?, labels=? WHERE id=?",
        [(modseq, " ".join(map(str, sorted(members[mid]))), mid) for mid in changed],
    )
    # the other labels' views show X-GM-LABELS: they changed too
    others = sorted({lid for mid in changed for lid in members[mid]} - set(counts))
    conn.executemany("UPDATE labels SET highest_modseq=? WHERE id=?", [(modseq, lid) for lid in others])
    tx.queue_index_many(changed, "state")
    return Outcome(
        modseq=modseq,
        message_ids=tuple(changed),
        thread_ids=tuple(sorted(threads)),
        label_ids=tuple(sorted({*counts, *others})),
        uids=uids,
    )


def delete_messages(tx: Tx, message_ids: Sequence[int]) -> Outcome:
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
        for label_id in labels_of(conn, message_id):
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


def account_labels(tx: Tx) -> list[Label]:
    return [
        row_to_label(r)
        for r in tx.conn.execute(
            f"SELECT {LABEL_COLUMNS} FROM labels WHERE account_id=? ORDER BY id", (tx.account_id,)
        )
    ]


def create_label(tx: Tx, m: CreateLabel) -> Outcome:
    conn = tx.conn
    name = rules.check_new_label(account_labels(tx), m.name, m.role)
    modseq = tx.next_modseq()
    row = conn.execute(
        f"INSERT INTO labels(account_id, name, role, uidvalidity, color, highest_modseq) VALUES (?,?,?,?,?,?)"
        f" RETURNING {LABEL_COLUMNS}",
        (tx.account_id, name, m.role.value if m.role else None, new_uidvalidity(conn), m.color, modseq),
    ).fetchone()
    label = row_to_label(row)
    return Outcome(modseq=modseq, label_ids=(label.id,), label=label)


def get_label(tx: Tx, label_id: int) -> Label:
    row = tx.conn.execute(
        f"SELECT {LABEL_COLUMNS} FROM labels WHERE id=? AND account_id=?", (label_id, tx.account_id)
    ).fetchone()
    if row is None:
        raise LabelNotFound("no such label")
    return row_to_label(row)


def rename_label(tx: Tx, m: RenameLabel) -> Outcome:
    conn = tx.conn
    plan = rules.labels_to_rename(account_labels(tx), m.label_id, m.new_name)
    modseq = tx.next_modseq()
    # a renamed mailbox is a new mailbox to IMAP clients: new UIDVALIDITY
    for label_id, new_name in plan:
        conn.execute(
            "UPDATE labels SET name=?, uidvalidity=?, highest_modseq=? WHERE id=?",
            (new_name, new_uidvalidity(conn), modseq, label_id),
        )
    return Outcome(modseq=modseq, label_ids=tuple(label_id for label_id, _ in plan))


def update_label(tx: Tx, m: UpdateLabel) -> Outcome:
    label = get_label(tx, m.label_id)
    modseq = tx.next_modseq()
    color = None if m.clear_color else (m.color if m.color is not None else label.color)
    subscribed = label.subscribed if m.subscribed is None else m.subscribed
    tx.conn.execute(
        "UPDATE labels SET color=?, subscribed=? WHERE id=?", (color, 1 if subscribed else 0, label.id)
    )
    return Outcome(modseq=modseq, label_ids=(label.id,))


def delete_label(tx: Tx, label_id: int) -> Outcome:
    conn = tx.conn
    targets = [(lid,) for lid in rules.labels_to_delete(account_labels(tx), label_id)]
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
        refresh_message_labels(conn, mid)
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


def refresh_threads(conn: sqlite3.Connection, account_id: int, touched: dict[int, int]) -> None:
    """Store the summary rows of the conversations a batch touched, reading
    their messages in a few statements whatever their number."""
    members: dict[int, list[rules.ThreadMember]] = {tid: [] for tid in touched}
    for chunk in chunks(sorted(touched), 500):
        marks = ",".join("?" * len(chunk))
        for thread_id, subject, date, seen, flags, has_att, snippet, addrs, labels in conn.execute(
            "SELECT thread_id, subject, internal_date, seen, flags, has_attachment, snippet, addrs, labels"
            f" FROM messages WHERE thread_id IN ({marks}) ORDER BY thread_id, internal_date, id",
            chunk,
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
    empty: list[tuple[int]] = []
    updates: list[tuple[object, ...]] = []
    by_label: list[tuple[int, float, int]] = []
    by_date: list[tuple[int, float, int]] = []
    for thread_id, modseq in touched.items():
        row = rules.summarize_thread(members[thread_id])
        if row is None:
            empty.append((thread_id,))
            continue
        updates.append((
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
        ))
        by_label.extend((lid, row.last_date, thread_id) for lid in sorted(row.label_ids))
        by_date.append((account_id, row.last_date, thread_id))
    every = [(tid,) for tid in touched]
    conn.executemany("DELETE FROM thread_labels WHERE thread_id=?", every)
    # thread_all is keyed by (account, date, thread): the date the summary had
    # is the conversation's last_date until the update below
    conn.executemany(
        "DELETE FROM thread_all WHERE account_id=? AND last_date=(SELECT last_date FROM threads WHERE id=?)"
        " AND thread_id=?",
        [(account_id, t, t) for t in touched],
    )
    conn.executemany("DELETE FROM threads WHERE id=?", empty)
    conn.executemany("DELETE FROM msgids WHERE thread_id=?", empty)
    conn.executemany(
        "UPDATE threads SET subject=?, last_date=?, message_count=?, unread_count=?, flagged=?,"
        " has_attachment=?, snippet=?, participants=?, label_ids=?, modseq=? WHERE id=?",
        updates,
    )
    conn.executemany("INSERT INTO thread_labels(label_id, last_date, thread_id) VALUES (?,?,?)", by_label)
    conn.executemany("INSERT INTO thread_all(account_id, last_date, thread_id) VALUES (?,?,?)", by_date)


def count_contacts(tx: Tx, r: MessageRecord, label_ids: list[int]) -> None:
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

