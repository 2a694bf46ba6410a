"""Group commit: many callers' items handled in one batch.

A :class:`Batcher` owns a bounded channel. Callers ``submit`` an item and wait
for its result; the batcher's task takes everything waiting (up to a cap),
hands it to one handler call, and wakes every caller with its own result.
This is how many deliveries share one fsync round and one transaction.

With ``concurrency`` above one, that many handler calls run at once, each on
its own batch: for a store whose writers wait on the network more than on the
disk (PostgreSQL), transactions overlap instead of queueing. Items from one
caller that waits for each result keep their order either way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import trio

from mailcore.errors import Closed

T = TypeVar("T")
R = TypeVar("R")


class Reply(Generic[R]):
    """A one-shot result slot a caller waits on."""

    __slots__ = ("_event", "_value", "_error")

    def __init__(self) -> None:
        self._event = trio.Event()
        self._value: R | None = None
        self._error: BaseException | None = None

    def set(self, value: R) -> None:
        self._value = value
        self._event.set()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._event.set()

    @property
    def done(self) -> bool:
        return self._event.is_set()

    async def wait(self) -> R:
        await self._event.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


class Batcher(Generic[T, R]):
    """Runs ``handler(items) -> results`` over batches of submitted items.

    The handler returns one result per item, or an ``Exception`` instance in
    an item's slot to fail that item alone. If the handler raises, every item
    of the batch fails with that error.
    """

    def __init__(
        self,
        handler: Callable[[list[T]], Awaitable[Sequence[R | Exception]]],
        *,
        max_batch: int = 256,
        buffer: int = 1024,
        concurrency: int = 1,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._handler = handler
        self._max_batch = max_batch
        self._concurrency = concurrency
        self._send, self._receive = trio.open_memory_channel[tuple[T, Reply[R]]](buffer)

    async def submit(self, item: T) -> R:
        reply: Reply[R] = Reply()
        try:
            await self._send.send((item, reply))
        except (trio.ClosedResourceError, trio.BrokenResourceError) as exc:
            raise Closed("the engine is shutting down") from exc
        return await reply.wait()

    def close(self) -> None:
        self._send.close()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Serve batches until :meth:`close` and the channel drains."""
        task_status.started()
        async with self._receive:
            if self._concurrency == 1:
                await self._serve()
                return
            async with trio.open_nursery() as nursery:
                for _ in range(self._concurrency):
                    nursery.start_soon(self._serve)

    async def _serve(self) -> None:
        async for first in self._receive:
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._receive.receive_nowait())
                except (trio.WouldBlock, trio.EndOfChannel):
                    break
            await self._handle(batch)

    async def _handle(self, batch: list[tuple[T, Reply[R]]]) -> None:
        try:
            with trio.CancelScope(shield=True):
                results = await self._handler([item for item, _ in batch])
        except Exception as exc:
            for _, reply in batch:
                reply.fail(exc)
            return
        for (_, reply), result in zip(batch, results, strict=True):
            if isinstance(result, Exception):
                reply.fail(result)
            else:
                reply.set(result)
