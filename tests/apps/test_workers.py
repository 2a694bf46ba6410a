"""``mailcore serve --workers 2``: one supervisor, two worker processes, one
port per door, on the embedded stores and on PostgreSQL + Redis.

Real processes and real sockets: mail delivered over many SMTP connections
is accepted by both workers and reaches an IMAP IDLE session held by one of
them; a worker killed with SIGKILL is started again; SIGTERM drains both,
finishing an SMTP transaction under way, and the supervisor exits 0.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import trio
from trio_websocket import open_websocket_url

from tests.servers import new_prefix, new_schema, require_postgres, require_redis
from tests.waiting import wait_until

MAILCORE = [sys.executable, "-m", "mailcore"]
MESSAGES = 24


class Server:
    """A running ``mailcore serve --workers 2`` and what it printed."""

    def __init__(self, process: trio.Process, log: Path, ports: dict[str, int]) -> None:
        self.process = process
        self.log = log
        self.ports = ports

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def workers(self) -> dict[int, int]:
        """Live worker pids by slot, from the supervisor's log."""
        slots: dict[int, int] = {}
        for slot, pid in re.findall(r"worker (\d+) started \(pid (\d+)\)", self.log_text()):
            slots[int(slot)] = int(pid)
        return slots

    def accepted_by(self) -> set[int]:
        """The pids of the processes that accepted SMTP mail."""
        return {int(pid) for pid in re.findall(r"mailcore\.smtpd\[(\d+)\]: \S+: accepted", self.log_text())}


async def _cli(base: list[str], *args: str, stdin: bytes = b"") -> str:
    result = await trio.run_process(
        [*MAILCORE, *base, *args], stdin=stdin, capture_stdout=True, capture_stderr=True, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


@asynccontextmanager
async def _serve(tmp_path: Path, base: list[str], workers: int = 2) -> AsyncIterator[Server]:
    await _cli(base, "domain", "add", "example.com")
    await _cli(base, "account", "add", "bob@example.com", "--password-stdin", stdin=b"bob-password\n")
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")  # noqa: ASYNC230
    process = await trio.lowlevel.open_process(
        [*MAILCORE, *base, "serve", "--workers", str(workers), "--listen", "smtp=127.0.0.1:0",
         "--listen", "imaps=127.0.0.1:0", "--listen", "http=127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=log,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        seen = b""
        with trio.fail_after(60):
            while b"mailcore is running" not in seen:
                chunk = await process.stdout.receive_some(4096)
                assert chunk, log_path.read_text()
                seen += chunk
        text = seen.decode()
        assert ("with 2 workers" in text) == (workers == 2), text
        ports = {role: int(port) for role, port in re.findall(r"listening: (\w+) +127\.0\.0\.1:(\d+)", text)}
        assert set(ports) == {"smtp", "imaps", "http"} and 0 not in ports.values(), text
        server = Server(process, log_path, ports)
        assert len(server.workers()) == (workers if workers > 1 else 0)
        yield server
    finally:
        with trio.CancelScope(shield=True):
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                with trio.move_on_after(15):
                    await process.wait()
            if process.returncode is None:
                process.kill()
                await process.wait()
            for pid in Server(process, log_path, {}).workers().values():
                try:
                    os.kill(pid, signal.SIGKILL)  # never leave a worker behind a failed test
                except ProcessLookupError:
                    pass
            log.close()


# ------------------------------------------------------------------ clients


class SMTP:
    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.buffer = b""

    @classmethod
    async def connect(cls, port: int) -> SMTP:
        smtp = cls(await trio.open_tcp_stream("127.0.0.1", port))
        assert (await smtp.reply()).startswith(b"220")
        await smtp.command(b"EHLO client.example.net", b"250")
        return smtp

    async def reply(self) -> bytes:
        while True:
            while b"\r\n" in self.buffer:
                line, _, self.buffer = self.buffer.partition(b"\r\n")
                if line[3:4] != b"-":
                    return line
            chunk = await self.stream.receive_some(65536)
            if not chunk:
                return b""
            self.buffer += chunk

    async def command(self, line: bytes, expect: bytes) -> bytes:
        await self.stream.send_all(line + b"\r\n")
        reply = await self.reply()
        assert reply.startswith(expect), (line, reply)
        return reply

    async def send_message(self, subject: str) -> None:
        await self.command(b"MAIL FROM:<alice@example.net>", b"250")
        await self.command(b"RCPT TO:<bob@example.com>", b"250")
        await self.command(b"DATA", b"354")
        await self.command(_message(subject) + b".", b"250")


def _message(subject: str) -> bytes:
    return (
        f"From: Alice <alice@example.net>\r\nTo: bob@example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@example.net>\r\n\r\nHello.\r\n"
    ).encode()


async def _deliver_many(port: int, count: int, prefix: str) -> None:
    """``count`` messages, each over a connection of its own, eight at a time."""
    limiter = trio.CapacityLimiter(8)

    async def one(i: int) -> None:
        async with limiter:
            smtp = await SMTP.connect(port)
            await smtp.send_message(f"{prefix} {i}")
            await smtp.command(b"QUIT", b"221")
            await smtp.stream.aclose()

    async with trio.open_nursery() as nursery:
        for i in range(count):
            nursery.start_soon(one, i)


class IMAP:
    def __init__(self, stream: trio.SSLStream[trio.SocketStream]) -> None:
        self.stream = stream
        self.buffer = b""

    @classmethod
    async def login(cls, port: int) -> IMAP:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        raw = await trio.open_tcp_stream("127.0.0.1", port)
        imap = cls(trio.SSLStream(raw, context, server_hostname="localhost"))
        await imap.until(b"* OK")
        await imap.command("a1", "LOGIN bob@example.com bob-password")
        return imap

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
            lines.append(await self.line())
            if lines[-1].startswith(prefix):
                return lines

    async def command(self, tag: str, text: str) -> list[bytes]:
        await self.stream.send_all(f"{tag} {text}\r\n".encode())
        lines = await self.until(tag.encode() + b" ")
        assert lines[-1].startswith(f"{tag} OK".encode()), lines
        return lines


# -------------------------------------------------------------------- checks


async def _two_workers_serve_every_door(server: Server) -> None:
    """SMTP on both workers, IDLE on one hears all of it, UIDs unique, the
    web API and its websocket on the same single port."""
    imap = await IMAP.login(server.ports["imaps"])
    assert b"* 0 EXISTS" in b"\n".join(await imap.command("a2", "SELECT INBOX"))
    await imap.stream.send_all(b"a3 IDLE\r\n")
    await imap.until(b"+ ")
    await _deliver_many(server.ports["smtp"], MESSAGES, "over smtp")
    # IDLE hears of every message, those accepted by the other worker too
    await imap.until(f"* {MESSAGES} EXISTS".encode())
    await imap.stream.send_all(b"DONE\r\n")
    await imap.until(b"a3 OK")
    fetched = await imap.command("a4", "UID FETCH 1:* (UID)")
    uids = [int(m) for m in re.findall(rb"UID (\d+)", b"\n".join(fetched[:-1]))]
    assert len(uids) == MESSAGES and len(set(uids)) == MESSAGES and uids == sorted(uids), uids
    await imap.command("a5", "LOGOUT")

    workers = set(server.workers().values())
    accepted = server.accepted_by()
    assert accepted <= workers and len(accepted) == 2, (accepted, workers)

    http = server.ports["http"]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http}/api/v1", timeout=20) as api:
        reply = await api.post("/auth/login", json={"username": "bob@example.com", "password": "bob-password"})
        assert reply.status_code == 200, reply.text
        token = reply.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        async with open_websocket_url(f"ws://127.0.0.1:{http}/api/v1/ws?access_token={token}") as ws:
            assert json.loads(await ws.get_message())["type"] == "hello"
            # Many requests on fresh connections: each worker answers some,
            # every one of them knows the session made through the other.
            for _ in range(8):
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http}/api/v1", timeout=20) as fresh:
                    page = await fresh.get("/threads", params={"label": "INBOX", "limit": 100}, headers=headers)
                    assert page.status_code == 200, page.text
                    assert len(page.json()["items"]) == MESSAGES
            smtp = await SMTP.connect(server.ports["smtp"])
            await smtp.send_message("heard on the websocket")
            event = json.loads(await ws.get_message())
            assert event["reason"] == "delivered", event


async def _stop_drains(server: Server) -> None:
    """SIGTERM: a transaction under way is finished, idle sessions are
    told to go, and everything exits 0 within a few seconds."""
    idle_smtp = await SMTP.connect(server.ports["smtp"])
    imap = await IMAP.login(server.ports["imaps"])
    await imap.command("b1", "SELECT INBOX")
    await imap.stream.send_all(b"b2 IDLE\r\n")
    await imap.until(b"+ ")

    busy = await SMTP.connect(server.ports["smtp"])
    await busy.command(b"MAIL FROM:<alice@example.net>", b"250")
    await busy.command(b"RCPT TO:<bob@example.com>", b"250")
    await busy.command(b"DATA", b"354")
    raw = _message("in flight at shutdown")
    await busy.stream.send_all(raw[:40])

    stopped_at = trio.current_time()
    server.process.send_signal(signal.SIGTERM)
    # the idle ones are told at once
    assert (await idle_smtp.reply()).startswith(b"421 4.3.2")
    assert (await imap.until(b"* BYE"))[-1].startswith(b"* BYE")
    # the transaction under way is finished, then the session is closed
    await trio.sleep(0.3)
    await busy.stream.send_all(raw[40:] + b".\r\n")
    assert (await busy.reply()).startswith(b"250")
    await busy.stream.send_all(b"NOOP\r\n")
    assert (await busy.reply()).startswith(b"421 4.3.2")
    with trio.fail_after(8):
        await server.process.wait()
    assert server.process.returncode == 0, server.log_text()[-3000:]
    assert trio.current_time() - stopped_at < 8
    for pid in server.workers().values():
        with pytest.raises(ProcessLookupError):  # exited, and reaped by the supervisor
            os.kill(pid, 0)


# --------------------------------------------------------------------- tests


async def test_two_workers_on_the_embedded_stores(tmp_path: Path) -> None:
    base = ["--data-dir", str(tmp_path / "data")]
    with trio.fail_after(120):
        async with _serve(tmp_path, base) as server:
            await _two_workers_serve_every_door(server)

            # SIGKILL one worker: it is started again, and the service goes on
            slot, victim = sorted(server.workers().items())[0]
            os.kill(victim, signal.SIGKILL)
            await wait_until(lambda: server.workers()[slot] != victim, what="the killed worker is restarted")
            assert "was killed by SIGKILL" in server.log_text()
            await _deliver_many(server.ports["smtp"], 6, "after the restart")
            found = json.loads(await _cli(base, "search", "bob@example.com", "subject:restart", "--json"))
            assert len(found) == 6

            await _stop_drains(server)
    found = json.loads(await _cli(base, "search", "bob@example.com", "subject:flight", "--json"))
    assert [m["subject"] for m in found] == ["in flight at shutdown"]


async def test_two_workers_on_postgres_and_redis(tmp_path: Path) -> None:
    pg, redis = require_postgres(), require_redis()
    schema, prefix = new_schema(), new_prefix()
    config = tmp_path / "mailcore.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n'
        '[store]\nmeta = "postgres"\nbus = "redis"\ncache = "redis"\n'
        f'[store.postgres]\nurl = "{pg}"\nschema = "{schema}"\n'
        f'[store.redis]\nurl = "{redis}"\nprefix = "{prefix}"\n'
    )
    base = ["--config", str(config)]
    try:
        with trio.fail_after(120):
            async with _serve(tmp_path, base) as server:
                await _two_workers_serve_every_door(server)
                await _stop_drains(server)
    finally:
        await trio.run_process(
            [sys.executable, "-c", _DROP, pg, schema], capture_stdout=True, capture_stderr=True, check=False
        )


_DROP = """
import asyncio, sys
import asyncpg

async def main(url, schema):
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_one_worker_serves_in_process_and_drains_the_same_way(tmp_path: Path) -> None:
    base = ["--data-dir", str(tmp_path / "data")]
    with trio.fail_after(60):
        async with _serve(tmp_path, base, workers=1) as server:
            await _deliver_many(server.ports["smtp"], 2, "in process")
            assert server.accepted_by() == {server.process.pid}
            await _stop_drains(server)


def test_a_busy_port_is_one_line_and_no_worker_starts(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [*MAILCORE, "--data-dir", str(tmp_path / "data"), "serve", "--workers", "2",
             "--listen", f"smtp=127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert f"cannot listen on 127.0.0.1:{port} for smtp: address already in use" in proc.stderr
    assert "Traceback" not in proc.stderr and "worker" not in proc.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("workers", ["0", "many"])
def test_workers_must_be_a_positive_number(tmp_path: Path, workers: str) -> None:
    proc = subprocess.run(
        [*MAILCORE, "--data-dir", str(tmp_path / "data"), "serve", "--workers", workers],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and "--workers" in proc.stderr and "Traceback" not in proc.stderr


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (a container's init may not reap)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


async def test_workers_stop_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log, trio.fail_after(60):
        process = await trio.lowlevel.open_process(
            [*MAILCORE, "--data-dir", str(tmp_path / "data"), "serve", "--workers", "2",
             "--listen", "smtp=127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=log,
        )  # fmt: skip
        assert process.stdout is not None
        seen = b""
        while b"mailcore is running" not in seen:
            chunk = await process.stdout.receive_some(4096)
            assert chunk, log_path.read_text()
            seen += chunk
        server = Server(process, log_path, {})
        workers = list(server.workers().values())
        assert len(workers) == 2 and all(_running(pid) for pid in workers)
        process.kill()  # SIGKILL: no chance to stop anything
        await process.wait()
        await wait_until(lambda: not any(_running(pid) for pid in workers), what="the orphaned workers exit")
    assert "the supervisor is gone; stopping" in log_path.read_text()


# ------------------------------------------------- the supervisor, with stand-in workers

#: A stand-in worker: says ready on the control socket given after
#: ``--worker-control``, then lives until told to stop (or exits at once with
#: ``fail``, before saying ready).
_STAND_IN = """
import os, signal, socket, sys, time
if sys.argv[1] == "fail":
    sys.exit(3)
control = socket.socket(fileno=int(sys.argv[sys.argv.index("--worker-control") + 1]))
control.sendall(b"ready\\n")
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
time.sleep(float(sys.argv[1]))
"""


async def test_a_worker_that_exits_is_started_again_and_sigterm_stops_all() -> None:
    from mailcore._workers import Supervisor

    # each stand-in lives 0.3 s, so slot 1 is restarted again and again
    supervisor = Supervisor([], 2, [sys.executable, "-c", _STAND_IN, "0.3"], grace=1.0)
    ready = trio.Event()
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(supervisor.run, ready.set)
            await ready.wait()
            first = {slot: w.process.pid for slot, w in supervisor.workers.items()}
            await wait_until(lambda: all(supervisor.workers[s].process.pid != first[s] for s in first),
                             what="both stand-ins are replaced")  # fmt: skip
            os.kill(os.getpid(), signal.SIGTERM)  # the supervisor's receiver takes it
    assert all(w.process.returncode is not None for w in supervisor.workers.values())


async def test_a_worker_that_cannot_start_stops_the_server_with_one_line() -> None:
    from mailcore._workers import MAX_START_FAILURES, Supervisor, WorkersFailed

    supervisor = Supervisor([], 2, [sys.executable, "-c", _STAND_IN, "fail"], grace=1.0)
    with trio.fail_after(30), pytest.raises(WorkersFailed) as failed:
        await supervisor.run(lambda: pytest.fail("never ready"))
    assert f"exited with status 3 before it was ready, {MAX_START_FAILURES} times in a row" in str(failed.value)
    assert all(w.process.returncode is not None for w in supervisor.workers.values())


def test_the_server_section_of_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    from mailcore import Config, ConfigError

    monkeypatch.delenv("MAILCORE_WORKERS", raising=False)
    assert Config.from_mapping({}).workers is None
    config = Config.from_mapping({"server": {"workers": 3, "shutdown_grace": 2.5}})
    assert (config.workers, config.shutdown_grace) == (3, 2.5)
    monkeypatch.setenv("MAILCORE_WORKERS", "5")
    assert Config.from_mapping({"server": {"workers": 3}}).workers == 5
    for bad in ({"workers": 0}, {"workers": "many"}, {"shutdown_grace": -1}, {"threads": 2}):
        monkeypatch.delenv("MAILCORE_WORKERS")
        with pytest.raises(ConfigError, match=r"\[server\]"):
            Config.from_mapping({"server": bad})
        monkeypatch.setenv("MAILCORE_WORKERS", "5")


async def test_the_connection_limit_per_address_holds_across_workers(tmp_path: Path) -> None:
    config = tmp_path / "mailcore.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n[limits]\nmax_connections_per_ip = 4\n')
    with trio.fail_after(60):
        async with _serve(tmp_path, ["--config", str(config)]) as server:
            port = server.ports["smtp"]

            async def greeting() -> tuple[trio.SocketStream, bytes]:
                smtp = SMTP(await trio.open_tcp_stream("127.0.0.1", port))
                return smtp.stream, await smtp.reply()

            held = [await greeting() for _ in range(4)]
            assert all(reply.startswith(b"220") for _, reply in held)
            # the fifth, and more, are refused whichever worker they reach
            for _ in range(6):
                stream, reply = await greeting()
                assert reply.startswith(b"421 4.7.0"), reply
                await stream.aclose()
            await held.pop()[0].aclose()

            async def admitted() -> bool:
                stream, reply = await greeting()
                if reply.startswith(b"220"):
                    held.append((stream, reply))
                    return True
                await stream.aclose()
                return False

            await wait_until(admitted, what="a connection is admitted once one closed")
            for stream, _ in held:
                await stream.aclose()


def test_the_connection_table_adds_up_every_worker() -> None:
    from mailcore._connections import ConnectionLimit, ConnectionTable

    fd = ConnectionTable.create(2)
    try:
        first, second = ConnectionTable(fd, 2, 0), ConnectionTable(fd, 2, 1)
        a, b = ConnectionLimit("smtp", 3, first), ConnectionLimit("smtp", 3, second)
        imap = ConnectionLimit("imap", 3, second)
        assert a.enter("192.0.2.1") and a.enter("192.0.2.1") and b.enter("192.0.2.1")
        assert not b.enter("192.0.2.1") and not a.enter("192.0.2.1")
        assert imap.enter("192.0.2.1") and b.enter("192.0.2.9")  # another door, another address
        a.leave("192.0.2.1")
        assert b.enter("192.0.2.1") and not a.enter("192.0.2.1")
        # worker 0 dies holding one; its replacement clears its row
        ConnectionTable(fd, 2, 0)
        assert b.enter("192.0.2.1") and not b.enter("192.0.2.1")
        assert len(b) == 4  # three from 192.0.2.1, one from 192.0.2.9
    finally:
        os.close(fd)
