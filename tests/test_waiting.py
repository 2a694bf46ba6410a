"""``wait_until`` returns as soon as its condition holds and fails loudly when it never does."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from tests.waiting import PATIENCE, wait_until


async def test_returns_once_the_condition_holds(autojump_clock: trio.testing.MockClock) -> None:
    became_true = trio.Event()

    async def later() -> None:
        await trio.sleep(3)
        became_true.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(later)
        started = trio.current_time()
        await wait_until(became_true.is_set, poll=0.5)
        assert 3 <= trio.current_time() - started <= 3.5  # within one poll of it


async def test_accepts_an_async_predicate(autojump_clock: trio.testing.MockClock) -> None:
    calls = []

    async def third_time() -> bool:
        calls.append(1)
        await trio.lowlevel.checkpoint()
        return len(calls) == 3

    await wait_until(third_time)
    assert len(calls) == 3


async def test_fails_naming_the_condition_after_the_deadline(autojump_clock: trio.testing.MockClock) -> None:
    started = trio.current_time()
    with pytest.raises(AssertionError, match="mail delivered"):
        await wait_until(lambda: False, what="mail delivered")
    assert trio.current_time() - started == pytest.approx(PATIENCE)
