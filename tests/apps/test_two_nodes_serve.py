"""Two ``mailcore serve`` processes on one PostgreSQL schema and one Redis prefix,
driven through their doors as users would: what one node is told, the other
knows. Mail delivered over SMTP on node A reaches IMAP IDLE and websockets on
node B, flags set on A show on B, a session revoked on A is refused on B, and
failed logins count across both nodes without locking the owner out."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import trio
from trio_websocket import ConnectionClosed, HandshakeError, open_websocket_url

from tests.nodes import (
    ADDRESS,
    PASSWORD,
    Cluster,
    Imap,
    Smtp,
    drop_stores,
    message,
    percentile,
    push_latencies,
    serve_nodes,
)
from tests.servers import new_prefix, new_schema, require_postgres, require_redis
from tests.waiting import wait_until

PUSHES = 20


@asynccontextmanager
async def _cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    pg, redis = require_postgres(), require_redis()
    schema, prefix = new_schema(), new_prefix()
    try:
        async with serve_nodes(tmp_path, postgres_url=pg, schema=schema, redis_url=redis, prefix=prefix) as cluster:
            yield cluster
    finally:
        await drop_stores(pg, schema, redis, prefix)


async def _login(imap: Imap) -> None:
    await imap.command("l", f"LOGIN {ADDRESS} {PASSWORD}")


async def _tokens(api: httpx.AsyncClient) -> dict[str, str]:
    reply = await api.post("/auth/login", json={"username": ADDRESS, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    tokens: dict[str, str] = reply.json()
    return tokens


async def test_smtp_on_a_reaches_idle_and_the_websocket_on_b(tmp_path: Path) -> None:
    with trio.fail_after(90):
        async with _cluster(tmp_path) as cluster:
            a, b = cluster.nodes
            # every message is waited for on both doors before the next is sent
            to_idle, to_ws = await push_latencies(a, b, PUSHES)
    assert len(to_idle) == len(to_ws) == PUSHES
    for door, figures in (("IMAP IDLE", to_idle), ("websocket", to_ws)):
        print(
            f"SMTP 250 on A -> {door} on B over {PUSHES} messages: "
            f"p50 {statistics.median(figures):.1f} ms, p99 {percentile(figures, 0.99):.1f} ms, "
            f"max {max(figures):.1f} ms"
        )


async def test_flags_stored_on_a_show_on_b(tmp_path: Path) -> None:
    with trio.fail_after(60):
        async with _cluster(tmp_path) as cluster:
            a, b = cluster.nodes
            smtp = await Smtp.connect(a.ports["smtp"])
            await smtp.send_message("alice@example.net", ADDRESS, message("flag me"))
            await smtp.aclose()
            on_a, on_b, idle_b = [await Imap.connect(n.ports["imaps"]) for n in (a, b, b)]
            for imap in (on_a, on_b, idle_b):
                await _login(imap)
                assert b"* 1 EXISTS" in await imap.command("s", "SELECT INBOX")
            await idle_b.send("i IDLE")
            await idle_b.until(b"+ ")
            await on_a.command("f1", "STORE 1 +FLAGS (\\Flagged \\Seen)")
            # the session in IDLE on B is told without asking
            [pushed] = [line for line in await idle_b.until(b"* 1 FETCH") if line.startswith(b"* 1 FETCH")]
            assert b"\\Flagged" in pushed and b"\\Seen" in pushed, pushed
            # and a FETCH on B reads what A stored
            # (the answer may be preceded by the same news, unsolicited)
            fetched = [line for line in await on_b.command("f2", "FETCH 1 (FLAGS)") if line.startswith(b"* 1 FETCH")]
            assert fetched and all(b"\\Flagged" in line and b"\\Seen" in line for line in fetched), fetched
            await on_a.command("f3", "STORE 1 -FLAGS (\\Seen)")
            [pushed] = [line for line in await idle_b.until(b"* 1 FETCH") if line.startswith(b"* 1 FETCH")]
            assert b"\\Flagged" in pushed and b"\\Seen" not in pushed, pushed

            async def unseen_on_b() -> bool:
                status = await on_b.command("f4", "STATUS INBOX (UNSEEN)")
                return any(b"(UNSEEN 1)" in line for line in status)

            await wait_until(unseen_on_b, what="B counts the message unseen again")
            await idle_b.send("DONE")
            await idle_b.until(b"i OK")
            for imap in (on_a, on_b, idle_b):
                await imap.command("z", "LOGOUT")


async def test_sessions_revoked_on_a_are_refused_on_b(tmp_path: Path) -> None:
    with trio.fail_after(60):
        async with _cluster(tmp_path) as cluster:
            a, b = cluster.nodes
            async with httpx.AsyncClient(base_url=a.http, timeout=20) as on_a, httpx.AsyncClient(
                base_url=b.http, timeout=20
            ) as on_b:

                async def me(api: httpx.AsyncClient, access: str) -> int:
                    return (await api.get("/me", headers={"Authorization": f"Bearer {access}"})).status_code

                async def refresh(api: httpx.AsyncClient, token: str) -> httpx.Response:
                    return await api.post("/auth/refresh", json={"refresh_token": token})

                # a token issued on A works on B, and B rotates it
                first = await _tokens(on_a)
                assert await me(on_b, first["access_token"]) == 200
                reply = await refresh(on_b, first["refresh_token"])
                assert reply.status_code == 200, reply.text
                second = reply.json()
                assert await me(on_a, second["access_token"]) == 200
                # the spent token presented again on A revokes the session: B refuses it
                assert (await refresh(on_a, first["refresh_token"])).status_code == 401
                assert await me(on_b, second["access_token"]) == 401
                assert (await refresh(on_b, second["refresh_token"])).status_code == 401

                # logging out on A with the refresh token
                tokens = await _tokens(on_b)
                reply = await on_a.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]})
                assert reply.status_code == 204, reply.text
                assert (await refresh(on_b, tokens["refresh_token"])).status_code == 401
                assert await me(on_b, tokens["access_token"]) == 401

                # logging out on A with the access token alone, while B serves its websocket
                tokens = await _tokens(on_b)
                async with open_websocket_url(f"{b.ws}?access_token={tokens['access_token']}") as ws:
                    assert json.loads(await ws.get_message())["type"] == "hello"
                    await ws.send_message(json.dumps({"type": "ping"}))
                    assert json.loads(await ws.get_message())["type"] == "pong"
                    reply = await on_a.post(
                        "/auth/logout", json={}, headers={"Authorization": f"Bearer {tokens['access_token']}"}
                    )
                    assert reply.status_code == 204, reply.text
                    assert await me(on_b, tokens["access_token"]) == 401
                    assert (await refresh(on_b, tokens["refresh_token"])).status_code == 401
                    # B closes the open websocket at the client's next message
                    await ws.send_message(json.dumps({"type": "ping"}))
                    with pytest.raises(ConnectionClosed) as closed:
                        while True:
                            await ws.get_message()
                    reason = closed.value.reason
                    assert reason is not None and reason.code == 4001, reason
                # and refuses a new one
                with pytest.raises(HandshakeError):
                    async with open_websocket_url(f"{b.ws}?access_token={tokens['access_token']}"):
                        pass
                # a session that was not revoked still works on both
                fresh = await _tokens(on_a)
                assert await me(on_a, fresh["access_token"]) == await me(on_b, fresh["access_token"]) == 200


ATTACKER, OWNER = "127.0.0.66", "127.0.0.67"


async def test_failed_logins_count_across_nodes_and_never_lock_the_owner_out(tmp_path: Path) -> None:
    """The policy: failures are counted per account and per client address in
    one shared cache; past a few each failure is answered later, and an
    address that failed 30 times is refused whatever the password. Its 30
    failures must not lock the account's owner out from another address."""
    import redis

    with trio.fail_after(80):
        async with _cluster(tmp_path) as cluster:
            a, b = cluster.nodes
            counts = redis.Redis.from_url(require_redis())
            prefix = cluster.prefix

            def failures_from_attacker() -> int:
                return int(counts.get(f"{prefix}cache:authfail:ip:{ATTACKER}") or 0)

            # bad passwords alternated between the nodes: A, B, A are free, then
            # B's second (the fourth in all) waits a second and A's third two
            imap = {n.name: await Imap.connect(n.ports["imaps"], source=ATTACKER) for n in (a, b)}
            took = []
            for node in ("a", "b", "a", "b", "a"):
                started = time.perf_counter()
                lines = await imap[node].tagged("l", f"LOGIN {ADDRESS} wrong-password")
                took.append(time.perf_counter() - started)
                assert b"[AUTHENTICATIONFAILED]" in lines[-1], lines
            assert took[3] >= 1.0 and took[4] >= 2.0, took
            assert await trio.to_thread.run_sync(failures_from_attacker) == 5

            # then 25 more at once over HTTP, again on both nodes: 30 in all
            async def guess(node_url: str, n: int) -> None:
                transport = httpx.AsyncHTTPTransport(local_address=ATTACKER)
                async with httpx.AsyncClient(base_url=node_url, transport=transport, timeout=60) as api:
                    await api.post("/auth/login", json={"username": ADDRESS, "password": f"guess {n}"})

            async with trio.open_nursery() as nursery:
                for n in range(25):
                    nursery.start_soon(guess, (a, b)[n % 2].http, n)

                async def thirty() -> bool:
                    return await trio.to_thread.run_sync(failures_from_attacker) >= 30

                # the answers are slowed down (up to 30 s each); the count is what matters
                await wait_until(thirty, poll=0.1, what="30 failures counted from the attacker")
                nursery.cancel_scope.cancel()
            assert await trio.to_thread.run_sync(failures_from_attacker) == 30

            # the attacker's address is now refused even the right password, on either node
            lines = await imap["b"].tagged("l", f"LOGIN {ADDRESS} {PASSWORD}")
            assert b"[UNAVAILABLE]" in lines[-1], lines
            transport = httpx.AsyncHTTPTransport(local_address=ATTACKER)
            async with httpx.AsyncClient(base_url=a.http, transport=transport, timeout=20) as api:
                reply = await api.post("/auth/login", json={"username": ADDRESS, "password": PASSWORD})
                assert reply.status_code == 429, reply.text
                assert int(reply.headers["Retry-After"]) > 0
            for connection in imap.values():
                await connection.aclose()

            # the owner, from another address, logs in on both nodes
            owner = await Imap.connect(b.ports["imaps"], source=OWNER)
            await _login(owner)
            await owner.command("z", "LOGOUT")
            transport = httpx.AsyncHTTPTransport(local_address=OWNER)
            async with httpx.AsyncClient(base_url=a.http, transport=transport, timeout=20) as api:
                await _tokens(api)
            counts.close()
