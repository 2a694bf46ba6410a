"""Supervision: every task lives in a supervisor's nursery.

A supervised child that crashes is restarted with exponential backoff
(one-for-one). Past ``max_restarts`` crashes within ``window`` seconds the
supervisor stops restarting and escalates the error to its own nursery, so a
persistent fault takes its subtree down visibly instead of spinning. Time is
trio's clock, so tests drive restarts with ``trio.testing.MockClock``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import trio

log = logging.getLogger("mailcore.supervisor")


@attrs.frozen
class RestartPolicy:
    max_restarts: int = 5
    window: float = 60.0
    backoff_initial: float = 0.1
    backoff_max: float = 5.0


class Supervisor:
    """Starts and restarts children inside one nursery."""

    def __init__(self, nursery: trio.Nursery, name: str, policy: RestartPolicy | None = None) -> None:
        self.nursery = nursery
        self.name = name
        self.policy = policy or RestartPolicy()
        self.restarts: dict[str, int] = {}

    def start_soon(
        self, name: str, fn: Callable[..., Awaitable[Any]], *args: Any, restart: bool = True
    ) -> None:
        """Run ``fn(*args)``; restart it when it crashes (if ``restart``)."""
        self.nursery.start_soon(self._supervise, name, fn, args, restart, name=f"{self.name}/{name}")

    async def start(
        self, name: str, fn: Callable[..., Awaitable[Any]], *args: Any, restart: bool = True
    ) -> Any:
        """Like :meth:`start_soon`, but wait until ``fn`` calls ``task_status.started()``."""
        return await self.nursery.start(self._supervise_started, name, fn, args, restart)

    async def _supervise_started(
        self,
        name: str,
        fn: Callable[..., Awaitable[Any]],
        args: tuple[Any, ...],
        restart: bool,
        task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        await self._supervise(name, fn, args, restart, task_status=task_status)

    async def _supervise(
        self,
        name: str,
        fn: Callable[..., Awaitable[Any]],
        args: tuple[Any, ...],
        restart: bool,
        task_status: trio.TaskStatus[Any] | None = None,
    ) -> None:
        crashes: deque[float] = deque()
        delay = self.policy.backoff_initial
        first = True
        status = _Status(task_status) if task_status is not None else None
        while True:
            try:
                # only the first run reports readiness; restarts run without it
                await _call_with_status(fn, args, status if first else None)
                return
            except Exception as exc:
                if not restart or (status is not None and not status.reported):
                    # a child that cannot even start is not restarted: its starter hears why
                    raise
                now = trio.current_time()
                crashes.append(now)
                while crashes and crashes[0] < now - self.policy.window:
                    crashes.popleft()
                self.restarts[name] = self.restarts.get(name, 0) + 1
                if len(crashes) > self.policy.max_restarts:
                    log.error("%s/%s crashed %d times in %.0fs; escalating", self.name, name, len(crashes), self.policy.window)
                    raise
                log.warning("%s/%s crashed (%s: %s); restarting in %.2fs", self.name, name, type(exc).__name__, exc, delay)
                await trio.sleep(delay)
                delay = min(delay * 2, self.policy.backoff_max)
            first = False


async def _call_with_status(
    fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...], task_status: Any
) -> None:
    if task_status is None:
        await fn(*args)
    else:
        await fn(*args, task_status=task_status)


class _Status:
    """Wraps a task status to remember whether the child reported readiness."""

    def __init__(self, inner: trio.TaskStatus[Any]) -> None:
        self.inner = inner
        self.reported = False

    def started(self, value: Any = None) -> None:
        self.reported = True
        self.inner.started(value)


@contextmanager
def single_errors() -> Iterator[None]:
    """Re-raise a nursery's lone error as itself, not as an exception group.

    Callers of the engine catch ``mailcore.AlreadyExists``, not a group that
    happens to hold one; groups of several errors pass through unchanged.
    """
    try:
        yield
    except BaseExceptionGroup as group:
        leaves = list(_leaves(group))
        if len(leaves) == 1:
            raise leaves[0] from None
        raise


def _leaves(group: BaseExceptionGroup[BaseException]) -> Iterator[BaseException]:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            yield from _leaves(exc)
        else:
            yield exc
