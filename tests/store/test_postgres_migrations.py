"""The PostgreSQL migration runner: components that share a schema keep
their own versions, processes migrating at once apply each migration exactly
once, and ``manual`` refuses a schema that is behind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import trio

from mailcore._bridge import open_bridge
from mailcore.errors import SchemaOutdated
from mailcore.store._postgres import PgConn, PgDatabase
from mailcore.store._postgres_meta import META_SCHEMA
from mailcore.store._postgres_migrations import (
    Applied,
    Schema,
    apply_pending,
    bring_up_to_date,
    status,
)
from tests.servers import new_schema, require_postgres

#: a second component in the same PostgreSQL schema, as a search adapter would ship
OTHER_V1 = Schema("other", ("-- a table\nCREATE TABLE other_docs(id BIGINT PRIMARY KEY)",))
OTHER_V2 = Schema("other", (*OTHER_V1.migrations, "-- a column\nALTER TABLE other_docs ADD COLUMN body TEXT"))


@asynccontextmanager
async def _databases(count: int) -> AsyncIterator[list[PgDatabase]]:
    url, schema = require_postgres(), new_schema()
    async with open_bridge() as bridge:
        dbs = [await PgDatabase.open(bridge, url, schema=schema) for _ in range(count)]
        try:
            yield dbs
        finally:
            for db in dbs:
                await db.aclose()

            async def drop(conn: PgConn) -> None:
                await conn.raw.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

            cleanup = await PgDatabase.open(bridge, url)
            await cleanup.write(drop)
            await cleanup.aclose()


async def test_components_in_one_schema_keep_their_own_versions() -> None:
    with trio.fail_after(60):
        async with _databases(1) as [db]:
            heard: list[Applied] = []
            await apply_pending(db, [META_SCHEMA, OTHER_V1], heard.append)
            assert [(a.component, a.version) for a in heard] == [
                *(("meta", v) for v in range(1, META_SCHEMA.latest + 1)),
                ("other", 1),
            ]
            assert heard[-1].name == "a table"
            # a later release of one component brings only its own new migration
            later = await apply_pending(db, [META_SCHEMA, OTHER_V2])
            assert [(a.component, a.version, a.name) for a in later] == [("other", 2, "a column")]
            states = {s.component: (s.current, s.latest, s.pending) for s in await status(db, [META_SCHEMA, OTHER_V2])}
            assert states == {"meta": (META_SCHEMA.latest,) * 2 + (0,), "other": (2, 2, 0)}


async def test_processes_migrating_at_once_apply_each_migration_exactly_once() -> None:
    with trio.fail_after(60):
        async with _databases(3) as dbs:
            applied: list[Applied] = []

            async def one(db: PgDatabase) -> None:
                applied.extend(await apply_pending(db, [META_SCHEMA, OTHER_V2]))

            async with trio.open_nursery() as nursery:
                for db in dbs:
                    nursery.start_soon(one, db)
            assert sorted((a.component, a.version) for a in applied) == sorted(
                [*(("meta", v) for v in range(1, META_SCHEMA.latest + 1)), ("other", 1), ("other", 2)]
            )


async def test_manual_refuses_a_schema_behind_and_auto_brings_it_up_to_date() -> None:
    with trio.fail_after(60):
        async with _databases(1) as [db]:
            await apply_pending(db, [OTHER_V1])
            with pytest.raises(SchemaOutdated, match="other schema is at version 1, this release needs 2"):
                await bring_up_to_date(db, [OTHER_V2], "manual")
            await bring_up_to_date(db, [OTHER_V2], "auto")
            await bring_up_to_date(db, [OTHER_V2], "manual")
