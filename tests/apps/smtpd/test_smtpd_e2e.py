"""End to end: ``mailcore serve`` as a real process, swaks sends, ``mailcore
search`` finds the message, even after the server was killed right after
its 250 (acknowledged means on disk)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import trio

MAILCORE = [sys.executable, "-m", "mailcore"]


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


async def _cli(data_dir: Path, *args: str, stdin: bytes = b"") -> str:
    result = await trio.run_process(
        [*MAILCORE, "--data-dir", str(data_dir), *args], stdin=stdin, capture_stdout=True, capture_stderr=True, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


async def test_serve_swaks_search(tmp_path: Path, swaks: str) -> None:
    with trio.fail_after(45):
        data = tmp_path / "data"
        await _cli(data, "domain", "add", "example.com")
        await _cli(data, "account", "add", "demo@example.com", "--password-stdin", stdin=b"demo-password\n")
        smtp, submission, submissions = _free_ports(3)
        listen = [
            "--listen", f"smtp=127.0.0.1:{smtp}",
            "--listen", f"submission=127.0.0.1:{submission}",
            "--listen", f"submissions=127.0.0.1:{submissions}",
        ]  # fmt: skip
        log = (tmp_path / "serve.log").open("wb")  # noqa: ASYNC230
        server = await trio.lowlevel.open_process(
            [*MAILCORE, "--data-dir", str(data), "serve", *listen],
            stdout=subprocess.PIPE,
            stderr=log,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            assert server.stdout is not None
            seen = b""
            while b"mailcore is running" not in seen:
                chunk = await server.stdout.receive_some(4096)
                assert chunk, (tmp_path / "serve.log").read_text()
                seen += chunk
            assert f"submissions  127.0.0.1:{submissions}".encode() in seen
            result = await trio.run_process(
                [swaks, "--server", "127.0.0.1", "--port", str(smtp), "--timeout", "10",
                 "--from", "alice@ext.org", "--to", "demo@example.com",
                 "--header", "Subject: end to end over swaks"],
                capture_stdout=True, capture_stderr=True, check=False,
            )  # fmt: skip
            assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
            assert b"250 2.0.0 OK: queued as" in result.stdout
        finally:
            server.send_signal(signal.SIGKILL)  # no clean shutdown: the 250 must already be on disk
            await server.wait()
            log.close()
        found = json.loads(await _cli(data, "search", "demo@example.com", "subject:swaks", "--json"))
        assert [m["subject"] for m in found] == ["end to end over swaks"]
