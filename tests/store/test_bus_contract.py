"""Every Bus adapter against the bus contract, one test per promise."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import trio
import trio.testing

from mailcore._bridge import open_bridge
from mailcore.errors import Closed
from mailcore.model import ChangeEvent, ChangeKind
from mailcore.store import InProcessBus, RedisBus, SQLiteBus
from mailcore.store.base import Bus
from mailcore.testing import BUS_CHECKS, BusCheck, BusFactory, check_bus
from tests.servers import new_prefix, require_redis


def in_process(tmp_path: Path) -> BusFactory:
    @asynccontextmanager
    async def open_bus() -> AsyncIterator[Bus]:
        async with InProcessBus() as bus:
            yield bus

    return open_bus


def sqlite(tmp_path: Path) -> BusFactory:
    @asynccontextmanager
    async def open_bus() -> AsyncIterator[Bus]:
        async with SQLiteBus.open(tmp_path / "bus.db") as bus:
            yield bus

    return open_bus


def redis(tmp_path: Path) -> BusFactory:
    url = require_redis()
    prefix = new_prefix()

    @asynccontextmanager
    async def open_bus() -> AsyncIterator[Bus]:
        async with open_bridge() as bridge, RedisBus.open(bridge, url, prefix=prefix) as bus:
            yield bus

    return open_bus


#: One line per adapter: a name and a builder of a factory.
ADAPTERS: list[tuple[str, Callable[[Path], BusFactory]]] = [
    ("in-process", in_process),
    ("sqlite", sqlite),
    ("redis", redis),
]


@pytest.mark.parametrize("build", [build for _, build in ADAPTERS], ids=[n for n, _ in ADAPTERS])
@pytest.mark.parametrize("check", BUS_CHECKS, ids=lambda check: check.__name__)
async def test_bus_contract(
    build: Callable[[Path], BusFactory], check: BusCheck, tmp_path: Path
) -> None:
    await check(build(tmp_path))


@pytest.mark.parametrize("build", [build for _, build in ADAPTERS], ids=[n for n, _ in ADAPTERS])
async def test_whole_suite(build: Callable[[Path], BusFactory], tmp_path: Path) -> None:
    await check_bus(build(tmp_path))


async def test_in_process_bus_is_a_bus() -> None:
    async with InProcessBus() as bus:
        assert isinstance(bus, Bus)


async def test_closing_the_bus_ends_subscriptions() -> None:
    bus = InProcessBus()
    received: list[ChangeEvent] = []

    async def watch(task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with bus.subscribe(7) as subscription:
            task_status.started()
            async for event in subscription:
                received.append(event)

    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await nursery.start(watch)
            await bus.publish([ChangeEvent(account_id=7, kind=ChangeKind.FLAGS, modseq=3)])
            await trio.testing.wait_all_tasks_blocked()
            await bus.aclose()
    assert [event.modseq for event in received] == [3]
    with pytest.raises(Closed):
        await bus.publish([ChangeEvent(account_id=7, kind=ChangeKind.FLAGS, modseq=4)])


async def test_a_second_concurrent_reader_is_refused() -> None:
    async with InProcessBus() as bus, bus.subscribe(1) as subscription:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(subscription.__anext__)
            await trio.testing.wait_all_tasks_blocked()
            with pytest.raises(trio.BusyResourceError):
                await subscription.__anext__()
            nursery.cancel_scope.cancel()


async def test_redis_bus_carries_events_between_nodes() -> None:
    """Two buses on one Redis (two nodes): what one publishes, the other's subscribers get."""
    url, prefix = require_redis(), new_prefix()
    event = ChangeEvent(account_id=42, kind=ChangeKind.DELIVERED, modseq=7, message_ids=(1,))
    with trio.fail_after(10):
        async with open_bridge() as bridge:
            async with RedisBus.open(bridge, url, prefix=prefix) as node_a, RedisBus.open(
                bridge, url, prefix=prefix
            ) as node_b:
                async with node_b.subscribe(42) as on_b, node_a.subscribe(42) as on_a:
                    await node_a.publish([event])
                    assert await on_b.__anext__() == event
                    assert await on_a.__anext__() == event


async def test_sqlite_bus_carries_events_between_processes_of_a_data_directory(tmp_path: Path) -> None:
    """Two buses on one log (two processes): each subscriber gets every event once
    (in each publisher's order; two publishers' events may interleave either way)."""
    events = [ChangeEvent(account_id=42, kind=ChangeKind.DELIVERED, modseq=i, message_ids=(i,)) for i in (1, 2)]
    with trio.fail_after(10):
        async with SQLiteBus.open(tmp_path / "bus.db") as first, SQLiteBus.open(tmp_path / "bus.db") as second:
            async with first.subscribe(42) as on_first, second.subscribe(42) as on_second:
                await first.publish(events[:1])
                await second.publish(events[1:])
                by_modseq = lambda got: sorted(got, key=lambda e: e.modseq)  # noqa: E731
                assert by_modseq([await on_second.__anext__() for _ in range(2)]) == events
                assert by_modseq([await on_first.__anext__() for _ in range(2)]) == events
                # a later event from the first arrives next on both: nothing was doubled
                later = ChangeEvent(account_id=42, kind=ChangeKind.FLAGS, modseq=3)
                await first.publish([later])
                assert await on_first.__anext__() == later
                assert await on_second.__anext__() == later


async def test_sqlite_bus_reader_away_too_long_is_told_to_resync(tmp_path: Path) -> None:
    """Entries dropped before a process read them end in RESYNC for its subscribers."""
    from mailcore.store import _sqlite_bus as sqlite_bus

    now = [1000.0]
    with trio.fail_after(10):
        async with SQLiteBus.open(tmp_path / "bus.db", clock=lambda: now[0]) as writer:
            async with SQLiteBus.open(tmp_path / "bus.db", clock=lambda: now[0]) as reader:
                async with reader.subscribe(5) as watching:
                    # the reader stops following; the writer publishes and, much later, trims
                    reader._last_id = 10**9
                    await writer.publish([ChangeEvent(account_id=5, kind=ChangeKind.DELIVERED, modseq=1)])
                    await writer._write_outbox()
                    now[0] += sqlite_bus.KEEP_SECONDS * 2
                    await writer._trim()
                    reader._last_id = 0
                    event = await watching.__anext__()
                    assert event.kind is ChangeKind.RESYNC


async def test_sqlite_bus_that_cannot_keep_up_tells_the_others_to_resync(tmp_path: Path) -> None:
    """Past its outbox limit a process drops the queued events and the others get RESYNC."""
    from mailcore.store import _sqlite_bus as sqlite_bus

    with trio.fail_after(10):
        async with SQLiteBus.open(tmp_path / "bus.db") as first, SQLiteBus.open(tmp_path / "bus.db") as second:
            async with second.subscribe(9) as watching, first.subscribe(9) as local:
                # the log is behind: the outbox is full when the next event comes
                first._outbox = [("elsewhere", 0.0, "[]")] * sqlite_bus.OUTBOX_LIMIT
                event = ChangeEvent(account_id=9, kind=ChangeKind.FLAGS, modseq=1)
                await first.publish([event])
                assert await local.__anext__() == event  # this process's subscriber had it at once
                assert (await watching.__anext__()).kind is ChangeKind.RESYNC
