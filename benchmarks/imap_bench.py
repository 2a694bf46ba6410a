"""IMAP daemon figures, measured over real TLS sockets.

* ``imap_fetch_all_10k_ms``: ``UID FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE
  RFC822.SIZE INTERNALDATE)`` on a 10,000-message INBOX, the server in this
  process and the client a blocking TLS socket in a worker thread reading
  the whole response up to the tagged OK; warm, median of 5 (target <= 300).
* ``imap_append_per_s``: sequential APPENDs (synchronizing literal, so one
  round trip for ``+`` each) of 4 KB messages by one client (reported).
* ``imap_idle_push_p99_ms``: ``engine.deliver`` called, until the ``* n
  EXISTS`` line is read by a session in IDLE; p99 of 200 (target <= 50).
* ``imap_idle_kb_per_conn``: the server runs in a subprocess (this module
  with ``--serve``); 1,000 clients log in, SELECT INBOX and IDLE; the figure
  is the growth of the server's RSS (``/proc/<pid>/status``) divided by
  1,000, after a warm-up of 50 sessions (target <= 30).

Data lives under ``<repo>/.bench/`` and is removed afterwards.
``MAILCORE_BENCH_SCALE`` shrinks the counts for a smoke run.
"""

from __future__ import annotations

import functools
import json
import os
import random
import shutil
import socket
import ssl
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import trio

import mailcore
from benchmarks.corpus import generate_message
from mailcore_apps.imapd import serve

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = "bench@example.com"
PASSWORD = "bench-password"


def _scale() -> float:
    return float(os.environ.get("MAILCORE_BENCH_SCALE", "1"))


def _config(data_dir: Path, stores: mailcore.StoreConfig | None = None) -> mailcore.Config:
    return mailcore.Config(
        data_dir=data_dir,
        argon2_time_cost=1,
        argon2_memory_cost=1024,
        limits=mailcore.Limits(max_connections_per_ip=5000),
        stores=stores or mailcore.StoreConfig(),
    )


def _client_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class _Blocking:
    """A blocking TLS client in a worker thread: reads every byte it is sent."""

    def __init__(self, port: int) -> None:
        raw = socket.create_connection(("127.0.0.1", port))
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = _client_context().wrap_socket(raw, server_hostname="localhost")
        self.buf = b""
        self.n = 0
        self.read_until(b"\r\n")

    def read_until(self, marker: bytes) -> int:
        """Read until ``marker`` has been seen; returns the bytes read."""
        total = 0
        while marker not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError
            total += len(chunk)
            # keep only a tail, enough to find the marker across reads
            self.buf = self.buf[-256:] + chunk
        rest = self.buf[self.buf.index(marker) + len(marker) :]
        # a consumed line end stays visible, so "\r\n<tag> OK" matches a first line
        self.buf = (b"\r\n" if marker.endswith(b"\r\n") else b"") + rest
        return total

    def command(self, body: bytes) -> int:
        self.n += 1
        tag = b"b%d" % self.n
        self.sock.sendall(tag + b" " + body + b"\r\n")
        return self.read_until(b"\r\n" + tag + b" OK") + self.read_until(b"\r\n")

    def append(self, data: bytes) -> None:
        self.n += 1
        tag = b"b%d" % self.n
        self.sock.sendall(tag + b" APPEND INBOX {%d}\r\n" % len(data))
        self.read_until(b"+ ")
        self.read_until(b"\r\n")
        self.sock.sendall(data + b"\r\n")
        self.read_until(tag + b" OK")
        self.read_until(b"\r\n")


def _fetch_runs(port: int) -> tuple[list[float], int]:
    """Six ``UID FETCH 1:*`` of the envelope items, timed (ms), and the bytes of one."""
    client = _Blocking(port)
    client.command(b"LOGIN %s %s" % (ADDRESS.encode(), PASSWORD.encode()))
    client.command(b"SELECT INBOX")
    times = []
    size = 0
    for _ in range(6):
        started = time.perf_counter()
        size = client.command(b"UID FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE)")
        times.append((time.perf_counter() - started) * 1000)
    client.sock.close()
    return times, size


async def _fetch_postgres(data_dir: Path) -> dict[str, Any]:
    """``imap_fetch_all_10k_ms`` with the metadata on PostgreSQL."""
    from benchmarks.scaleout_bench import _place

    count = max(100, int(10_000 * _scale()))
    async with _place("postgres") as (place, stores):
        async with mailcore.open_engine(_config(place, stores)) as engine:
            await engine.add_domain("example.com")
            account = await engine.create_account(ADDRESS, PASSWORD)
            rng = random.Random(42)
            items = (mailcore.ImportItem(generate_message(rng, i), labels=("INBOX",)) for i in range(count))
            await engine.import_messages(account.id, items)
            async with trio.open_nursery() as nursery:
                bound = await nursery.start(
                    functools.partial(serve, engine, [mailcore.Listener("imaps", "127.0.0.1", 0)])
                )
                times, size = await trio.to_thread.run_sync(_fetch_runs, bound[0].port)
                nursery.cancel_scope.cancel()
    return {
        "bench": "imap_fetch_all_10k_ms_postgres",
        "value": round(statistics.median(times[1:]), 1),
        "unit": "ms",
        "cold_ms": round(times[0], 1),
        "messages": count,
        "response_bytes": size,
    }


async def _fetch_and_append(data_dir: Path, emit: Any) -> list[dict[str, Any]]:
    figures: list[dict[str, Any]] = []
    count = max(100, int(10_000 * _scale()))
    async with mailcore.open_engine(_config(data_dir)) as engine:
        await engine.add_domain("example.com")
        account = await engine.create_account(ADDRESS, PASSWORD)
        rng = random.Random(42)
        items = (
            mailcore.ImportItem(generate_message(rng, i), labels=("INBOX",)) for i in range(count)
        )
        await engine.import_messages(account.id, items)
        listeners = [mailcore.Listener("imaps", "127.0.0.1", 0)]
        async with trio.open_nursery() as nursery:
            bound = await nursery.start(functools.partial(serve, engine, listeners))
            port = bound[0].port

            times, size = await trio.to_thread.run_sync(_fetch_runs, port)
            for figure in await trio.to_thread.run_sync(_range_commands, port, count):
                figures.append(figure)
                emit(figure)
            figure = {
                "bench": "imap_fetch_all_10k_ms",
                "value": round(statistics.median(times[1:]), 1),
                "unit": "ms",
                "target": "<= 300",
                "cold_ms": round(times[0], 1),
                "messages": count,
                "response_bytes": size,
            }
            figures.append(figure)
            emit(figure)

            n_append = max(20, int(300 * _scale()))
            blobs = [generate_message(random.Random(i), i)[:4096] for i in range(n_append)]

            def append_run() -> float:
                client = _Blocking(port)
                client.command(b"LOGIN %s %s" % (ADDRESS.encode(), PASSWORD.encode()))
                started = time.perf_counter()
                for data in blobs:
                    client.append(data)
                elapsed = time.perf_counter() - started
                client.sock.close()
                return n_append / elapsed

            rate = await trio.to_thread.run_sync(append_run)
            figure = {"bench": "imap_append_per_s", "value": round(rate, 1), "unit": "msg/s"}
            figures.append(figure)
            emit(figure)

            figure = await _idle_push(engine, port, max(20, int(200 * _scale())))
            figures.append(figure)
            emit(figure)
            nursery.cancel_scope.cancel()
    return figures


def _range_commands(port: int, count: int) -> list[dict[str, Any]]:
    """Commands over a whole 10k mailbox, as a client resyncing flags issues them."""
    client = _Blocking(port)
    started = time.perf_counter()
    client.command(b"LOGIN %s %s" % (ADDRESS.encode(), PASSWORD.encode()))
    client.command(b"SELECT INBOX")
    login_select = (time.perf_counter() - started) * 1000
    flags: list[float] = []
    for _ in range(4):
        started = time.perf_counter()
        client.command(b"UID FETCH 1:* (FLAGS)")
        flags.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    client.command(b"UID STORE 1:* +FLAGS.SILENT (\\Flagged)")
    client.command(b"UID STORE 1:* -FLAGS.SILENT (\\Flagged)")
    store = (time.perf_counter() - started) * 1000
    client.sock.close()
    return [
        {"bench": "imap_login_select_ms", "value": round(login_select, 1), "unit": "ms", "messages": count},
        {
            "bench": "imap_fetch_flags_10k_ms",
            "value": round(statistics.median(flags[1:]), 1),
            "unit": "ms",
            "messages": count,
        },
        {
            "bench": "imap_store_range_10k_ms",
            "value": round(store, 1),
            "unit": "ms",
            "messages": count,
            "what": "UID STORE 1:* +FLAGS.SILENT (\\Flagged), then -FLAGS.SILENT",
        },
    ]


async def _idle_push(engine: mailcore.Engine, port: int, rounds: int) -> dict[str, Any]:
    sock = await trio.open_tcp_stream("127.0.0.1", port)
    stream = trio.SSLStream(sock, _client_context(), server_hostname="localhost")
    reader = _Lines(stream)
    await reader.line()
    await stream.send_all(b"a LOGIN %s %s\r\n" % (ADDRESS.encode(), PASSWORD.encode()))
    await reader.until(b"a ")
    await stream.send_all(b"b SELECT INBOX\r\nc IDLE\r\n")
    await reader.until(b"+ ")
    rng = random.Random(7)
    latencies = []
    for i in range(rounds):
        raw = generate_message(rng, 20_000 + i)
        started = time.perf_counter()
        await engine.deliver(raw, [ADDRESS])
        await reader.until(b" EXISTS")
        latencies.append((time.perf_counter() - started) * 1000)
    await stream.send_all(b"DONE\r\n")
    await trio.aclose_forcefully(stream)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return {
        "bench": "imap_idle_push_p99_ms",
        "value": round(p99, 2),
        "unit": "ms",
        "target": "<= 50",
        "median_ms": round(statistics.median(latencies), 2),
        "samples": rounds,
        "note": "from the deliver() call to the EXISTS line read by the client",
    }


class _Lines:
    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.buf = bytearray()

    async def line(self) -> bytes:
        while b"\r\n" not in self.buf:
            data = await self.stream.receive_some(65536)
            if not data:
                raise EOFError
            self.buf += data
        idx = self.buf.index(b"\r\n")
        out = bytes(self.buf[:idx])
        del self.buf[: idx + 2]
        return out

    async def until(self, marker: bytes) -> bytes:
        while True:
            line = await self.line()
            if marker in line:
                return line


# -- idle memory: a server subprocess and 1,000 IDLE clients ---------------------------


async def _serve_forever(data_dir: Path, port_file: Path) -> None:
    async with mailcore.open_engine(_config(data_dir)) as engine:
        await engine.add_domain("example.com")
        try:
            account = await engine.create_account(ADDRESS, PASSWORD)
        except mailcore.AlreadyExists:
            account = await engine.get_account(ADDRESS)
        for i in range(20):
            await engine.append(account.id, "INBOX", generate_message(random.Random(i), i))
        listeners = [mailcore.Listener("imaps", "127.0.0.1", 0)]
        async with trio.open_nursery() as nursery:
            bound = await nursery.start(functools.partial(serve, engine, listeners))
            await trio.Path(port_file).write_text(str(bound[0].port))


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def _open_idle(port: int, limiter: trio.CapacityLimiter) -> trio.SSLStream[trio.SocketStream]:
    async with limiter:
        sock = await trio.open_tcp_stream("127.0.0.1", port)
        stream = trio.SSLStream(sock, _client_context(), server_hostname="localhost")
        reader = _Lines(stream)
        await reader.line()
        await stream.send_all(
            b"a LOGIN %s %s\r\nb SELECT INBOX\r\nc IDLE\r\n" % (ADDRESS.encode(), PASSWORD.encode())
        )
        await reader.until(b"+ ")
        return stream


async def _idle_memory(data_dir: Path) -> dict[str, Any]:
    n = max(50, int(1000 * _scale()))
    port_file = data_dir / "port"
    await trio.Path(data_dir).mkdir(parents=True, exist_ok=True)
    proc = await trio.lowlevel.open_process(
        [sys.executable, "-m", "benchmarks.imap_bench", "--serve", str(data_dir), str(port_file)],
        cwd=str(ROOT),
    )
    try:
        with trio.fail_after(60):
            while not port_file.exists() or not port_file.read_text():
                await trio.sleep(0.1)
        port = int(port_file.read_text())
        limiter = trio.CapacityLimiter(8)
        streams: list[trio.SSLStream[trio.SocketStream]] = []

        async def open_many(count: int) -> None:
            async def one() -> None:
                streams.append(await _open_idle(port, limiter))

            async with trio.open_nursery() as nursery:
                for _ in range(count):
                    nursery.start_soon(one)

        await open_many(50)  # warm-up: caches, thread pools, allocator arenas
        for s in streams:
            await trio.aclose_forcefully(s)
        streams.clear()
        await trio.sleep(0.5)
        before = _rss_kb(proc.pid)
        await open_many(n)
        await trio.sleep(1.0)
        after = _rss_kb(proc.pid)
        for s in streams:
            await trio.aclose_forcefully(s)
        return {
            "bench": "imap_idle_kb_per_conn",
            "value": round((after - before) / n, 1),
            "unit": "KB",
            "target": "<= 30",
            "connections": n,
            "rss_before_kb": before,
            "rss_after_kb": after,
            "note": "server RSS growth in a subprocess, TLS sessions logged in, INBOX selected, in IDLE",
        }
    finally:
        proc.terminate()
        with trio.move_on_after(10):
            await proc.wait()
        if proc.returncode is None:
            proc.kill()


async def run(emit: Any = None) -> list[dict[str, Any]]:
    emit = emit or (lambda figure: None)
    base = ROOT / ".bench" / f"imap-{uuid.uuid4().hex[:8]}"
    try:
        figures = await _fetch_and_append(base / "fetch", emit)
        figure = await _fetch_postgres(base / "fetch-postgres")
        emit(figure)
        figures.append(figure)
        figure = await _idle_memory(base / "idle")
        emit(figure)
        figures.append(figure)
        return figures
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        trio.run(_serve_forever, Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        for fig in trio.run(run):
            print(json.dumps(fig))
