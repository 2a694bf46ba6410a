"""Scale-out figures: the engine on PostgreSQL beside SQLite, and change events
carried between processes (the embedded bus) and between nodes (Redis).

* ``deliver_msgs_per_s_c64_sqlite`` / ``deliver_msgs_per_s_c64_postgres``:
  ``engine.deliver`` from 64 tasks to 16 accounts, in the same run, metadata on
  SQLite then on the local PostgreSQL (blobs on the same disk for both).
* ``fetch_meta_10k_ms_postgres``: ``engine.fetch`` of an imported INBOX on
  PostgreSQL, warm, median (compare ``fetch_meta_10k_ms`` of engine_bench).
* ``push_cross_process_p99_ms`` (and ``_p50``): another process on the same
  data directory delivers (as ``mailcore deliver`` does); the time from its
  ``deliver`` returning (the message is committed then) to the change event
  reaching a watcher here (IMAP IDLE and websockets listen to exactly that
  event). The event is published just before ``deliver`` returns, so a
  transport faster than that gap reads as close to zero.
* ``push_cross_node_p99_ms``: the same between two engines in two processes
  on PostgreSQL + Redis (two nodes).
* ``push_cross_node_smtp_p50_ms`` / ``push_cross_node_smtp_p99_ms``: two
  ``mailcore serve`` processes (nodes A and B) on PostgreSQL + Redis and one
  shared data directory; a message is delivered over SMTP on A, and the
  figure is the time from reading its ``250`` to reading ``* N EXISTS`` on an
  IMAP session in IDLE on B. One message at a time: each is awaited before
  the next is sent. ``push_cross_node_ws_p99_ms``: the same to the
  ``delivered`` event of a websocket on B.

PostgreSQL and Redis must be reachable (``MAILCORE_TEST_POSTGRES_URL``,
``MAILCORE_TEST_REDIS_URL``, defaulting to the local servers).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import trio

import mailcore
from benchmarks.engine_bench import (
    BENCH_ROOT,
    DELIVER_ACCOUNTS,
    DOMAIN,
    Corpus,
    _scaled,
    bench_scale,
    create_accounts,
    figure,
)

Figure = dict[str, Any]
Emit = Callable[[Figure], None]

POSTGRES_URL = os.environ.get("MAILCORE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("MAILCORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DELIVER_MESSAGES = 4000
FETCH_MESSAGES = 10_000
PUSHES = 200
REPO = Path(__file__).resolve().parent.parent


def _stores(kind: str, schema: str, prefix: str) -> mailcore.StoreConfig:
    if kind == "sqlite":
        return mailcore.StoreConfig()
    options = {"postgres": {"url": POSTGRES_URL, "schema": schema}, "redis": {"url": REDIS_URL, "prefix": prefix}}
    if kind == "postgres":
        return mailcore.StoreConfig(meta="postgres", options=options)
    return mailcore.StoreConfig(meta="postgres", bus="redis", cache="redis", options=options)


def _config(data_dir: Path, stores: mailcore.StoreConfig) -> mailcore.Config:
    return mailcore.Config(data_dir=data_dir, stores=stores, argon2_time_cost=1, argon2_memory_cost=8192)


@asynccontextmanager
async def _place(kind: str) -> AsyncIterator[tuple[Path, mailcore.StoreConfig]]:
    """A fresh data directory (and PostgreSQL schema, Redis prefix), removed after."""
    data_dir = BENCH_ROOT / f"scaleout-{uuid.uuid4().hex[:10]}"
    schema, prefix = "mc_bench_" + secrets.token_hex(5), "mailcore-bench:" + secrets.token_hex(5) + ":"
    try:
        yield data_dir, _stores(kind, schema, prefix)
    finally:
        with trio.CancelScope(shield=True):
            if kind != "sqlite":
                await _drop_schema(schema)
            await trio.to_thread.run_sync(shutil.rmtree, data_dir, True)


async def _drop_schema(schema: str) -> None:
    from mailcore._bridge import open_bridge

    async def drop() -> None:
        import asyncpg

        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()

    async with open_bridge() as bridge:
        await bridge.call(drop)


async def bench_deliver(kind: str, corpus: Corpus, messages: int) -> Figure:
    raws = corpus.first(messages)
    async with _place(kind) as (data_dir, stores), mailcore.open_engine(_config(data_dir, stores)) as engine:
        await engine.add_domain(DOMAIN)
        await create_accounts(engine, DELIVER_ACCOUNTS)
        addresses = [f"user{k}@{DOMAIN}" for k in range(DELIVER_ACCOUNTS)]
        for k, address in enumerate(addresses):
            await engine.deliver(raws[k % len(raws)] + b"\r\nwarm-up\r\n", [address])
        work = iter(enumerate(raws))

        async def deliverer() -> None:
            for i, raw in work:
                await engine.deliver(raw, [addresses[i % len(addresses)]])

        started = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for _ in range(64):
                nursery.start_soon(deliverer)
        elapsed = time.perf_counter() - started
    return figure(f"deliver_msgs_per_s_c64_{kind}", round(len(raws) / elapsed, 1), "msg/s", messages=len(raws))


async def bench_fetch_postgres(corpus: Corpus, messages: int) -> Figure:
    raws = corpus.first(messages)
    async with _place("postgres") as (data_dir, stores), mailcore.open_engine(_config(data_dir, stores)) as engine:
        await engine.add_domain(DOMAIN)
        [account_id] = await create_accounts(engine, 1, prefix="big")
        await engine.import_messages(account_id, [mailcore.ImportItem(raw, labels=("INBOX",)) for raw in raws])
        await engine.fetch(account_id, "INBOX")
        timings = []
        for _ in range(5):
            t0 = time.perf_counter()
            metas = await engine.fetch(account_id, "INBOX")
            timings.append((time.perf_counter() - t0) * 1000)
        assert len(metas) == len(raws)
    return figure("fetch_meta_10k_ms_postgres", round(statistics.median(timings), 2), "ms", messages=len(raws))


#: The delivering process: opens an engine on the same stores and delivers,
#: printing each commit's wall-clock time.
_DELIVERER = """
import json, sys, time, trio, mailcore
from benchmarks.scaleout_bench import _config
spec = json.loads(sys.argv[1])
async def main():
    stores = mailcore.StoreConfig(**spec["stores"])
    async with mailcore.open_engine(_config(__import__("pathlib").Path(spec["data_dir"]), stores)) as engine:
        print("ready", flush=True)
        sys.stdin.readline()
        for i in range(spec["count"]):
            raw = (f"From: a@example.net\\r\\nTo: bob@{spec['domain']}\\r\\nSubject: push {i}\\r\\n\\r\\nhi\\r\\n").encode()
            await engine.deliver(raw, [f"bob@{spec['domain']}"])
            print(json.dumps({"i": i, "t": time.time()}), flush=True)
            await trio.sleep(spec["gap"])
trio.run(main)
"""


async def bench_push(kind: str, pushes: int) -> list[Figure]:
    async with _place(kind) as (data_dir, stores), mailcore.open_engine(_config(data_dir, stores)) as engine:
        await engine.add_domain(DOMAIN)
        bob = await engine.create_account(f"bob@{DOMAIN}", "bench-password")
        spec = {
            "data_dir": str(data_dir),
            "domain": DOMAIN,
            "count": pushes,
            "gap": 0.01,
            "stores": {"meta": stores.meta, "bus": stores.bus, "cache": stores.cache, "options": stores.options},
        }
        arrived: dict[int, float] = {}
        committed: dict[int, float] = {}
        async with engine.watch(bob.id) as events:
            process = await trio.lowlevel.open_process(
                [sys.executable, "-c", _DELIVERER, json.dumps(spec)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                cwd=REPO,
                env={**os.environ, "PYTHONPATH": str(REPO)},
            )
            assert process.stdout is not None and process.stdin is not None
            buffer = b""
            ready = trio.Event()
            async with trio.open_nursery() as nursery:

                async def read_commits() -> None:
                    nonlocal buffer
                    while True:
                        chunk = await process.stdout.receive_some(65536)  # type: ignore[union-attr]
                        if not chunk:
                            return
                        buffer += chunk
                        while b"\n" in buffer:
                            line, _, buffer = buffer.partition(b"\n")
                            if line.startswith(b"{"):
                                item = json.loads(line)
                                committed[item["i"]] = item["t"]
                            elif line == b"ready":
                                ready.set()

                nursery.start_soon(read_commits)
                with trio.fail_after(60):
                    await ready.wait()
                await process.stdin.send_all(b"go\n")
                with trio.fail_after(120):
                    async for event in events:
                        if event.kind is mailcore.ChangeKind.DELIVERED:
                            arrived[len(arrived)] = time.time()
                            if len(arrived) == pushes:
                                break
                await process.wait()
    latencies = sorted(max(0.0, (arrived[i] - committed[i]) * 1000) for i in range(pushes))
    name = "push_cross_process" if kind == "sqlite" else "push_cross_node"
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    return [
        figure(f"{name}_p50_ms", round(p50, 2), "ms", pushes=pushes),
        figure(f"{name}_p99_ms", round(p99, 2), "ms", pushes=pushes),
    ]


async def bench_push_serve(pushes: int) -> list[Figure]:
    from tests.nodes import drop_stores, percentile, push_latencies, serve_nodes

    root = BENCH_ROOT / f"scaleout-serve-{uuid.uuid4().hex[:10]}"
    root.mkdir(parents=True)
    schema, prefix = "mc_bench_" + secrets.token_hex(5), "mailcore-bench:" + secrets.token_hex(5) + ":"
    try:
        async with serve_nodes(
            root, postgres_url=POSTGRES_URL, schema=schema, redis_url=REDIS_URL, prefix=prefix
        ) as cluster:
            a, b = cluster.nodes
            with trio.fail_after(60 + pushes):
                to_idle, to_ws = await push_latencies(a, b, pushes)
    finally:
        with trio.CancelScope(shield=True):
            await drop_stores(POSTGRES_URL, schema, REDIS_URL, prefix)
            await trio.to_thread.run_sync(shutil.rmtree, root, True)
    note = "two mailcore serve processes; SMTP 250 on A to IMAP IDLE / websocket on B"
    return [
        figure("push_cross_node_smtp_p50_ms", round(statistics.median(to_idle), 2), "ms", pushes=pushes, note=note),
        figure("push_cross_node_smtp_p99_ms", round(percentile(to_idle, 0.99), 2), "ms", pushes=pushes, note=note),
        figure("push_cross_node_ws_p99_ms", round(percentile(to_ws, 0.99), 2), "ms", pushes=pushes, note=note),
    ]


async def run(emit: Emit | None = None, *, scale: float | None = None) -> list[Figure]:
    scale = bench_scale(scale)
    figures: list[Figure] = []

    def record(fig: Figure) -> None:
        figures.append(fig)
        if emit is not None:
            emit(fig)

    corpus = Corpus()
    for kind in ("sqlite", "postgres"):
        record(await bench_deliver(kind, corpus, _scaled(DELIVER_MESSAGES, scale, 64)))
    record(await bench_fetch_postgres(corpus, _scaled(FETCH_MESSAGES, scale, 20)))
    for kind in ("sqlite", "cluster"):
        for fig in await bench_push(kind, _scaled(PUSHES, scale, 5)):
            record(fig)
    for fig in await bench_push_serve(_scaled(PUSHES, scale, 5)):
        record(fig)
    return figures
