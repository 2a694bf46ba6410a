"""Supervision: restarts with backoff, escalation past the restart budget."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from mailcore._actors.supervisor import RestartPolicy, Supervisor


class Flaky:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.starts: list[float] = []

    async def run(self) -> None:
        self.starts.append(trio.current_time())
        if len(self.starts) <= self.failures:
            raise RuntimeError("boom")
        await trio.sleep_forever()


async def test_crashed_child_restarts_with_growing_backoff(autojump_clock: trio.testing.MockClock) -> None:
    child = Flaky(failures=3)
    async with trio.open_nursery() as nursery:
        sup = Supervisor(nursery, "test", RestartPolicy(max_restarts=5, window=60, backoff_initial=1, backoff_max=10))
        sup.start_soon("flaky", child.run)
        await trio.sleep(100)
        nursery.cancel_scope.cancel()
    gaps = [b - a for a, b in zip(child.starts, child.starts[1:])]
    assert gaps == [1, 2, 4]
    assert sup.restarts["flaky"] == 3


async def test_too_many_crashes_escalate(autojump_clock: trio.testing.MockClock) -> None:
    child = Flaky(failures=100)
    with pytest.RaisesGroup(pytest.RaisesExc(RuntimeError, match="boom")):
        async with trio.open_nursery() as nursery:
            sup = Supervisor(nursery, "test", RestartPolicy(max_restarts=3, window=60, backoff_initial=1))
            sup.start_soon("flaky", child.run)
    assert len(child.starts) == 4


async def test_child_that_cannot_start_is_reported_to_its_starter() -> None:
    async def broken(task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        raise ValueError("no config")

    with pytest.RaisesGroup(pytest.RaisesExc(ValueError, match="no config")):
        async with trio.open_nursery() as nursery:
            await Supervisor(nursery, "test").start("broken", broken)


async def test_started_child_restarts_after_crash(autojump_clock: trio.testing.MockClock) -> None:
    runs = []

    async def service(task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        runs.append(trio.current_time())
        task_status.started()
        if len(runs) == 1:
            raise RuntimeError("first run dies")
        await trio.sleep_forever()

    async with trio.open_nursery() as nursery:
        await Supervisor(nursery, "test").start("svc", service)
        await trio.sleep(10)
        nursery.cancel_scope.cancel()
    assert len(runs) == 2
