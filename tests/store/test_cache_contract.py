"""Every Cache adapter against the cache contract, one test per promise."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import trio
import trio.testing

from mailcore._bridge import open_bridge
from mailcore.store import InProcessCache, RedisCache, SQLiteCache
from mailcore.store.base import Cache
from mailcore.testing import (
    CACHE_CHECKS,
    CACHE_CLOCK_CHECKS,
    CacheCheck,
    CacheFactory,
    FakeClock,
    check_cache,
)
from tests.servers import new_prefix, require_redis


def in_process(tmp_path: Path) -> CacheFactory:
    @asynccontextmanager
    async def open_cache(clock: FakeClock) -> AsyncIterator[Cache]:
        async with InProcessCache(clock) as cache:
            yield cache

    return open_cache


def redis(tmp_path: Path) -> CacheFactory:
    url = require_redis()
    prefix = new_prefix()

    @asynccontextmanager
    async def open_cache(clock: FakeClock) -> AsyncIterator[Cache]:
        async with open_bridge() as bridge:
            async with await RedisCache.open(bridge, url, prefix=prefix) as cache:
                yield cache

    return open_cache


def sqlite(tmp_path: Path) -> CacheFactory:
    @asynccontextmanager
    async def open_cache(clock: FakeClock) -> AsyncIterator[Cache]:
        async with SQLiteCache(tmp_path / "cache.db", clock) as cache:
            yield cache

    return open_cache


#: One line per adapter: a name, a builder of a factory, and whether the
#: adapter follows the injected clock.
ADAPTERS: list[tuple[str, Callable[[Path], CacheFactory], bool]] = [
    ("in-process", in_process, True),
    ("sqlite", sqlite, True),
    ("redis", redis, False),
]


#: Every (adapter, check) pair that applies: an adapter that keeps time itself
#: (Redis) leaves out the fake-clock checks, and is checked on real time below.
CASES = [
    pytest.param(build, check, id=f"{check.__name__}-{name}")
    for name, build, follows in ADAPTERS
    for check in CACHE_CHECKS
    if follows or check not in CACHE_CLOCK_CHECKS
]


@pytest.mark.parametrize(("build", "check"), CASES)
async def test_cache_contract(build: Callable[[Path], CacheFactory], check: CacheCheck, tmp_path: Path) -> None:
    await check(build(tmp_path))


@pytest.mark.parametrize(
    ("build", "follows_clock"),
    [(build, follows) for _, build, follows in ADAPTERS],
    ids=[name for name, _, _ in ADAPTERS],
)
async def test_whole_suite(
    build: Callable[[Path], CacheFactory], follows_clock: bool, tmp_path: Path
) -> None:
    await check_cache(build(tmp_path), follows_clock=follows_clock)


async def test_in_process_cache_is_a_cache() -> None:
    async with InProcessCache() as cache:
        assert isinstance(cache, Cache)


async def test_in_process_cache_evicts_the_oldest_written_key() -> None:
    async with InProcessCache(FakeClock(), max_keys=3) as cache:
        for key in ("a", "b", "c"):
            await cache.set(key, key.encode())
        await cache.set("a", b"A")  # rewritten: now the newest
        await cache.set("d", b"d")
        assert [await cache.get(k) for k in "abcd"] == [b"A", None, b"c", b"d"]


def test_in_process_cache_follows_trio_mock_clock_by_default() -> None:
    async def main() -> None:
        async with InProcessCache() as cache:
            await cache.set("otp", b"123456", ttl=300)
            assert await cache.incr("login:bob", window=60) == 1
            await trio.sleep(299)
            assert await cache.get("otp") == b"123456"
            assert await cache.incr("login:bob", window=60) == 1
            await trio.sleep(2)
            assert await cache.get("otp") is None

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


async def test_redis_expiry_and_windows_run_on_the_servers_clock() -> None:
    """The promises the fake clock cannot drive for Redis, on real (short) time."""
    url = require_redis()
    async with open_bridge() as bridge, await RedisCache.open(bridge, url, prefix=new_prefix()) as cache:
        await cache.set("otp", b"123456", ttl=0.3)
        assert await cache.incr("login", window=0.3) == 1
        assert await cache.incr("login", window=0.3) == 2
        assert await cache.get("otp") == b"123456"
        with trio.fail_after(5):
            while await cache.get("otp") is not None:
                await trio.sleep(0.05)
            while (count := await cache.incr("login", window=0.3)) != 1:
                await trio.sleep(0.05)
        assert count == 1
        await cache.set("forever", b"x")
        assert await cache.get("forever") == b"x"
