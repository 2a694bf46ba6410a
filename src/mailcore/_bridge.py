"""The one door to asyncio.

Some client libraries exist only for asyncio (``asyncpg``, ``redis``'s async
client, ``aiormq``, ``aioboto3``, PyMongo's async API). They run here, on an
asyncio loop of their own that :func:`mailcore.store.open_stores` opens with
the stores and closes with them; no other module of mailcore imports asyncio.

The loop runs in a thread of its own, not on trio's thread through
trio-asyncio: measured on one machine, a crossing that runs ten ``asyncpg``
statements cost 165 µs of CPU per statement through trio-asyncio and 96 µs
here, a crossing of one statement 487 µs and 205 µs. A crossing still costs
more than a statement (a wake-up each way), so callers cross once per
batch, not once per statement: :meth:`Bridge.call` runs a whole asyncio coroutine function (a
transaction, a pipeline) on the loop and hands back its result or its
exception. Objects of those libraries live on the loop's thread and are
only ever touched there, inside such a call.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import selectors
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import ParamSpec, TypeVar

import trio

P = ParamSpec("P")
T = TypeVar("T")


class Bridge:
    """Runs asyncio coroutine functions from trio, on one asyncio loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    async def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``await fn(*args, **kwargs)`` on the asyncio loop and return its result.

        Cancelling the trio caller cancels the asyncio task, and waits until
        it has finished: nothing of the call runs on after it returns.
        """
        token = trio.lowlevel.current_trio_token()
        finished = trio.Event()

        async def run() -> T:
            return await fn(*args, **kwargs)

        def wake(_: concurrent.futures.Future[T]) -> None:
            try:
                token.run_sync_soon(finished.set)
            except trio.RunFinishedError:  # the caller's run is gone: no one to wake
                pass

        future = asyncio.run_coroutine_threadsafe(run(), self._loop)
        future.add_done_callback(wake)
        try:
            await finished.wait()
        except trio.Cancelled:
            future.cancel()
            with trio.CancelScope(shield=True):
                await finished.wait()
            raise
        return future.result()


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    """The loop's thread: run until stopped, then finish what is left and close."""
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


def _stop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    loop.call_soon_threadsafe(loop.stop)
    thread.join()


@asynccontextmanager
async def open_bridge() -> AsyncIterator[Bridge]:
    """Start an asyncio loop in a thread of its own; stop it and join the
    thread on exit (after the tasks still on it are cancelled)."""
    loop = asyncio.SelectorEventLoop(selectors.DefaultSelector())
    thread = threading.Thread(target=_serve, args=(loop,), name="mailcore-asyncio", daemon=True)
    thread.start()
    try:
        yield Bridge(loop)
    finally:
        with trio.CancelScope(shield=True):
            await trio.to_thread.run_sync(_stop, loop, thread)
