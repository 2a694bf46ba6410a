"""The promises every :class:`~mailcore.store.base.Queue` keeps, as checks.

Run them all with ``await check_queue(factory)``, or one at a time by
parametrizing a test over :func:`queue_checks`. ``factory(clock)`` returns an
async context manager that opens the queue with ``clock`` (a
:class:`FakeClock`, usable wherever a :data:`~mailcore.store.base.WallClock`
is) as its source of time and closes it on exit; calling it again must reopen
the *same* storage, which is how durability is checked.

**Time.** Leases, ``not_before`` and retry delays are checked by moving the
fake clock, never by sleeping. An adapter whose broker keeps time itself
(RabbitMQ's TTLs and delays) cannot follow a fake clock: it declares so with
``follows_clock=False``, and the checks in :data:`CLOCK_CHECKS` are then left
out (:func:`queue_checks` returns the rest). The remaining checks never need
time to pass, and hold whether the adapter reads the fake clock or the real one.

Each check uses job kinds of its own, so checks may share one storage, in any
order, and leave it in an unspecified state.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import attrs
import trio

from mailcore.store.base import Job, Queue


@attrs.define
class FakeClock:
    """A clock that only moves when told; call it to read the time.

    It starts at a realistic epoch time, so an adapter that stores absolute
    times (or compares with a server's) sees plausible values.
    """

    now: float = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time does not go backwards")
        self.now += seconds


QueueFactory = Callable[[FakeClock], AbstractAsyncContextManager[Queue]]
QueueCheck = Callable[[QueueFactory], Awaitable[None]]

_DEADLINE = 30.0


def _kind(name: str) -> str:
    return f"contract-{name}-{uuid.uuid4().hex[:12]}"


def _ids(jobs: list[Job]) -> list[str]:
    return [job.id for job in jobs]


_PAYLOAD: dict[str, Any] = {
    "to": ["bob@example.org", "carol@example.net"],
    "blob": "ab" * 32,
    "attempt_log": [{"at": 1.5, "code": 451, "text": "try later"}],
    "unicode": "Grüße, 你好, 👋",
    "flags": {"dsn": True, "smtputf8": False, "size": None},
    "n": 12345678901234,
}


async def check_enqueue_lease_ack(factory: QueueFactory) -> None:
    """A job goes ready → leased (to one leaser) → gone by ack; payload round-trips."""
    kind = _kind("basic")
    with trio.fail_after(_DEADLINE):
        async with factory(FakeClock()) as queue:
            job_id = await queue.enqueue(kind, _PAYLOAD)
            assert isinstance(job_id, str) and job_id
            job = await queue.get(job_id)
            assert job is not None
            assert (job.id, job.kind, job.payload, job.attempts, job.state) == (
                job_id,
                kind,
                _PAYLOAD,
                0,
                "ready",
            )
            assert job.last_error is None

            [leased] = await queue.lease(kind, 10, ttl=300)
            assert (leased.id, leased.kind, leased.payload, leased.state) == (
                job_id,
                kind,
                _PAYLOAD,
                "leased",
            )
            assert await queue.lease(kind, 10, ttl=300) == []
            got = await queue.get(job_id)
            assert got is not None and got.state == "leased"

            await queue.ack(job_id)
            assert await queue.get(job_id) is None
            assert await queue.list(kind=kind) == []
            assert await queue.lease(kind, 10, ttl=300) == []


async def check_lease_takes_oldest_first_up_to_n(factory: QueueFactory) -> None:
    """lease(n) takes at most n jobs, oldest first; ids are distinct."""
    kind = _kind("order")
    with trio.fail_after(_DEADLINE):
        async with factory(FakeClock()) as queue:
            ids = [await queue.enqueue(kind, {"i": i}) for i in range(5)]
            assert len(set(ids)) == 5
            first = await queue.lease(kind, 2, ttl=300)
            assert _ids(first) == ids[:2]
            assert [job.payload for job in first] == [{"i": 0}, {"i": 1}]
            rest = await queue.lease(kind, 10, ttl=300)
            assert _ids(rest) == ids[2:]
            assert await queue.lease(kind, 0, ttl=300) == []


async def check_not_before(factory: QueueFactory) -> None:
    """A job is not leased before its not_before; due jobs come oldest due first."""
    kind = _kind("not-before")
    clock = FakeClock()
    with trio.fail_after(_DEADLINE):
        async with factory(clock) as queue:
            t0 = clock.now
            later = await queue.enqueue(kind, {"job": "later"}, not_before=t0 + 60)
            sooner = await queue.enqueue(kind, {"job": "sooner"}, not_before=t0 + 30)
            now = await queue.enqueue(kind, {"job": "now"})
            job = await queue.get(later)
            assert job is not None and job.not_before == t0 + 60 and job.state == "ready"

            assert _ids(await queue.lease(kind, 10, ttl=300)) == [now]
            clock.advance(29)
            assert await queue.lease(kind, 10, ttl=300) == []
            clock.advance(2)
            assert _ids(await queue.lease(kind, 10, ttl=300)) == [sooner]
            clock.advance(30)
            assert _ids(await queue.lease(kind, 10, ttl=300)) == [later]

            # Enqueued in one order, due in the other: due order wins.
            second = await queue.enqueue(kind, {}, not_before=clock.now + 20)
            first = await queue.enqueue(kind, {}, not_before=clock.now + 10)
            clock.advance(25)
            assert _ids(await queue.lease(kind, 10, ttl=300)) == [first, second]


async def check_lease_expiry(factory: QueueFactory) -> None:
    """A lease not acked, retried nor dead-lettered within its ttl makes the job leasable again."""
    kind = _kind("ttl")
    clock = FakeClock()
    with trio.fail_after(_DEADLINE):
        async with factory(clock) as queue:
            job_id = await queue.enqueue(kind, {"x": 1})
            assert _ids(await queue.lease(kind, 10, ttl=30)) == [job_id]
            clock.advance(29)
            assert await queue.lease(kind, 10, ttl=30) == []
            clock.advance(2)
            [again] = await queue.lease(kind, 10, ttl=30)
            assert (again.id, again.payload, again.state) == (job_id, {"x": 1}, "leased")
            assert await queue.lease(kind, 10, ttl=30) == []
            await queue.ack(job_id)
            clock.advance(3600)
            assert await queue.lease(kind, 10, ttl=30) == []
            assert await queue.get(job_id) is None


async def check_retry_counts_attempts(factory: QueueFactory) -> None:
    """retry makes a leased job ready again, counting one attempt and keeping the error."""
    kind = _kind("retry")
    clock = FakeClock()
    with trio.fail_after(_DEADLINE):
        async with factory(clock) as queue:
            job_id = await queue.enqueue(kind, {"rcpt": "bob@example.org"})
            for attempt in (1, 2, 3):
                [job] = await queue.lease(kind, 10, ttl=300)
                assert job.id == job_id and job.attempts == attempt - 1
                await queue.retry(job_id, at=clock.now, error=f"451 try later ({attempt})")
                got = await queue.get(job_id)
                assert got is not None
                assert (got.state, got.attempts, got.last_error) == (
                    "ready",
                    attempt,
                    f"451 try later ({attempt})",
                )
                assert got.payload == {"rcpt": "bob@example.org"}


async def check_retry_delays(factory: QueueFactory) -> None:
    """A retried job is not leased again before the time given to retry."""
    kind = _kind("retry-delay")
    clock = FakeClock()
    with trio.fail_after(_DEADLINE):
        async with factory(clock) as queue:
            job_id = await queue.enqueue(kind, {})
            await queue.lease(kind, 1, ttl=300)
            at = clock.now + 100
            await queue.retry(job_id, at=at, error="451 greylisted")
            got = await queue.get(job_id)
            assert got is not None and got.not_before == at and got.attempts == 1
            assert await queue.lease(kind, 10, ttl=300) == []
            clock.advance(99)
            assert await queue.lease(kind, 10, ttl=300) == []
            clock.advance(2)
            [job] = await queue.lease(kind, 10, ttl=300)
            assert (job.id, job.attempts, job.last_error) == (job_id, 1, "451 greylisted")


async def check_dead_letter(factory: QueueFactory) -> None:
    """A dead-lettered job is never leased again but stays visible as ``dead``."""
    kind = _kind("dead")
    clock = FakeClock()
    with trio.fail_after(_DEADLINE):
        async with factory(clock) as queue:
            dead_id = await queue.enqueue(kind, {"rcpt": "nobody@example.org"})
            alive_id = await queue.enqueue(kind, {"rcpt": "bob@example.org"})
            [job, _] = await queue.lease(kind, 10, ttl=30)
            assert job.id == dead_id
            await queue.dead_letter(dead_id, "550 5.1.1 no such user")

            got = await queue.get(dead_id)
            assert got is not None
            assert (got.state, got.last_error, got.payload) == (
                "dead",
                "550 5.1.1 no such user",
                {"rcpt": "nobody@example.org"},
            )
            assert _ids(await queue.list(kind=kind, state="dead")) == [dead_id]
            assert dead_id not in _ids(await queue.list(kind=kind, state="ready"))
            assert dead_id not in _ids(await queue.list(kind=kind, state="leased"))
            await queue.ack(alive_id)
            clock.advance(3600)
            assert await queue.lease(kind, 10, ttl=30) == []
            assert _ids(await queue.list(kind=kind)) == [dead_id]


async def check_cancel(factory: QueueFactory) -> None:
    """cancel removes a job that is not leased (True) and refuses a leased one (False)."""
    kind = _kind("cancel")
    with trio.fail_after(_DEADLINE):
        async with factory(FakeClock()) as queue:
            leased_id = await queue.enqueue(kind, {"n": 1})
            ready_id = await queue.enqueue(kind, {"n": 2})
            assert _ids(await queue.lease(kind, 1, ttl=300)) == [leased_id]

            assert await queue.cancel(ready_id) is True
            assert await queue.get(ready_id) is None
            assert await queue.cancel(ready_id) is False
            assert await queue.cancel(uuid.uuid4().hex) is False

            assert await queue.cancel(leased_id) is False
            got = await queue.get(leased_id)
            assert got is not None and got.state == "leased"
            assert _ids(await queue.list(kind=kind)) == [leased_id]


async def check_list(factory: QueueFactory) -> None:
    """list shows jobs oldest first, filtered by kind and by state."""
    kind, other_kind = _kind("list"), _kind("list-other")
    with trio.fail_after(_DEADLINE):
        async with factory(FakeClock()) as queue:
            a = await queue.enqueue(kind, {"n": "a"})
            b = await queue.enqueue(kind, {"n": "b"})
            c = await queue.enqueue(kind, {"n": "c"})
            d = await queue.enqueue(kind, {"n": "d"})
            o = await queue.enqueue(other_kind, {"n": "o"})
            assert _ids(await queue.lease(kind, 2, ttl=300)) == [a, b]
            await queue.dead_letter(b, "gave up")

            everything = await queue.list()
            positions = [_ids(everything).index(job_id) for job_id in (a, b, c, d, o)]
            assert positions == sorted(positions)

            jobs = await queue.list(kind=kind)
            assert _ids(jobs) == [a, b, c, d]
            assert [job.payload["n"] for job in jobs] == ["a", "b", "c", "d"]
            assert [job.state for job in jobs] == ["leased", "dead", "ready", "ready"]
            assert _ids(await queue.list(kind=kind, state="ready")) == [c, d]
            assert _ids(await queue.list(kind=kind, state="leased")) == [a]
            assert _ids(await queue.list(kind=kind, state="dead")) == [b]
            assert _ids(await queue.list(kind=other_kind)) == [o]
            ready_anywhere = _ids(await queue.list(state="ready"))
            assert {c, d, o} <= set(ready_anywhere) and a not in ready_anywhere


async def check_kinds_are_separate(factory: QueueFactory) -> None:
    """lease(kind) only ever hands out jobs of that kind."""
    mail, digest = _kind("mail"), _kind("digest")
    with trio.fail_after(_DEADLINE):
        async with factory(FakeClock()) as queue:
            mail_ids = [await queue.enqueue(mail, {"i": i}) for i in range(3)]
            digest_ids = [await queue.enqueue(digest, {"i": i}) for i in range(2)]
            assert _ids(await queue.lease(mail, 10, ttl=300)) == mail_ids
            assert await queue.lease(mail, 10, ttl=300) == []
            leased = await queue.lease(digest, 10, ttl=300)
            assert _ids(leased) == digest_ids
            assert {job.kind for job in leased} == {digest}


async def check_concurrent_leasers_never_share(factory: QueueFactory) -> None:
    """Many tasks leasing at once never get the same job; together they get all."""
    kind = _kind("race")
    got: list[str] = []
    with trio.fail_after(_DEADLINE):
        async with factory(FakeClock()) as queue:
            ids = [await queue.enqueue(kind, {"i": i}) for i in range(60)]

            async def leaser() -> None:
                while True:
                    jobs = await queue.lease(kind, 3, ttl=300)
                    if not jobs:
                        return
                    got.extend(_ids(jobs))
                    await trio.lowlevel.checkpoint()

            async with trio.open_nursery() as nursery:
                for _ in range(12):
                    nursery.start_soon(leaser)
    assert len(got) == len(set(got)), "a job was leased twice"
    assert sorted(got) == sorted(ids)


async def check_durable_across_reopen(factory: QueueFactory) -> None:
    """Jobs, their states, attempts, errors and payloads survive closing and reopening."""
    kind = _kind("durable")
    clock = FakeClock()
    with trio.fail_after(_DEADLINE):
        async with factory(clock) as queue:
            ready = await queue.enqueue(kind, _PAYLOAD)
            leased = await queue.enqueue(kind, {"n": "leased"})
            dead = await queue.enqueue(kind, {"n": "dead"})
            acked = await queue.enqueue(kind, {"n": "acked"})
            retried = await queue.enqueue(kind, {"n": "retried"})
            assert _ids(await queue.lease(kind, 5, ttl=3600)) == [
                ready,
                leased,
                dead,
                acked,
                retried,
            ]
            await queue.retry(ready, at=clock.now, error="first")
            await queue.dead_letter(dead, "bounced")
            await queue.ack(acked)
            await queue.retry(retried, at=clock.now, error="451 later")
        async with factory(clock) as queue:
            jobs = {job.id: job for job in await queue.list(kind=kind)}
            assert set(jobs) == {ready, leased, dead, retried}
            assert jobs[ready].payload == _PAYLOAD
            assert (jobs[leased].state, jobs[leased].payload) == ("leased", {"n": "leased"})
            assert (jobs[dead].state, jobs[dead].last_error) == ("dead", "bounced")
            assert (jobs[retried].state, jobs[retried].attempts) == ("ready", 1)
            assert jobs[retried].last_error == "451 later"
            assert await queue.get(acked) is None
            assert set(_ids(await queue.lease(kind, 10, ttl=300))) == {ready, retried}
            assert await queue.cancel(leased) is False


#: Checks that need the adapter to read time from the injected FakeClock.
CLOCK_CHECKS: frozenset[QueueCheck] = frozenset(
    {check_not_before, check_lease_expiry, check_retry_delays}
)

QUEUE_CHECKS: list[QueueCheck] = [
    check_enqueue_lease_ack,
    check_lease_takes_oldest_first_up_to_n,
    check_not_before,
    check_lease_expiry,
    check_retry_counts_attempts,
    check_retry_delays,
    check_dead_letter,
    check_cancel,
    check_list,
    check_kinds_are_separate,
    check_concurrent_leasers_never_share,
    check_durable_across_reopen,
]


def queue_checks(*, follows_clock: bool = True) -> list[QueueCheck]:
    """The checks that apply to an adapter, depending on whether it follows the clock."""
    return [check for check in QUEUE_CHECKS if follows_clock or check not in CLOCK_CHECKS]


async def check_queue(factory: QueueFactory, *, follows_clock: bool = True) -> None:
    """Run every applicable check against the queue ``factory`` opens."""
    for check in queue_checks(follows_clock=follows_clock):
        await check(factory)
