"""SQLite access off the trio thread, for every embedded SQLite adapter.

One writer connection serialised by a capacity limiter of one, and a small
pool of reader connections (WAL lets readers run beside the writer). Calls
run in trio worker threads, so no blocking call happens on the trio thread.
``sqlite3`` errors are mapped to :class:`mailcore.errors.StoreError`, and a
database still locked by another process after the busy timeout to
:class:`mailcore.errors.Unavailable`.

Several processes write to one file (``mailcore serve --workers N``, the
CLI beside a server). SQLite's own busy handler polls with sleeps of up to
100 ms, and a process that commits again at once keeps winning: measured
here, two processes committing in a loop left one of them waiting four
seconds. So writers of one file first take an ``flock`` on a lock file
beside it, in which the kernel queues them and wakes the next one as soon
as the lock is released: every process gets its turn.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import trio

from mailcore.errors import Closed, StoreError, Unavailable

T = TypeVar("T")


@contextmanager
def _mapped_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        if _busy(exc):
            raise Unavailable(f"sqlite: {exc}") from exc
        raise StoreError(f"sqlite: {exc}") from exc
    except sqlite3.Error as exc:
        raise StoreError(f"sqlite: {exc}") from exc


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Another process held the database past the busy timeout: the call had
    no effect and may succeed later."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


class SQLiteDatabase:
    """A SQLite database file in WAL mode, used from trio.

    ``synchronous`` is ``FULL`` for stores whose commits are acknowledgements
    to users (the meta store) and may be ``NORMAL`` for derived data.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        synchronous: str = "FULL",
        readers: int = 2,
        schema: str | None = None,
    ) -> None:
        self.path = str(path)
        self._synchronous = synchronous
        self._closed = False
        self._writer_lock_fd: int | None = None
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._writer_lock_fd = os.open(self.path + "-writer.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self._writer = self._connect()
        if schema:
            if self._writer_lock_fd is not None:
                fcntl.flock(self._writer_lock_fd, fcntl.LOCK_EX)
            try:
                with _mapped_errors():
                    self._writer.executescript(schema)
            finally:
                if self._writer_lock_fd is not None:
                    fcntl.flock(self._writer_lock_fd, fcntl.LOCK_UN)
        self._write_limiter = trio.CapacityLimiter(1)
        self._readers: list[sqlite3.Connection] = [self._connect() for _ in range(readers)]
        self._reader_lock = threading.Lock()
        self._read_limiter = trio.CapacityLimiter(max(1, readers))

    def _connect(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with _mapped_errors():
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA cache_size=-32000")
            conn.execute("PRAGMA temp_store=MEMORY")
        return conn

    async def write(self, fn: Callable[[sqlite3.Connection], T], *, durable: bool = True) -> T:
        """Run ``fn(conn)`` inside one ``BEGIN IMMEDIATE`` transaction.

        The transaction commits when ``fn`` returns and rolls back when it
        raises. Cancellation waits for the thread: the call has then either
        committed fully or not at all. ``durable=False`` skips the flush for
        bookkeeping that is safe to lose in a crash (it is then redone).
        """
        if self._closed:
            raise Closed("database is closed")

        def run() -> T:
            conn = self._writer
            lock = self._writer_lock_fd
            if lock is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                with _mapped_errors():
                    if not durable:
                        conn.execute("PRAGMA synchronous=OFF")
                    try:
                        conn.execute("BEGIN IMMEDIATE")
                        try:
                            result = fn(conn)
                        except BaseException:
                            conn.execute("ROLLBACK")
                            raise
                        conn.execute("COMMIT")
                    finally:
                        if not durable:
                            conn.execute(f"PRAGMA synchronous={self._synchronous}")
                    return result
            finally:
                if lock is not None:
                    fcntl.flock(lock, fcntl.LOCK_UN)

        return await trio.to_thread.run_sync(run, limiter=self._write_limiter)

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` on a reader connection, in one read transaction."""
        if self._closed:
            raise Closed("database is closed")

        def run() -> T:
            with self._reader_lock:
                conn = self._readers.pop()
            try:
                with _mapped_errors():
                    conn.execute("BEGIN")
                    try:
                        return fn(conn)
                    finally:
                        conn.execute("COMMIT")
            finally:
                with self._reader_lock:
                    self._readers.append(conn)

        return await trio.to_thread.run_sync(run, limiter=self._read_limiter)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True

        def close() -> None:
            for conn in [self._writer, *self._readers]:
                conn.close()
            if self._writer_lock_fd is not None:
                os.close(self._writer_lock_fd)
                self._writer_lock_fd = None

        async with self._write_limiter:
            await trio.to_thread.run_sync(close)
