"""Every Queue adapter against the queue contract, one test per promise."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from mailcore.store import SQLiteQueue
from mailcore.store.base import Queue
from mailcore.testing import (
    CLOCK_CHECKS,
    QUEUE_CHECKS,
    FakeClock,
    QueueCheck,
    QueueFactory,
    check_queue,
)


def sqlite(tmp_path: Path) -> QueueFactory:
    @asynccontextmanager
    async def open_queue(clock: FakeClock) -> AsyncIterator[Queue]:
        async with SQLiteQueue(tmp_path / "queue.sqlite3", clock=clock) as queue:
            yield queue

    return open_queue


#: One line per adapter: a name, a builder of a factory bound to a fresh
#: location, and whether the adapter follows the injected clock.
ADAPTERS: list[tuple[str, Callable[[Path], QueueFactory], bool]] = [
    ("sqlite", sqlite, True),
]


@pytest.mark.parametrize(
    ("build", "follows_clock"),
    [(build, follows) for _, build, follows in ADAPTERS],
    ids=[name for name, _, _ in ADAPTERS],
)
@pytest.mark.parametrize("check", QUEUE_CHECKS, ids=lambda check: check.__name__)
async def test_queue_contract(
    build: Callable[[Path], QueueFactory],
    follows_clock: bool,
    check: QueueCheck,
    tmp_path: Path,
) -> None:
    if not follows_clock and check in CLOCK_CHECKS:
        pytest.skip("the adapter keeps time itself and cannot follow a fake clock")
    await check(build(tmp_path))


@pytest.mark.parametrize(
    ("build", "follows_clock"),
    [(build, follows) for _, build, follows in ADAPTERS],
    ids=[name for name, _, _ in ADAPTERS],
)
async def test_whole_suite_on_shared_storage(
    build: Callable[[Path], QueueFactory], follows_clock: bool, tmp_path: Path
) -> None:
    await check_queue(build(tmp_path), follows_clock=follows_clock)


async def test_sqlite_queue_is_a_queue(tmp_path: Path) -> None:
    async with SQLiteQueue(tmp_path / "q.sqlite3") as queue:
        assert isinstance(queue, Queue)
