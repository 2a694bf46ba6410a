"""Two ``mailcore serve`` processes (two nodes) on one PostgreSQL schema and one
Redis prefix, and the plain clients that talk to them: SMTP, IMAP over TLS.

Used by ``tests/apps/test_two_nodes_serve.py`` and by ``benchmarks/scaleout_bench.py``,
so it needs nothing from pytest. The nodes share one data directory: the
filesystem blob store has no path of its own (it is ``<data_dir>/blobs``),
and nothing else there belongs to one process alone. The search index and
the queue are SQLite files made to be shared by every process on the
directory, the indexer elects one leader with a file lock
(``indexer.lock``), and the web door's signing key
(``webapi/jwt-key.pem``) must be the same on every node anyway, or an access
token issued by one node would be refused by the other.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import attrs
import trio

import mailcore

MAILCORE = [sys.executable, "-m", "mailcore"]
DOMAIN = "example.com"
ADDRESS = f"bob@{DOMAIN}"
PASSWORD = "bob-password"
ROLES = ("smtp", "imaps", "http")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def config_toml(postgres_url: str, schema: str, redis_url: str, prefix: str) -> str:
    """The configuration both nodes run with: metadata on PostgreSQL, bus and cache on Redis."""
    return (
        '[store]\nmeta = "postgres"\nbus = "redis"\ncache = "redis"\n\n'
        f'[store.postgres]\nurl = "{postgres_url}"\nschema = "{schema}"\n\n'
        f'[store.redis]\nurl = "{redis_url}"\nprefix = "{prefix}"\n'
    )


def serve_takes_workers() -> bool:
    """Whether ``mailcore serve`` has a ``--workers`` option (one process per node is asked for)."""
    from mailcore._cli import serve

    return any(param.name == "workers" for param in serve.params)


@attrs.frozen
class Node:
    """One running ``mailcore serve``."""

    name: str
    process: trio.Process
    ports: dict[str, int]
    log: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.ports['http']}/api/v1"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.ports['http']}/api/v1/ws"


@attrs.frozen
class Cluster:
    nodes: tuple[Node, ...]
    data_dir: Path
    config_path: Path
    #: the Redis key prefix of the shared cache and bus
    prefix: str


async def _start(name: str, root: Path, config_path: Path, data_dir: Path) -> Node:
    ports = {role: free_port() for role in ROLES}
    listen = [arg for role, port in ports.items() for arg in ("--listen", f"{role}=127.0.0.1:{port}")]
    workers = ["--workers", "1"] if serve_takes_workers() else []
    log = root / f"node-{name}.log"
    with log.open("wb") as err:  # noqa: ASYNC230 - the child keeps its own descriptor
        process = await trio.lowlevel.open_process(
            [*MAILCORE, "--config", str(config_path), "--data-dir", str(data_dir), "serve", *listen, *workers],
            stdout=subprocess.PIPE,
            stderr=err,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    return Node(name, process, ports, log)


async def _until_running(node: Node) -> None:
    assert node.process.stdout is not None
    seen = b""
    while b"mailcore is running" not in seen:
        chunk = await node.process.stdout.receive_some(4096)
        if not chunk:
            raise AssertionError(f"node {node.name} stopped while starting:\n{node.log.read_text()}")  # noqa: ASYNC240
        seen += chunk


async def _stop(node: Node) -> None:
    with trio.CancelScope(shield=True):
        if node.process.returncode is None:
            node.process.send_signal(signal.SIGTERM)
            with trio.move_on_after(10):
                await node.process.wait()
        if node.process.returncode is None:
            node.process.kill()
            await node.process.wait()


@asynccontextmanager
async def serve_nodes(
    root: Path, *, postgres_url: str, schema: str, redis_url: str, prefix: str, names: Sequence[str] = ("a", "b")
) -> AsyncIterator[Cluster]:
    """Start one ``mailcore serve`` per name on shared stores, with bob's account made.

    The domain and the account are made here before the nodes start, as an
    operator provisions a cluster before opening it; the nodes then start at
    once on the fresh data directory, making its self-signed TLS pair between them.
    Bob's password is hashed cheaply, as the tests' engines do: a node checks
    a password with its hash's own argon2 parameters, so that many failed
    logins at once cost milliseconds, not seconds of memory-hard hashing.
    """
    data_dir = root / "data"
    config_path = root / "mailcore.toml"
    config_path.write_text(config_toml(postgres_url, schema, redis_url, prefix))
    config = mailcore.Config.load(config_path, data_dir=data_dir)
    cheap = attrs.evolve(config, argon2_time_cost=1, argon2_memory_cost=8192)
    async with mailcore.open_engine(cheap) as engine:
        await engine.add_domain(DOMAIN)
        await engine.create_account(ADDRESS, PASSWORD)
    async with AsyncExitStack() as stack:
        nodes = []
        for name in names:
            node = await _start(name, root, config_path, data_dir)
            stack.push_async_callback(_stop, node)
            nodes.append(node)
        with trio.fail_after(60):
            async with trio.open_nursery() as nursery:
                for node in nodes:
                    nursery.start_soon(_until_running, node)
        yield Cluster(tuple(nodes), data_dir, config_path, prefix)


async def drop_stores(postgres_url: str, schema: str, redis_url: str, prefix: str) -> None:
    """Remove what a cluster left on the servers: its schema and its Redis keys."""
    from mailcore._bridge import open_bridge

    async def drop() -> None:
        import asyncpg
        import redis.asyncio as aioredis

        conn = await asyncpg.connect(postgres_url)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()
        client = aioredis.Redis.from_url(redis_url)
        try:
            keys = [key async for key in client.scan_iter(match=prefix + "*", count=1000)]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()

    with trio.CancelScope(shield=True):
        async with open_bridge() as bridge:
            await bridge.call(drop)


def client_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Imap:
    """An IMAP connection read line by line; ``when`` is the arrival time of the last line."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.buffer = b""
        self.when = 0.0

    @classmethod
    async def connect(cls, port: int, *, source: str | None = None) -> Imap:
        raw = await trio.open_tcp_stream("127.0.0.1", port, local_address=source)
        imap = cls(trio.SSLStream(raw, client_context(), server_hostname="localhost"))
        await imap.until(b"* OK")
        return imap

    async def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            chunk = await self.stream.receive_some(65536)
            if not chunk:
                raise EOFError(f"the server closed the connection; unread: {self.buffer!r}")
            self.when = time.perf_counter()
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    async def until(self, prefix: bytes) -> list[bytes]:
        lines = []
        while True:
            line = await self.line()
            lines.append(line)
            if line.startswith(prefix):
                return lines

    async def send(self, text: str) -> None:
        await self.stream.send_all(text.encode() + b"\r\n")

    async def tagged(self, tag: str, text: str) -> list[bytes]:
        """Send a command and read up to its tagged reply, whatever it says."""
        await self.send(f"{tag} {text}")
        return await self.until(tag.encode() + b" ")

    async def command(self, tag: str, text: str) -> list[bytes]:
        lines = await self.tagged(tag, text)
        assert lines[-1].startswith(f"{tag} OK".encode()), lines
        return lines

    async def aclose(self) -> None:
        await self.stream.aclose()


class Smtp:
    """A plain SMTP connection to the ``smtp`` (MX) door."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.buffer = b""

    @classmethod
    async def connect(cls, port: int) -> Smtp:
        smtp = cls(await trio.open_tcp_stream("127.0.0.1", port))
        assert (await smtp.reply()).startswith(b"220"), "no greeting"
        await smtp.command("EHLO client.test", b"250")
        return smtp

    async def reply(self) -> bytes:
        while True:
            while b"\r\n" not in self.buffer:
                chunk = await self.stream.receive_some(65536)
                if not chunk:
                    raise EOFError(f"the server closed the connection; unread: {self.buffer!r}")
                self.buffer += chunk
            line, _, self.buffer = self.buffer.partition(b"\r\n")
            if line[3:4] != b"-":
                return line

    async def command(self, text: str, expect: bytes) -> bytes:
        await self.stream.send_all(text.encode() + b"\r\n")
        reply = await self.reply()
        assert reply.startswith(expect), (text, reply)
        return reply

    async def send_message(self, sender: str, recipient: str, raw: bytes) -> float:
        """Deliver one message; the time its ``250`` was read (``time.perf_counter``)."""
        await self.command(f"MAIL FROM:<{sender}>", b"250")
        await self.command(f"RCPT TO:<{recipient}>", b"250")
        await self.command("DATA", b"354")
        body = raw.replace(b"\r\n.", b"\r\n..")
        await self.stream.send_all(body + b".\r\n")
        reply = await self.reply()
        done = time.perf_counter()
        assert reply.startswith(b"250"), reply
        return done

    async def aclose(self) -> None:
        try:
            await self.command("QUIT", b"221")
        finally:
            await self.stream.aclose()


async def push_latencies(sender: Node, receiver: Node, pushes: int) -> tuple[list[float], list[float]]:
    """Deliver ``pushes`` messages one after another over SMTP on ``sender``; for
    each, the milliseconds from its ``250`` to the ``* N EXISTS`` of an IMAP
    session in IDLE on ``receiver``, and to the ``delivered`` event of a
    websocket on ``receiver``. Every message must reach both."""
    import httpx
    from trio_websocket import open_websocket_url

    imap = await Imap.connect(receiver.ports["imaps"])
    await imap.command("l", f"LOGIN {ADDRESS} {PASSWORD}")
    assert b"* 0 EXISTS" in await imap.command("s", "SELECT INBOX")
    async with httpx.AsyncClient(base_url=receiver.http, timeout=20) as api:
        reply = await api.post("/auth/login", json={"username": ADDRESS, "password": PASSWORD})
        assert reply.status_code == 200, reply.text
        token = reply.json()["access_token"]
    to_idle: list[float] = []
    to_ws: list[float] = []
    async with open_websocket_url(f"{receiver.ws}?access_token={token}") as ws:
        assert json.loads(await ws.get_message())["type"] == "hello"
        await imap.send("i IDLE")
        await imap.until(b"+ ")
        smtp = await Smtp.connect(sender.ports["smtp"])
        for n in range(1, pushes + 1):
            sent = await smtp.send_message("alice@example.net", ADDRESS, message(f"push {n}"))

            async def idle(n: int = n, sent: float = sent) -> None:
                await imap.until(f"* {n} EXISTS".encode())  # other untagged lines may come first
                to_idle.append((imap.when - sent) * 1000)

            async def websocket(n: int = n, sent: float = sent) -> None:
                while True:
                    event = json.loads(await ws.get_message())
                    if event.get("reason") == "delivered":
                        break
                to_ws.append((time.perf_counter() - sent) * 1000)
                assert len(event["message_ids"]) == 1, event
                assert n in {c["total"] for c in event["counts"]}, event

            async with trio.open_nursery() as nursery:
                nursery.start_soon(idle)
                nursery.start_soon(websocket)
        await smtp.aclose()
    await imap.send("DONE")
    await imap.until(b"i OK")
    await imap.command("z", "LOGOUT")
    await imap.aclose()
    assert len(to_idle) == len(to_ws) == pushes
    return to_idle, to_ws


def message(subject: str) -> bytes:
    return (
        f"From: Alice <alice@example.net>\r\nTo: {ADDRESS}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}.{time.time_ns()}@example.net>\r\n\r\nHello from node a.\r\n"
    ).encode()


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
