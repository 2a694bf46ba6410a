"""Message bytes in the blob store: written in batches, tracked while a
delivery is in flight, and deleted once nothing references them."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio

from mailcore._actors._batch import Batcher
from mailcore.errors import Unavailable
from mailcore.store.base import BlobStore, Queue
from mailcore.store.meta import MetaStore

log = logging.getLogger("mailcore._engine")


class BlobKeeper:
    """Writes message bytes, and deletes those no message or queued send needs.

    Bytes are content-addressed and shared, so a blob is deleted only when
    no message of any account, no queued send and no delivery in flight
    refers to it, and only after a grace period.
    """

    #: seconds an unreferenced blob is kept before it is deleted, so that a
    #: delivery of the same bytes still in flight (here or in another process
    #: on the same data) has committed its reference by then
    BLOB_GRACE_SECONDS = 60.0

    def __init__(self, blobs: BlobStore, meta: MetaStore, queue: Queue) -> None:
        self._blobs = blobs
        self._meta = meta
        self._queue = queue
        self._blob_batcher: Batcher[bytes, str] = Batcher(self.put_blobs, max_batch=256)
        self._blob_lock = trio.Lock()
        self._inflight_blobs: dict[str, int] = {}
        self._gc_pending: dict[str, float] = {}

    async def run_writer(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Write submitted blobs in batches (one fsync round per batch)."""
        await self._blob_batcher.run(task_status=task_status)

    def close(self) -> None:
        self._blob_batcher.close()

    async def put_blobs(self, blobs: list[bytes]) -> list[str]:
        async with self._blob_lock:
            return await self._blobs.put_many(blobs)

    def release(self, refs: list[str]) -> None:
        """Queue blobs that lost their last message for deletion after the grace period."""
        due = trio.current_time() + self.BLOB_GRACE_SECONDS
        for ref in refs:
            self._gc_pending.setdefault(ref, due)

    async def collect_blobs(self, *, grace: float | None = None) -> int:
        """Delete queued blobs that nothing references any more; return how many.

        A blob is deleted only if, at that moment and under the blob lock, no
        message of any account, no queued send (outbound delivery, undo or
        scheduled send) and no waiting upload references it, and no delivery
        of it is in flight.
        """
        now = trio.current_time()
        limit = now - (self.BLOB_GRACE_SECONDS if grace is None else grace) + self.BLOB_GRACE_SECONDS
        due = [ref for ref, when in self._gc_pending.items() if when <= limit]
        if not due:
            return 0
        async with self._blob_lock:
            candidates = [r for r in due if r not in self._inflight_blobs]
            still = await self._meta.blobs_referenced(candidates)
            queued = await self._queued_blobs()
            doomed = [r for r in candidates if r not in still and r not in queued]
            for ref in due:
                if ref in still or ref in queued or ref in doomed:
                    self._gc_pending.pop(ref, None)
            if doomed:
                try:
                    await self._blobs.delete_many(doomed)
                except Exception:  # the blobs stay until a later sweep; nothing is lost
                    log.exception("could not delete %d unreferenced blobs", len(doomed))
                    for ref in doomed:
                        self._gc_pending[ref] = now + self.BLOB_GRACE_SECONDS
                    return 0
        return len(doomed)

    async def _queued_blobs(self) -> set[str]:
        refs: set[str] = set()
        # outbound delivery, undo or scheduled send, and uploads waiting to be sent
        for kind in ("outbound", "send", "upload"):
            for job in await self._queue.list(kind=kind):
                for key in ("blob_ref", "sent_ref"):
                    value = job.payload.get(key)
                    if isinstance(value, str):
                        refs.add(value)
        return refs

    async def run_collector(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        while True:
            await trio.sleep(self.BLOB_GRACE_SECONDS / 4)
            try:
                await self.collect_blobs()
            except Unavailable as exc:  # garbage waits for the next sweep
                log.warning("blob collection skipped: %s", exc)
            except Exception:
                log.exception("blob collection failed")

    @asynccontextmanager
    async def in_flight(self, raw: bytes) -> AsyncIterator[str]:
        """Store ``raw`` and keep it from collection until the block ends,
        by when the caller has committed its reference (or given up)."""
        ref = hashlib.sha256(raw).hexdigest()
        self._inflight_blobs[ref] = self._inflight_blobs.get(ref, 0) + 1
        try:
            stored = await self._blob_batcher.submit(raw)
            yield stored
        finally:
            count = self._inflight_blobs[ref] - 1
            if count:
                self._inflight_blobs[ref] = count
            else:
                del self._inflight_blobs[ref]
