"""The SearchIndex contract, run over every adapter, plus SQLite specifics.

Each (adapter, check) pair is its own test, so a failure names the adapter
and the promise. An Elasticsearch adapter joins by adding a factory to
``ADAPTERS`` (skipped, saying so, when ``MAILCORE_TEST_ELASTICSEARCH_URL`` is
unset). PostgreSQL runs for real, each index in a fresh schema dropped after.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import attrs
import pytest

import mailcore.store._postgres_search._index as postgres_search_index
import mailcore.store._sqlite_search as sqlite_search
from mailcore._bridge import open_bridge
from mailcore.errors import QuerySyntaxError
from mailcore.search import And, Flag, Larger, MatchAll, Not, Or, Text, parse_query
from mailcore.store import PostgresSearchIndex, SQLiteSearchIndex
from mailcore.store.base import SearchDoc, SearchIndex
from mailcore.testing import (
    SEARCH_INDEX_CHECKS,
    SearchIndexCheck,
    check_search_index,
)
from tests.servers import new_schema, require_postgres

Factory = Callable[[], AbstractAsyncContextManager[SearchIndex]]


def sqlite_factory(tmp_path: Path, _monkeypatch: pytest.MonkeyPatch) -> Factory:
    counter = 0

    @asynccontextmanager
    async def open_index() -> AsyncIterator[SearchIndex]:
        nonlocal counter
        counter += 1
        index = SQLiteSearchIndex(tmp_path / f"search-{counter}.db")
        try:
            yield index
        finally:
            await index.aclose()

    return open_index


def sqlite_tiny_plans_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Factory:
    """The SQLite adapter with planner thresholds so low that small tests take every route."""
    monkeypatch.setattr(sqlite_search, "_TEXT_RARE", 1)
    monkeypatch.setattr(sqlite_search, "_DRIVE_MAX", 2)
    return sqlite_factory(tmp_path, monkeypatch)


def postgres_factory(_tmp_path: Path, _monkeypatch: pytest.MonkeyPatch) -> Factory:
    url = require_postgres()

    @asynccontextmanager
    async def open_index() -> AsyncIterator[SearchIndex]:
        schema = new_schema()
        async with open_bridge() as bridge:
            try:
                index = await PostgresSearchIndex.open(bridge, url, schema=schema)
                try:
                    yield index
                finally:
                    await index.aclose()
            finally:
                await bridge.call(_drop_schema, url, schema)

    return open_index


def postgres_tiny_probe_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Factory:
    """The PostgreSQL adapter probing so few rows that phrases take both routes."""
    monkeypatch.setattr(postgres_search_index, "PROBE_ROWS", 2)
    return postgres_factory(tmp_path, monkeypatch)


async def _drop_schema(url: str, schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


ADAPTERS: dict[str, Callable[[Path, pytest.MonkeyPatch], Factory]] = {
    "sqlite": sqlite_factory,
    "sqlite-tiny-plans": sqlite_tiny_plans_factory,
    "postgres": postgres_factory,
    "postgres-tiny-probe": postgres_tiny_probe_factory,
}


@pytest.mark.parametrize("check", SEARCH_INDEX_CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("adapter", list(ADAPTERS))
async def test_contract(
    adapter: str, check: SearchIndexCheck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with ADAPTERS[adapter](tmp_path, monkeypatch)() as index:
        await check(index)


async def test_check_search_index_runs_every_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = list(SEARCH_INDEX_CHECKS)

    async def spy(index: SearchIndex) -> None:
        seen.append("spy")

    monkeypatch.setattr("mailcore.testing._search_contract.SEARCH_INDEX_CHECKS", [spy] * len(real))
    await check_search_index(sqlite_factory(tmp_path, monkeypatch))
    assert len(seen) == len(real)


async def test_check_search_index_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A sample of the whole-suite entry point, end to end (each check is also run above).
    monkeypatch.setattr(
        "mailcore.testing._search_contract.SEARCH_INDEX_CHECKS", SEARCH_INDEX_CHECKS[:3]
    )
    await check_search_index(sqlite_factory(tmp_path, monkeypatch))


# ------------------------------------------------------------------ SQLite only


def _doc(message_id: int, body: str, account_id: int = 1) -> SearchDoc:
    return SearchDoc(
        account_id=account_id,
        message_id=message_id,
        thread_id=message_id,
        date=1_700_000_000.0 - message_id,
        size=100,
        from_="",
        to="",
        cc="",
        bcc="",
        subject="",
        body=body,
        filenames=(),
        has_attachment=False,
        labels=frozenset(),
        flags=frozenset(),
    )


async def test_sqlite_is_a_search_index(tmp_path: Path) -> None:
    index = SQLiteSearchIndex(tmp_path / "s.db", readers=1)
    try:
        assert isinstance(index, SearchIndex)
    finally:
        await index.aclose()


async def test_sqlite_survives_reopen(tmp_path: Path) -> None:
    index = SQLiteSearchIndex(tmp_path / "s.db")
    await index.index_many([_doc(1, "persistent words")])
    await index.aclose()
    index = SQLiteSearchIndex(tmp_path / "s.db")
    try:
        page = await index.query(1, parse_query("persistent"), now=0.0)
        assert page.message_ids == [1]
    finally:
        await index.aclose()


@pytest.mark.parametrize("cursor", ["", "!!!", "bm90IGEgY3Vyc29y", "aW5mLDE"])
async def test_sqlite_rejects_bad_cursor(tmp_path: Path, cursor: str) -> None:
    index = SQLiteSearchIndex(tmp_path / "s.db")
    try:
        with pytest.raises(QuerySyntaxError):
            await index.query(1, MatchAll(), cursor=cursor, now=0.0)
    finally:
        await index.aclose()


async def test_sqlite_refuses_unresolved_labels(tmp_path: Path) -> None:
    index = SQLiteSearchIndex(tmp_path / "s.db")
    try:
        with pytest.raises(ValueError, match="resolve_labels"):
            await index.query(1, parse_query("a OR label:x"), now=0.0)
    finally:
        await index.aclose()


async def test_sqlite_many_terms_stay_within_sqlite_limits(tmp_path: Path) -> None:
    # A long query must not hit SQLite's expression depth limit (1000).
    index = SQLiteSearchIndex(tmp_path / "s.db")
    try:
        await index.index_many([_doc(1, "w0 w1"), _doc(2, "w1")])
        query = parse_query(" ".join(f"-x{i} is:unread" for i in range(400)) + " w1")
        assert (await index.query(1, query, now=0.0)).message_ids == [1, 2]
        # Trees built in code have no length limit.
        many_and = And(tuple(Not(Flag(f"k{i}")) for i in range(1500)) + (Text("w1"),))
        assert (await index.query(1, many_and, now=0.0)).message_ids == [1, 2]
        many_or = Or(tuple(Larger(10**6 + i) for i in range(1500)) + (Text("w0"),))
        assert (await index.query(1, many_or, now=0.0)).message_ids == [1]
    finally:
        await index.aclose()


async def test_sqlite_deepest_parsed_query(tmp_path: Path) -> None:
    # The parser allows 32 nested groups; FTS5's own parser must cope with them.
    index = SQLiteSearchIndex(tmp_path / "s.db")
    try:
        await index.index_many([_doc(1, "a b c"), _doc(2, "b")])
        text = "(a OR -(b " * 16 + "c" + "))" * 16
        page = await index.query(1, parse_query(text), now=0.0)
        assert page.message_ids == [1]
        text = "a " + "(b " * 32 + "-zz" + ")" * 32
        assert (await index.query(1, parse_query(text), now=0.0)).message_ids == [1]
    finally:
        await index.aclose()


# -------------------------------------------------------------- PostgreSQL only


@asynccontextmanager
async def _postgres_index(schema: str | None = None) -> AsyncIterator[PostgresSearchIndex]:
    url = require_postgres()
    schema = schema or new_schema()
    async with open_bridge() as bridge:
        try:
            index = await PostgresSearchIndex.open(bridge, url, schema=schema)
            try:
                yield index
            finally:
                await index.aclose()
        finally:
            await bridge.call(_drop_schema, url, schema)


async def test_postgres_is_a_search_index_and_survives_reopen() -> None:
    url = require_postgres()
    schema = new_schema()
    async with open_bridge() as bridge:
        try:
            first = await PostgresSearchIndex.open(bridge, url, schema=schema)
            assert isinstance(first, SearchIndex)
            await first.index_many([_doc(1, "persistent words")])
            await first.aclose()
            again = await PostgresSearchIndex.open(bridge, url, schema=schema)
            try:
                page = await again.query(1, parse_query("persistent"), now=0.0)
                assert page.message_ids == [1]
            finally:
                await again.aclose()
        finally:
            await bridge.call(_drop_schema, url, schema)


async def test_postgres_shares_a_schema_with_the_meta_store() -> None:
    # Both adapters number their migrations in tables of their own.
    from mailcore.store import PostgresMetaStore

    url = require_postgres()
    schema = new_schema()
    async with open_bridge() as bridge:
        try:
            meta = await PostgresMetaStore.open(bridge, url, schema=schema)
            index = await PostgresSearchIndex.open(bridge, url, schema=schema)
            try:
                await meta.add_domain("example.com")
                await index.index_many([_doc(1, "side by side")])
                assert (await index.query(1, parse_query('"side by side"'), now=0.0)).message_ids == [1]
            finally:
                await index.aclose()
                await meta.aclose()
        finally:
            await bridge.call(_drop_schema, url, schema)


@pytest.mark.parametrize("cursor", ["", "!!!", "bm90IGEgY3Vyc29y", "aW5mLDE"])
async def test_postgres_rejects_bad_cursor(cursor: str) -> None:
    async with _postgres_index() as index:
        with pytest.raises(QuerySyntaxError):
            await index.query(1, MatchAll(), cursor=cursor, now=0.0)


async def test_postgres_refuses_unresolved_labels() -> None:
    async with _postgres_index() as index:
        with pytest.raises(ValueError, match="resolve_labels"):
            await index.query(1, parse_query("a OR label:x"), now=0.0)


async def test_postgres_long_and_deep_queries() -> None:
    async with _postgres_index() as index:
        await index.index_many([_doc(1, "w0 w1 a b c"), _doc(2, "w1 b")])
        query = parse_query(" ".join(f"-x{i} is:unread" for i in range(400)) + " w1")
        assert (await index.query(1, query, now=0.0)).message_ids == [1, 2]
        many_and = And(tuple(Not(Flag(f"k{i}")) for i in range(1500)) + (Text("w1"),))
        assert (await index.query(1, many_and, now=0.0)).message_ids == [1, 2]
        many_or = Or(tuple(Larger(10**6 + i) for i in range(1500)) + (Text("w0"),))
        assert (await index.query(1, many_or, now=0.0)).message_ids == [1]
        text = "(a OR -(b " * 16 + "c" + "))" * 16
        assert (await index.query(1, parse_query(text), now=0.0)).message_ids == [1]
        text = "a " + "(b " * 32 + "-zz" + ")" * 32
        assert (await index.query(1, parse_query(text), now=0.0)).message_ids == [1]


@pytest.mark.parametrize("adapter", ["sqlite", "postgres"])
async def test_words_beyond_postgres_limits(
    adapter: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL caps a lexeme at 2047 bytes, a position at 16383 and a
    # tsvector at 1 MB; such documents are still indexed, and words are found
    # as in SQLite (non-ASCII text included).
    long_word = "z" * 3000
    many_words = " ".join(f"w{i}" for i in range(200_000))  # > 1 MB of lexemes
    deep = " ".join(["filler"] * 20_000) + " needle"
    docs = [
        _doc(1, f"short {long_word}"),
        _doc(2, many_words),
        _doc(3, deep),
        _doc(4, "文字 ünïcödé Straße ΚΑΛΗΜΈΡΑ"),
    ]
    async with ADAPTERS[adapter](tmp_path, monkeypatch)() as index:
        await index.index_many(docs)

        async def ids(query: str | Text) -> list[int]:
            tree = parse_query(query) if isinstance(query, str) else query
            return (await index.query(1, tree, now=0.0)).message_ids

        assert await ids(Text(long_word)) == [1]
        assert await ids('"w0 w1"') == [2]
        assert await ids("needle") == [3]
        assert await ids("filler") == [3]
        assert await ids("unicode") == [4]
        assert await ids("ÜNÏCÖDÉ") == [4]
        assert await ids("文字") == [4]
        assert await ids("straße") == [4]
        assert await ids("καλημέρα") == [4]
        assert await ids("καλημερα") == []  # only Latin letters lose their accents


async def test_postgres_field_phrases_probe_then_collect(monkeypatch: pytest.MonkeyPatch) -> None:
    # A page found among the newest messages is answered from them; a page
    # they cannot fill is collected through the indexes: the same answers.
    monkeypatch.setattr(postgres_search_index, "PROBE_ROWS", 3)
    docs = [
        attrs.evolve(_doc(i, "x"), from_="Alice <alice@example.com>" if i % 2 else "bob@example.com")
        for i in range(1, 11)
    ]
    query = parse_query("from:alice@example.com")
    async with _postgres_index() as index:
        await index.index_many(docs)
        for limit in (1, 2, 3, 100):
            seen: list[int] = []
            cursor = None
            while True:
                page = await index.query(1, query, limit=limit, cursor=cursor, now=0.0)
                seen.extend(page.message_ids)
                if (cursor := page.next_cursor) is None:
                    break
            assert seen == [1, 3, 5, 7, 9], limit


async def test_postgres_large_batches_span_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    # A batch is written in several statements (one transaction) when its
    # words are many; every document is there, the last version of each.
    monkeypatch.setattr(postgres_search_index, "_STATEMENT_BYTES", 200)
    docs = [_doc(i, f"batch word{i} " + "filler " * (i % 7)) for i in range(1, 41)]
    async with _postgres_index() as index:
        await index.index_many([*docs, attrs.evolve(docs[0], body="replaced")])
        assert (await index.query(1, parse_query("batch"), limit=100, now=0.0)).message_ids == list(range(2, 41))
        assert (await index.query(1, parse_query("word17"), now=0.0)).message_ids == [17]
        assert (await index.query(1, parse_query("replaced"), now=0.0)).message_ids == [1]


async def test_postgres_finds_what_sqlite_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Random documents and queries (punctuation, accents, addresses, phrases,
    # fields, negations, labels, flags): both adapters answer alike, in order.
    import random

    rng = random.Random(20240531)
    vocabulary = ["alpha", "beta", "gamma", "Café", "naïve", "x-ray", "o'neil", "2024", "re:", "ünï"]
    people = ["Ann <ann@example.com>", "bob@mail.example.org", "Zoé Ça <zoe@ex.fr>", ""]

    def text(n: int) -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, n)))

    docs = [
        SearchDoc(
            account_id=1,
            message_id=i,
            thread_id=i,
            date=1_700_000_000.0 - rng.randint(0, 50) * 3600.0,
            size=rng.randint(100, 5000),
            from_=rng.choice(people),
            to=rng.choice(people),
            cc=rng.choice(people),
            bcc=rng.choice(people),
            subject=text(4),
            body=text(12),
            filenames=(f"{rng.choice(vocabulary)}.pdf",) if i % 5 == 0 else (),
            has_attachment=i % 5 == 0,
            labels=frozenset(rng.sample([1, 2, 3], rng.randint(0, 2))),
            flags=frozenset(rng.sample(["\\Seen", "\\Flagged"], rng.randint(0, 2))),
        )
        for i in range(1, 151)
    ]

    def term() -> str:
        word = rng.choice(vocabulary + ["ann@example.com", "example.org", "zoe", "cafe", "NAIVE"])
        match rng.randint(0, 9):
            case 0:
                return f'"{rng.choice(vocabulary)} {rng.choice(vocabulary)}"'
            case 1:
                return f"{rng.choice(['from', 'to', 'cc', 'bcc', 'subject', 'filename'])}:{word}"
            case 2:
                return f"-{word}"
            case 3:
                return rng.choice(["is:unread", "is:starred", "has:attachment", "larger:2K"])
            case 4:
                return f"({word} OR {rng.choice(vocabulary)})"
            case _:
                return word

    queries = [" ".join(term() for _ in range(rng.randint(1, 3))) for _ in range(200)]
    answers: dict[str, list[list[int]]] = {}
    for adapter in ("sqlite", "postgres"):
        async with ADAPTERS[adapter](tmp_path, monkeypatch)() as index:
            await index.index_many(docs)
            answers[adapter] = [
                (await index.query(1, parse_query(q), limit=200, now=1_700_000_000.0)).message_ids
                for q in queries
            ]
    for query, got, expected in zip(queries, answers["postgres"], answers["sqlite"], strict=True):
        assert got == expected, query
    assert sum(map(bool, answers["sqlite"])) > 100  # most queries match something
