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

#: Errors that say the server is lost, refused, restarting or overloaded, or
#: that a transaction lost a race it may win next time: the operation had no
#: effect and may succeed later (:class:`~mailcore.errors.Unavailable`).
TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, timed out (TimeoutError is one)
    asyncpg.InterfaceError,  # "connection is closed", a pool being reset
    asyncpg.PostgresConnectionError,  # class 08: the connection broke mid-call
    asyncpg.InsufficientResourcesError,  # class 53: too many connections, disk full
    asyncpg.OperatorInterventionError,  # class 57: shutdown, cannot connect now
    asyncpg.TransactionRollbackError,  # class 40: serialization failure, deadlock
)

#: Seconds to open a new connection before the server counts as unreachable.
CONNECT_TIMEOUT = 10.0
#: Seconds one statement may wait for the server: past it a silent server (a
#: network partition sends no reset) counts as lost instead of hanging a door.
COMMAND_TIMEOUT = 60.0
#: Seconds closing the pool waits for the server before dropping the connections.
CLOSE_TIMEOUT = 5.0


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
        create_schema: bool = True,
        min_size: int = 0,
        max_size: int = 10,
        command_timeout: float = COMMAND_TIMEOUT,
        settings: Mapping[str, str] | None = None,
    ) -> PgDatabase:
        """Connect, create ``schema`` if named (unless ``create_schema`` is
        false) and use it. The adapter then brings its tables up to date
        (:mod:`mailcore.store._postgres_migrations`).

        The pool opens connections on demand (``min_size`` 0 by default), so a
        server lost and back again is simply reconnected by the next call;
        until then each call raises :class:`~mailcore.errors.Unavailable`.
        ``settings`` are server settings of every pooled connection.
        """
        server_settings = {**(settings or {}), **({"search_path": schema} if schema else {})}

        async def connect() -> asyncpg.Pool:
            if schema and create_schema:
                conn = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT)
                try:
                    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                finally:
                    await conn.close()
            pool = await asyncpg.create_pool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                server_settings=server_settings,
                timeout=CONNECT_TIMEOUT,
                command_timeout=command_timeout,
            )
            try:
                async with pool.acquire() as probe:  # an unreachable server is said now, not at first use
                    await probe.fetchval("SELECT 1")
            except BaseException:
                await pool.close()
                raise
            return pool

        try:
            pool = await bridge.call(connect)
        except (*TRANSIENT, asyncpg.PostgresError) as exc:
            raise Unavailable(f"postgresql: cannot connect: {exc}") from exc
        return cls(pool, bridge)

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
        except TRANSIENT as exc:
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
        """Close the connections, gracefully if the server answers in time;
        a lost server's are dropped, so that shutting down never waits on it."""
        with trio.CancelScope(shield=True):
            with trio.move_on_after(CLOSE_TIMEOUT):
                try:
                    await self._bridge.call(self._pool.close)
                    return
                except TRANSIENT:
                    pass
            self._pool.terminate()
