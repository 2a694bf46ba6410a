"""A storage server lost while the doors run: every door answers a temporary
error (SMTP 451 4.3.0, IMAP NO [UNAVAILABLE], HTTP 503 problem+json with
Retry-After), never a traceback; once the server is back the same sessions
work again, and a message is delivered exactly once.

PostgreSQL and Redis are reached through a TCP proxy owned by the test
(:class:`tests.proxy.Proxy`); the shared servers themselves are never stopped.
"""

from __future__ import annotations

import functools
import json
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import pytest
import trio

import mailcore
from mailcore import StoreConfig
from mailcore._bridge import open_bridge
from mailcore_apps.imapd import serve as serve_imap
from mailcore_apps.webapi import create_app
from tests.apps.imapd.client import RawClient, Server
from tests.apps.smtpd.client import Client, Reply, login, start_smtpd
from tests.apps.webapi.client import ApiClient
from tests.conftest import make_config
from tests.proxy import Proxy, port_of
from tests.servers import new_prefix, new_schema, require_postgres, require_redis

T = TypeVar("T")


@asynccontextmanager
async def _engine_through(pg: Proxy, redis: Proxy, tmp_path: Path) -> AsyncIterator[mailcore.Engine]:
    schema, prefix = new_schema(), new_prefix()
    stores = StoreConfig(
        meta="postgres",
        bus="redis",
        cache="redis",
        options={
            "postgres": {"url": f"postgresql://postgres@127.0.0.1:{pg.port}/test", "schema": schema},
            "redis": {"url": f"redis://127.0.0.1:{redis.port}/0", "prefix": prefix},
        },
    )
    try:
        async with mailcore.open_engine(make_config(tmp_path / "data", stores=stores)) as engine:
            yield engine
    finally:
        async with open_bridge() as bridge:
            await bridge.call(_drop, require_postgres(), schema)


async def _drop(url: str, schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def _eventually(attempt: Callable[[], Awaitable[T]], good: Callable[[T], bool], seconds: float = 20) -> T:
    """``attempt()`` again until its result is ``good`` (the pools reconnect on use)."""
    with trio.fail_after(seconds):
        while True:
            result = await attempt()
            if good(result):
                return result
            await trio.sleep(0.2)


def _message(subject: str) -> bytes:
    return (
        f"From: Alice <alice@example.net>\r\nTo: bob@example.com\r\nSubject: {subject}\r\n"
        f"Message-ID: <{secrets.token_hex(8)}@example.net>\r\n\r\nBody of {subject}.\r\n"
    ).encode()


async def _smtp_send(client: Client, subject: str) -> Reply:
    """One transaction on an open session; the reply to the first refused step or to DATA."""
    for line in ("RSET", "MAIL FROM:<alice@example.net>", "RCPT TO:<bob@example.com>"):
        reply = await client.command(line)
        if reply.code != 250:
            return reply
    reply = await client.command("DATA")
    if reply.code != 354:
        return reply
    return await client.command(_message(subject) + b".")


async def test_lost_servers_give_temporary_errors_and_nothing_acknowledged_is_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    pg = Proxy("127.0.0.1", port_of(require_postgres()))
    redis = Proxy("127.0.0.1", port_of(require_redis()))
    with trio.fail_after(120):
        async with trio.open_nursery() as proxies:
            await proxies.start(pg.run)
            await proxies.start(redis.run)
            async with _engine_through(pg, redis, tmp_path) as engine, trio.open_nursery() as doors:
                await engine.add_domain("example.com")
                bob = await engine.create_account("bob@example.com", "bob-password", "Bob")
                smtp_ports = await start_smtpd(doors, engine)
                listeners = [mailcore.Listener("imap", "127.0.0.1", 0), mailcore.Listener("imaps", "127.0.0.1", 0)]
                bound = await doors.start(functools.partial(serve_imap, engine, listeners))
                imap_ports = {b.role: b.port for b in bound}
                cert = engine.config.data_dir / "tls" / "selfsigned-cert.pem"
                imap_server = Server(imap_ports["imap"], imap_ports["imaps"], str(cert))
                imap = await RawClient.connect(imap_server)
                idling = await RawClient.connect(imap_server)
                await idling.ok(b"SELECT INBOX")
                await idling.send(b"i1 IDLE\r\n")
                assert (await idling.line()).startswith(b"+ ")
                await imap.ok(b"SELECT INBOX")
                api = await ApiClient.login(create_app(engine), "bob@example.com", "bob-password")
                smtp = await Client.connect(smtp_ports.smtp)
                await smtp.greet()
                before = await _smtp_send(smtp, "before the outage")
                assert before.code == 250, before
                # a transaction whose DATA ends while the servers are lost
                for line in ("RSET", "MAIL FROM:<alice@example.net>", "RCPT TO:<bob@example.com>", "DATA"):
                    assert (await smtp.command(line)).code in (250, 354)

                pg.cut()
                redis.cut()

                lost = await smtp.command(_message("during the outage") + b".")
                assert (lost.code, lost.enhanced) == (451, "4.3.0"), lost
                refused = await _smtp_send(smtp, "refused at RCPT")
                assert (refused.code, refused.enhanced) == (451, "4.3.0"), refused
                submission = await Client.connect(smtp_ports.submission)
                await submission.greet()
                await submission.starttls()
                assert (await submission.command("EHLO client.test")).code == 250
                auth = await login(submission)
                assert (auth.code, auth.enhanced) == (454, "4.7.0"), auth
                await submission.aclose()
                for command in (b"STATUS INBOX (MESSAGES)", b'LIST "" "*"', b"NOOP"):
                    _, tagged = await imap.command(command)
                    if command != b"NOOP":  # NOOP needs no store: its updates wait
                        assert tagged.split(b" ", 1)[1].startswith(b"NO [UNAVAILABLE] "), tagged
                reply = await api.get("/threads", query={"label": "INBOX"})
                assert reply.status == 503, reply.body
                assert reply.headers["Content-Type"].startswith("application/problem+json")
                assert reply.json["type"].endswith("/unavailable")
                assert int(reply.headers["Retry-After"]) > 0

                pg.restore()
                redis.restore()

                after = await _eventually(lambda: _smtp_send(smtp, "after the outage"), lambda r: r.code == 250)
                # the IDLE session lived through the outage and hears of the new mail
                with trio.fail_after(15):
                    while not (await idling.line()).endswith(b" EXISTS"):
                        pass
                await idling.send(b"DONE\r\n")
                assert (await idling.until(b"i1"))[1].startswith(b"i1 OK")
                await idling.aclose()
                assert after.code == 250
                untagged, _ = await _eventually(
                    lambda: imap.command(b"STATUS INBOX (MESSAGES)"), lambda r: b" OK " in r[1]
                )
                untagged += await imap.ok(b"NOOP")
                # the updates held back during the outage reach the same session
                assert b"* 2 EXISTS" in untagged, untagged
                reply = await _eventually(
                    lambda: api.get("/threads", query={"label": "INBOX"}), lambda r: r.status == 200
                )
                subjects = sorted(t["subject"] for t in reply.json["items"])
                assert subjects == ["after the outage", "before the outage"]
                # a new session works too
                fresh = await Client.connect(smtp_ports.smtp)
                await fresh.greet()
                assert (await _smtp_send(fresh, "a new session")).code == 250
                await fresh.command("QUIT")
                found = await engine.threads(bob.id, "INBOX")
                assert sorted(t.subject for t in found.threads) == [
                    "a new session", "after the outage", "before the outage",
                ]
                assert all(t.message_count == 1 for t in found.threads)
                await smtp.command("QUIT")
                await imap.aclose()
                doors.cancel_scope.cancel()
            proxies.cancel_scope.cancel()
    tracebacks = [r for r in caplog.records if r.exc_info and r.exc_info[0] is not None]
    assert not tracebacks, [(r.name, r.getMessage()) for r in tracebacks]


async def test_the_push_channel_closes_with_try_again_later_and_catches_up_after(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import httpx
    from trio_websocket import ConnectionClosed, open_websocket_url

    from mailcore_apps.webapi import door

    pg = Proxy("127.0.0.1", port_of(require_postgres()))
    redis = Proxy("127.0.0.1", port_of(require_redis()))
    with trio.fail_after(60):
        async with trio.open_nursery() as proxies:
            await proxies.start(pg.run)
            await proxies.start(redis.run)
            async with _engine_through(pg, redis, tmp_path) as engine, trio.open_nursery() as doors:
                await engine.add_domain("example.com")
                await engine.create_account("bob@example.com", "bob-password", "Bob")
                [base] = await doors.start(door.serve, engine, [mailcore.Listener("http", "127.0.0.1", 0)])
                async with httpx.AsyncClient(base_url=base) as http:
                    login = await http.post(
                        "/api/v1/auth/login", json={"username": "bob@example.com", "password": "bob-password"}
                    )
                token = login.json()["access_token"]
                url = base.replace("http://", "ws://") + f"/api/v1/ws?access_token={token}"
                async with open_websocket_url(url) as ws:
                    hello = json.loads(await ws.get_message())
                    pg.cut()
                    redis.cut()
                    await ws.send_message(json.dumps({"type": "ping"}))
                    with pytest.raises(ConnectionClosed) as closed:
                        while True:
                            await ws.get_message()
                    assert closed.value.reason.code == 1013
                pg.restore()
                redis.restore()
                await engine_deliver_eventually(engine)

                async def reconnect() -> dict[str, object]:
                    try:
                        async with open_websocket_url(url + f"&since={hello['modseq']}") as again:
                            first = json.loads(await again.get_message())
                            second: dict[str, object] = json.loads(await again.get_message())
                            assert first["type"] == "hello"
                            return second
                    except ConnectionClosed:
                        return {}

                caught_up = await _eventually(reconnect, bool)
                assert caught_up["type"] in ("thread_updated", "resync"), caught_up
                doors.cancel_scope.cancel()
            proxies.cancel_scope.cancel()
    tracebacks = [r for r in caplog.records if r.exc_info and r.exc_info[0] is not None]
    assert not tracebacks, [(r.name, r.getMessage()) for r in tracebacks]


async def engine_deliver_eventually(engine: mailcore.Engine) -> None:
    async def deliver() -> bool:
        try:
            await engine.deliver(_message("while away"), ["bob@example.com"])
        except mailcore.Unavailable:
            return False
        return True

    await _eventually(deliver, bool)
