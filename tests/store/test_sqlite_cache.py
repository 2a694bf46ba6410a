"""The SQLite cache beyond the contract: shared by processes, swept, closed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mailcore.errors import Closed
from mailcore.store import SQLiteCache
from mailcore.store._sqlite_cache import SWEEP_INTERVAL
from mailcore.store.base import Cache
from mailcore.testing import FakeClock

# A process that counts ``n`` events on one key and prints every count it got.
_COUNTER = """
import sys, trio
from mailcore.store import SQLiteCache

async def main(path, n):
    async with SQLiteCache(path) as cache:
        for _ in range(n):
            print(await cache.incr("login:shared", window=3600))

trio.run(main, sys.argv[1], int(sys.argv[2]))
"""


async def test_sqlite_cache_is_a_cache(tmp_path: Path) -> None:
    async with SQLiteCache(tmp_path / "cache.db") as cache:
        assert isinstance(cache, Cache)


async def test_two_caches_on_one_file_see_the_same_entries(tmp_path: Path) -> None:
    clock = FakeClock()
    async with SQLiteCache(tmp_path / "cache.db", clock) as a, SQLiteCache(tmp_path / "cache.db", clock) as b:
        await a.set("session:1", b"revoked", ttl=60)
        assert await b.get("session:1") == b"revoked"
        assert await a.incr("rate", window=60) == 1
        assert await b.incr("rate", window=60) == 2
        assert await a.get("rate") == b"2"
        await b.delete("session:1")
        assert await a.get("session:1") is None


def test_incr_is_atomic_across_processes(tmp_path: Path) -> None:
    """Two processes hammering one counter never get the same count."""
    path = str(tmp_path / "cache.db")
    n = 150
    procs = [
        subprocess.Popen([sys.executable, "-c", _COUNTER, path, str(n)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=60)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0]
    counts = [int(line) for out in outputs for line in out.split()]
    assert sorted(counts) == list(range(1, 2 * n + 1))


async def test_expired_rows_are_swept_by_later_writes(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "cache.db"
    async with SQLiteCache(path, clock) as cache:
        for i in range(20):
            await cache.set(f"upload:{i}", b"x", ttl=10)
        await cache.set("kept", b"k")
        clock.advance(SWEEP_INTERVAL + 1)
        await cache.set("trigger", b"t", ttl=3600)
        with sqlite3.connect(path) as conn:
            keys = {key for (key,) in conn.execute("SELECT key FROM entries")}
        assert keys == {"kept", "trigger"}


async def test_calls_after_close_raise_closed(tmp_path: Path) -> None:
    cache = SQLiteCache(tmp_path / "cache.db")
    await cache.aclose()
    with pytest.raises(Closed):
        await cache.get("x")
    await cache.aclose()  # closing twice is fine

