"""The embedded cache: a bounded dict with lazy expiry, in one process.

Values and counters share one key space (as in Redis). Expired entries are
dropped when read, and a few of the oldest are checked on every write, so
forgotten entries do not linger; past ``max_keys`` the oldest written entry
is evicted. Nothing survives the process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from types import TracebackType

import trio

from mailcore.errors import Closed

#: A monotonic clock in seconds (any origin).
MonotonicClock = Callable[[], float]

# How many of the oldest entries each write looks at for expiry.
_SWEEP = 2


def trio_monotonic() -> float:
    """``trio.current_time()`` inside a trio run, ``time.monotonic()`` outside.

    Inside a run it follows the run's clock, so ``trio.testing.MockClock``
    drives expiry and rate-limit windows in tests.
    """
    try:
        return trio.current_time()
    except RuntimeError:
        return time.monotonic()


class _Entry:
    __slots__ = ("value", "expires_at")

    def __init__(self, value: bytes | int, expires_at: float | None) -> None:
        self.value = value  # int: an incr counter
        self.expires_at = expires_at


class InProcessCache:
    """A :class:`mailcore.store.base.Cache` held in this process's memory.

    Promises, beyond the protocol's:

    * an entry set with ``ttl`` is gone once ``ttl`` seconds have passed on
      ``clock``; one set without ``ttl`` lives until deleted, overwritten or
      evicted;
    * at most ``max_keys`` keys are held; beyond, the least recently written
      key is evicted (a cache may forget, never invent);
    * ``incr(key, window)`` counts in a fixed window that opens at the first
      count and lasts ``window`` seconds; the next count after it closes
      starts again at 1. ``get`` of a counter returns its decimal bytes;
    * ``set`` over a counter, or ``incr`` over a value that is not a counter,
      replaces it.
    """

    def __init__(self, clock: MonotonicClock = trio_monotonic, *, max_keys: int = 100_000) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._clock = clock
        self._max_keys = max_keys
        # Insertion order is write order: a write moves its key to the end.
        self._entries: dict[str, _Entry] = {}
        self._closed = False

    async def __aenter__(self) -> InProcessCache:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _check_open(self) -> None:
        if self._closed:
            raise Closed("cache is closed")

    def _live(self, key: str, now: float) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= now:
            del self._entries[key]
            return None
        return entry

    def _store(self, key: str, entry: _Entry, now: float) -> None:
        entries = self._entries
        entries.pop(key, None)
        self._sweep(now)
        while len(entries) >= self._max_keys:
            del entries[next(iter(entries))]
        entries[key] = entry

    def _sweep(self, now: float) -> None:
        entries = self._entries
        for _ in range(_SWEEP):
            if not entries:
                return
            key = next(iter(entries))
            expires_at = entries[key].expires_at
            if expires_at is None or expires_at > now:
                return
            del entries[key]

    async def get(self, key: str) -> bytes | None:
        """The value of ``key``, or None when absent or expired."""
        self._check_open()
        await trio.lowlevel.checkpoint()
        entry = self._live(key, self._clock())
        if entry is None:
            return None
        value = entry.value
        return str(value).encode() if isinstance(value, int) else value

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The values of ``keys``, in order (None for absent or expired ones)."""
        self._check_open()
        await trio.lowlevel.checkpoint()
        now = self._clock()
        out: list[bytes | None] = []
        for key in keys:
            entry = self._live(key, now)
            value = None if entry is None else entry.value
            out.append(str(value).encode() if isinstance(value, int) else value)
        return out

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store ``value`` under ``key``, for ``ttl`` seconds or until evicted."""
        self._check_open()
        await trio.lowlevel.checkpoint()
        now = self._clock()
        self._store(key, _Entry(bytes(value), None if ttl is None else now + ttl), now)

    async def delete(self, key: str) -> None:
        """Forget ``key``; absent keys are fine."""
        self._check_open()
        await trio.lowlevel.checkpoint()
        self._entries.pop(key, None)

    async def incr(self, key: str, window: float) -> int:
        """Count one event under ``key`` in its current window; return the count."""
        self._check_open()
        await trio.lowlevel.checkpoint()
        now = self._clock()
        entry = self._live(key, now)
        if entry is not None and isinstance(entry.value, int):
            entry.value += 1
            return entry.value
        self._store(key, _Entry(1, now + window), now)
        return 1

    async def aclose(self) -> None:
        """Drop everything; calls made afterwards raise :class:`Closed`."""
        self._closed = True
        self._entries.clear()
        await trio.lowlevel.checkpoint()
