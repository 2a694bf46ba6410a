"""The push channel against a real hypercorn-served instance, with trio-websocket."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import trio
from trio_websocket import ConnectionRejected, WebSocketConnection, open_websocket_url

import mailcore
from mailcore_apps.webapi import door
from tests.mail import message


@pytest.fixture
async def served(engine: mailcore.Engine, nursery: trio.Nursery) -> str:
    """The base URL (``http://127.0.0.1:PORT``) of the served app."""
    binds: list[str] = await nursery.start(door.serve, engine, [mailcore.Listener("http", "127.0.0.1", 0)])
    return binds[0]


async def _login(base: str, username: str, password: str) -> str:
    async with httpx.AsyncClient(base_url=base) as client:
        reply = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert reply.status_code == 200
        token: str = reply.json()["access_token"]
        return token


def _ws_url(base: str, token: str, since: int | None = None) -> str:
    url = base.replace("http://", "ws://") + f"/api/v1/ws?access_token={token}"
    return url + (f"&since={since}" if since is not None else "")


async def _next(ws: WebSocketConnection) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(await ws.get_message())
    return data


async def test_delivery_is_pushed(served: str, engine: mailcore.Engine, bob: mailcore.Account,
                                  carol: mailcore.Account) -> None:
    with trio.fail_after(20):
        token = await _login(served, "bob@example.com", "bob-password")
        carol_token = await _login(served, "carol@example.com", "carol-password")
        async with open_websocket_url(_ws_url(served, token)) as ws, \
                open_websocket_url(_ws_url(served, carol_token)) as carol_ws:
            hello = await _next(ws)
            assert hello["type"] == "hello"
            assert (await _next(carol_ws))["type"] == "hello"
            result = await engine.deliver(message("Ping", "hello"), ["bob@example.com"])
            event = await _next(ws)
            mid = result.message_ids["bob@example.com"]
            assert event["type"] == "message_new" and event["message_ids"] == [str(mid)]
            assert event["modseq"] > hello["modseq"]
            inbox = await engine.label(bob.id, "INBOX")
            assert {"id": str(inbox.id), "total": 1, "unread": 1} in event["counts"]
            await engine.store_flags(bob.id, [mid], add=["\\Seen"])
            flagged = await _next(ws)
            assert flagged["type"] == "thread_updated" and flagged["reason"] == "flags"
            await engine.create_label(bob.id, "Later")
            assert (await _next(ws))["type"] == "labels_changed"
            await ws.send_message(json.dumps({"type": "ping"}))
            assert (await _next(ws))["type"] == "pong"
            # carol heard nothing of bob's mail: the first thing she hears is
            # her own delivery, published after all of bob's changes
            own = await engine.deliver(message("For Carol"), ["carol@example.com"])
            heard = await _next(carol_ws)
            assert heard["type"] == "message_new"
            assert heard["message_ids"] == [str(own.message_ids["carol@example.com"])]


async def test_reconnect_catches_up_or_resyncs(served: str, engine: mailcore.Engine, bob: mailcore.Account) -> None:
    with trio.fail_after(20):
        token = await _login(served, "bob@example.com", "bob-password")
        async with open_websocket_url(_ws_url(served, token)) as ws:
            last = (await _next(ws))["modseq"]
        # while away: a new message and a flag change
        first = await engine.deliver(message("One", "1"), ["bob@example.com"])
        second = await engine.deliver(message("Two", "2"), ["bob@example.com"])
        await engine.store_flags(bob.id, [first.message_ids["bob@example.com"]], add=["\\Seen"])
        async with open_websocket_url(_ws_url(served, token, since=last)) as ws:
            hello = await _next(ws)
            missed = await _next(ws)
            assert missed["type"] == "thread_updated" and missed["catch_up"] is True
            assert set(missed["message_ids"]) == {str(first.message_ids["bob@example.com"]),
                                                  str(second.message_ids["bob@example.com"])}
            assert missed["modseq"] == hello["modseq"]
            now = hello["modseq"]
        # a deletion leaves no trace to catch up from: resync
        await engine.delete_messages(bob.id, [second.message_ids["bob@example.com"]])
        async with open_websocket_url(_ws_url(served, token, since=now)) as ws:
            await _next(ws)
            assert (await _next(ws))["type"] == "resync"
        # up to date: nothing but hello
        async with open_websocket_url(_ws_url(served, token, since=await engine.highest_modseq(bob.id))) as ws:
            hello = await _next(ws)
            # a catch-up would come before any live event: the next one is live
            await engine.create_label(bob.id, "Later")
            live = await _next(ws)
            assert live["type"] == "labels_changed" and live["modseq"] > hello["modseq"]


async def test_bad_token_is_rejected(served: str) -> None:
    with trio.fail_after(10):
        with pytest.raises(ConnectionRejected) as rejected:
            async with open_websocket_url(_ws_url(served, "not-a-token")):
                pass
    assert rejected.value.status_code == 401


async def test_served_api_over_http(served: str, bob: mailcore.Account) -> None:
    with trio.fail_after(10):
        async with httpx.AsyncClient(base_url=served) as client:
            health = await client.get("/api/v1/health")
            docs = await client.get("/api/v1/openapi.json")
    assert health.status_code == 200 and docs.json()["openapi"] == "3.1.0"
    assert "server" not in {k.lower() for k in health.headers}


async def test_a_client_that_heard_every_event_reconnects_without_a_resync(
    served: str, engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    with trio.fail_after(20):
        token = await _login(served, "bob@example.com", "bob-password")
        mid = (await engine.deliver(message("Keep", "k"), ["bob@example.com"])).message_ids["bob@example.com"]
        await engine.create_label(bob.id, "Work")
        await engine.copy(bob.id, [mid], "Work")
        async with open_websocket_url(_ws_url(served, token)) as ws:
            last = (await _next(ws))["modseq"]
            # an EXPUNGE from a label, then a STORE that changes nothing (the message is unread)
            await engine.expunge(bob.id, "Work", [mid])
            await engine.store_flags(bob.id, [mid], remove=["\\Seen"])
            heard = await _next(ws)
            assert heard["modseq"] > last
            last = heard["modseq"]
        async with open_websocket_url(_ws_url(served, token, since=last)) as ws:
            hello = await _next(ws)
            assert hello["modseq"] == last
            await engine.create_label(bob.id, "Later")
            assert (await _next(ws))["type"] == "labels_changed"
