"""Two real ``mailcore serve`` processes on ONE data directory, as two nodes
behind a load balancer: a session ended on one is ended on the other at once,
a spent refresh token is spent for both, and an upload made through one can
be sent through the other."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from trio_websocket import ConnectionClosed, open_websocket_url

MAILCORE = [sys.executable, "-m", "mailcore"]
PROBLEM = "application/problem+json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _cli(data_dir: Path, *args: str, stdin: bytes = b"") -> None:
    result = await trio.run_process(
        [*MAILCORE, "--data-dir", str(data_dir), *args], stdin=stdin, capture_stdout=True, capture_stderr=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()


async def _serve(data_dir: Path, log_path: Path, nursery: trio.Nursery) -> str:
    """Start ``mailcore serve`` with one HTTP listener; return its base URL once it runs."""
    port = _free_port()
    log = log_path.open("wb")  # noqa: ASYNC230
    process = await trio.lowlevel.open_process(
        [*MAILCORE, "--data-dir", str(data_dir), "serve", "--listen", f"http=127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=log,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )

    async def stop_at_exit() -> None:
        try:
            await trio.sleep_forever()
        finally:
            with trio.CancelScope(shield=True):
                process.send_signal(signal.SIGTERM)
                with trio.move_on_after(10):
                    await process.wait()
                if process.returncode is None:
                    process.kill()
                    await process.wait()
                log.close()

    nursery.start_soon(stop_at_exit)
    assert process.stdout is not None
    seen = b""
    while b"mailcore is running" not in seen:
        chunk = await process.stdout.receive_some(4096)
        assert chunk, log_path.read_text()  # noqa: ASYNC240
        seen += chunk
    return f"http://127.0.0.1:{port}"


@pytest.fixture
async def two_nodes(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    data = tmp_path / "data"
    await _cli(data, "domain", "add", "example.com")
    await _cli(data, "account", "add", "bob@example.com", "--password-stdin", stdin=b"bob-password\n")
    await _cli(data, "account", "add", "carol@example.com", "--password-stdin", stdin=b"carol-password\n")
    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            base_a = await _serve(data, tmp_path / "a.log", nursery)
            base_b = await _serve(data, tmp_path / "b.log", nursery)
            async with httpx.AsyncClient(base_url=base_a + "/api/v1", timeout=20) as a, \
                    httpx.AsyncClient(base_url=base_b + "/api/v1", timeout=20) as b:
                yield a, b
            nursery.cancel_scope.cancel()


async def _login(node: httpx.AsyncClient, username: str, password: str) -> dict[str, Any]:
    reply = await node.post("/auth/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    tokens: dict[str, Any] = reply.json()
    return tokens


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def _refused(reply: httpx.Response) -> bool:
    return reply.status_code == 401 and reply.headers["Content-Type"].startswith(PROBLEM)


async def test_logout_on_one_process_is_seen_by_the_other_at_once(
    two_nodes: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = two_nodes
    with trio.fail_after(30):
        session = await _login(a, "bob@example.com", "bob-password")
        other = await _login(a, "bob@example.com", "bob-password")
        me = await b.get("/me", headers=_bearer(session))
        assert me.status_code == 200 and me.json()["address"] == "bob@example.com"

        assert (await a.post("/auth/logout", json={}, headers=_bearer(session))).status_code == 204
        assert _refused(await b.get("/me", headers=_bearer(session)))
        assert _refused(await b.post("/auth/refresh", json={"refresh_token": session["refresh_token"]}))
        assert _refused(await a.get("/me", headers=_bearer(session)))
        # the other session of the same account lives on, on both
        assert (await b.get("/me", headers=_bearer(other))).status_code == 200
        assert (await a.get("/me", headers=_bearer(other))).status_code == 200


async def test_a_refresh_token_spent_on_one_process_and_reused_on_the_other_revokes_the_session(
    two_nodes: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = two_nodes
    with trio.fail_after(30):
        first = await _login(a, "bob@example.com", "bob-password")
        rotated = await a.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert rotated.status_code == 200
        current = rotated.json()
        assert (await b.get("/me", headers=_bearer(current))).status_code == 200

        # the spent token presented again, on the other process: replay
        assert _refused(await b.post("/auth/refresh", json={"refresh_token": first["refresh_token"]}))
        for node in (a, b):
            assert _refused(await node.get("/me", headers=_bearer(current)))
            assert _refused(await node.post("/auth/refresh", json={"refresh_token": current["refresh_token"]}))


async def test_an_upload_made_on_one_process_is_sent_through_the_other(
    two_nodes: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = two_nodes
    content = b"%PDF-1.4\n" + bytes(range(256)) * 40
    with trio.fail_after(30):
        bob = await _login(a, "bob@example.com", "bob-password")
        upload = await a.post(
            "/uploads", params={"filename": "report.pdf"}, content=content,
            headers={**_bearer(bob), "Content-Type": "application/pdf"},
        )
        assert upload.status_code == 201, upload.text
        upload_id = upload.json()["id"]

        # another account cannot use it, on either process
        carol = await _login(b, "carol@example.com", "carol-password")
        stolen = await b.post("/send", headers=_bearer(carol), json={
            "to": ["bob@example.com"], "subject": "mine now", "attachments": [upload_id], "undo": False,
        })
        assert stolen.status_code == 400

        sent = await b.post("/send", headers=_bearer(bob), json={
            "to": ["carol@example.com"], "subject": "Quarterly report", "text": "Attached.",
            "attachments": [upload_id], "undo": False,
        })
        assert sent.status_code == 202, sent.text

        inbox = (await a.get("/threads", params={"label": "INBOX"}, headers=_bearer(carol))).json()["items"]
        assert [t["subject"] for t in inbox] == ["Quarterly report"]
        got = (await a.get(f"/threads/{inbox[0]['id']}", headers=_bearer(carol))).json()["messages"][0]
        [attachment] = got["attachments"]
        assert (attachment["filename"], attachment["content_type"]) == ("report.pdf", "application/pdf")
        body = await a.get(f"/messages/{got['id']}/attachments/{attachment['part']}", headers=_bearer(carol))
        assert body.status_code == 200 and body.content == content
        raw = (await b.get(f"/messages/{got['id']}/raw", headers=_bearer(carol))).content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        [part] = list(parsed.iter_attachments())  # type: ignore[attr-defined]
        assert part.get_filename() == "report.pdf" and part.get_content() == content

        # discarded through the other process: gone for both
        assert (await b.delete(f"/uploads/{upload_id}", headers=_bearer(bob))).status_code == 204
        again = await a.post("/send", headers=_bearer(bob), json={
            "to": ["carol@example.com"], "subject": "again", "attachments": [upload_id], "undo": False,
        })
        assert again.status_code == 400


async def test_a_websocket_of_a_session_ended_elsewhere_is_closed(
    two_nodes: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = two_nodes
    with trio.fail_after(30):
        session = await _login(a, "bob@example.com", "bob-password")
        url = str(b.base_url).replace("http://", "ws://").rstrip("/") + f"/ws?access_token={session['access_token']}"
        async with open_websocket_url(url) as ws:
            assert json.loads(await ws.get_message())["type"] == "hello"
            await ws.send_message(json.dumps({"type": "ping"}))
            assert json.loads(await ws.get_message())["type"] == "pong"
            assert (await a.post("/auth/logout", json={}, headers=_bearer(session))).status_code == 204
            await ws.send_message(json.dumps({"type": "ping"}))
            with pytest.raises(ConnectionClosed) as closed:
                await ws.get_message()
        assert closed.value.reason is not None and closed.value.reason.code == 4001
