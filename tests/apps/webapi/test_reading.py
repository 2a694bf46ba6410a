"""Listing, searching and reading mail through the API."""

from __future__ import annotations

from typing import Any

import trio

import mailcore
from tests.mail import message

from .client import ApiClient


async def test_labels_with_counts(bob_api: ApiClient, bob_mail: dict[str, Any]) -> None:
    with trio.fail_after(10):
        reply = await bob_api.get("/labels")
    assert reply.status == 200
    labels = {lb["name"]: lb for lb in reply.json["items"]}
    assert labels["INBOX"]["type"] == "system" and labels["INBOX"]["role"] == "inbox"
    assert labels["INBOX"]["total"] == 3 and labels["INBOX"]["unread"] == 3
    assert set(labels) >= {"INBOX", "Sent", "Drafts", "Trash", "Spam", "Starred", "Important", "All Mail"}


async def test_inbox_paging(bob_api: ApiClient, engine: mailcore.Engine, bob: mailcore.Account) -> None:
    with trio.fail_after(20):
        for i in range(7):
            await engine.deliver(message(f"Note {i}", f"body {i}", message_id=f"p{i}@x"), ["bob@example.com"])
        seen: list[str] = []
        cursor = None
        for _ in range(10):
            query = {"label": "INBOX", "limit": "3"}
            if cursor:
                query["cursor"] = cursor
            reply = await bob_api.get("/threads", query=query)
            assert reply.status == 200, reply.body
            page = reply.json
            seen += [t["id"] for t in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert len(seen) == 7 == len(set(seen))
    first = page["items"][-1]
    assert set(first) >= {"id", "subject", "snippet", "participants", "unread", "labels", "last_date", "modseq"}
    assert first["last_date"].endswith("Z")


async def test_read_thread(bob_api: ApiClient, bob_mail: dict[str, Any]) -> None:
    with trio.fail_after(10):
        reply = await bob_api.get(f"/threads/{bob_mail['thread_id']}")
    assert reply.status == 200, reply.body
    thread = reply.json
    assert [m["subject"] for m in thread["messages"]] == ["Project plan", "Re: Project plan"]
    second = thread["messages"][1]
    assert "Sounds good." in second["text"]
    assert second["from"] == [{"name": "Alice", "address": "alice@ext.org"}]
    assert any(h["name"].lower() == "message-id" for h in second["headers"])
    [att] = second["attachments"]
    assert att["filename"] == "plan.pdf" and att["content_type"] == "application/pdf"
    assert att["url"] == f"/api/v1/messages/{second['id']}/attachments/{att['part']}"


async def test_html_is_sanitized(bob_api: ApiClient, bob_mail: dict[str, Any]) -> None:
    with trio.fail_after(10):
        page = (await bob_api.get("/threads", query={"q": "subject:Newsletter"})).json
        [summary] = page["items"]
        thread = (await bob_api.get(f"/threads/{summary['id']}")).json
        [msg] = thread["messages"]
        html = msg["html"]
        assert "<script" not in html and "onclick" not in html and "javascript:" not in html
        assert "tracker.example" not in html and msg["remote_images_blocked"] is True
        assert "<b>Bob</b>" in html
        # the cid: image points at a signed URL that works without the header
        start = html.index("/api/v1/messages/")
        url = html[start : html.index('"', start)].replace("&amp;", "&")
        anonymous = ApiClient(bob_api.app, bob_api.app.test_client())
        path, _, qs = url[len("/api/v1") :].partition("?")
        params = dict(p.split("=", 1) for p in qs.split("&"))
        image = await anonymous.get(path, query=params)
        assert image.status == 200, image.body
        assert image.headers["Content-Type"] == "image/png"
        assert image.headers["Content-Disposition"].startswith("inline")
        params["sig"] = params["sig"][:-1] + ("0" if params["sig"][-1] != "0" else "1")
        assert (await anonymous.get(path, query=params)).status == 401
        shown = (await bob_api.get(f"/messages/{msg['id']}", query={"remote_images": "true"})).json
        assert "https://tracker.example/pixel.gif" in shown["html"] and not shown["remote_images_blocked"]


async def test_search_and_bad_query(bob_api: ApiClient, bob_mail: dict[str, Any]) -> None:
    with trio.fail_after(10):
        reply = await bob_api.get("/threads", query={"q": "has:attachment"})
        assert reply.status == 200
        assert [t["id"] for t in reply.json["items"]] == [str(bob_mail["thread_id"])]
        bad = await bob_api.get("/threads", query={"q": "from:(unclosed"})
    assert bad.status == 400
    assert bad.headers["Content-Type"] == "application/problem+json"
    assert bad.json["type"].endswith("/invalid-query")
    assert bad.json["errors"][0]["field"] == "q"


async def test_raw_and_attachment_download(bob_api: ApiClient, bob_mail: dict[str, Any]) -> None:
    mid = bob_mail["message_id"]
    with trio.fail_after(10):
        raw = await bob_api.get(f"/messages/{mid}/raw")
        assert raw.status == 200 and raw.headers["Content-Type"].startswith("message/rfc822")
        assert b"Message-ID: <m2@ext.org>" in raw.body
        msg = (await bob_api.get(f"/messages/{mid}")).json
        part = msg["attachments"][0]["part"]
        att = await bob_api.get(f"/messages/{mid}/attachments/{part}")
    assert att.status == 200 and att.body == b"%PDF-1.4 plan"
    assert att.headers["Content-Disposition"].startswith("attachment;")
    assert 'filename="plan.pdf"' in att.headers["Content-Disposition"]


async def test_contacts_and_insights(bob_api: ApiClient, bob_mail: dict[str, Any]) -> None:
    with trio.fail_after(10):
        contacts = await bob_api.get("/contacts", query={"q": "al"})
        insights = await bob_api.get("/insights", query={"days": "30"})
    assert contacts.status == 200
    assert "alice@ext.org" in [c["address"] for c in contacts.json["items"]]
    assert insights.status == 200 and isinstance(insights.json["insights"], dict)


def test_css_escapes_cannot_smuggle_remote_images() -> None:
    from mailcore_apps.webapi._sanitize import sanitize_html

    for style in (
        "background:u\\72l(https://tracker.example/p.gif)",
        "background:\\75rl(https://tracker.example/p.gif)",
        "background-image:i\\6d age-set(https://tracker.example/p.gif 1x)",
        "background:u/**/rl(https://tracker.example/p.gif)",
        "background:url(https://tracker.example/p.gif)",
    ):
        out = sanitize_html(f'<div style="color:red;{style}">x</div>', cid_url=lambda c: None).html
        assert "tracker.example" not in out, (style, out)
        assert "color:red" in out.replace(" ", "")
