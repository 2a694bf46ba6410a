"""Group commit: the Batcher that every write of the engine goes through."""

from __future__ import annotations

import trio

from mailcore._actors._batch import Batcher


async def test_overlapping_batches_each_answer_their_own_callers() -> None:
    in_flight = 0
    most = 0
    calls: list[list[int]] = []

    async def handler(items: list[int]) -> list[int | Exception]:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        calls.append(items)
        await trio.sleep(0.01)
        in_flight -= 1
        return [ValueError(f"bad {i}") if i % 7 == 0 else i * 10 for i in items]

    batcher: Batcher[int, int] = Batcher(handler, max_batch=4, concurrency=3)
    results: dict[int, int | str] = {}
    order: dict[int, list[int]] = {}

    async def caller(c: int) -> None:
        # one caller waits for each result before the next, as a mailbox does
        for k in range(5):
            item = c * 100 + k
            try:
                results[item] = await batcher.submit(item)
            except ValueError as exc:
                results[item] = str(exc)
            order.setdefault(c, []).append(item)

    async with trio.open_nursery() as outer:
        await outer.start(batcher.run)
        async with trio.open_nursery() as nursery:
            for c in range(1, 13):
                nursery.start_soon(caller, c)
        batcher.close()

    assert most == 3
    assert all(len(batch) <= 4 for batch in calls)
    assert sorted(i for batch in calls for i in batch) == sorted(results)
    for item, result in results.items():
        assert result == (f"bad {item}" if item % 7 == 0 else item * 10)
    for c, items in order.items():
        assert items == [c * 100 + k for k in range(5)]


async def test_one_at_a_time_unless_asked() -> None:
    in_flight = 0
    most = 0

    async def handler(items: list[int]) -> list[int | Exception]:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await trio.sleep(0.005)
        in_flight -= 1
        return list(items)

    batcher: Batcher[int, int] = Batcher(handler, max_batch=2)
    async with trio.open_nursery() as outer:
        await outer.start(batcher.run)
        async with trio.open_nursery() as nursery:
            for i in range(20):
                nursery.start_soon(batcher.submit, i)
        batcher.close()
    assert most == 1
