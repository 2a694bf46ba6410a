"""Storage roles and their adapters; :func:`open_stores` picks them from config."""

from __future__ import annotations

import attrs

from mailcore.config import Config
from mailcore.errors import ConfigError
from mailcore.store.base import BlobStore, Bus, Cache, Queue, SearchIndex
from mailcore.store.meta import MetaStore


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
                import logging

                logging.getLogger("mailcore.store").exception("closing %s failed", type(store).__name__)


async def open_stores(config: Config) -> Stores:
    """Open the adapters that ``config.stores`` names."""
    from mailcore.store.fs_blob import FilesystemBlobStore
    from mailcore.store.memory_bus import InProcessBus
    from mailcore.store.memory_cache import InProcessCache
    from mailcore.store.sqlite_cache import SQLiteCache
    from mailcore.store.sqlite_meta import SQLiteMetaStore
    from mailcore.store.sqlite_queue import SQLiteQueue
    from mailcore.store.sqlite_search import SQLiteSearchIndex

    sc = config.stores
    data = config.data_dir
    available = {
        "meta": {"sqlite"},
        "blob": {"fs"},
        "search": {"sqlite"},
        "bus": {"memory"},
        "queue": {"sqlite"},
        "cache": {"sqlite", "memory"},
    }
    for role, choice in (
        ("meta", sc.meta),
        ("blob", sc.blob),
        ("search", sc.search),
        ("bus", sc.bus),
        ("queue", sc.queue),
        ("cache", sc.cache),
    ):
        if choice not in available[role]:
            raise ConfigError(
                f"store.{role} = {choice!r} is not available; choose one of {', '.join(sorted(available[role]))}"
            )
    data.mkdir(parents=True, exist_ok=True)
    return Stores(
        meta=SQLiteMetaStore(data / "meta.db"),
        blobs=FilesystemBlobStore(data / "blobs"),
        search=SQLiteSearchIndex(data / "search.db"),
        bus=InProcessBus(),
        queue=SQLiteQueue(data / "queue.db"),
        cache=SQLiteCache(data / "cache.db") if sc.cache == "sqlite" else InProcessCache(),
    )


__all__ = ["BlobStore", "Bus", "Cache", "MetaStore", "Queue", "SearchIndex", "Stores", "open_stores"]
