"""Every MetaStore adapter against the meta contract, one test per promise."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from mailcore._bridge import open_bridge
from mailcore.store import PostgresMetaStore, SQLiteMetaStore
from mailcore.store.meta import MetaStore
from mailcore.testing import (
    META_STORE_CHECKS,
    MetaCheck,
    MetaStoreFactory,
    check_meta_store,
)
from tests.servers import new_schema, require_postgres


@asynccontextmanager
async def sqlite(tmp_path: Path) -> AsyncIterator[MetaStoreFactory]:
    @asynccontextmanager
    async def open_store() -> AsyncIterator[MetaStore]:
        store = SQLiteMetaStore(tmp_path / "meta.db")
        try:
            yield store
        finally:
            await store.aclose()

    yield open_store


@asynccontextmanager
async def postgres(tmp_path: Path) -> AsyncIterator[MetaStoreFactory]:
    """Each factory call is one more engine (node) on the same database schema."""
    url = require_postgres()
    schema = new_schema()

    @asynccontextmanager
    async def open_store() -> AsyncIterator[MetaStore]:
        async with open_bridge() as bridge:
            store = await PostgresMetaStore.open(bridge, url, schema=schema)
            try:
                yield store
            finally:
                await store.aclose()

    try:
        yield open_store
    finally:
        async with open_bridge() as bridge:
            await bridge.call(_drop_schema, url, schema)


async def _drop_schema(url: str, schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


#: One line per adapter: a name and an opener of a factory bound to a fresh location.
ADAPTERS: list[tuple[str, Callable[[Path], AbstractAsyncContextManager[MetaStoreFactory]]]] = [
    ("sqlite", sqlite),
    ("postgres", postgres),
]


@pytest.mark.parametrize("build", [build for _, build in ADAPTERS], ids=[n for n, _ in ADAPTERS])
@pytest.mark.parametrize("check", META_STORE_CHECKS, ids=lambda check: check.__name__)
async def test_meta_contract(
    build: Callable[[Path], AbstractAsyncContextManager[MetaStoreFactory]], check: MetaCheck, tmp_path: Path
) -> None:
    async with build(tmp_path) as factory:
        await check(factory)


@pytest.mark.parametrize("build", [build for _, build in ADAPTERS], ids=[n for n, _ in ADAPTERS])
async def test_whole_suite_on_shared_storage(
    build: Callable[[Path], AbstractAsyncContextManager[MetaStoreFactory]], tmp_path: Path
) -> None:
    async with build(tmp_path) as factory:
        await check_meta_store(factory)
