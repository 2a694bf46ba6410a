"""Fixtures: the app over the shared engine fixture, and logged-in clients."""

from __future__ import annotations

from typing import Any

import pytest
from quart import Quart

import mailcore
from mailcore_apps.webapi import create_app
from tests.mail import message

from .client import ApiClient


@pytest.fixture
async def app(engine: mailcore.Engine) -> Quart:
    return create_app(engine)


@pytest.fixture
async def bob_api(app: Quart, bob: mailcore.Account) -> ApiClient:
    return await ApiClient.login(app, "bob@example.com", "bob-password")


@pytest.fixture
async def carol_api(app: Quart, carol: mailcore.Account) -> ApiClient:
    return await ApiClient.login(app, "carol@example.com", "carol-password")


@pytest.fixture
async def bob_mail(engine: mailcore.Engine, bob: mailcore.Account) -> dict[str, Any]:
    """Bob's small mailbox: a two-message thread, one with an attachment and an
    HTML part with a cid image and a remote image."""
    first = message("Project plan", "Let us plan.", message_id="m1@ext.org")
    await engine.deliver(first, ["bob@example.com"])
    reply = message(
        "Re: Project plan", "Sounds good.", message_id="m2@ext.org", in_reply_to="m1@ext.org",
        references="<m1@ext.org>", attachment=("plan.pdf", b"%PDF-1.4 plan"),
    )
    result = await engine.deliver(reply, ["bob@example.com"])
    await engine.deliver(html_message(), ["bob@example.com"])
    page = await engine.threads(bob.id, "INBOX")
    mid = result.message_ids["bob@example.com"]
    meta = await engine.message(bob.id, mid)
    return {"thread_id": meta.thread_id, "message_id": mid, "threads": page.threads}


def html_message() -> bytes:
    return (
        b"From: News <news@ext.org>\r\nTo: bob@example.com\r\nSubject: Newsletter\r\n"
        b"Date: Wed, 25 Nov 2026 10:00:00 +0000\r\nMessage-ID: <n1@ext.org>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/related; boundary="r"\r\n\r\n'
        b"--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p onclick=\"steal()\">Hello <b>Bob</b><script>alert(1)</script>"
        b'<img src="cid:logo@ext.org"><img src="https://tracker.example/pixel.gif">'
        b'<a href="javascript:alert(1)">x</a><a href="https://ext.org/">site</a></p>\r\n'
        b"--r\r\nContent-Type: image/png\r\nContent-ID: <logo@ext.org>\r\n"
        b"Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"iVBORw0KGgo=\r\n--r--\r\n"
    )
