"""The embedded job queue: one SQLite table, leases as timestamps.

A job row is ``ready``, ``leased`` or ``dead``. Its ``due`` column says when
it may next be leased: its ``not_before`` while ready, its lease expiry while
leased. Leasing is therefore one indexed range scan (``due <= now``) and one
update, in a single write transaction, and an expired lease needs no sweeper:
the job is simply due again.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs
import trio

from mailcore.store._sqlite import SQLiteDatabase
from mailcore.store.base import Job, WallClock

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('ready', 'leased', 'dead')),
    due        REAL NOT NULL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (kind, due, seq) WHERE state != 'dead';
CREATE INDEX IF NOT EXISTS jobs_kind ON jobs (kind, seq);
"""

_COLUMNS = "id, kind, payload, attempts, not_before, state, due, last_error"

_STATES = ("ready", "leased", "dead")


def _job(row: Sequence[Any], now: float) -> Job:
    job_id, kind, payload, attempts, not_before, state, due, last_error = row
    if state == "leased" and due <= now:
        state = "ready"  # the lease ran out: the job is up for grabs again
    return Job(
        id=job_id,
        kind=kind,
        payload=json.loads(payload),
        attempts=attempts,
        not_before=not_before,
        state=state,
        last_error=last_error,
    )


class SQLiteQueue:
    """A :class:`mailcore.store.base.Queue` in a SQLite file (``synchronous=FULL``).

    Promises, beyond the protocol's:

    * every method that returns has committed durably;
    * ``lease`` selects and marks its jobs in one write transaction, so two
      leasers (tasks, or processes sharing the file) never get the same job
      while its lease runs;
    * a job whose lease has expired reads as ``ready`` and is leased again,
      keeping its attempt count; ``attempts`` counts ``retry`` calls;
    * ``ack``, ``retry`` and ``dead_letter`` of an unknown job do nothing;
    * payloads are stored as JSON: they must be JSON-serialisable and come
      back as JSON values (tuples become lists).

    Times are read from ``clock`` (seconds since the epoch), on the trio thread.
    """

    def __init__(self, path: Path, clock: WallClock = time.time) -> None:
        self._clock = clock
        self._db = SQLiteDatabase(path, synchronous="FULL", schema=_SCHEMA)

    async def __aenter__(self) -> SQLiteQueue:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def enqueue(
        self, kind: str, payload: dict[str, Any], not_before: float | None = None
    ) -> str:
        """Add a job, ready at ``not_before`` (default: now); return its id."""
        job_id = uuid.uuid4().hex
        due = self._clock() if not_before is None else not_before
        encoded = json.dumps(payload, separators=(",", ":"), allow_nan=False)

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO jobs (id, kind, payload, not_before, state, due)"
                " VALUES (?, ?, ?, ?, 'ready', ?)",
                (job_id, kind, encoded, due, due),
            )

        await self._db.write(run)
        return job_id

    async def lease(self, kind: str, n: int, ttl: float) -> list[Job]:
        """Lease up to ``n`` due jobs of ``kind`` for ``ttl`` seconds, oldest due first."""
        if n <= 0:
            await trio.lowlevel.checkpoint()
            return []
        now = self._clock()
        until = now + ttl

        def run(conn: sqlite3.Connection) -> list[Job]:
            rows = conn.execute(
                f"SELECT seq, {_COLUMNS} FROM jobs"
                " WHERE kind = ? AND state != 'dead' AND due <= ?"
                " ORDER BY due, seq LIMIT ?",
                (kind, now, n),
            ).fetchall()
            conn.executemany(
                "UPDATE jobs SET state = 'leased', due = ? WHERE seq = ?",
                [(until, row[0]) for row in rows],
            )
            return [attrs.evolve(_job(row[1:], now), state="leased") for row in rows]

        leased: list[Job] = await self._db.write(run)
        return leased

    async def ack(self, job_id: str) -> None:
        """The job is done: delete it."""

        def run(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

        await self._db.write(run)

    async def retry(self, job_id: str, at: float, error: str) -> None:
        """Make the job ready again at ``at``, counting one more attempt."""

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE jobs SET state = 'ready', not_before = ?, due = ?,"
                " attempts = attempts + 1, last_error = ? WHERE id = ?",
                (at, at, error, job_id),
            )

        await self._db.write(run)

    async def dead_letter(self, job_id: str, reason: str) -> None:
        """Park the job in the ``dead`` state, with ``reason`` as its last error."""

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE jobs SET state = 'dead', last_error = ? WHERE id = ?",
                (reason, job_id),
            )

        await self._db.write(run)

    async def cancel(self, job_id: str) -> bool:
        """Delete a job unless it is under a running lease; True when deleted."""
        now = self._clock()

        def run(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "DELETE FROM jobs WHERE id = ? AND NOT (state = 'leased' AND due > ?)",
                (job_id, now),
            )
            return cursor.rowcount > 0

        removed: bool = await self._db.write(run)
        return removed

    async def get(self, job_id: str) -> Job | None:
        """The job, or None once it was acked or cancelled (or never existed)."""
        now = self._clock()

        def run(conn: sqlite3.Connection) -> Job | None:
            row = conn.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
            return None if row is None else _job(row, now)

        return await self._db.read(run)

    async def list(self, kind: str | None = None, state: str | None = None) -> list[Job]:
        """Jobs in enqueue order, optionally of one kind and one (effective) state."""
        if state is not None and state not in _STATES:
            raise ValueError(f"unknown job state {state!r}")
        now = self._clock()

        def run(conn: sqlite3.Connection) -> list[Job]:
            if kind is None:
                rows = conn.execute(f"SELECT {_COLUMNS} FROM jobs ORDER BY seq").fetchall()
            else:
                rows = conn.execute(
                    f"SELECT {_COLUMNS} FROM jobs WHERE kind = ? ORDER BY seq", (kind,)
                ).fetchall()
            jobs = [_job(row, now) for row in rows]
            return jobs if state is None else [job for job in jobs if job.state == state]

        listed: list[Job] = await self._db.read(run)
        return listed

    async def aclose(self) -> None:
        await self._db.aclose()
