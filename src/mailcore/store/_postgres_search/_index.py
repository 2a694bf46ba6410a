"""The SearchIndex on PostgreSQL, for installations whose metadata is there too.

One row per message in ``search_docs``: its date, size and attachment bit,
its labels and flags as arrays (GIN-indexed), and three ``tsvector``
columns, each with a GIN index:

* ``words``: subject, from, to, cc, attachment names and body, what a bare
  word searches (bcc is left out, as Gmail does);
* ``pairs``: the adjacent pairs of those words, which phrases look up;
* ``fields``: the header fields and bcc, each lexeme prefixed by its field
  (``f:alice``), with their pairs, so that one index serves every field
  operator.

Documents and queries are tokenized in Python (:mod:`._words`), so that
words match exactly as in the embedded SQLite index. Each call crosses the
bridge once: a batch of documents is one ``INSERT ... SELECT FROM unnest``
(more for a batch of very large documents) in one transaction, and a query
is one statement, or two for a phrase in a field (see :class:`Statements`).

Cursors are keyset cursors over ``(date, message_id)``, in the same format
as the SQLite index's: stable under inserts and deletes, and constant cost
whatever the page number.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterable, Iterator, Sequence

import attrs

from mailcore._bridge import Bridge
from mailcore.errors import QuerySyntaxError
from mailcore.search import And, Field, MatchAll, MatchNone, Not, Or, Query
from mailcore.store._postgres import PgConn, PgDatabase
from mailcore.store._postgres_migrations import bring_up_to_date
from mailcore.store._postgres_search._compile import Compiler, prepare, valid_ids
from mailcore.store._postgres_search._schema import SEARCH_SCHEMA
from mailcore.store._postgres_search._words import tokens, vectors
from mailcore.store.base import DocState, SearchDoc, SearchPage

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1

#: Every statement is planned with its own parameters: whether to walk the
#: date index or a GIN bitmap depends on how common the words are.
_SETTINGS = {"plan_cache_mode": "force_custom_plan"}

#: Characters of ``tsvector`` text sent in one statement at most.
_STATEMENT_BYTES = 64 << 20

_UPSERT = """
INSERT INTO search_docs
  (message_id, account_id, thread_id, date, size, has_attachment, labels, flags, words, fields, pairs)
SELECT u.message_id, u.account_id, u.thread_id, u.date, u.size, u.has_attachment,
       u.labels::bigint[], u.flags::text[], u.words::tsvector, u.fields::tsvector, u.pairs::tsvector
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::float8[], $5::bigint[], $6::bool[],
            $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
  AS u(message_id, account_id, thread_id, date, size, has_attachment, labels, flags, words, fields, pairs)
ON CONFLICT (message_id) DO UPDATE SET
  account_id = EXCLUDED.account_id, thread_id = EXCLUDED.thread_id, date = EXCLUDED.date,
  size = EXCLUDED.size, has_attachment = EXCLUDED.has_attachment, labels = EXCLUDED.labels,
  flags = EXCLUDED.flags, words = EXCLUDED.words, fields = EXCLUDED.fields, pairs = EXCLUDED.pairs
"""

_UPDATE_STATE = """
UPDATE search_docs d SET labels = u.labels::bigint[], flags = u.flags::text[]
FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(message_id, labels, flags)
WHERE d.message_id = u.message_id AND d.account_id = $4
"""


# ----------------------------------------------------------------------------- rows


def _int_array(values: Iterable[int]) -> str:
    """An array literal of integers (each row of a batch has its own length)."""
    return "{" + ",".join(str(v) for v in sorted(values) if _INT64_MIN <= v <= _INT64_MAX) + "}"


def _text_array(values: Iterable[str]) -> str:
    """An array literal of strings, every element quoted and escaped."""
    quoted = (
        '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for v in sorted(values)
        if "\x00" not in v
    )
    return "{" + ",".join(quoted) + "}"


_Row = tuple[object, ...]


def _row(d: SearchDoc) -> _Row:
    filenames = "\n".join(d.filenames)
    return (
        d.message_id,
        d.account_id,
        d.thread_id,
        float(d.date),
        d.size,
        d.has_attachment,
        _int_array(d.labels),
        _text_array(d.flags),
        *vectors(
            (d.subject, d.from_, d.to, d.cc, filenames, d.body),
            (
                ("subject", d.subject),
                ("from", d.from_),
                ("to", d.to),
                ("cc", d.cc),
                ("bcc", d.bcc),
                ("filename", filenames),
            ),
        ),
    )


def _statements(rows: Sequence[_Row]) -> Iterator[list[list[object]]]:
    """The rows as one array per column, for ``unnest``, a statement per
    :data:`_STATEMENT_BYTES` of words (PostgreSQL caps a message at 1 GB)."""
    batch: list[_Row] = []
    size = 0
    for row in rows:
        weight = sum(len(v) for v in row[8:] if isinstance(v, str))
        if batch and size + weight > _STATEMENT_BYTES:
            yield [list(column) for column in zip(*batch, strict=True)]
            batch, size = [], 0
        batch.append(row)
        size += weight
    if batch:
        yield [list(column) for column in zip(*batch, strict=True)]


# --------------------------------------------------------------------------- cursor


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


@attrs.frozen
class Statements:
    """One page of a prepared query, as SQL sharing one list of parameters.

    ``direct`` leaves the plan to PostgreSQL, which chooses well from its
    statistics of lexemes, pairs, labels and flags, except for a phrase in a
    field: ``from:lists.example.org`` is estimated as if its words and pairs
    were independent, so far too rare, and its thousands of matches would be
    collected and sorted. For such a query, ``probe`` first checks the newest
    :data:`PROBE_ROWS` messages only; if they hold a full page, that is the
    answer, else ``collect`` gathers every match through the GIN indexes and
    sorts them. Either way the query never walks the whole account.
    """

    direct: str
    probe: str | None
    collect: str | None
    params: list[object]


#: Newest messages a field phrase checks before it collects every match instead.
PROBE_ROWS = 1000

_ORDER = "ORDER BY d.date DESC, d.message_id DESC"


def statements(
    account_id: int, query: Query, after: tuple[float, int] | None, limit: int, now: float
) -> Statements:
    """The statements for one page (``limit`` rows at most) of a prepared query."""
    compiler = Compiler(now)
    scope = [f"d.account_id = {compiler.bind(account_id)}"]
    if after is not None:
        date, message_id = after
        scope.append(f"(d.date, d.message_id) < ({compiler.bind(date)}, {compiler.bind(message_id)})")
    cond = "TRUE" if isinstance(query, MatchAll) else compiler.condition(query)
    where = " AND ".join([*scope, cond])
    top = f"LIMIT {compiler.bind(limit)}"
    direct = f"SELECT d.message_id, d.date FROM search_docs d WHERE {where} {_ORDER} {top}"
    if not _has_field_phrase(query):
        return Statements(direct, None, None, compiler.params)
    # Only the columns the condition reads: the others would be carried along.
    read = ", ".join(f"d.{c}" for c in sorted(compiler.columns | {"message_id", "date"}))
    newest = f"SELECT {read} FROM search_docs d WHERE {' AND '.join(scope)} {_ORDER} LIMIT {PROBE_ROWS}"
    probe = f"SELECT d.message_id, d.date FROM ({newest}) d WHERE {cond} {_ORDER} {top}"
    collect = (
        f"WITH d AS MATERIALIZED (SELECT d.message_id, d.date FROM search_docs d WHERE {where})"
        f" SELECT d.message_id, d.date FROM d {_ORDER} {top}"
    )
    return Statements(direct, probe, collect, compiler.params)


def _has_field_phrase(query: Query) -> bool:
    match query:
        case Field(value=value):
            return len(tokens(value)) > 1
        case Not(item=item):
            return _has_field_phrase(item)
        case And(items=items) | Or(items=items):
            return any(_has_field_phrase(item) for item in items)
    return False


# ---------------------------------------------------------------------------- index


class PostgresSearchIndex:
    """A :class:`~mailcore.store.base.SearchIndex` in a PostgreSQL database (one schema of it)."""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    @classmethod
    async def open(
        cls, bridge: Bridge, dsn: str, *, schema: str | None = None, migrate: str = "auto"
    ) -> PostgresSearchIndex:
        """Connect and bring the tables up to date (:data:`SEARCH_SCHEMA`), as
        :meth:`PostgresMetaStore.open <mailcore.store.PostgresMetaStore.open>` does."""
        db = await PgDatabase.open(bridge, dsn, schema=schema, settings=_SETTINGS)
        try:
            await bring_up_to_date(db, [SEARCH_SCHEMA], migrate)
        except BaseException:
            await db.aclose()
            raise
        return cls(db)

    async def aclose(self) -> None:
        await self.db.aclose()

    # -- writes

    async def index_many(self, docs: Sequence[SearchDoc]) -> None:
        latest = {doc.message_id: doc for doc in docs}
        if not latest:
            return
        # In the order of their ids, so that two writers never wait on each other in a cycle.
        rows = [_row(latest[i]) for i in sorted(latest)]

        async def write(conn: PgConn) -> None:
            for columns in _statements(rows):
                await conn.raw.execute(_UPSERT, *columns)

        await self.db.write(write)

    async def update_state(self, account_id: int, states: Sequence[DocState]) -> None:
        latest = {s.message_id: s for s in states if _INT64_MIN <= s.message_id <= _INT64_MAX}
        if not latest:
            return
        ids = sorted(latest)
        labels = [_int_array(latest[i].labels) for i in ids]
        flags = [_text_array(latest[i].flags) for i in ids]

        async def write(conn: PgConn) -> None:
            await conn.raw.execute(_UPDATE_STATE, ids, labels, flags, account_id)

        await self.db.write(write)

    async def delete_many(self, account_id: int, message_ids: Sequence[int]) -> None:
        ids = valid_ids(frozenset(message_ids))
        if not ids:
            return

        async def write(conn: PgConn) -> None:
            await conn.raw.execute(
                "DELETE FROM search_docs WHERE account_id = $1 AND message_id = ANY($2::bigint[])",
                account_id,
                ids,
            )

        await self.db.write(write)

    async def delete_account(self, account_id: int) -> None:
        async def write(conn: PgConn) -> None:
            await conn.raw.execute("DELETE FROM search_docs WHERE account_id = $1", account_id)

        await self.db.write(write)

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
        prepared = prepare(query)
        if limit <= 0 or isinstance(prepared, MatchNone):
            return SearchPage([], None)
        plan = statements(account_id, prepared, after, limit + 1, now)

        async def read(conn: PgConn) -> list[tuple[int, float]]:
            if plan.probe is not None and plan.collect is not None:
                rows = await conn.raw.fetch(plan.probe, *plan.params)
                if len(rows) <= limit:
                    rows = await conn.raw.fetch(plan.collect, *plan.params)
            else:
                rows = await conn.raw.fetch(plan.direct, *plan.params)
            return [(int(r[0]), float(r[1])) for r in rows]

        rows = await self.db.read(read)
        page = rows[:limit]
        next_cursor = _encode_cursor(page[-1][1], page[-1][0]) if len(rows) > limit else None
        return SearchPage([message_id for message_id, _ in page], next_cursor)
