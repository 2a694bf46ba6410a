"""Two engines (two nodes) on PostgreSQL and Redis, blobs on a shared directory:
what one node commits, the other sees and hears of; concurrent writes to one
mailbox from both never hand out a UID twice nor let a MODSEQ go backwards."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import trio

import mailcore
from mailcore import StoreConfig
from mailcore._bridge import open_bridge
from mailcore.store import PostgresMetaStore, RedisBus, RedisCache
from mailcore.testing import engine_internals
from tests.conftest import make_config
from tests.servers import new_prefix, new_schema, require_postgres, require_redis


def _message(subject: str) -> bytes:
    return (
        f"From: Alice <alice@example.net>\r\nTo: bob@example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: <{secrets.token_hex(8)}@example.net>\r\n\r\nBody of {subject}.\r\n"
    ).encode()


@asynccontextmanager
async def _cluster(tmp_path: Path) -> AsyncIterator[tuple[mailcore.Engine, mailcore.Engine]]:
    pg, redis = require_postgres(), require_redis()
    schema, prefix = new_schema(), new_prefix()
    stores = StoreConfig(
        meta="postgres",
        bus="redis",
        cache="redis",
        options={"postgres": {"url": pg, "schema": schema}, "redis": {"url": redis, "prefix": prefix}},
    )
    try:
        async with mailcore.open_engine(make_config(tmp_path / "shared", stores=stores)) as a:
            async with mailcore.open_engine(make_config(tmp_path / "shared", stores=stores)) as b:
                for node in (a, b):
                    inside = engine_internals(node).stores
                    assert isinstance(inside.meta, PostgresMetaStore)
                    assert isinstance(inside.bus, RedisBus) and isinstance(inside.cache, RedisCache)
                yield a, b
    finally:
        async with open_bridge() as bridge:
            await bridge.call(_drop, pg, schema)


async def _drop(url: str, schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def test_a_delivery_on_one_node_is_read_and_heard_on_the_other(tmp_path: Path) -> None:
    with trio.fail_after(60):
        async with _cluster(tmp_path) as (a, b):
            await a.add_domain("example.com")
            bob = await a.create_account("bob@example.com", "bob-password")
            assert (await b.get_account("bob@example.com")).id == bob.id
            async with b.watch(bob.id) as events:
                delivered = await a.deliver(_message("hello"), ["bob@example.com"])
                async for event in events:
                    if event.kind is mailcore.ChangeKind.DELIVERED:
                        break
            [mid] = delivered.message_ids.values()
            assert event.message_ids == (mid,)
            meta = await b.message(bob.id, mid)
            assert meta.subject == "hello"
            assert b"Body of hello." in await b.message_bytes(bob.id, mid)
            # a login throttle counts on both nodes (the cache is shared)
            for node in (a, b, a):
                try:
                    await node.authenticate("bob@example.com", "wrong", remote="198.51.100.7")
                except mailcore.AuthenticationFailed:
                    pass
            await b.authenticate("bob@example.com", "bob-password", remote="198.51.100.8")


async def test_concurrent_appends_and_flags_from_two_nodes_stay_consistent(tmp_path: Path) -> None:
    with trio.fail_after(120):
        async with _cluster(tmp_path) as (a, b):
            await a.add_domain("example.com")
            bob = await a.create_account("bob@example.com", "bob-password")
            uids: list[int] = []
            modseqs: dict[str, list[int]] = {"a": [], "b": []}

            async def writer(name: str, node: mailcore.Engine) -> None:
                for i in range(15):
                    result = await node.append(bob.id, "INBOX", _message(f"{name} {i}"))
                    uids.append(result.uid)
                    flagged = await node.store_flags(bob.id, [result.message_id], add=["\\Seen"])
                    modseqs[name].append(flagged.modseq)

            async with trio.open_nursery() as nursery:
                nursery.start_soon(writer, "a", a)
                nursery.start_soon(writer, "b", b)
            assert len(uids) == len(set(uids)) == 30
            for name in modseqs:
                assert modseqs[name] == sorted(modseqs[name]), name
            for node in (a, b):
                inbox = await node.label(bob.id, "INBOX")
                assert (inbox.messages, inbox.unseen, inbox.uidnext) == (30, 0, 31)
                assert sorted(uid for uid, _ in await node.label_uids(bob.id, "INBOX")) == sorted(uids)
