"""The embedded bus: change events fanned out inside one process.

Each subscription owns a bounded buffer. Publishing appends to the buffers
of the account's subscribers and wakes them; it never waits for a reader.
A subscriber that lets its buffer fill up loses the buffered events and is
told so by one ``RESYNC`` event, after which it is fed normally again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from types import TracebackType

import trio

from mailcore.errors import Closed
from mailcore.model import ChangeEvent, ChangeKind


class InProcessSubscription:
    """One subscriber's view of an account's events; see :class:`InProcessBus`.

    Iterate it (``async for event in sub``) from one task at a time (a second
    concurrent reader gets :class:`trio.BusyResourceError`). Iteration ends
    once the subscription has been left or the bus closed.
    """

    # An idle subscriber holds no buffer and no wake-up object: IMAP IDLE
    # sessions each keep one, and a node keeps thousands of them.
    __slots__ = ("account_id", "_limit", "_events", "_resync", "_latest", "_waiter", "_closed")

    def __init__(self, account_id: int, limit: int) -> None:
        self.account_id = account_id
        self._limit = limit
        self._events: deque[ChangeEvent] | None = None
        self._resync = False  # buffered events were dropped; RESYNC is due
        self._latest = 0  # highest modseq offered to this subscriber
        self._waiter: trio.lowlevel.Task | None = None
        self._closed = False

    def _offer(self, event: ChangeEvent) -> None:
        """Buffer one event (called by the bus; never blocks)."""
        if event.modseq > self._latest:
            self._latest = event.modseq
        if not self._resync:
            events = self._events
            if events is None:
                events = self._events = deque()
            if len(events) >= self._limit:
                # Overflow: what is buffered is now useless, the subscriber
                # must re-read everything anyway.
                self._events = None
                self._resync = True
            else:
                events.append(event)
        self._wake()

    def _close(self) -> None:
        self._closed = True
        self._events = None
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            trio.lowlevel.reschedule(waiter)

    def _take(self) -> ChangeEvent | None:
        if self._resync:
            # Events dropped while RESYNC was pending were published before
            # the subscriber re-reads its state, so the re-read covers them.
            self._resync = False
            return ChangeEvent(
                account_id=self.account_id, kind=ChangeKind.RESYNC, modseq=self._latest
            )
        events = self._events
        if events:
            event = events.popleft()
            if not events:
                self._events = None
            return event
        return None

    def __aiter__(self) -> InProcessSubscription:
        return self

    async def __anext__(self) -> ChangeEvent:
        await trio.lowlevel.checkpoint()
        while True:
            event = self._take()
            if event is not None:
                return event
            if self._closed:
                raise StopAsyncIteration
            if self._waiter is not None:
                raise trio.BusyResourceError("another task is iterating this subscription")
            self._waiter = trio.lowlevel.current_task()
            await trio.lowlevel.wait_task_rescheduled(self._abort_wait)

    def _abort_wait(self, _: trio.lowlevel.RaiseCancelT) -> trio.lowlevel.Abort:
        self._waiter = None
        return trio.lowlevel.Abort.SUCCEEDED


class _SubscriptionContext:
    __slots__ = ("_bus", "_subscription")

    def __init__(self, bus: InProcessBus, subscription: InProcessSubscription) -> None:
        self._bus = bus
        self._subscription = subscription

    async def __aenter__(self) -> InProcessSubscription:
        await trio.lowlevel.checkpoint()
        self._bus._add(self._subscription)
        return self._subscription

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bus._remove(self._subscription)


class InProcessBus:
    """A :class:`mailcore.store.base.Bus` for one process.

    Promises, beyond the protocol's:

    * ``publish`` never blocks and never waits for a subscriber; events of one
      call reach each subscriber in the order given;
    * when a subscriber's buffer of ``buffer`` events is full, the buffered
      events are dropped, and its next event is one ``RESYNC`` carrying the
      highest modseq published to it so far; it then receives events
      published after that RESYNC was handed over;
    * an idle subscription costs a few hundred bytes;
    * after ``aclose`` every subscription's iteration ends and ``publish``
      raises :class:`mailcore.errors.Closed`.
    """

    def __init__(self) -> None:
        self._subscribers: dict[int, set[InProcessSubscription]] = {}
        self._closed = False

    async def __aenter__(self) -> InProcessBus:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def publish(self, events: Sequence[ChangeEvent]) -> None:
        """Hand events to every current subscriber of their account."""
        await trio.lowlevel.checkpoint_if_cancelled()
        if self._closed:
            raise Closed("bus is closed")
        subscribers = self._subscribers
        for event in events:
            for subscription in subscribers.get(event.account_id, ()):
                subscription._offer(event)
        # Delivered in full: a cancellation arriving now must not undo that.
        await trio.lowlevel.cancel_shielded_checkpoint()

    def subscribe(self, account_id: int, buffer: int = 1024) -> _SubscriptionContext:
        """Open a subscription to ``account_id``; leaving the context ends it."""
        if buffer < 1:
            raise ValueError("buffer must be at least 1")
        return _SubscriptionContext(self, InProcessSubscription(account_id, buffer))

    def _add(self, subscription: InProcessSubscription) -> None:
        if self._closed:
            raise Closed("bus is closed")
        self._subscribers.setdefault(subscription.account_id, set()).add(subscription)

    def _remove(self, subscription: InProcessSubscription) -> None:
        subscription._close()
        subscribers = self._subscribers.get(subscription.account_id)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscribers[subscription.account_id]

    def _resync_all(self) -> None:
        """Tell every subscriber to re-read its state: events may have been lost
        on the way from another process or node."""
        for group in self._subscribers.values():
            for subscription in group:
                subscription._offer(ChangeEvent(account_id=subscription.account_id, kind=ChangeKind.RESYNC, modseq=0))

    async def aclose(self) -> None:
        """Close the bus: end every subscription."""
        self._closed = True
        subscribers, self._subscribers = self._subscribers, {}
        for group in subscribers.values():
            for subscription in group:
                subscription._close()
        await trio.lowlevel.checkpoint()
