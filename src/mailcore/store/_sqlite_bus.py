"""The embedded Bus: change events shared by every process on a data directory.

A delivery made by ``mailcore deliver`` or ``import``, or by a second
``mailcore serve``, must reach the IMAP IDLE sessions and websockets of the
running server. Each process fans its own events out at once, in process
(:class:`~mailcore.store._memory_bus.InProcessBus`), and appends them to a
small SQLite log (``bus.db``) that every other process on the data directory
reads every :data:`POLL_SECONDS`. Entries older than :data:`KEEP_SECONDS` are
dropped; a process that was away longer than that gets ``RESYNC``.

The log is bookkeeping, not mail: it is written without waiting for the disk
(a crash loses only notifications, and a restarted process re-reads its state).
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import trio

from mailcore._actors.supervisor import single_errors
from mailcore.errors import Closed, StoreError
from mailcore.model import ChangeEvent
from mailcore.store._memory_bus import InProcessBus
from mailcore.store._sqlite import SQLiteDatabase
from mailcore.store.base import WallClock

log = logging.getLogger("mailcore.store._sqlite_bus")

#: How often a process looks for events other processes published.
POLL_SECONDS = 0.025
#: How long published events stay in the log for other processes to read.
KEEP_SECONDS = 300.0
#: Events a process may have waiting to be written to the log; past that the
#: others are told to re-read instead.
OUTBOX_LIMIT = 10_000
#: The log entry that tells the other processes to re-read everything.
RESYNC_ENTRY = "resync"
#: Rows read per look; more are read at once in the next.
_BATCH = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  origin TEXT NOT NULL,
  created REAL NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_created ON events(created);
CREATE TABLE IF NOT EXISTS trimmed(id INTEGER NOT NULL);
INSERT INTO trimmed(id) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM trimmed);
"""


class SQLiteBus(InProcessBus):
    """A Bus for the processes of one data directory."""

    def __init__(self, path: Path | str, *, clock: WallClock = time.time) -> None:
        super().__init__()
        self._db = SQLiteDatabase(path, synchronous="NORMAL", readers=1, schema=_SCHEMA)
        self._origin = secrets.token_hex(8)
        self._clock = clock
        self._last_id = 0
        self._last_trim = 0.0
        #: rows waiting to be written by the sharing task, and its wake-up
        self._outbox: list[tuple[str, float, str]] = []
        self._overflowed = False
        self._pending = trio.Event()

    @classmethod
    @asynccontextmanager
    async def open(cls, path: Path | str, *, clock: WallClock = time.time) -> AsyncIterator[SQLiteBus]:
        """Open the log, start following it, and stop on exit."""
        bus = cls(path, clock=clock)
        try:
            bus._last_id = await bus._db.read(lambda c: int(c.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]))
            with single_errors():  # an error of the caller comes out as itself
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(bus._follow)
                    nursery.start_soon(bus._share)
                    try:
                        yield bus
                    finally:
                        nursery.cancel_scope.cancel()
        finally:
            with trio.CancelScope(shield=True):
                await bus._write_outbox()  # what was published before the close still reaches the others
                await bus.aclose()
                await bus._db.aclose()

    async def publish(self, events: Sequence[ChangeEvent]) -> None:
        """Hand events to this process's subscribers at once, and queue them for
        the others; the caller (a mailbox actor after its commit) never waits
        for the log's disk."""
        await super().publish(events)
        if not events:
            return
        if len(self._outbox) >= OUTBOX_LIMIT:
            # the log is not keeping up: the other processes will re-read instead
            self._outbox.clear()
            self._overflowed = True
        else:
            payload = json.dumps([e.to_json() for e in events], separators=(",", ":"))
            self._outbox.append((self._origin, self._clock(), payload))
        self._pending.set()

    async def _share(self) -> None:
        """Write what this process published to the log, a batch per transaction."""
        while True:
            await self._pending.wait()
            self._pending = trio.Event()
            await self._write_outbox()

    async def _write_outbox(self) -> None:
        rows, self._outbox = self._outbox, []
        if self._overflowed:
            self._overflowed = False
            rows.append((self._origin, self._clock(), RESYNC_ENTRY))
        if not rows:
            return

        def append(conn: sqlite3.Connection) -> None:
            conn.executemany("INSERT INTO events(origin, created, payload) VALUES (?,?,?)", rows)

        try:
            with trio.CancelScope(shield=True):
                await self._db.write(append, durable=False)
        except (StoreError, Closed) as exc:
            log.warning("bus: could not share %d events with other processes: %s", len(rows), exc)

    async def _follow(self) -> None:
        while True:
            try:
                more = await self._read_new()
                await self._trim()
            except StoreError as exc:
                log.warning("bus: could not read events of other processes: %s", exc)
                more = False
            if not more:
                await trio.sleep(POLL_SECONDS)

    async def _read_new(self) -> bool:
        after = self._last_id

        def fetch(conn: sqlite3.Connection) -> tuple[int, list[tuple[int, str, str]]]:
            trimmed = int(conn.execute("SELECT id FROM trimmed").fetchone()[0])
            rows = conn.execute(
                "SELECT id, origin, payload FROM events WHERE id>? ORDER BY id LIMIT ?", (after, _BATCH)
            ).fetchall()
            return trimmed, rows

        trimmed, rows = await self._db.read(fetch)
        if trimmed > after:
            # entries this process never read were dropped: it must re-read everything
            self._resync_all()
        for row_id, origin, payload in rows:
            self._last_id = row_id
            if origin == self._origin:
                continue
            if payload == RESYNC_ENTRY:
                self._resync_all()
                continue
            try:
                events = [ChangeEvent.from_json(e) for e in json.loads(payload)]
            except (ValueError, KeyError, TypeError, AssertionError):
                log.warning("bus: ignored a malformed entry %d", row_id)
                continue
            for event in events:
                for subscription in self._subscribers.get(event.account_id, ()):
                    subscription._offer(event)
        if trimmed > self._last_id:
            self._last_id = trimmed
        return len(rows) == _BATCH

    async def _trim(self) -> None:
        now = self._clock()
        if now - self._last_trim < KEEP_SECONDS / 10:
            return
        self._last_trim = now

        def trim(conn: sqlite3.Connection) -> None:
            row = conn.execute("SELECT max(id) FROM events WHERE created<?", (now - KEEP_SECONDS,)).fetchone()
            if row and row[0] is not None:
                conn.execute("DELETE FROM events WHERE id<=?", (row[0],))
                conn.execute("UPDATE trimmed SET id=max(id, ?)", (row[0],))

        await self._db.write(trim, durable=False)

