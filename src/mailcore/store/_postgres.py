"""PostgreSQL access from trio, for every PostgreSQL adapter.

``asyncpg`` speaks asyncio, so each call crosses :mod:`mailcore._bridge` once:
a whole read, or a whole write transaction, runs on the asyncio side with a
pooled connection. Statements are written with ``?`` placeholders, as for
SQLite, and numbered (``$1``...) here, so the SQL adapters can share their
shape. ``asyncpg`` errors become :class:`mailcore.errors.StoreError`; a write
is shielded from cancellation, so it has committed fully or not at all.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import asyncpg
import attrs
import trio

from mailcore._bridge import Bridge
from mailcore.errors import StoreError, Unavailable

T = TypeVar("T")


@functools.lru_cache(maxsize=2048)
def numbered(sql: str) -> str:
    """``?`` placeholders (outside quoted strings) as ``$1``, ``$2``, ..."""
    out: list[str] = []
    n = 0
    quoted = False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
        if ch == "?" and not quoted:
            n += 1
            out.append(f"${n}")
        else:
            out.append(ch)
    return "".join(out)


@attrs.frozen
class Executed:
    """What a statement did: the number of rows it touched."""

    rowcount: int


class PgConn:
    """One pooled connection, as the adapters' SQL uses it (on the asyncio side)."""

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self.raw.fetch(numbered(sql), *params)]

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row as a tuple, or None."""
        row = await self.raw.fetchrow(numbered(sql), *params)
        return tuple(row) if row is not None else None

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Executed:
        status = await self.raw.execute(numbered(sql), *params)
        last = status.rsplit(" ", 1)[-1]
        return Executed(int(last) if last.isdigit() else 0)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            await self.raw.executemany(numbered(sql), rows)


class PgDatabase:
    """A connection pool on one database (and schema), used from trio."""

    def __init__(self, pool: asyncpg.Pool, bridge: Bridge) -> None:
        self._pool = pool
        self._bridge = bridge

    @classmethod
    async def open(
        cls,
        bridge: Bridge,
        dsn: str,
        *,
        schema: str | None = None,
        migrations: Sequence[str] = (),
        migration_table: str = "mailcore_schema",
        settings: Mapping[str, str] | None = None,
        min_size: int = 1,
        max_size: int = 10,
    ) -> PgDatabase:
        """Connect, create ``schema`` if named (and use it), and run the
        migrations not yet applied, in order, under an advisory lock.

        ``migration_table`` records which migrations ran: each adapter sharing
        a schema numbers its migrations in its own table. ``settings`` are
        server settings of every pooled connection.
        """
        settings = {**(settings or {}), **({"search_path": schema} if schema else {})}

        async def connect() -> asyncpg.Pool:
            if schema:
                conn = await asyncpg.connect(dsn)
                try:
                    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                finally:
                    await conn.close()
            return await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, server_settings=settings)

        try:
            pool = await bridge.call(connect)
        except (OSError, asyncpg.PostgresError) as exc:
            raise Unavailable(f"postgresql: cannot connect: {exc}") from exc
        db = cls(pool, bridge)
        if migrations:
            await db.write(functools.partial(_migrate, migrations, migration_table))
        return db

    async def _run(self, fn: Callable[[PgConn], Awaitable[T]], *, write: bool) -> T:
        async def on_asyncio() -> T:
            async with self._pool.acquire() as raw:
                conn = PgConn(raw)
                if not write:
                    return await fn(conn)
                async with raw.transaction():
                    return await fn(conn)

        try:
            if write:
                with trio.CancelScope(shield=True):
                    return await self._bridge.call(on_asyncio)
            return await self._bridge.call(on_asyncio)
        except (asyncpg.InterfaceError, asyncpg.CannotConnectNowError, OSError) as exc:
            raise Unavailable(f"postgresql: {exc}") from exc
        except asyncpg.PostgresError as exc:
            raise StoreError(f"postgresql: {exc}") from exc

    async def read(self, fn: Callable[[PgConn], Awaitable[T]]) -> T:
        """Run ``fn(conn)`` with a pooled connection."""
        return await self._run(fn, write=False)

    async def write(self, fn: Callable[[PgConn], Awaitable[T]], *, durable: bool = True) -> T:
        """Run ``fn(conn)`` in one transaction, committed when it returns.

        Every commit is durable (``synchronous_commit`` as the server has it);
        ``durable`` is accepted for the SQLite adapters' signature.
        """
        return await self._run(fn, write=True)

    async def aclose(self) -> None:
        with trio.CancelScope(shield=True):
            await self._bridge.call(self._pool.close)


async def _migrate(migrations: Sequence[str], table: str, conn: PgConn) -> None:
    await conn.raw.execute("SELECT pg_advisory_xact_lock(4242001)")
    await conn.raw.execute(
        f'CREATE TABLE IF NOT EXISTS "{table}"(version INTEGER PRIMARY KEY, applied DOUBLE PRECISION NOT NULL)'
    )
    done = {r[0] for r in await conn.fetchall(f'SELECT version FROM "{table}"')}
    for version, ddl in enumerate(migrations, start=1):
        if version in done:
            continue
        await conn.raw.execute(ddl)
        await conn.execute(
            f'INSERT INTO "{table}"(version, applied) VALUES (?, extract(epoch from now()))', (version,)
        )
