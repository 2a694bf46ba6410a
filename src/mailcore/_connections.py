"""Open connections per client address, for ``limits.max_connections_per_ip``.

A door counts the connections each address holds and refuses one past the
limit. With ``mailcore serve --workers N`` the connections of one address
land on every worker, so each worker also publishes its counts in a table
of shared memory that the supervisor creates: one row per worker slot, one
32-bit counter per bucket (a CRC of the door and the address). A worker
writes only its own row and adds up the others' when it admits a
connection, so no lock is needed; a read that races a write is off by the
connection being opened or closed at that instant, and two addresses that
share a bucket share a limit, both of which only ever refuse early. A worker
clears its row when it starts, so a dead worker's connections are forgotten
when its replacement begins.
"""

from __future__ import annotations

import mmap
import os
import tempfile
import zlib

#: Buckets per worker row (64 KB of counters per worker).
BUCKETS = 16384


class ConnectionTable:
    """The shared counts of every worker of one server (see the module)."""

    def __init__(self, fd: int, workers: int, slot: int) -> None:
        self.workers = workers
        self.slot = slot
        self._map = mmap.mmap(fd, workers * BUCKETS * 4)
        self._counts = memoryview(self._map).cast("I")
        self._map[slot * BUCKETS * 4 : (slot + 1) * BUCKETS * 4] = bytes(BUCKETS * 4)

    @staticmethod
    def create(workers: int) -> int:
        """A zeroed table for ``workers`` workers; returns its descriptor."""
        if hasattr(os, "memfd_create"):
            fd = os.memfd_create("mailcore-connections")
        else:  # no memfd (not Linux): an unlinked temporary file maps the same way
            with tempfile.TemporaryFile() as file:
                fd = os.dup(file.fileno())
        os.ftruncate(fd, workers * BUCKETS * 4)
        return fd

    @staticmethod
    def bucket(key: str) -> int:
        return zlib.crc32(key.encode("utf-8", "surrogateescape")) % BUCKETS

    def others(self, bucket: int) -> int:
        """Connections the other workers hold in ``bucket``."""
        counts = self._counts
        return sum(counts[row * BUCKETS + bucket] for row in range(self.workers) if row != self.slot)

    def add(self, bucket: int, delta: int) -> None:
        index = self.slot * BUCKETS + bucket
        self._counts[index] = max(0, self._counts[index] + delta)


class ConnectionLimit:
    """Connections per client address of one door, against one limit, in
    this process and, under a supervisor, in every worker of the server."""

    def __init__(self, door: str, limit: int, table: ConnectionTable | None = None) -> None:
        self.door = door
        self.limit = limit
        self._table = table
        self._open: dict[str, int] = {}

    def enter(self, address: str) -> bool:
        """Count one more connection from ``address``; False (and not
        counted) when it already holds ``limit``."""
        count = self._open.get(address, 0)
        table = self._table
        bucket = table.bucket(f"{self.door} {address}") if table is not None else 0
        held = count + (table.others(bucket) if table is not None else 0)
        if held >= self.limit:
            return False
        self._open[address] = count + 1
        if table is not None:
            table.add(bucket, 1)
        return True

    def leave(self, address: str) -> None:
        """One connection counted by :meth:`enter` has closed."""
        count = self._open.get(address, 0) - 1
        if count > 0:
            self._open[address] = count
        else:
            self._open.pop(address, None)
        if self._table is not None:
            self._table.add(self._table.bucket(f"{self.door} {address}"), -1)

    def __len__(self) -> int:
        return sum(self._open.values())
