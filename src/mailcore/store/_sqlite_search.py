"""The embedded :class:`~mailcore.store.base.SearchIndex`: SQLite FTS5.

Layout: ``docs`` holds one row per message (its rowid *is* the engine-wide
message id), ``doc_labels`` and ``doc_flags`` hold the mutable state, and the
FTS5 tables ``doc_text`` (and ``doc_bcc``) hold the words, keyed by the same
rowid. The FTS5 tables keep their own copy of the text: SQLite before 3.43
cannot delete from a contentless table without being given the old text,
and this index must be cheap to update and to delete from.

A query tree is compiled into SQL. Text terms become FTS5 phrases built only
from quoted strings (user text can never reach FTS5 or SQL syntax), with
column filters for the field operators. The textual conjuncts of a query are
merged into a single FTS5 expression, so five words cost one full-text
lookup, not five.

The plan is chosen per query from capped counts (a few thousand index steps
at most):

* text with few matches drives the statement: its matches are enumerated,
  joined to ``docs`` by rowid, filtered and sorted;
* else a rare label or flag drives it the same way, the text becoming a set
  each candidate is checked against;
* else the ``(account_id, date, message_id)`` index is walked newest first,
  and the walk stops as soon as ``limit`` rows have matched.

Full-text lookups are not restricted to the account inside FTS5 (the rows
they are joined to are): with one large account, an account token ANDed in
doubles the cost of a common word. An index shared by very many accounts
would want that token, or one index per shard of accounts.

Cursors are keyset cursors over ``(date, message_id)``: stable under inserts
and deletes, and constant cost whatever the page number.
"""

from __future__ import annotations

import base64
import binascii
import math
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from mailcore.errors import QuerySyntaxError
from mailcore.search import (
    And,
    DateAfter,
    DateBefore,
    Field,
    Flag,
    HasAttachment,
    Label,
    LabelIds,
    Larger,
    MatchAll,
    MatchNone,
    NewerThan,
    Not,
    OlderThan,
    Or,
    Query,
    Smaller,
    Text,
)
from mailcore.store._sqlite import SQLiteDatabase
from mailcore.store.base import DocState, SearchDoc, SearchPage

__all__ = ["SQLiteSearchIndex"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    message_id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    thread_id INTEGER NOT NULL,
    date REAL NOT NULL,
    size INTEGER NOT NULL,
    has_attachment INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_account_date ON docs (account_id, date, message_id);

CREATE TABLE IF NOT EXISTS doc_labels (
    message_id INTEGER NOT NULL,
    label_id INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    PRIMARY KEY (message_id, label_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_labels_label ON doc_labels (account_id, label_id, message_id);

CREATE TABLE IF NOT EXISTS doc_flags (
    message_id INTEGER NOT NULL,
    flag TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    PRIMARY KEY (message_id, flag)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_flags_flag ON doc_flags (account_id, flag, message_id);

-- Every column of doc_text is one a bare word searches, so that bare words
-- need no column filter (a filter makes FTS5 decode every position list:
-- three to four times slower on common words). Bcc, searched only by bcc:,
-- lives in its own table.
CREATE VIRTUAL TABLE IF NOT EXISTS doc_text USING fts5 (
    subject, from_, "to", cc, body, filenames,
    tokenize = 'unicode61 remove_diacritics 2',
    columnsize = 0
);
CREATE VIRTUAL TABLE IF NOT EXISTS doc_bcc USING fts5 (
    bcc,
    tokenize = 'unicode61 remove_diacritics 2',
    columnsize = 0
);
"""

#: Column filters of the field operators in doc_text (bcc: has its own table).
_FIELD_COLUMNS = {
    "from": "{from_}",
    "to": "{to}",
    "cc": "{cc}",
    "subject": "{subject}",
    "filename": "{filenames}",
}

#: A condition with at most this many matches may drive the statement (its
#: matches are enumerated, then sorted); above it, walk the date index.
_DRIVE_MAX = 20_000
#: Text with at most this many matches drives the statement; counting them
#: costs about a microsecond each.
_TEXT_RARE = 2000
#: Rows per statement when a list of ids is spliced into ``IN (...)``.
_CHUNK = 500

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def _clamp_int(value: int) -> int:
    return max(_INT64_MIN, min(_INT64_MAX, value))


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


# ----------------------------------------------------------------------------- cursor


def _encode_cursor(date: float, message_id: int) -> str:
    raw = f"{date!r},{message_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[float, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        date_text, id_text = raw.split(",")
        date, message_id = float(date_text), int(id_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise QuerySyntaxError("invalid cursor", 0, cursor) from None
    if not math.isfinite(date) or not _INT64_MIN <= message_id <= _INT64_MAX:
        raise QuerySyntaxError("invalid cursor", 0, cursor)
    return date, message_id


# --------------------------------------------------------------------------- compiler


def _fts_string(value: str) -> str:
    """``value`` as one FTS5 string: its tokens, adjacent and in order."""
    return '"' + value.replace("\x00", " ").replace('"', '""') + '"'


def _fts(query: Query) -> str | None:
    """The FTS5 expression for a purely textual tree, or None if it is not one."""
    match query:
        case Text(value=value):
            return _fts_string(value)
        case Field(field=field, value=value) if field in _FIELD_COLUMNS:
            return f"{_FIELD_COLUMNS[field]} : {_fts_string(value)}"
        case And(items=items):
            positive: list[str] = []
            negative: list[str] = []
            for item in items:
                if isinstance(item, Not):
                    inner = _fts(item.item)
                    if inner is None:
                        return None
                    negative.append(inner)
                else:
                    expr = _fts(item)
                    if expr is None:
                        return None
                    positive.append(expr)
            return _fts_and_not(positive, negative)
        case Or(items=items):
            parts = [_fts(item) for item in items if not isinstance(item, Not)]
            if len(parts) != len(items) or None in parts:
                return None
            return "(" + " OR ".join(f"({p})" for p in parts if p is not None) + ")"
    return None


def _fts_and_not(positive: list[str], negative: list[str]) -> str | None:
    # Flat chains: FTS5's parser stack overflows on deeply nested expressions.
    if not positive:
        return None
    expr = " AND ".join(f"({p})" for p in positive)
    if negative:
        expr = f"({expr}) NOT ({' OR '.join(f'({n})' for n in negative)})"
    return expr


def _balanced(op: str, parts: list[str]) -> str:
    """Join with ``op`` as a balanced tree: SQLite caps expression depth at 1000."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return f"({_balanced(op, parts[:middle])} {op} {_balanced(op, parts[middle:])})"


@attrs.define
class _Compiler:
    """Turns query trees into SQL conditions over ``docs d``, collecting parameters.

    Parameters are appended in the order conditions are produced, so the
    caller must splice conditions into the statement in that same order.
    """

    account_id: int
    now: float
    params: list[Any] = attrs.field(factory=list)

    def text_match(self, expr: str, *, negate: bool = False) -> str:
        """Documents matching ``expr``, as a set built once per statement.

        (A correlated probe, ``MATCH ? AND rowid = d.message_id``, looks
        cheaper but costs FTS5 a walk through each term's doclist per row.)
        """
        self.params.append(expr)
        op = "NOT IN" if negate else "IN"
        return f"d.message_id {op} (SELECT rowid FROM doc_text WHERE doc_text MATCH ?)"

    def condition(self, query: Query) -> str:
        match query:
            case And(items=items):
                return self.conjunction(items)
            case Or(items=items):
                texts = [i for i in items if not isinstance(i, Not) and _fts(i) is not None]
                parts = [self.condition(i) for i in items if i not in texts]
                if texts:
                    expr = _fts(Or(tuple(texts))) if len(texts) > 1 else _fts(texts[0])
                    assert expr is not None
                    parts.append(self.text_match(expr))
                return _balanced("OR", parts)
            case Not(item=item):
                expr = _fts(item)
                if expr is not None:
                    return self.text_match(expr, negate=True)
                return f"NOT {self.condition(item)}"
            case Field(field="bcc", value=value):
                self.params.append(_fts_string(value))
                return "d.message_id IN (SELECT rowid FROM doc_bcc WHERE doc_bcc MATCH ?)"
            case Text() | Field():
                expr = _fts(query)
                assert expr is not None
                return self.text_match(expr)
            case HasAttachment():
                return "d.has_attachment = 1"
            case Flag(flag=flag):
                self.params.append(flag)
                return (
                    "EXISTS (SELECT 1 FROM doc_flags f"
                    " WHERE f.message_id = d.message_id AND f.flag = ?)"
                )
            case LabelIds():
                ids = _valid_ids(query)
                if not ids:
                    return "0"
                self.params.extend(ids)
                return (
                    "EXISTS (SELECT 1 FROM doc_labels l"
                    f" WHERE l.message_id = d.message_id AND l.label_id IN ({_marks(ids)}))"
                )
            case Label(name=name):
                raise ValueError(f"label {name!r} is not resolved: use resolve_labels()")
            case DateBefore(ts=ts):
                self.params.append(ts)
                return "d.date < ?"
            case DateAfter(ts=ts):
                self.params.append(ts)
                return "d.date >= ?"
            case OlderThan(seconds=seconds):
                self.params.append(self.now - seconds)
                return "d.date < ?"
            case NewerThan(seconds=seconds):
                self.params.append(self.now - seconds)
                return "d.date >= ?"
            case Larger(size=size):
                self.params.append(_clamp_int(size))
                return "d.size > ?"
            case Smaller(size=size):
                self.params.append(_clamp_int(size))
                return "d.size < ?"
            case MatchAll():
                return "1"
            case MatchNone():
                return "0"
        raise TypeError(f"not a query node: {query!r}")

    def conjunction(self, items: Sequence[Query]) -> str:
        text, others = _split_text(items)
        parts: list[str] = []
        if text is not None:
            parts.append(self.text_match(text))
        parts.extend(self.condition(item) for item in others)
        return _balanced("AND", parts) if parts else "1"


def _valid_ids(query: LabelIds) -> list[int]:
    return sorted(i for i in query.ids if _INT64_MIN <= i <= _INT64_MAX)


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


def _split_text(items: Sequence[Query]) -> tuple[str | None, list[Query]]:
    """Merge the textual conjuncts into one FTS5 expression.

    Returns that expression (None when no conjunct is positive text: FTS5
    cannot express a bare negation) and the conjuncts left over, which
    include negated text when there was no positive text to attach it to.
    """
    positive: list[str] = []
    negative: list[str] = []
    negated: list[Query] = []
    others: list[Query] = []
    for item in items:
        if isinstance(item, Not) and (inner := _fts(item.item)) is not None:
            negative.append(inner)
            negated.append(item)
        elif not isinstance(item, Not) and (expr := _fts(item)) is not None:
            positive.append(expr)
        else:
            others.append(item)
    if not positive:
        if len(negated) > 1:
            others.insert(0, Not(Or(tuple(n.item for n in negated if isinstance(n, Not)))))
        else:
            others[:0] = negated
        return None, others
    return _fts_and_not(positive, negative), others


# ---------------------------------------------------------------------------- planner


@attrs.frozen
class _Driver:
    """A conjunct that can enumerate its matches from an index, and how many it has."""

    matches: int
    position: int  # index into the leftover conjuncts
    source: str  # SQL yielding the candidate message ids as ``id``
    params: tuple[Any, ...]


def _count(conn: sqlite3.Connection, sql: str, params: Sequence[Any], cap: int) -> int:
    """How many rows ``sql`` yields, counting no further than ``cap + 1``."""
    (n,) = conn.execute(f"SELECT count(*) FROM ({sql} LIMIT ?)", (*params, cap + 1)).fetchone()
    return int(n)


def _state_drivers(
    conn: sqlite3.Connection, account_id: int, conjuncts: Sequence[Query]
) -> list[_Driver]:
    drivers = []
    for position, item in enumerate(conjuncts):
        if isinstance(item, LabelIds) and (ids := _valid_ids(item)):
            source = (
                "SELECT DISTINCT message_id AS id FROM doc_labels"
                f" WHERE account_id = ? AND label_id IN ({_marks(ids)})"
            )
            params: tuple[Any, ...] = (account_id, *ids)
        elif isinstance(item, Flag):
            source = "SELECT message_id AS id FROM doc_flags WHERE account_id = ? AND flag = ?"
            params = (account_id, item.flag)
        else:
            continue
        matches = _count(conn, source, params, _DRIVE_MAX)
        drivers.append(_Driver(matches, position, source, params))
    return drivers


_TEXT_SOURCE = "SELECT rowid AS id FROM doc_text WHERE doc_text MATCH ?"
_BY_DATE = "docs d INDEXED BY docs_account_date"
_After = tuple[float, int] | None
_Rows = list[tuple[int, float]]


@attrs.frozen
class _Search:
    """One query of one account, planned and run on a reader connection."""

    conn: sqlite3.Connection
    account_id: int
    now: float
    text: str | None  # merged positive full-text conjuncts
    conjuncts: Sequence[Query]  # every other conjunct

    def run(self, after: _After, limit: int) -> _Rows:
        """Choose a plan (see the module docstring) and run it.

        Counting is capped, so planning costs at most a few thousand index
        steps however large the account.
        """
        drivers = _state_drivers(self.conn, self.account_id, self.conjuncts)
        best = min(drivers, key=lambda d: d.matches, default=None)
        if self.text is None:
            if best is not None and best.matches <= _DRIVE_MAX:
                return self.select(after, limit, driver=best)
            return self.select(after, limit)
        text_matches = _count(self.conn, _TEXT_SOURCE, (self.text,), _TEXT_RARE)
        if text_matches <= _TEXT_RARE and (best is None or best.matches >= text_matches):
            return self.select(after, limit, driver="text")
        # The text is common (or a label or flag is rarer): its matches become
        # a set that each candidate row is checked against.
        if best is not None and best.matches <= _DRIVE_MAX:
            return self.select(after, limit, driver=best, text=True)
        return self.select(after, limit, text=True)

    def select(
        self,
        after: _After,
        limit: int,
        *,
        driver: _Driver | Literal["text"] | None = None,
        text: bool = False,
    ) -> _Rows:
        """Run one statement: enumerate ``driver`` (or walk the date index), filter, sort.

        ``text`` adds the full-text conjunct as a filter when it does not drive.
        """
        compiler = _Compiler(self.account_id, self.now)
        params = compiler.params
        conds = ["d.account_id = ?"]
        if driver == "text":
            assert self.text is not None
            source = f"({_TEXT_SOURCE}) m CROSS JOIN docs d ON d.message_id = m.id"
            params.append(self.text)
        elif isinstance(driver, _Driver):
            source = f"({driver.source}) m CROSS JOIN docs d ON d.message_id = m.id"
            params.extend(driver.params)
        else:
            source = _BY_DATE
        params.append(self.account_id)
        skip = driver.position if isinstance(driver, _Driver) else None
        conds.extend(compiler.condition(c) for i, c in enumerate(self.conjuncts) if i != skip)
        if text:
            assert self.text is not None
            conds.append(compiler.text_match(self.text))
        if after is not None:
            conds.append("(d.date, d.message_id) < (?, ?)")
            params.extend(after)
        params.append(limit)
        sql = (
            f"SELECT d.message_id, d.date FROM {source} WHERE {_balanced('AND', conds)}"
            " ORDER BY d.date DESC, d.message_id DESC LIMIT ?"
        )
        return [(int(i), float(date)) for i, date in self.conn.execute(sql, params)]


# ------------------------------------------------------------------------------ index


class SQLiteSearchIndex:
    """A :class:`~mailcore.store.base.SearchIndex` in one SQLite file.

    The index is derived data, rebuildable from the meta and blob stores, so
    it commits with ``synchronous=NORMAL``.
    """

    def __init__(self, path: Path | str, *, readers: int = 2) -> None:
        self._db = SQLiteDatabase(path, synchronous="NORMAL", readers=readers, schema=_SCHEMA)

    # -- writes

    async def index_many(self, docs: Sequence[SearchDoc]) -> None:
        latest = {doc.message_id: doc for doc in docs}
        if not latest:
            return
        batch = list(latest.values())

        def write(conn: sqlite3.Connection) -> None:
            _forget(conn, _existing(conn, list(latest)))
            conn.executemany(
                "INSERT INTO docs (message_id, account_id, thread_id, date, size, has_attachment)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (d.message_id, d.account_id, d.thread_id, d.date, d.size, int(d.has_attachment))
                    for d in batch
                ],
            )
            conn.executemany(
                "INSERT INTO doc_text"
                ' (rowid, subject, from_, "to", cc, body, filenames)'
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        d.message_id,
                        d.subject,
                        d.from_,
                        d.to,
                        d.cc,
                        d.body,
                        "\n".join(d.filenames),
                    )
                    for d in batch
                ],
            )
            conn.executemany(
                "INSERT INTO doc_bcc (rowid, bcc) VALUES (?, ?)",
                [(d.message_id, d.bcc) for d in batch if d.bcc],
            )
            _insert_state(conn, [(d.account_id, d.message_id, d.labels, d.flags) for d in batch])

        await self._db.write(write)

    async def update_state(self, account_id: int, states: Sequence[DocState]) -> None:
        latest = {state.message_id: state for state in states}
        if not latest:
            return

        def write(conn: sqlite3.Connection) -> None:
            owned = set(_existing(conn, list(latest), account_id))
            rows = [(account_id, i, s.labels, s.flags) for i, s in latest.items() if i in owned]
            ids = [(row[1],) for row in rows]
            conn.executemany("DELETE FROM doc_labels WHERE message_id = ?", ids)
            conn.executemany("DELETE FROM doc_flags WHERE message_id = ?", ids)
            _insert_state(conn, rows)

        await self._db.write(write)

    async def delete_many(self, account_id: int, message_ids: Sequence[int]) -> None:
        ids = sorted(set(message_ids))
        if not ids:
            return

        def write(conn: sqlite3.Connection) -> None:
            _forget(conn, _existing(conn, ids, account_id))

        await self._db.write(write)

    async def delete_account(self, account_id: int) -> None:
        def write(conn: sqlite3.Connection) -> None:
            owned = "SELECT message_id FROM docs WHERE account_id = ?"
            conn.execute(f"DELETE FROM doc_text WHERE rowid IN ({owned})", (account_id,))
            conn.execute(f"DELETE FROM doc_bcc WHERE rowid IN ({owned})", (account_id,))
            conn.execute("DELETE FROM doc_labels WHERE account_id = ?", (account_id,))
            conn.execute("DELETE FROM doc_flags WHERE account_id = ?", (account_id,))
            conn.execute("DELETE FROM docs WHERE account_id = ?", (account_id,))

        await self._db.write(write)

    # -- reads

    async def query(
        self,
        account_id: int,
        query: Query,
        *,
        limit: int = 50,
        cursor: str | None = None,
        now: float,
    ) -> SearchPage:
        after = _decode_cursor(cursor) if cursor is not None else None
        if limit <= 0 or isinstance(query, MatchNone):
            return SearchPage([], None)
        _check_resolved(query)

        items = query.items if isinstance(query, And) else (query,)
        text, conjuncts = _split_text(items)

        def read(conn: sqlite3.Connection) -> _Rows:
            return _Search(conn, account_id, now, text, conjuncts).run(after, limit + 1)

        rows = await self._db.read(read)
        page = rows[:limit]
        next_cursor = _encode_cursor(page[-1][1], page[-1][0]) if len(rows) > limit else None
        return SearchPage([message_id for message_id, _ in page], next_cursor)

    async def aclose(self) -> None:
        await self._db.aclose()


def _check_resolved(query: Query) -> None:
    """Refuse unresolved label names before going to a worker thread."""
    match query:
        case Label(name=name):
            raise ValueError(f"label {name!r} is not resolved: use resolve_labels()")
        case And(items=items) | Or(items=items):
            for item in items:
                _check_resolved(item)
        case Not(item=item):
            _check_resolved(item)


# ------------------------------------------------------------------- write helpers


def _existing(
    conn: sqlite3.Connection, ids: Sequence[int], account_id: int | None = None
) -> list[int]:
    """Which of ``ids`` are indexed (in ``account_id``, when given)."""
    found: list[int] = []
    for chunk in _chunks(ids):
        marks = ", ".join("?" * len(chunk))
        sql = f"SELECT message_id FROM docs WHERE message_id IN ({marks})"
        params: list[int] = list(chunk)
        if account_id is not None:
            sql += " AND account_id = ?"
            params.append(account_id)
        found.extend(row[0] for row in conn.execute(sql, params))
    return found


def _forget(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    rows = [(i,) for i in ids]
    conn.executemany("DELETE FROM doc_text WHERE rowid = ?", rows)
    conn.executemany("DELETE FROM doc_bcc WHERE rowid = ?", rows)
    conn.executemany("DELETE FROM doc_labels WHERE message_id = ?", rows)
    conn.executemany("DELETE FROM doc_flags WHERE message_id = ?", rows)
    conn.executemany("DELETE FROM docs WHERE message_id = ?", rows)


def _insert_state(
    conn: sqlite3.Connection,
    rows: Sequence[tuple[int, int, frozenset[int], frozenset[str]]],
) -> None:
    conn.executemany(
        "INSERT INTO doc_labels (account_id, message_id, label_id) VALUES (?, ?, ?)",
        [(account, message, label) for account, message, labels, _ in rows for label in labels],
    )
    conn.executemany(
        "INSERT INTO doc_flags (account_id, message_id, flag) VALUES (?, ?, ?)",
        [(account, message, flag) for account, message, _, flags in rows for flag in flags],
    )
