"""The one door to asyncio.

Some client libraries exist only for asyncio (``asyncpg``, ``redis``'s async
client, ``aiormq``, ``aioboto3``, PyMongo's async API). They run here, on a
trio-asyncio loop that :func:`mailcore.store.open_stores` opens with the
stores and closes with them; no other module of mailcore imports asyncio.

Every crossing costs a few tens of microseconds, so callers cross once per
batch, not once per statement: :meth:`Bridge.call` runs a whole asyncio
coroutine function (a transaction, a pipeline) on the loop and hands back
its result or its exception.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, ParamSpec, TypeVar

import trio_asyncio

from mailcore._actors.supervisor import single_errors

P = ParamSpec("P")
T = TypeVar("T")


class Bridge:
    """Runs asyncio coroutine functions from trio, on one asyncio loop."""

    def __init__(self, loop: Any) -> None:
        self._loop = loop

    async def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``await fn(*args, **kwargs)`` on the asyncio loop and return its result.

        Cancelling the trio caller cancels the asyncio task.
        """
        result: T = await trio_asyncio.aio_as_trio(fn, loop=self._loop)(*args, **kwargs)
        return result


@asynccontextmanager
async def open_bridge() -> AsyncIterator[Bridge]:
    """Open an asyncio loop inside the current trio task's scope; close it on exit.

    An error raised inside comes out as itself, not wrapped in the loop's
    exception group.
    """
    with single_errors():
        async with trio_asyncio.open_loop() as loop:
            yield Bridge(loop)
