"""A server lost while an adapter runs: every call raises
:class:`mailcore.Unavailable` (never a driver's own exception), and the adapter
reconnects by itself when the server is back. The servers are lost through a
proxy (:class:`tests.proxy.Proxy`); the shared servers are never stopped."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import pytest
import trio

from mailcore._bridge import open_bridge
from mailcore.errors import Unavailable
from mailcore.model import ChangeEvent, ChangeKind
from mailcore.store import PostgresMetaStore, RedisBus, RedisCache
from mailcore.store._postgres import PgConn, PgDatabase
from mailcore.store._sqlite import SQLiteDatabase
from tests.proxy import Proxy, port_of
from tests.servers import new_prefix, new_schema, require_postgres, require_redis

T = TypeVar("T")


async def _recovered(call: Callable[[], Awaitable[T]], seconds: float = 15) -> T:
    """``call()`` once the adapter has reconnected (it raises Unavailable until then)."""
    with trio.fail_after(seconds):
        while True:
            try:
                return await call()
            except Unavailable:
                await trio.sleep(0.1)


@asynccontextmanager
async def _proxied(url: str) -> AsyncIterator[Proxy]:
    proxy = Proxy("127.0.0.1", port_of(url))
    async with trio.open_nursery() as nursery:
        await nursery.start(proxy.run)
        yield proxy
        nursery.cancel_scope.cancel()


async def _drop(url: str, schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def test_postgres_meta_store_raises_unavailable_and_reconnects() -> None:
    url, schema = require_postgres(), new_schema()
    with trio.fail_after(60):
        async with open_bridge() as bridge, _proxied(url) as proxy:
            try:
                store = await PostgresMetaStore.open(
                    bridge, f"postgresql://postgres@127.0.0.1:{proxy.port}/test", schema=schema
                )
                try:
                    await store.add_domain("example.com")
                    proxy.cut()
                    with pytest.raises(Unavailable):
                        await store.list_domains()
                    with pytest.raises(Unavailable):
                        await store.add_domain("example.org")
                    proxy.restore()
                    await _recovered(lambda: store.add_domain("example.org"))
                    assert await store.list_domains() == ["example.com", "example.org"]
                finally:
                    await store.aclose()
            finally:
                await bridge.call(_drop, url, schema)


async def test_postgres_store_that_cannot_connect_raises_unavailable() -> None:
    require_postgres()
    with trio.fail_after(30):
        async with open_bridge() as bridge, _proxied(require_postgres()) as proxy:
            proxy.cut()
            with pytest.raises(Unavailable):
                await PostgresMetaStore.open(
                    bridge, f"postgresql://postgres@127.0.0.1:{proxy.port}/test", schema=new_schema()
                )


async def test_redis_cache_raises_unavailable_and_reconnects() -> None:
    url = require_redis()
    with trio.fail_after(60):
        async with open_bridge() as bridge, _proxied(url) as proxy:
            cache = await RedisCache.open(bridge, f"redis://127.0.0.1:{proxy.port}/0", prefix=new_prefix())
            try:
                await cache.set("k", b"v", ttl=60)
                proxy.cut()
                with pytest.raises(Unavailable):
                    await cache.get("k")
                with pytest.raises(Unavailable):
                    await cache.incr("n", 60)
                proxy.restore()
                assert await _recovered(lambda: cache.get("k")) == b"v"
                assert await cache.incr("n", 60) == 1
            finally:
                await cache.aclose()


async def _next_kind(subscription: AsyncIterator[ChangeEvent]) -> ChangeKind:
    return (await subscription.__anext__()).kind


async def test_redis_bus_raises_unavailable_then_resyncs_its_subscribers() -> None:
    url = require_redis()
    event = ChangeEvent(account_id=7, kind=ChangeKind.DELIVERED, modseq=3, message_ids=(1,))
    with trio.fail_after(60):
        async with open_bridge() as bridge, _proxied(url) as proxy:
            bus_url = f"redis://127.0.0.1:{proxy.port}/0"
            async with RedisBus.open(bridge, bus_url, prefix=new_prefix()) as bus, bus.subscribe(7) as events:
                proxy.cut()
                with pytest.raises(Unavailable):
                    await bus.publish([event])
                proxy.restore()
                # events published meanwhile may be lost: the subscriber is told to re-read
                assert await _next_kind(events) is ChangeKind.RESYNC
                # once it listens again (after a second RESYNC), events flow again
                with trio.fail_after(15):
                    delivered = False
                    while not delivered:
                        await _recovered(lambda: bus.publish([event]))
                        with trio.move_on_after(0.5):
                            while not delivered:
                                got = await events.__anext__()
                                assert got.kind is ChangeKind.RESYNC or got == event, got
                                delivered = got == event


async def test_sqlite_database_locked_by_another_process_is_unavailable(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "x.db", schema="CREATE TABLE IF NOT EXISTS t(v INTEGER);")
    other = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    try:
        db._writer.execute("PRAGMA busy_timeout=50")
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(Unavailable):
            await db.write(lambda conn: conn.execute("INSERT INTO t VALUES (1)"))
        other.execute("ROLLBACK")
        await db.write(lambda conn: conn.execute("INSERT INTO t VALUES (1)"))
    finally:
        other.close()
        await db.aclose()



async def test_a_silent_postgres_server_times_out_as_unavailable_and_is_reconnected() -> None:
    url, schema = require_postgres(), new_schema()
    with trio.fail_after(60):
        async with open_bridge() as bridge, _proxied(url) as proxy:
            db = await PgDatabase.open(
                bridge, f"postgresql://postgres@127.0.0.1:{proxy.port}/test", schema=schema, command_timeout=1.0
            )
            try:
                assert await db.read(_one) == 1
                proxy.freeze()
                with pytest.raises(Unavailable):
                    await db.read(_one)
                proxy.restore()
                assert await _recovered(lambda: db.read(_one)) == 1
                proxy.freeze()
                with trio.fail_after(8):  # shutting down does not wait on a silent server
                    await db.aclose()
            finally:
                await db.aclose()
                await bridge.call(_drop, url, schema)


async def _one(conn: PgConn) -> int:
    row = await conn.fetchone("SELECT 1")
    return int(row[0])
