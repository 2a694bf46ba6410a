"""Storage roles and their adapters; :func:`open_stores` picks them from config."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import trio

from mailcore._config import Config
from mailcore.errors import ConfigError, Unavailable
from mailcore.store.base import BlobStore, Bus, Cache, Queue, SearchIndex
from mailcore.store.meta import MetaStore

if TYPE_CHECKING:
    from mailcore._bridge import Bridge
    from mailcore.store._postgres_migrations import Applied, Schema, SchemaStatus

log = logging.getLogger("mailcore.store")

T = TypeVar("T")

#: The adapters each role can use; the first is the embedded default.
AVAILABLE: dict[str, tuple[str, ...]] = {
    "meta": ("sqlite", "postgres"),
    "blob": ("fs",),
    "search": ("sqlite", "postgres"),
    "bus": ("sqlite", "memory", "redis"),
    "queue": ("sqlite",),
    "cache": ("sqlite", "memory", "redis"),
}

#: Seconds ``open_stores`` keeps trying to reach a server that does not answer.
CONNECT_DEADLINE = 30.0


@attrs.define
class Stores:
    """One adapter per role, opened together and closed together."""

    meta: MetaStore
    blobs: BlobStore
    search: SearchIndex
    bus: Bus
    queue: Queue
    cache: Cache

    async def aclose(self) -> None:
        for store in (self.search, self.queue, self.bus, self.cache, self.blobs, self.meta):
            try:
                await store.aclose()
            except Exception:  # closing one store must not keep the others open
                log.exception("closing %s failed", type(store).__name__)


def _check_choices(config: Config) -> None:
    sc = config.stores
    for role in AVAILABLE:
        choice = getattr(sc, role)
        if choice not in AVAILABLE[role]:
            raise ConfigError(
                f"store.{role} = {choice!r} is not available; choose one of {', '.join(AVAILABLE[role])}"
            )


def _server_url(config: Config, name: str) -> str:
    """``[store.<name>] url``, which ``MAILCORE_<NAME>_URL`` overrides."""
    options = config.stores.options.get(name, {})
    url = options.get("url") if isinstance(options, dict) else None
    if not isinstance(url, str) or not url:
        raise ConfigError(f"[store.{name}] url is required when a role uses {name}")
    return url


async def _until_reachable(what: str, connect: Callable[[], Awaitable[T]], deadline: float) -> T:
    """Try ``connect`` with growing pauses until it works or ``deadline`` seconds pass."""
    delay = 0.5
    give_up = trio.current_time() + deadline
    while True:
        try:
            return await connect()
        except Unavailable as exc:
            if trio.current_time() + delay > give_up:
                raise Unavailable(f"{what} is not reachable ({exc}); gave up after {deadline:.0f}s") from exc
            log.warning("%s is not reachable yet (%s); retrying in %.1fs", what, exc, delay)
            await trio.sleep(delay)
            delay = min(delay * 2, 5.0)


@asynccontextmanager
async def open_stores(config: Config, *, connect_deadline: float = CONNECT_DEADLINE) -> AsyncIterator[Stores]:
    """Open the adapters that ``config.stores`` names; close them all on exit.

    Adapters whose client library runs on asyncio share one bridge, opened
    here. A server that does not answer is retried with growing pauses for
    ``connect_deadline`` seconds, then :class:`~mailcore.errors.Unavailable`
    says which one.
    """
    from mailcore.store._fs_blob import FilesystemBlobStore
    from mailcore.store._memory_bus import InProcessBus
    from mailcore.store._memory_cache import InProcessCache
    from mailcore.store._sqlite_bus import SQLiteBus
    from mailcore.store._sqlite_cache import SQLiteCache
    from mailcore.store._sqlite_meta import SQLiteMetaStore
    from mailcore.store._sqlite_queue import SQLiteQueue
    from mailcore.store._sqlite_search import SQLiteSearchIndex

    _check_choices(config)
    sc = config.stores
    data = config.data_dir
    data.mkdir(parents=True, exist_ok=True)
    prefix = str(config.stores.options.get("redis", {}).get("prefix", "mailcore:"))
    async with AsyncExitStack() as stack:
        bridge: Bridge | None = None
        if "postgres" in (sc.meta, sc.search) or "redis" in (sc.bus, sc.cache):
            from mailcore._bridge import open_bridge

            bridge = await stack.enter_async_context(open_bridge())

        meta: MetaStore
        if sc.meta == "postgres":
            from mailcore.store._postgres_meta import PostgresMetaStore

            assert bridge is not None
            url, schema = _server_url(config, "postgres"), config.stores.options["postgres"].get("schema")
            pg = await _until_reachable(
                "PostgreSQL",
                lambda: PostgresMetaStore.open(bridge, url, schema=schema, migrate=sc.migrate),
                connect_deadline,
            )
            stack.push_async_callback(pg.aclose)
            meta = pg
        else:
            meta = SQLiteMetaStore(data / "meta.db")
            stack.push_async_callback(meta.aclose)

        cache: Cache
        if sc.cache == "redis":
            from mailcore.store._redis_cache import RedisCache

            assert bridge is not None
            url = _server_url(config, "redis")
            cache = await _until_reachable(
                "Redis", lambda: RedisCache.open(bridge, url, prefix=prefix), connect_deadline
            )
        elif sc.cache == "memory":
            cache = InProcessCache()
        else:
            cache = SQLiteCache(data / "cache.db")
        stack.push_async_callback(cache.aclose)

        bus: Bus
        if sc.bus == "redis":
            from mailcore.store._redis import RedisClient
            from mailcore.store._redis_bus import RedisBus

            assert bridge is not None
            url = _server_url(config, "redis")
            # wait for the server here, so that the bus itself opens at once
            probe: Any = await _until_reachable("Redis", lambda: RedisClient.open(bridge, url), connect_deadline)
            await probe.aclose()
            bus = await stack.enter_async_context(RedisBus.open(bridge, url, prefix=prefix))
        elif sc.bus == "memory":
            bus = InProcessBus()
            stack.push_async_callback(bus.aclose)
        else:
            bus = await stack.enter_async_context(SQLiteBus.open(data / "bus.db"))

        blobs = FilesystemBlobStore(data / "blobs")
        stack.push_async_callback(blobs.aclose)
        queue = SQLiteQueue(data / "queue.db")
        stack.push_async_callback(queue.aclose)
        search: SearchIndex
        if sc.search == "postgres":
            from mailcore.store._postgres_search import PostgresSearchIndex

            assert bridge is not None
            url, schema = _server_url(config, "postgres"), config.stores.options["postgres"].get("schema")
            search = await _until_reachable(
                "PostgreSQL",
                lambda: PostgresSearchIndex.open(bridge, url, schema=schema, migrate=sc.migrate),
                connect_deadline,
            )
        else:
            search = SQLiteSearchIndex(data / "search.db")
        stack.push_async_callback(search.aclose)
        yield Stores(meta=meta, blobs=blobs, search=search, bus=bus, queue=queue, cache=cache)


def postgres_schemas(config: Config) -> list[Schema]:
    """The PostgreSQL schemas (``[store.postgres]``) the configured adapters
    keep their tables in, in the order they are migrated.

    An adapter with tables of its own in PostgreSQL adds its
    :class:`~mailcore.store._postgres_migrations.Schema` here, and brings it
    up to date when it opens with
    :func:`~mailcore.store._postgres_migrations.bring_up_to_date`.
    """
    _check_choices(config)
    schemas: list[Schema] = []
    if config.stores.meta == "postgres":
        from mailcore.store._postgres_meta import META_SCHEMA

        schemas.append(META_SCHEMA)
    if config.stores.search == "postgres":
        from mailcore.store._postgres_search import SEARCH_SCHEMA

        schemas.append(SEARCH_SCHEMA)
    return schemas


async def migrate_stores(
    config: Config, *, apply: bool = True, on_applied: Callable[[Applied], None] | None = None
) -> list[SchemaStatus]:
    """Apply the pending schema migrations of every configured store that has
    versioned migrations (``apply=False``: only look) and return where each
    schema stands. The embedded SQLite stores have none: they create their
    tables when they open."""
    schemas = postgres_schemas(config)
    if not schemas:
        return []
    from mailcore._bridge import open_bridge
    from mailcore.store._postgres import PgDatabase
    from mailcore.store._postgres_migrations import apply_pending, status

    url, schema = _server_url(config, "postgres"), config.stores.options["postgres"].get("schema")
    async with open_bridge() as bridge:
        db = await PgDatabase.open(bridge, url, schema=schema, create_schema=apply)
        try:
            if apply:
                await apply_pending(db, schemas, on_applied)
            return await status(db, schemas)
        finally:
            await db.aclose()


#: The adapters, importable from here by name; each module is imported on first
#: use, so that an installation without a server's client library still works.
_ADAPTERS = {
    "FilesystemBlobStore": "mailcore.store._fs_blob",
    "InProcessBus": "mailcore.store._memory_bus",
    "InProcessCache": "mailcore.store._memory_cache",
    "PostgresMetaStore": "mailcore.store._postgres_meta",
    "PostgresSearchIndex": "mailcore.store._postgres_search",
    "RedisBus": "mailcore.store._redis_bus",
    "RedisCache": "mailcore.store._redis_cache",
    "SQLiteBus": "mailcore.store._sqlite_bus",
    "SQLiteCache": "mailcore.store._sqlite_cache",
    "SQLiteMetaStore": "mailcore.store._sqlite_meta",
    "SQLiteQueue": "mailcore.store._sqlite_queue",
    "SQLiteSearchIndex": "mailcore.store._sqlite_search",
}


def __getattr__(name: str) -> Any:
    module = _ADAPTERS.get(name)
    if module is None:
        raise AttributeError(f"module 'mailcore.store' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "AVAILABLE",
    "BlobStore",
    "Bus",
    "Cache",
    "FilesystemBlobStore",
    "InProcessBus",
    "InProcessCache",
    "MetaStore",
    "PostgresMetaStore",
    "PostgresSearchIndex",
    "Queue",
    "RedisBus",
    "RedisCache",
    "SQLiteBus",
    "SQLiteCache",
    "SQLiteMetaStore",
    "SQLiteQueue",
    "SQLiteSearchIndex",
    "SearchIndex",
    "Stores",
    "migrate_stores",
    "open_stores",
    "postgres_schemas",
]
