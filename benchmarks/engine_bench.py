"""Engine figures: durable delivery, bulk import, FETCH metadata, idle actors.

Every figure runs the real embedded engine (SQLite meta store with
``synchronous=FULL``, filesystem blob store) in a fresh data directory under
``<repo>/.bench/`` — the same disk as the repository, never tmpfs, because
the fsyncs are what durable delivery costs. The directory is removed after.

Figures (targets from the issue, on the 2-core reference machine):

* ``deliver_msgs_per_s_c64``: ``engine.deliver`` from 64 concurrent trio
  tasks to 16 accounts; a delivery counts when its call returns, which is
  when its blob and metadata are on disk (target >= 1,500).
* ``deliver_msgs_per_s_c1``: the same with one deliverer.
* ``import_msgs_per_s``: ``engine.import_messages`` of 10,000 messages.
* ``fetch_meta_10k_ms``: ``engine.fetch(account, "INBOX")`` over those
  10,000 messages (flags, envelope, BODYSTRUCTURE), warm, median of runs
  (target <= 100 ms).
* ``actor_idle_kb``: Python heap growth (tracemalloc) per activated, idle
  MailboxActor whose label list has been read, over 1,000 accounts
  (target <= 50 KB).

``scale`` (argument, or ``MAILCORE_BENCH_SCALE``) shrinks every count for a
smoke run; figures at a small scale mean nothing.

Run ``python -m benchmarks engine_bench``; figures are printed as JSON lines.
"""

from __future__ import annotations

import gc
import json
import os
import random
import shutil
import statistics
import sys
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import trio
import trio.testing

import mailcore
from benchmarks.corpus import generate_message
from mailcore.testing import engine_internals

Figure = dict[str, Any]
Emit = Callable[[Figure], None]

DOMAIN = "bench.example"
BENCH_ROOT = Path(__file__).resolve().parent.parent / ".bench"

DELIVER_ACCOUNTS = 16
DELIVER_MESSAGES_C64 = 4000
DELIVER_MESSAGES_C1 = 400
IMPORT_MESSAGES = 10_000
FETCH_RUNS = 7
IDLE_ACTORS = 1000


def bench_scale(scale: float | None = None) -> float:
    if scale is not None:
        return scale
    return float(os.environ.get("MAILCORE_BENCH_SCALE", "1"))


def _scaled(count: int, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(count * scale))


def figure(name: str, value: float, unit: str, **extra: Any) -> Figure:
    return {"bench": name, "value": value, "unit": unit, **extra}


class Corpus:
    """The deterministic corpus, generated once and shared by the figures."""

    def __init__(self) -> None:
        self._rng = random.Random(42)
        self._messages: list[bytes] = []

    def first(self, count: int) -> list[bytes]:
        while len(self._messages) < count:
            self._messages.append(generate_message(self._rng, len(self._messages)))
        return self._messages[:count]


@asynccontextmanager
async def bench_engine(root: Path | None = None) -> AsyncIterator[mailcore.Engine]:
    """An engine on a fresh data directory on the repository's disk."""
    base = root or BENCH_ROOT
    data_dir = base / f"engine-{uuid.uuid4().hex[:10]}"
    config = mailcore.Config(data_dir=data_dir, argon2_time_cost=1, argon2_memory_cost=8192)
    try:
        async with mailcore.open_engine(config) as engine:
            await engine.add_domain(DOMAIN)
            yield engine
    finally:
        with trio.CancelScope(shield=True):
            await trio.to_thread.run_sync(_remove, data_dir, base if root is None else None)


def _remove(data_dir: Path, base: Path | None) -> None:
    shutil.rmtree(data_dir, ignore_errors=True)
    if base is not None:
        try:
            base.rmdir()  # only when no other run is using it
        except OSError:
            pass


async def create_accounts(engine: mailcore.Engine, count: int, prefix: str = "user") -> list[int]:
    """``count`` accounts, created two at a time (argon2 runs in threads)."""
    ids: list[int] = [0] * count
    limiter = trio.CapacityLimiter(2)

    async def one(k: int) -> None:
        async with limiter:
            account = await engine.create_account(f"{prefix}{k}@{DOMAIN}", "bench-password")
        ids[k] = account.id

    async with trio.open_nursery() as nursery:
        for k in range(count):
            nursery.start_soon(one, k)
    return ids


async def bench_deliver(
    corpus: Corpus, concurrency: int, messages: int, root: Path | None = None
) -> Figure:
    """Durable deliveries per second from ``concurrency`` deliverer tasks."""
    raws = corpus.first(messages)
    async with bench_engine(root) as engine:
        await create_accounts(engine, DELIVER_ACCOUNTS)
        addresses = [f"user{k}@{DOMAIN}" for k in range(DELIVER_ACCOUNTS)]
        # warm up: activate every account's actor and the stores' caches
        for k, address in enumerate(addresses):
            await engine.deliver(raws[k % len(raws)] + b"\r\nwarm-up\r\n", [address])
        work: Iterator[tuple[int, bytes]] = iter(enumerate(raws))

        async def deliverer() -> None:
            for i, raw in work:
                await engine.deliver(raw, [addresses[i % len(addresses)]])

        started = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for _ in range(concurrency):
                nursery.start_soon(deliverer)
        elapsed = time.perf_counter() - started
    return figure(
        f"deliver_msgs_per_s_c{concurrency}",
        round(len(raws) / elapsed, 1),
        "msg/s",
        messages=len(raws),
        seconds=round(elapsed, 3),
    )


async def bench_import_and_fetch(
    corpus: Corpus, messages: int, runs: int, emit: Emit, root: Path | None = None
) -> list[Figure]:
    """Import ``messages`` into one INBOX, then time FETCH metadata over it."""
    raws = corpus.first(messages)
    out: list[Figure] = []
    async with bench_engine(root) as engine:
        [account_id] = await create_accounts(engine, 1, prefix="big")
        items = [mailcore.ImportItem(raw, labels=("INBOX",)) for raw in raws]
        started = time.perf_counter()
        imported = await engine.import_messages(account_id, items)
        elapsed = time.perf_counter() - started
        out.append(
            figure(
                "import_msgs_per_s",
                round(imported / elapsed, 1),
                "msg/s",
                messages=imported,
                seconds=round(elapsed, 3),
            )
        )
        emit(out[-1])
        # let the indexer catch up so that it does not share the CPU with the reads
        await engine_internals(engine).indexer.flush(60.0)
        metas = await engine.fetch(account_id, "INBOX")  # warm
        assert len(metas) == imported, (len(metas), imported)
        assert all(m.envelope and m.bodystructure for m in metas)
        timings = []
        for _ in range(runs):
            t0 = time.perf_counter()
            await engine.fetch(account_id, "INBOX")
            timings.append((time.perf_counter() - t0) * 1000)
    name = "fetch_meta_10k_ms" if messages == IMPORT_MESSAGES else f"fetch_meta_{messages}_ms"
    out.append(
        figure(
            name,
            round(statistics.median(timings), 2),
            "ms",
            messages=imported,
            runs=runs,
            min_ms=round(min(timings), 2),
        )
    )
    emit(out[-1])
    return out


async def bench_actor_idle(actors: int, root: Path | None = None) -> Figure:
    """Heap per activated idle actor whose labels have been read once."""
    async with bench_engine(root) as engine:
        ids = await create_accounts(engine, actors, prefix="idle")
        # Pay one-off costs (first actor, first label read) before measuring.
        warm = await create_accounts(engine, 1, prefix="warm")
        await engine.labels(warm[0])
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for account_id in ids:
                await engine.labels(account_id)
            await trio.testing.wait_all_tasks_blocked()
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        active = engine.stats()["active_mailboxes"]
    assert active >= actors, (active, actors)
    return figure(
        "actor_idle_kb",
        round((after - before) / actors / 1024, 2),
        "KB",
        actors=actors,
    )


async def run(
    emit: Emit | None = None, *, scale: float | None = None, root: Path | None = None
) -> list[Figure]:
    """Every engine figure; each is passed to ``emit`` as soon as it is known."""
    scale = bench_scale(scale)
    figures: list[Figure] = []

    def record(fig: Figure) -> None:
        figures.append(fig)
        if emit is not None:
            emit(fig)

    corpus = Corpus()
    await bench_import_and_fetch(
        corpus,
        _scaled(IMPORT_MESSAGES, scale, 20),
        max(2, round(FETCH_RUNS * min(scale, 1))),
        record,
        root,
    )
    record(await bench_deliver(corpus, 64, _scaled(DELIVER_MESSAGES_C64, scale, 64), root))
    record(await bench_deliver(corpus, 1, _scaled(DELIVER_MESSAGES_C1, scale, 8), root))
    record(await bench_actor_idle(_scaled(IDLE_ACTORS, scale, 8), root))
    return figures


def main() -> None:
    def emit(fig: Figure) -> None:
        print(json.dumps(fig), flush=True)

    trio.run(lambda: run(emit))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
