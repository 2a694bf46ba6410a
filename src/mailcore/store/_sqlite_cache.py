"""The embedded cache: one SQLite table shared by every process on the data directory.

Sessions, rate-limit counters and upload records must agree across the
processes serving one data directory (``mailcore serve`` twice, or a door
beside the CLI): a logout seen by one process only, or a login throttle
counted per process, would be a hole. A SQLite file in WAL mode gives that
with no server: writes are serialised by SQLite's own lock, so ``incr`` is
one ``BEGIN IMMEDIATE`` transaction and atomic across processes.

Values and counters share one key space (as in Redis). Expiry is checked on
every read, so an expired entry is never returned, and expired rows are
swept in bulk by a write now and then, so forgotten keys do not pile up.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from mailcore.store._sqlite import SQLiteDatabase
from mailcore.store.base import WallClock

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key     TEXT PRIMARY KEY,
    value   BLOB,
    counter INTEGER,
    expires REAL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_expiry ON entries (expires) WHERE expires IS NOT NULL;
"""

#: Seconds between two sweeps of expired rows (per process).
SWEEP_INTERVAL = 60.0
#: Rows one sweep deletes at most, so that a sweep never holds the lock long.
SWEEP_BATCH = 1000


def _live(expires: float | None, now: float) -> bool:
    return expires is None or expires > now


class SQLiteCache:
    """A :class:`mailcore.store.base.Cache` in a SQLite file (``synchronous=NORMAL``).

    Promises, beyond the protocol's:

    * every process that opens the same file sees the same entries: a value
      set or deleted by one is read so by the others once the call returned;
    * an entry set with ``ttl`` is never read once ``ttl`` seconds have passed
      on ``clock``; one set without ``ttl`` lives until deleted or overwritten;
    * ``incr(key, window)`` reads and writes in one write transaction, so two
      processes counting the same key never get the same count; the window
      opens at the first count and lasts ``window`` seconds, and the next
      count after it closes starts again at 1. ``get`` of a counter returns
      its decimal bytes;
    * ``set`` over a counter, or ``incr`` over a value that is not a counter,
      replaces it;
    * a crash of the process loses nothing; a power loss may lose the last
      writes (this is a cache: ``synchronous=NORMAL``).

    Times are read from ``clock`` (seconds since the epoch), on the trio
    thread. Processes sharing the file must share the clock, which the
    system's wall clock is.
    """

    def __init__(self, path: Path | str, clock: WallClock = time.time) -> None:
        self._clock = clock
        self._db = SQLiteDatabase(path, synchronous="NORMAL", schema=_SCHEMA)
        self._next_sweep = clock() + SWEEP_INTERVAL

    async def __aenter__(self) -> SQLiteCache:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _sweep_due(self, now: float) -> bool:
        if now < self._next_sweep:
            return False
        self._next_sweep = now + SWEEP_INTERVAL
        return True

    @staticmethod
    def _sweep(conn: sqlite3.Connection, now: float) -> None:
        conn.execute(
            "DELETE FROM entries WHERE key IN"
            " (SELECT key FROM entries WHERE expires <= ? LIMIT ?)",
            (now, SWEEP_BATCH),
        )

    async def get(self, key: str) -> bytes | None:
        """The value of ``key``, or None when absent or expired."""
        now = self._clock()

        def run(conn: sqlite3.Connection) -> bytes | None:
            row = conn.execute(
                "SELECT value, counter, expires FROM entries WHERE key = ?", (key,)
            ).fetchone()
            if row is None or not _live(row[2], now):
                return None
            value, counter, _ = row
            return str(counter).encode() if counter is not None else bytes(value)

        return await self._db.read(run)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The values of ``keys`` in one read, in order (None for absent or expired ones)."""
        now = self._clock()
        wanted = list(dict.fromkeys(keys))

        def run(conn: sqlite3.Connection) -> dict[str, bytes]:
            found: dict[str, bytes] = {}
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for key, value, counter, expires in conn.execute(
                    f"SELECT key, value, counter, expires FROM entries WHERE key IN ({marks})", chunk
                ):
                    if _live(expires, now):
                        found[key] = str(counter).encode() if counter is not None else bytes(value)
            return found

        found = await self._db.read(run) if wanted else {}
        return [found.get(key) for key in keys]

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store ``value`` under ``key``, for ``ttl`` seconds or until deleted."""
        now = self._clock()
        expires = None if ttl is None else now + ttl
        sweep = self._sweep_due(now)
        blob = bytes(value)

        def run(conn: sqlite3.Connection) -> None:
            if sweep:
                self._sweep(conn, now)
            conn.execute(
                "INSERT OR REPLACE INTO entries (key, value, counter, expires) VALUES (?, ?, NULL, ?)",
                (key, blob, expires),
            )

        await self._db.write(run)

    async def delete(self, key: str) -> None:
        """Forget ``key``; absent keys are fine."""

        def run(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM entries WHERE key = ?", (key,))

        await self._db.write(run)

    async def incr(self, key: str, window: float) -> int:
        """Count one event under ``key`` in its current window; return the count."""
        now = self._clock()
        sweep = self._sweep_due(now)

        def run(conn: sqlite3.Connection) -> int:
            if sweep:
                self._sweep(conn, now)
            row = conn.execute(
                "SELECT counter, expires FROM entries WHERE key = ?", (key,)
            ).fetchone()
            if row is not None and row[0] is not None and _live(row[1], now):
                count = int(row[0]) + 1
                conn.execute("UPDATE entries SET counter = ? WHERE key = ?", (count, key))
                return count
            conn.execute(
                "INSERT OR REPLACE INTO entries (key, value, counter, expires) VALUES (?, NULL, 1, ?)",
                (key, now + window),
            )
            return 1

        count: int = await self._db.write(run)
        return count

    async def aclose(self) -> None:
        """Close the file; calls made afterwards raise :class:`mailcore.errors.Closed`."""
        await self._db.aclose()
