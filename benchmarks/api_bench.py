"""Web API figures, over real HTTP against hypercorn on loopback.

- ``api_inbox_p50_ms_c50`` / ``api_inbox_p99_ms_c50``: ``GET
  /threads?label=INBOX&limit=50`` on a 10,000-message account, 50 concurrent
  keep-alive clients (target p99 <= 25 ms).
- ``api_search_p50_ms``: ``GET /threads?q=...`` with a mix of queries, one client.
- ``api_inbox_p99_ms_c50_workers2``: the same inbox load against a real
  ``mailcore serve --workers 2`` subprocess (a supervisor, two worker
  processes sharing the port and the stores) on the same data directory.
- ``ws_push_p99_ms``: from the end of an SMTP DATA (the final ``.``) to the
  websocket event, through the real SMTP daemon when ``mailcore_apps.smtpd`` is
  importable (else from ``engine.deliver``; the figure says which), target
  <= 50 ms.

The server runs in its own process so that the load generator does not
share its CPU; the clients speak HTTP/1.1 over raw trio sockets to keep
their own overhead small. Data lives under ``<repo>/.bench/`` and is removed
afterwards.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import shutil
import statistics
import time
import uuid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import trio

BENCH_ROOT = Path(__file__).resolve().parent.parent / ".bench"
DOMAIN = "bench.example"
USER = f"reader@{DOMAIN}"
PASSWORD = "bench-password"
MESSAGES = 10_000
CLIENTS = 50
LOAD_SECONDS = 8.0
SEARCHES = ["meeting", "from:alice", "has:attachment", "subject:budget", "invoice OR contract", "deploy -release"]
PUSHES = 100


def _scale() -> float:
    return float(os.environ.get("MAILCORE_BENCH_SCALE", "1"))


# ------------------------------------------------------------------ server


def _serve_main(data_dir: str, conn: Connection, messages: int) -> None:
    trio.run(_serve, Path(data_dir), conn, messages)


async def _serve(data_dir: Path, conn: Connection, messages: int) -> None:
    import mailcore
    from benchmarks.corpus import generate_message
    from mailcore_apps.webapi import door as web_door

    config = mailcore.Config(data_dir=data_dir, argon2_time_cost=1, argon2_memory_cost=8192)
    async with mailcore.open_engine(config) as engine:
        await engine.add_domain(DOMAIN)
        account = await engine.create_account(USER, PASSWORD, "Reader")
        rng = random.Random(42)
        items = (mailcore.ImportItem(generate_message(rng, i), labels=("INBOX",)) for i in range(messages))
        await engine.import_messages(account.id, items, batch=500)
        await engine.search(account.id, "meeting", limit=1)  # the index has caught up
        async with trio.open_nursery() as nursery:
            web = await nursery.start(web_door.serve, engine, [mailcore.Listener("http", "127.0.0.1", 0)])
            smtp_port = None
            try:
                from mailcore_apps.smtpd import door as smtp_door

                bound = await nursery.start(smtp_door.serve, engine, [mailcore.Listener("smtp", "127.0.0.1", 0)])
                smtp_port = bound[0].port
            except ImportError:
                pass
            conn.send({"http": web[0], "smtp": smtp_port})
            # a deliver-only fallback for the push figure, on request
            while True:
                request = await trio.to_thread.run_sync(conn.recv)
                if request == "stop":
                    break
                started = time.time()
                await engine.deliver(request, [USER])
                conn.send(started)
            nursery.cancel_scope.cancel()


# ------------------------------------------------------------------ client


class HttpClient:
    """HTTP/1.1 keep-alive over one trio socket; just enough for the bench."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.stream: trio.SocketStream | None = None
        self.buffer = b""

    async def request(self, method: str, path: str, body: bytes = b"", token: str | None = None) -> tuple[int, bytes]:
        if self.stream is None:
            self.stream = await trio.open_tcp_stream(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n"
        if body:
            head += "Content-Type: application/json\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        await self.stream.send_all(head.encode() + b"\r\n" + body)
        while b"\r\n\r\n" not in self.buffer:
            await self._fill()
        header, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = header.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = 0
        chunked = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            return status, await self._chunked()
        while len(self.buffer) < length:
            await self._fill()
        payload, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, payload

    async def _chunked(self) -> bytes:
        out = b""
        while True:
            while b"\r\n" not in self.buffer:
                await self._fill()
            size_line, _, self.buffer = self.buffer.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                await self._fill()
            out += self.buffer[:size]
            self.buffer = self.buffer[size + 2 :]
            if size == 0:
                return out

    async def _fill(self) -> None:
        assert self.stream is not None
        data = await self.stream.receive_some(65536)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buffer += data


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def _inbox_load(host: str, port: int, token: str, seconds: float) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        http = HttpClient(host, port)
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            status, _ = await http.request("GET", "/api/v1/threads?label=INBOX&limit=50", token=token)
            latencies.append((time.perf_counter() - t0) * 1000)
            assert status == 200, status

    async with trio.open_nursery() as nursery:
        for _ in range(CLIENTS):
            nursery.start_soon(client)
    return latencies


async def _push(info: dict[str, Any], token: str, conn: Connection, count: int) -> tuple[list[float], str]:
    from trio_websocket import open_websocket_url

    from benchmarks.corpus import generate_message

    host, port = info["http"].removeprefix("http://").rsplit(":", 1)
    url = f"ws://{host}:{port}/api/v1/ws?access_token={token}"
    rng = random.Random(7)
    latencies: list[float] = []
    async with open_websocket_url(url) as ws:
        await ws.get_message()  # hello
        if info["smtp"] is not None:
            how = "smtp"
            stream = await trio.open_tcp_stream("127.0.0.1", info["smtp"])
            reader = HttpClient("127.0.0.1", 0)
            reader.stream = stream

            async def reply() -> bytes:
                while True:
                    while b"\r\n" not in reader.buffer:
                        await reader._fill()
                    line, _, reader.buffer = reader.buffer.partition(b"\r\n")
                    if line[3:4] != b"-":
                        return line

            await reply()
            await stream.send_all(b"EHLO bench.client\r\n")
            await reply()
            for i in range(count):
                raw = generate_message(rng, 20_000 + i).replace(b"\r\n.", b"\r\n..")
                await stream.send_all(f"MAIL FROM:<sender@ext.example>\r\nRCPT TO:<{USER}>\r\nDATA\r\n".encode())
                for _ in range(3):
                    await reply()
                await stream.send_all(raw + (b"" if raw.endswith(b"\r\n") else b"\r\n"))
                t0 = time.perf_counter()
                await stream.send_all(b".\r\n")
                while True:
                    event = json.loads(await ws.get_message())
                    if event["type"] == "message_new":
                        break
                latencies.append((time.perf_counter() - t0) * 1000)
                status = await reply()
                assert status.startswith(b"250"), status
            await stream.send_all(b"QUIT\r\n")
        else:
            how = "engine.deliver"
            for i in range(count):
                t0 = time.perf_counter()
                await trio.to_thread.run_sync(conn.send, generate_message(rng, 20_000 + i))
                while True:
                    event = json.loads(await ws.get_message())
                    if event["type"] == "message_new":
                        break
                latencies.append((time.perf_counter() - t0) * 1000)
                await trio.to_thread.run_sync(conn.recv)
    return latencies, how


async def _inbox_load_workers(data_dir: Path, workers: int, seconds: float) -> list[float]:
    """The inbox load against ``mailcore serve --workers N`` on ``data_dir``."""
    import subprocess
    import sys

    log = (data_dir.parent / f"{data_dir.name}-serve.log").open("wb")  # noqa: ASYNC230
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "mailcore", "--data-dir", str(data_dir), "serve", "--workers", str(workers),
         "--listen", "http=127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=log,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        seen = b""
        with trio.fail_after(60):
            while b"mailcore is running" not in seen:
                chunk = await process.stdout.receive_some(4096)
                if not chunk:
                    raise RuntimeError(f"mailcore serve exited with {await process.wait()}")
                seen += chunk
        line = next(x for x in seen.decode().splitlines() if x.startswith("listening: http"))
        host, port = line.split()[-1].rsplit(":", 1)
        http = HttpClient(host, int(port))
        status, body = await http.request(
            "POST", "/api/v1/auth/login", json.dumps({"username": USER, "password": PASSWORD}).encode()
        )
        assert status == 200, body
        token = json.loads(body)["access_token"]
        await _inbox_load(host, int(port), token, min(1.0, seconds))  # warm up every worker
        return await _inbox_load(host, int(port), token, seconds)
    finally:
        process.terminate()
        with trio.move_on_after(15):
            await process.wait()
        if process.returncode is None:
            process.kill()
            await process.wait()
        log.close()
        (data_dir.parent / f"{data_dir.name}-serve.log").unlink(missing_ok=True)


async def run() -> list[dict[str, Any]]:
    scale = _scale()
    messages = max(200, round(MESSAGES * scale))
    data_dir = BENCH_ROOT / f"api-{uuid.uuid4().hex[:10]}"
    data_dir.mkdir(parents=True, exist_ok=True)
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve_main, args=(str(data_dir), child, messages), daemon=True)
    server.start()
    figures: list[dict[str, Any]] = []
    try:
        info: dict[str, Any] = await trio.to_thread.run_sync(parent.recv)
        host, port_text = info["http"].removeprefix("http://").rsplit(":", 1)
        port = int(port_text)
        http = HttpClient(host, port)
        status, body = await http.request(
            "POST", "/api/v1/auth/login", json.dumps({"username": USER, "password": PASSWORD}).encode()
        )
        assert status == 200, body
        token = json.loads(body)["access_token"]
        load_seconds = LOAD_SECONDS * min(1.0, max(scale, 0.03))  # a smoke run still sends requests
        await _inbox_load(host, port, token, min(1.0, load_seconds))  # warm up
        latencies = await _inbox_load(host, port, token, load_seconds)
        common = {"messages": messages, "clients": CLIENTS, "requests": len(latencies)}
        figures.append({"bench": "api_inbox_p50_ms_c50", "value": round(_percentile(latencies, 50), 2),
                        "unit": "ms", **common})
        figures.append({"bench": "api_inbox_p99_ms_c50", "value": round(_percentile(latencies, 99), 2),
                        "unit": "ms", "target": 25, **common,
                        "throughput_rps": round(len(latencies) / load_seconds)})
        search: list[float] = []
        for i in range(max(12, round(60 * scale))):
            q = SEARCHES[i % len(SEARCHES)].replace(" ", "%20").replace(":", "%3A")
            t0 = time.perf_counter()
            status, _ = await http.request("GET", f"/api/v1/threads?q={q}&limit=50", token=token)
            search.append((time.perf_counter() - t0) * 1000)
            assert status == 200
        figures.append({"bench": "api_search_p50_ms", "value": round(statistics.median(search), 2), "unit": "ms",
                        "requests": len(search), "messages": messages})
        pushes, how = await _push(info, token, parent, max(10, round(PUSHES * scale)))
        figures.append({"bench": "ws_push_p99_ms", "value": round(_percentile(pushes, 99), 2), "unit": "ms",
                        "target": 50, "from": how, "p50": round(_percentile(pushes, 50), 2), "events": len(pushes)})
        parent.send("stop")
        await trio.to_thread.run_sync(server.join, 20)
        latencies = await _inbox_load_workers(data_dir, 2, load_seconds)
        figures.append({"bench": "api_inbox_p99_ms_c50_workers2", "value": round(_percentile(latencies, 99), 2),
                        "unit": "ms", "target": 25, "workers": 2, "p50": round(_percentile(latencies, 50), 2),
                        "messages": messages, "clients": CLIENTS, "requests": len(latencies),
                        "throughput_rps": round(len(latencies) / load_seconds)})
    finally:
        try:
            parent.send("stop")
        except OSError:
            pass
        await trio.to_thread.run_sync(server.join, 20)
        if server.is_alive():
            server.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
    return figures
