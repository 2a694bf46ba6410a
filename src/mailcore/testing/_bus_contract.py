"""The promises every :class:`~mailcore.store.base.Bus` keeps, as checks.

Run them all with ``await check_bus(factory)``, or one at a time by
parametrizing a test over :data:`BUS_CHECKS`. ``factory`` is a zero-argument
callable returning an async context manager that opens a bus and closes it
on exit. Each check opens one bus and publishes and subscribes through it,
so a cross-process bus (Redis) is exercised through its real transport: the
events it hands out must equal the ones published, field for field.

Delivery may be asynchronous (a network hop), so the checks wait for
events under generous deadlines and never assert timings tighter than
seconds. Account ids are drawn at random so that checks sharing one broker
do not see each other's events.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

import trio

from mailcore.model import ChangeEvent, ChangeKind
from mailcore.store.base import Bus, Subscription

BusFactory = Callable[[], AbstractAsyncContextManager[Bus]]
BusCheck = Callable[[BusFactory], Awaitable[None]]

_DEADLINE = 10.0


def _account() -> int:
    return random.randrange(1, 2**40)


def _event(account_id: int, modseq: int, kind: ChangeKind = ChangeKind.DELIVERED) -> ChangeEvent:
    return ChangeEvent(
        account_id=account_id,
        kind=kind,
        modseq=modseq,
        message_ids=(modseq * 10, modseq * 10 + 1),
        thread_ids=(modseq * 100,),
        label_ids=(1, 2 + modseq % 3),
    )


async def _receive(subscription: Subscription, count: int) -> list[ChangeEvent]:
    events = []
    iterator = subscription.__aiter__()
    for _ in range(count):
        events.append(await iterator.__anext__())
    return events


async def _nothing_more(bus: Bus, subscription: Subscription, account_id: int) -> None:
    """Assert that no other event is pending: a marker published now is the next one received."""
    marker = _event(account_id, 2**52 + random.randrange(2**20), ChangeKind.ACCOUNT)
    await bus.publish([marker])
    got = await _receive(subscription, 1)
    assert got == [marker], f"unexpected event {got[0]!r}"


async def _ended(subscription: Subscription) -> None:
    """Assert that a subscription that was left hands out nothing more: its iteration ends."""
    try:
        event = await subscription.__aiter__().__anext__()
    except (StopAsyncIteration, trio.ClosedResourceError):
        return
    raise AssertionError(f"a subscription that was left received {event!r}")


async def check_in_order(factory: BusFactory) -> None:
    """A subscriber gets the events published after it subscribed, in order, equal."""
    account = _account()
    kinds = [kind for kind in ChangeKind if kind is not ChangeKind.RESYNC]
    events = [_event(account, i + 1, kinds[i % len(kinds)]) for i in range(20)]
    with trio.fail_after(_DEADLINE):
        async with factory() as bus:
            async with bus.subscribe(account) as subscription:
                await bus.publish(events[:5])
                for event in events[5:]:
                    await bus.publish([event])
                assert await _receive(subscription, len(events)) == events
                await _nothing_more(bus, subscription, account)


async def check_only_events_after_subscribing(factory: BusFactory) -> None:
    """Events published before a subscription opened are not delivered to it."""
    account = _account()
    with trio.fail_after(_DEADLINE):
        async with factory() as bus:
            await bus.publish([_event(account, 1)])
            async with bus.subscribe(account) as subscription:
                await bus.publish([_event(account, 2)])
                assert await _receive(subscription, 1) == [_event(account, 2)]


async def check_fan_out(factory: BusFactory) -> None:
    """Two subscribers of one account both get every event, in order."""
    account = _account()
    events = [_event(account, i) for i in range(1, 11)]
    with trio.fail_after(_DEADLINE):
        async with factory() as bus:
            async with bus.subscribe(account) as first, bus.subscribe(account) as second:
                await bus.publish(events)
                assert await _receive(first, 10) == events
                assert await _receive(second, 10) == events


async def check_account_isolation(factory: BusFactory) -> None:
    """A subscriber sees only its own account's events, even from mixed batches."""
    alice, bob = _account(), _account() + 2**41
    with trio.fail_after(_DEADLINE):
        async with factory() as bus:
            async with bus.subscribe(alice) as for_alice, bus.subscribe(bob) as for_bob:
                mixed = [_event(alice if i % 3 else bob, i) for i in range(1, 13)]
                await bus.publish(mixed)
                # The last event of each account ends its stream.
                mixed += [
                    _event(alice, 100, ChangeKind.ACCOUNT),
                    _event(bob, 100, ChangeKind.ACCOUNT),
                ]
                await bus.publish(mixed[-2:])
                for account, subscription in ((alice, for_alice), (bob, for_bob)):
                    expected = [event for event in mixed if event.account_id == account]
                    assert await _receive(subscription, len(expected)) == expected
                    await _nothing_more(bus, subscription, account)


async def check_slow_subscriber_gets_resync(factory: BusFactory) -> None:
    """Overflowing a subscriber's buffer never blocks the publisher and yields RESYNC.

    The subscriber then re-reads from the RESYNC's modseq, which covers every
    event it missed, and is fed normally again.
    """
    account = _account()
    buffer = 8
    total = 10 * buffer
    with trio.fail_after(_DEADLINE):
        async with factory() as bus:
            async with (
                bus.subscribe(account, buffer=buffer) as slow,
                bus.subscribe(account) as fast,
            ):
                for modseq in range(1, total // 2 + 1):
                    await bus.publish([_event(account, modseq)])
                await bus.publish([_event(account, m) for m in range(total // 2 + 1, total + 1)])

                # The fast subscriber's roomy buffer loses nothing.
                expected = [_event(account, m) for m in range(1, total + 1)]
                assert await _receive(fast, total) == expected

                received: list[ChangeEvent] = []
                iterator = slow.__aiter__()
                while not received or received[-1].modseq < total:
                    received.append(await iterator.__anext__())
                resyncs = [event for event in received if event.kind is ChangeKind.RESYNC]
                assert resyncs, "no RESYNC after overflowing the buffer"
                assert len(received) < total, "nothing was dropped"
                for event in resyncs:
                    assert event.account_id == account
                # After the last RESYNC, whatever follows is in order and complete.
                after = received[received.index(resyncs[-1]) + 1 :]
                start = resyncs[-1].modseq + 1
                assert after == [_event(account, m) for m in range(start, total + 1)]

                # Back to normal once caught up.
                await bus.publish([_event(account, total + 1)])
                assert await _receive(slow, 1) == [_event(account, total + 1)]


async def check_publish_never_blocks(factory: BusFactory) -> None:
    """Publishing to a subscriber that never reads returns promptly, batch or not."""
    account = _account()
    with trio.fail_after(_DEADLINE):
        async with factory() as bus:
            async with bus.subscribe(account, buffer=4):
                for modseq in range(1, 41):
                    await bus.publish([_event(account, modseq)])
                await bus.publish([_event(account, m) for m in range(41, 1041)])


async def check_leaving_stops_delivery(factory: BusFactory) -> None:
    """A subscription left stops receiving; the others and later ones carry on."""
    account = _account()
    with trio.fail_after(_DEADLINE):
        async with factory() as bus:
            async with bus.subscribe(account) as staying:
                async with bus.subscribe(account, buffer=2) as leaving:
                    await bus.publish([_event(account, 1)])
                    assert await _receive(leaving, 1) == [_event(account, 1)]
                # Publishing past the left subscription's buffer is harmless.
                await bus.publish([_event(account, m) for m in range(2, 12)])
                await _ended(leaving)
                expected = [_event(account, m) for m in range(1, 12)]
                assert await _receive(staying, 11) == expected
            async with bus.subscribe(account) as later:
                await bus.publish([_event(account, 12)])
                assert await _receive(later, 1) == [_event(account, 12)]


async def check_events_survive_json(factory: BusFactory) -> None:
    """Events round-trip through ChangeEvent.to_json/from_json, and the bus keeps them equal."""
    account = _account()
    events = [
        ChangeEvent(account_id=account, kind=kind, modseq=2**40 + i, message_ids=(), label_ids=(i,))
        for i, kind in enumerate(ChangeKind)
    ]
    events.append(_event(account, 2**50))
    for event in events:
        assert ChangeEvent.from_json(event.to_json()) == event
    with trio.fail_after(_DEADLINE):
        async with factory() as bus:
            async with bus.subscribe(account) as subscription:
                await bus.publish(events)
                assert await _receive(subscription, len(events)) == events


BUS_CHECKS: list[BusCheck] = [
    check_in_order,
    check_only_events_after_subscribing,
    check_fan_out,
    check_account_isolation,
    check_slow_subscriber_gets_resync,
    check_publish_never_blocks,
    check_leaving_stops_delivery,
    check_events_survive_json,
]


async def check_bus(factory: BusFactory) -> None:
    """Run every check of :data:`BUS_CHECKS` against the bus ``factory`` opens."""
    for check in BUS_CHECKS:
        await check(factory)
