"""Clients for the IMAP daemon tests: imaplib in threads, and a raw TLS line client."""

from __future__ import annotations

import functools
import imaplib
import re
import ssl
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import trio

T = TypeVar("T")

BOB = ("bob@example.com", "bob-password")
CAROL = ("carol@example.com", "carol-password")


@attrs.frozen
class Server:
    """A running imapd: its ports and the certificate clients should trust."""

    imap_port: int
    imaps_port: int
    cert: str

    def client_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.cert)
        context.check_hostname = False
        return context


async def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking imaplib call in a worker thread."""
    return await trio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))


async def imaps(server: Server, login: tuple[str, str] | None = BOB) -> imaplib.IMAP4_SSL:
    def connect() -> imaplib.IMAP4_SSL:
        client = imaplib.IMAP4_SSL(
            "127.0.0.1", server.imaps_port, ssl_context=server.client_context(), timeout=20
        )
        if login is not None:
            client.login(*login)
        return client

    return await trio.to_thread.run_sync(connect)


def ok(result: tuple[str, list[Any]]) -> list[Any]:
    typ, data = result
    assert typ == "OK", (typ, data)
    return data


class RawClient:
    """A line-level TLS client for protocol edge cases and IDLE."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.buffer = bytearray()
        self.counter = 0

    @classmethod
    async def connect(cls, server: Server, login: tuple[str, str] | None = BOB) -> RawClient:
        sock = await trio.open_tcp_stream("127.0.0.1", server.imaps_port)
        stream = trio.SSLStream(sock, server.client_context(), server_hostname="localhost")
        client = cls(stream)
        greeting = await client.line()
        assert greeting.startswith(b"* OK"), greeting
        if login is not None:
            await client.ok(b"LOGIN %s %s" % (login[0].encode(), login[1].encode()))
        return client

    async def aclose(self) -> None:
        await trio.aclose_forcefully(self.stream)

    async def send(self, data: bytes) -> None:
        await self.stream.send_all(data)

    async def line(self) -> bytes:
        """One response line, literals included."""
        while True:
            idx = self.buffer.find(b"\r\n")
            if idx >= 0:
                line = bytes(self.buffer[:idx])
                m = re.search(rb"~?\{(\d+)\}\Z", line)
                if m is None:
                    del self.buffer[: idx + 2]
                    return line
                need = idx + 2 + int(m.group(1))
                if len(self.buffer) >= need:
                    head = bytes(self.buffer[:need])
                    del self.buffer[:need]
                    return head + await self.line()
            data = await self.stream.receive_some(65536)
            if not data:
                raise EOFError("server closed the connection")
            self.buffer += data

    async def command(self, body: bytes) -> tuple[list[bytes], bytes]:
        """Send ``tag body`` and return (untagged lines, tagged line)."""
        self.counter += 1
        tag = b"t%d" % self.counter
        await self.send(tag + b" " + body + b"\r\n")
        return await self.until(tag)

    async def until(self, tag: bytes) -> tuple[list[bytes], bytes]:
        lines: list[bytes] = []
        while True:
            line = await self.line()
            if line.startswith(tag + b" "):
                return lines, line
            lines.append(line)

    async def ok(self, body: bytes) -> list[bytes]:
        lines, done = await self.command(body)
        assert done.split(b" ")[1] == b"OK", (body, done, lines)
        return lines
