"""The promises every :class:`~mailcore.store.base.Cache` keeps, as checks.

Run them all with ``await check_cache(factory)``, or one at a time by
parametrizing a test over :func:`cache_checks`. ``factory(clock)`` returns an
async context manager that opens the cache with ``clock`` (a
:class:`~mailcore.testing._queue_contract.FakeClock`) as its source of time and
closes it on exit.

As for queues, expiry is checked by moving the fake clock. An adapter whose
server expires keys on its own time (Redis ``EXPIRE``) and cannot follow the
fake clock declares ``follows_clock=False``, which leaves out the checks in
:data:`CACHE_CLOCK_CHECKS`; the others need no time to pass.

Each check uses keys of its own, so checks may share one server.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

import trio

from mailcore.store.base import Cache
from mailcore.testing._queue_contract import FakeClock

CacheFactory = Callable[[FakeClock], AbstractAsyncContextManager[Cache]]
CacheCheck = Callable[[CacheFactory], Awaitable[None]]

_DEADLINE = 10.0


def _key(name: str) -> str:
    return f"contract:{name}:{uuid.uuid4().hex[:12]}"


async def check_get_set_delete(factory: CacheFactory) -> None:
    """set then get returns the bytes (empty and binary too); set overwrites; delete forgets."""
    key, empty, binary = _key("value"), _key("empty"), _key("binary")
    with trio.fail_after(_DEADLINE):
        async with factory(FakeClock()) as cache:
            assert await cache.get(key) is None
            await cache.set(key, b"session-1")
            assert await cache.get(key) == b"session-1"
            await cache.set(key, b"session-2")
            assert await cache.get(key) == b"session-2"

            await cache.set(empty, b"")
            assert await cache.get(empty) == b""
            blob = bytes(range(256)) * 4
            await cache.set(binary, blob)
            assert await cache.get(binary) == blob

            await cache.delete(key)
            assert await cache.get(key) is None
            await cache.delete(key)  # deleting an absent key is fine
            await cache.delete(_key("never-set"))
            assert await cache.get(empty) == b""


async def check_get_many(factory: CacheFactory) -> None:
    """get_many answers like get for each key, in the order asked, counters included."""
    present, counter, missing = _key("present"), _key("counter"), _key("missing")
    with trio.fail_after(_DEADLINE):
        async with factory(FakeClock()) as cache:
            assert await cache.get_many([]) == []
            await cache.set(present, b"revoked")
            await cache.incr(counter, window=3600)
            await cache.incr(counter, window=3600)
            assert await cache.get_many([missing, present, counter, present]) == [None, b"revoked", b"2", b"revoked"]
            await cache.delete(present)
            assert await cache.get_many([present]) == [None]


async def check_ttl_expiry(factory: CacheFactory) -> None:
    """A value set with a ttl is there until ttl seconds pass, then gone; no ttl means no expiry."""
    short, forever, renewed = _key("short"), _key("forever"), _key("renewed")
    clock = FakeClock()
    with trio.fail_after(_DEADLINE):
        async with factory(clock) as cache:
            await cache.set(short, b"otp", ttl=10)
            await cache.set(forever, b"kept")
            await cache.set(renewed, b"v1", ttl=10)
            clock.advance(9)
            assert await cache.get(short) == b"otp"
            await cache.set(renewed, b"v2", ttl=10)  # a set restarts the ttl
            clock.advance(2)
            assert await cache.get(short) is None
            assert await cache.get(renewed) == b"v2"
            clock.advance(9)
            assert await cache.get(renewed) is None
            clock.advance(86_400 * 30)
            assert await cache.get(forever) == b"kept"
            await cache.set(short, b"again", ttl=10)
            assert await cache.get(short) == b"again"


async def check_incr_counts(factory: CacheFactory) -> None:
    """incr counts 1, 2, 3, ... within a window."""
    key = _key("counter")
    with trio.fail_after(_DEADLINE):
        async with factory(FakeClock()) as cache:
            assert [await cache.incr(key, window=3600) for _ in range(5)] == [1, 2, 3, 4, 5]


async def check_incr_window_restarts(factory: CacheFactory) -> None:
    """Once a window has passed, incr starts counting again from 1."""
    key = _key("rate")
    clock = FakeClock()
    with trio.fail_after(_DEADLINE):
        async with factory(clock) as cache:
            assert [await cache.incr(key, window=60) for _ in range(3)] == [1, 2, 3]
            clock.advance(121)
            assert [await cache.incr(key, window=60) for _ in range(2)] == [1, 2]
            clock.advance(121)
            assert await cache.incr(key, window=60) == 1


async def check_keys_isolated(factory: CacheFactory) -> None:
    """Keys never affect each other: values, deletes and counters are per key."""
    a, b, count_a, count_b = _key("a"), _key("b"), _key("count-a"), _key("count-b")
    with trio.fail_after(_DEADLINE):
        async with factory(FakeClock()) as cache:
            await cache.set(a, b"alice")
            await cache.set(b, b"bob")
            assert (await cache.get(a), await cache.get(b)) == (b"alice", b"bob")
            await cache.delete(a)
            assert (await cache.get(a), await cache.get(b)) == (None, b"bob")

            assert await cache.incr(count_a, window=3600) == 1
            assert await cache.incr(count_a, window=3600) == 2
            assert await cache.incr(count_b, window=3600) == 1
            assert await cache.incr(count_a, window=3600) == 3
            assert await cache.get(b) == b"bob"


#: Checks that need the adapter to read time from the injected FakeClock.
CACHE_CLOCK_CHECKS: frozenset[CacheCheck] = frozenset(
    {check_ttl_expiry, check_incr_window_restarts}
)

CACHE_CHECKS: list[CacheCheck] = [
    check_get_set_delete,
    check_get_many,
    check_ttl_expiry,
    check_incr_counts,
    check_incr_window_restarts,
    check_keys_isolated,
]


def cache_checks(*, follows_clock: bool = True) -> list[CacheCheck]:
    """The checks that apply to an adapter, depending on whether it follows the clock."""
    return [check for check in CACHE_CHECKS if follows_clock or check not in CACHE_CLOCK_CHECKS]


async def check_cache(factory: CacheFactory, *, follows_clock: bool = True) -> None:
    """Run every applicable check against the cache ``factory`` opens."""
    for check in cache_checks(follows_clock=follows_clock):
        await check(factory)
