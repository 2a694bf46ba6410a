"""Waiting for a condition in tests, instead of sleeping a guessed time.

A fixed sleep either wastes time or, on a slow machine, is too short; before
a negative assertion it makes the test pass without checking anything. Wait
for the condition itself, bounded by a deadline that turns a hang into a
failure naming what never happened.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable

import trio

#: How long a condition may take before the test fails (seconds). A caller
#: needing less wraps the call in its own ``trio.fail_after``.
PATIENCE = 10.0


async def wait_until(
    predicate: Callable[[], bool | Awaitable[bool]],
    *,
    poll: float = 0.01,
    what: str | None = None,
) -> None:
    """Return as soon as ``predicate()`` holds; fail after :data:`PATIENCE` seconds.

    ``predicate`` may be a plain or an async function; it is checked at once,
    then every ``poll`` seconds. On timeout an ``AssertionError`` names
    ``what`` (or the predicate) so the failure says which condition never held.
    """
    with trio.move_on_after(PATIENCE):
        while True:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return
            await trio.sleep(poll)
    name = what or getattr(predicate, "__qualname__", repr(predicate))
    raise AssertionError(f"not true after {PATIENCE}s: {name}")
