"""A delivery made by another process reaches a running server's IDLE sessions
and websockets: the CLI's ``mailcore deliver`` beside ``mailcore serve`` on one
data directory, as a local delivery agent beside the IMAP server."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import trio
from trio_websocket import open_websocket_url

MAILCORE = [sys.executable, "-m", "mailcore"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _cli(data_dir: Path, *args: str, stdin: bytes = b"") -> None:
    result = await trio.run_process(
        [*MAILCORE, "--data-dir", str(data_dir), *args],
        stdin=stdin,
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()


class _Lines:
    """Lines of an IMAP connection."""

    def __init__(self, stream: trio.SSLStream[trio.SocketStream]) -> None:
        self.stream = stream
        self.buffer = b""

    async def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            chunk = await self.stream.receive_some(65536)
            assert chunk, "the server closed the connection"
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

    async def command(self, tag: str, text: str) -> list[bytes]:
        await self.stream.send_all(f"{tag} {text}\r\n".encode())
        lines = await self.until(tag.encode() + b" ")
        assert lines[-1].startswith(f"{tag} OK".encode()), lines
        return lines


def _message(subject: str) -> bytes:
    return (
        f"From: Alice <alice@example.net>\r\nTo: bob@example.com\r\nSubject: {subject}\r\n"
        "Message-ID: <" + subject.replace(" ", "-") + "@example.net>\r\n\r\nHello from another process.\r\n"
    ).encode()


async def test_a_cli_delivery_reaches_idle_and_the_websocket_of_a_running_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    await _cli(data, "domain", "add", "example.com")
    await _cli(data, "account", "add", "bob@example.com", "--password-stdin", stdin=b"bob-password\n")
    imaps, http = _free_port(), _free_port()
    log = (tmp_path / "serve.log").open("wb")  # noqa: ASYNC230
    process = await trio.lowlevel.open_process(
        [*MAILCORE, "--data-dir", str(data), "serve", "--listen", f"imaps=127.0.0.1:{imaps}",
         "--listen", f"http=127.0.0.1:{http}"],
        stdout=subprocess.PIPE,
        stderr=log,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        with trio.fail_after(60):
            assert process.stdout is not None
            seen = b""
            while b"mailcore is running" not in seen:
                chunk = await process.stdout.receive_some(4096)
                assert chunk, (tmp_path / "serve.log").read_text()  # noqa: ASYNC240
                seen += chunk

            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            raw = await trio.open_tcp_stream("127.0.0.1", imaps)
            stream = trio.SSLStream(raw, context, server_hostname="localhost")
            imap = _Lines(stream)
            await imap.until(b"* OK")
            await imap.command("a1", "LOGIN bob@example.com bob-password")
            selected = await imap.command("a2", "SELECT INBOX")
            assert b"* 0 EXISTS" in selected

            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http}/api/v1", timeout=20) as api:
                reply = await api.post("/auth/login", json={"username": "bob@example.com", "password": "bob-password"})
                token = reply.json()["access_token"]
            async with open_websocket_url(f"ws://127.0.0.1:{http}/api/v1/ws?access_token={token}") as ws:
                await stream.send_all(b"a3 IDLE\r\n")
                await imap.until(b"+ ")
                await _cli(data, "deliver", "--to", "bob@example.com", stdin=_message("from the cli"))
                # IDLE hears of it without any command from the client
                assert (await imap.until(b"* 1 EXISTS"))[-1] == b"* 1 EXISTS"
                hello = json.loads(await ws.get_message())
                assert hello["type"] == "hello"
                event = json.loads(await ws.get_message())
                assert event["reason"] == "delivered" and len(event["message_ids"]) == 1, event
                inbox = {c["total"] for c in event["counts"]}
                assert 1 in inbox, event
            await stream.send_all(b"DONE\r\n")
            await imap.until(b"a3 OK")
            await imap.command("a4", "LOGOUT")
    finally:
        with trio.CancelScope(shield=True):
            process.send_signal(signal.SIGTERM)
            with trio.move_on_after(10):
                await process.wait()
            if process.returncode is None:
                process.kill()
                await process.wait()
            log.close()
