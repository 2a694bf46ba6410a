"""A raw SMTP client over trio for the tests that need exact bytes on the
wire (smuggling, STARTTLS injection, pipelining, limits), and helpers to
run the daemon on loopback port 0."""

from __future__ import annotations

import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import attrs
import trio

import mailcore
from mailcore_apps.smtpd import BoundListener, door
from tests.conftest import make_config

_ENHANCED = re.compile(r"^[245]\.\d{1,3}\.\d{1,3} ")


@attrs.frozen
class Reply:
    code: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def enhanced(self) -> str | None:
        match = _ENHANCED.match(self.lines[0])
        return match.group(0).strip() if match else None


@attrs.frozen
class Ports:
    """Where the daemon listens, by role."""

    host: str
    smtp: int
    submission: int
    submissions: int


def ports_of(bound: list[BoundListener]) -> Ports:
    by_role = {b.role: b.port for b in bound}
    return Ports(bound[0].host, by_role["smtp"], by_role["submission"], by_role["submissions"])


def listeners() -> list[mailcore.Listener]:
    return [mailcore.Listener(role, "127.0.0.1", 0) for role in ("smtp", "submission", "submissions")]


async def start_smtpd(nursery: trio.Nursery, engine: mailcore.Engine) -> Ports:
    bound = await nursery.start(door.serve, engine, listeners())
    return ports_of(bound)


@asynccontextmanager
async def serving(data_dir: Path, **limits: Any) -> AsyncIterator[tuple[mailcore.Engine, Ports]]:
    """An engine with its own limits, example.com and bob, and the daemon."""
    config = make_config(data_dir, limits=mailcore.Limits(**limits))
    async with mailcore.open_engine(config) as engine:
        await engine.add_domain("example.com")
        await engine.create_account("bob@example.com", "bob-password", "Bob")
        async with trio.open_nursery() as nursery:
            ports = await start_smtpd(nursery, engine)
            yield engine, ports
            nursery.cancel_scope.cancel()


def client_tls_context(data_dir: Path) -> ssl.SSLContext:
    """Trusts exactly the self-signed certificate the daemon generated."""
    return ssl.create_default_context(cafile=str(data_dir / "tls" / "selfsigned-cert.pem"))


class Client:
    """Send raw bytes, read whole (multi-line) replies."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.buf = bytearray()

    @classmethod
    async def connect(cls, port: int, *, source: str | None = None) -> Client:
        stream = await trio.open_tcp_stream("127.0.0.1", port, local_address=source)
        return cls(stream)

    async def send(self, data: bytes) -> None:
        await self.stream.send_all(data)

    async def _line(self) -> bytes | None:
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buf[:end])
                del self.buf[: end + 2]
                return line
            data = await self.stream.receive_some(65536)
            if not data:
                return None
            self.buf += data

    async def reply(self) -> Reply:
        lines: list[str] = []
        code = 0
        while True:
            raw = await self._line()
            if raw is None:
                raise EOFError(f"connection closed after {lines!r}")
            text = raw.decode("utf-8", "replace")
            code = int(text[:3])
            lines.append(text[4:])
            if text[3:4] != "-":
                return Reply(code, tuple(lines))

    async def command(self, line: str | bytes) -> Reply:
        data = line.encode() if isinstance(line, str) else line
        await self.send(data + b"\r\n")
        return await self.reply()

    async def greet(self, ehlo: str = "client.test") -> Reply:
        greeting = await self.reply()
        assert greeting.code == 220, greeting
        reply = await self.command(f"EHLO {ehlo}")
        assert reply.code == 250, reply
        return reply

    async def starttls(self, context: ssl.SSLContext | None = None) -> None:
        reply = await self.command("STARTTLS")
        assert reply.code == 220, reply
        assert not self.buf
        ctx = context or ssl._create_unverified_context()
        tls = trio.SSLStream(self.stream, ctx, server_hostname="localhost")
        await tls.do_handshake()
        self.stream = tls

    async def at_eof(self) -> bool:
        """True when the server closed (after anything still unread)."""
        try:
            while True:
                data = await self.stream.receive_some(65536)
                if not data:
                    return True
                self.buf += data
        except trio.BrokenResourceError:
            return True

    async def aclose(self) -> None:
        await trio.aclose_forcefully(self.stream)


async def login(client: Client, user: str = "bob@example.com", password: str = "bob-password") -> Reply:
    import base64

    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    return await client.command(f"AUTH PLAIN {token}")


async def inbox(engine: mailcore.Engine, address: str, query: str = "in:anywhere") -> list[mailcore.MessageMeta]:
    account = await engine.get_account(address)
    return (await engine.search(account.id, query)).messages


async def raw_messages(engine: mailcore.Engine, address: str, label: str = "INBOX") -> list[bytes]:
    account = await engine.get_account(address)
    out = []
    for _, message_id in await engine.label_uids(account.id, label):
        out.append(await engine.message_bytes(account.id, message_id))
    return out
