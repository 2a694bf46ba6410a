"""SMTP ingestion figures: mailcore's daemon against aiosmtpd, and idle memory.

Both servers run as their own process on loopback, fed by the same load
generator in this process (plain SMTP, no pipelining, because aiosmtpd
does not offer it): 16 concurrent clients, each sending 10 KB messages one
after another over one connection (MAIL, RCPT, DATA, message, each waiting
for its reply). A message counts when its 250 arrives.

* ``smtp_msgs_per_s_c16_workers1`` and ``smtp_msgs_per_s_c16_workers2``:
  ``mailcore serve --workers 1`` (one process) and ``--workers 2`` (a
  supervisor and two worker processes on the same sockets and stores), on
  the embedded store (SQLite with ``synchronous=FULL`` and fsynced blobs, so
  a 250 means on disk), 16 recipient accounts; each carries its ratio to
  aiosmtpd (``vs_aiosmtpd``).
* ``smtp_idle_conn_kb``: growth of the ``--workers 1`` server's RSS per
  idle connection (greeted, EHLO answered, then silent), over 500
  connections (target <= 30 KB).
* ``smtp_msgs_per_s_c16``: ``mailcore serve`` as installed, one worker per
  core (target >= 1,000); on a machine of one or two cores that is the
  ``--workers 1`` or ``--workers 2`` run, not measured twice.
* ``smtp_vs_aiosmtpd_ratio``: that figure over the same workload against
  aiosmtpd whose handler writes each message durably into a Maildir (write
  to ``tmp/``, fsync, rename into ``new/``, fsync the directory; in a worker
  thread so that sixteen writes overlap, aiosmtpd's best case), in the same
  run (target >= 3).

Every server gets a data directory of its own, so that none starts with
the mail of another.
Data lives under ``<repo>/.bench/`` (the repository's disk, never tmpfs)
and is removed afterwards. ``python -m benchmarks smtp_bench``.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import attrs
import trio

import mailcore

Figure = dict[str, Any]

BENCH_ROOT = Path(__file__).resolve().parent.parent / ".bench"
DOMAIN = "bench.example"
CLIENTS = 16
ACCOUNTS = 16
MESSAGE_SIZE = 10 * 1024
IDLE_CONNECTIONS = 500
_WORDS = "the mail server writes every message durably before it answers two hundred fifty".split()


def _scale() -> float:
    return float(os.environ.get("MAILCORE_BENCH_SCALE", "1"))


def bench_message(i: int) -> bytes:
    """A deterministic ~10 KB plain-text message (CRLF, no dot lines)."""
    rng = random.Random(i)
    head = (
        f"From: Sender {i % 97} <sender{i % 97}@ext.example>\r\n"
        f"To: user{i % ACCOUNTS}@{DOMAIN}\r\n"
        f"Subject: benchmark message {i}\r\n"
        f"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
        f"Message-ID: <bench.{i}@ext.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    ).encode()
    lines = []
    size = len(head)
    while size < MESSAGE_SIZE:
        line = (" ".join(rng.choice(_WORDS) for _ in range(12)) + "\r\n").encode()
        lines.append(line)
        size += len(line)
    return head + b"".join(lines)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------ load client


class _Conn:
    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.buf = b""

    async def reply(self) -> int:
        """Read one whole reply; return its code."""
        while True:
            end = self.buf.find(b"\r\n")
            while end >= 0:
                line, self.buf = self.buf[:end], self.buf[end + 2 :]
                if line[3:4] != b"-":
                    return int(line[:3])
                end = self.buf.find(b"\r\n")
            data = await self.stream.receive_some(65536)
            if not data:
                raise EOFError("server closed the connection")
            self.buf += data

    async def command(self, data: bytes, expect: int) -> None:
        await self.stream.send_all(data)
        code = await self.reply()
        if code != expect:
            raise RuntimeError(f"expected {expect}, got {code} for {data[:40]!r}")


async def _open(port: int) -> _Conn:
    conn = _Conn(await trio.open_tcp_stream("127.0.0.1", port))
    if await conn.reply() != 220:
        raise RuntimeError("no greeting")
    await conn.command(b"EHLO loadgen.example\r\n", 250)
    return conn


async def _load(port: int, messages: list[bytes]) -> float:
    """Send ``messages`` over ``CLIENTS`` connections; return msgs/s."""
    per_client = [messages[k::CLIENTS] for k in range(CLIENTS)]
    conns = [await _open(port) for _ in range(CLIENTS)]

    async def client(conn: _Conn, batch: list[bytes], first: int) -> None:
        for n, raw in enumerate(batch):
            rcpt = f"user{(first + n * CLIENTS) % ACCOUNTS}@{DOMAIN}"
            await conn.command(b"MAIL FROM:<loadgen@ext.example>\r\n", 250)
            await conn.command(f"RCPT TO:<{rcpt}>\r\n".encode(), 250)
            await conn.command(b"DATA\r\n", 354)
            await conn.command(raw + b".\r\n", 250)

    started = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for k, conn in enumerate(conns):
            nursery.start_soon(client, conn, per_client[k], k)
    elapsed = time.perf_counter() - started
    for conn in conns:
        await conn.command(b"QUIT\r\n", 221)
        await conn.stream.aclose()
    return len(messages) / elapsed


# ---------------------------------------------------------------- servers


async def _wait_for_port(port: int, process: trio.Process) -> None:
    with trio.fail_after(30):
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}")
            try:
                stream = await trio.open_tcp_stream("127.0.0.1", port)
            except OSError:
                await trio.sleep(0.05)
                continue
            await stream.aclose()
            return


@asynccontextmanager
async def _process(argv: list[str], port: int, log: Path) -> AsyncIterator[trio.Process]:
    with log.open("wb") as out:
        process = await trio.lowlevel.open_process(argv, stdout=out, stderr=subprocess.STDOUT, cwd=BENCH_ROOT.parent)
        try:
            await _wait_for_port(port, process)
            yield process
        finally:
            process.terminate()
            with trio.move_on_after(10):
                await process.wait()
            if process.poll() is None:
                process.kill()
                await process.wait()


async def _prepare_mailcore(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
    data = root / "mailcore"
    config_file = root / "mailcore.toml"
    config_file.write_text(
        f'data_dir = "{data}"\nhostname = "mx.{DOMAIN}"\n'
        f"[limits]\nmax_connections_per_ip = {IDLE_CONNECTIONS + 100}\n"
    )
    # Password hashing is no part of what is measured (port 25 takes no
    # AUTH): cheap hashes keep the set-up short.
    config = attrs.evolve(mailcore.Config.load(config_file), argon2_time_cost=1, argon2_memory_cost=8192)
    async with mailcore.open_engine(config) as engine:
        await engine.add_domain(DOMAIN)
        for k in range(ACCOUNTS):
            await engine.create_account(f"user{k}@{DOMAIN}", "bench-password")
    return config_file


def _mailcore_argv(config_file: Path, port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "mailcore", "--config", str(config_file), "serve",
            "--workers", str(workers), "--listen", f"smtp=127.0.0.1:{port}"]  # fmt: skip


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def _idle_kb_per_connection(port: int, pid: int, count: int) -> float:
    warm = [await _open(port) for _ in range(20)]
    await trio.sleep(0.5)
    before = _rss_kb(pid)
    conns = []
    for _ in range(count):
        conns.append(await _open(port))
    await trio.sleep(0.5)
    after = _rss_kb(pid)
    for conn in warm + conns:
        await conn.stream.aclose()
    return (after - before) / count


# ----------------------------------------------------------- aiosmtpd peer


def aiosmtpd_main(port: int, maildir: str) -> None:
    """The peer: aiosmtpd with a durable Maildir handler (runs in its own
    process; asyncio lives only here)."""
    import asyncio

    from aiosmtpd.controller import Controller

    root = Path(maildir)
    for sub in ("tmp", "new", "cur"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    counter = iter(range(1 << 62))
    host = socket.gethostname()

    def write(data: bytes) -> None:
        name = f"{time.time():.6f}.{os.getpid()}_{next(counter)}.{host}"
        tmp = root / "tmp" / name
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, root / "new" / name)
        dir_fd = os.open(root / "new", os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    class MaildirHandler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            await asyncio.get_running_loop().run_in_executor(None, write, envelope.original_content)
            return "250 OK"

    controller = Controller(MaildirHandler(), hostname="127.0.0.1", port=port, data_size_limit=50 * 1024 * 1024)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


# ------------------------------------------------------------------- run


async def _mailcore_rate(root: Path, workers: int, messages: list[bytes], idle: int = 0) -> tuple[float, float | None]:
    """msgs/s of ``mailcore serve --workers N`` on a fresh data directory,
    and with ``idle`` connections, the KB each one costs (one process only)."""
    config_file = await _prepare_mailcore(root)
    port = _free_port()
    async with _process(_mailcore_argv(config_file, port, workers), port, root / "mailcore.log") as server:
        await _load(port, messages[: CLIENTS * 4])  # warm up: actors activated in every worker
        rate = await _load(port, messages)
        kb = await _idle_kb_per_connection(port, server.pid, idle) if idle else None
    return rate, kb


async def run(emit: Callable[[Figure], None] | None = None) -> list[Figure]:
    """Every SMTP figure; each is passed to ``emit`` as soon as it is known."""
    root = BENCH_ROOT / f"smtp-{uuid.uuid4().hex[:8]}"
    root.mkdir(parents=True)
    count = max(CLIENTS, int(3200 * _scale()))
    messages = [bench_message(i) for i in range(count)]
    figures: list[Figure] = []

    def record(figure: Figure) -> None:
        figures.append(figure)
        if emit is not None:
            emit(figure)

    try:
        port = _free_port()
        peer = [sys.executable, "-c",
                f"from benchmarks.smtp_bench import aiosmtpd_main; aiosmtpd_main({port}, {str(root / 'maildir')!r})"]  # fmt: skip
        async with _process(peer, port, root / "aiosmtpd.log"):
            await _load(port, messages[: CLIENTS * 4])
            theirs = await _load(port, messages)
        common = {"target": ">= 1000", "messages": count, "message_bytes": MESSAGE_SIZE,
                  "aiosmtpd_msgs_per_s": round(theirs, 1)}  # fmt: skip
        idle_connections = max(50, int(IDLE_CONNECTIONS * _scale()))
        rates: dict[int, float] = {}
        for workers in (1, 2):
            rate, idle = await _mailcore_rate(
                root / f"workers{workers}", workers, messages, idle_connections if workers == 1 else 0
            )
            rates[workers] = rate
            record({"bench": f"smtp_msgs_per_s_c16_workers{workers}", "value": round(rate, 1), "unit": "msg/s",
                    "vs_aiosmtpd": round(rate / theirs, 2), **common})  # fmt: skip
            if idle is not None:
                record({"bench": "smtp_idle_conn_kb", "value": round(idle, 1), "unit": "KB",
                        "target": "<= 30", "connections": idle_connections})  # fmt: skip
        cores = len(os.sched_getaffinity(0))  # what ``mailcore serve`` runs by default
        ours = rates[cores] if cores in rates else (await _mailcore_rate(root / "default", cores, messages))[0]
        record({"bench": "smtp_msgs_per_s_c16", "value": round(ours, 1), "unit": "msg/s",
                "workers": cores, **common})  # fmt: skip
        record({"bench": "smtp_vs_aiosmtpd_ratio", "value": round(ours / theirs, 2), "unit": "x",
                "target": ">= 3", "workers": cores, "mailcore_msgs_per_s": round(ours, 1),
                "aiosmtpd_msgs_per_s": round(theirs, 1)})  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return figures


if __name__ == "__main__":
    import json

    for figure in trio.run(run):
        print(json.dumps(figure))
