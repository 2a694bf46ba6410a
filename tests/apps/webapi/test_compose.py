"""Drafts, sending (at once, with undo, scheduled), replies and uploads."""

from __future__ import annotations

import datetime
import email
import email.policy
from typing import Any

import trio

import mailcore
from mailcore.testing import engine_internals

from .client import ApiClient


async def _wait_for(predicate: Any) -> None:
    """Poll ``predicate`` until it holds (the caller's fail_after bounds it)."""
    while not await predicate():
        await trio.sleep(0.05)


async def test_send_now_delivers_locally_queues_remote_and_keeps_sent(
    bob_api: ApiClient, carol_api: ApiClient, engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    with trio.fail_after(20):
        upload = await bob_api.post("/uploads", data=b"a,b\n1,2\n", query={"filename": "data.csv"},
                                    headers={"Content-Type": "text/csv"})
        assert upload.status == 201 and upload.json["size"] == 8
        reply = await bob_api.post("/send", {
            "to": ["Carol <carol@example.com>"], "bcc": ["dave@remote.example"],
            "subject": "Numbers", "html": "<p>See <b>attached</b></p>",
            "attachments": [upload.json["id"]], "undo": False,
        })
        assert reply.status == 202, reply.body
        assert reply.json["status"] == "sent" and reply.json["queued"] == ["dave@remote.example"]
        sent_id = reply.json["sent_message_id"]
        sent = (await bob_api.get(f"/messages/{sent_id}")).json
        labels = {lb["name"]: lb["id"] for lb in (await bob_api.get("/labels")).json["items"]}
        assert labels["Sent"] in sent["labels"]
        sent_raw = (await bob_api.get(f"/messages/{sent_id}/raw")).body
        assert b"Bcc: dave@remote.example" in sent_raw  # the sender's copy keeps its Bcc
        queued_raw = await engine_internals(engine).stores.blobs.get((await engine.outbound(bob.id))[0].blob_ref)
        assert b"dave@remote.example" not in queued_raw
        inbox = (await carol_api.get("/threads", query={"label": "INBOX"})).json["items"]
        assert [t["subject"] for t in inbox] == ["Numbers"]
        got = (await carol_api.get(f"/threads/{inbox[0]['id']}")).json["messages"][0]
        assert got["from"] == [{"name": "Bob", "address": "bob@example.com"}]
        assert "attached" in got["text"] and "<b>attached</b>" in (got["html"] or "")
        assert [a["filename"] for a in got["attachments"]] == ["data.csv"]
        raw = (await carol_api.get(f"/messages/{got['id']}/raw")).body
        assert b"dave@remote.example" not in raw  # Bcc never travels
        assert [m.recipients for m in await engine.outbound(bob.id)] == [("dave@remote.example",)]


async def test_reply_threads_and_marks_answered(
    bob_api: ApiClient, bob_mail: dict[str, Any], engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    mid = str(bob_mail["message_id"])
    with trio.fail_after(20):
        reply = await bob_api.post("/send", {"to": ["carol@example.com"], "text": "Agreed.", "in_reply_to": mid,
                                             "undo": False})
        assert reply.status == 202, reply.body
        sent = (await bob_api.get(f"/messages/{reply.json['sent_message_id']}")).json
    assert sent["subject"] == "Re: Project plan"
    assert sent["in_reply_to"] == ["m2@ext.org"]
    assert sent["references"] == ["m1@ext.org", "m2@ext.org"]
    assert sent["thread_id"] == str(bob_mail["thread_id"])
    assert "\\Answered" in (await engine.message(bob.id, int(mid))).flags


async def test_forward_carries_attachments(bob_api: ApiClient, bob_mail: dict[str, Any]) -> None:
    with trio.fail_after(20):
        reply = await bob_api.post("/send", {"to": ["carol@example.com"], "text": "FYI",
                                             "in_reply_to": str(bob_mail["message_id"]), "forward": True,
                                             "undo": False})
        sent = (await bob_api.get(f"/messages/{reply.json['sent_message_id']}")).json
    assert sent["subject"] == "Fwd: Re: Project plan"
    assert [a["filename"] for a in sent["attachments"]] == ["plan.pdf"]


async def test_undo_send_waits_and_can_be_cancelled(
    bob_api: ApiClient, carol_api: ApiClient, engine: mailcore.Engine
) -> None:
    with trio.fail_after(20):
        await bob_api.patch("/me", {"undo_send_seconds": 1})
        kept = await bob_api.post("/send", {"to": ["carol@example.com"], "subject": "goes"})
        undone = await bob_api.post("/send", {"to": ["carol@example.com"], "subject": "undone"})
        assert kept.json["status"] == undone.json["status"] == "scheduled"
        listed = (await bob_api.get("/scheduled")).json["items"]
        assert {s["subject"] for s in listed} == {"goes", "undone"}
        assert (await bob_api.delete(f"/scheduled/{undone.json['send_id']}")).status == 204

        assert (await carol_api.get("/threads")).json["items"] == []  # still inside the window
        # sent after "undone", so due after it and sent after it: once "last"
        # is in, "undone" would be in too had cancelling not held
        last = await bob_api.post("/send", {"to": ["carol@example.com"], "subject": "last"})
        assert last.json["status"] == "scheduled"

        async def last_arrived() -> bool:
            items = (await carol_api.get("/threads", query={"label": "INBOX"})).json["items"]
            return "last" in {t["subject"] for t in items}

        await _wait_for(last_arrived)
        threads = (await carol_api.get("/threads")).json["items"]
        subjects = [t["subject"] for t in threads if t["subject"] != "last"]
        assert subjects == ["goes"]
        # already gone: too late to undo
        assert (await bob_api.delete(f"/scheduled/{kept.json['send_id']}")).status == 404


async def test_scheduled_send(bob_api: ApiClient) -> None:
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    with trio.fail_after(10):
        reply = await bob_api.post("/send", {"to": ["carol@example.com"], "subject": "tomorrow",
                                             "send_at": later.isoformat()})
        assert reply.status == 202 and reply.json["status"] == "scheduled"
        assert reply.json["send_at"].startswith(later.strftime("%Y-%m-%dT%H:%M"))
        [item] = (await bob_api.get("/scheduled")).json["items"]
        assert item["recipients"] == ["carol@example.com"]
        past = await bob_api.post("/send", {"to": ["carol@example.com"], "send_at": "2001-01-01T00:00:00Z"})
        naive = await bob_api.post("/send", {"to": ["carol@example.com"], "send_at": "2030-01-01T00:00:00"})
    assert past.status == naive.status == 400
    assert past.json["errors"][0]["field"] == naive.json["errors"][0]["field"] == "send_at"


async def test_drafts(bob_api: ApiClient, carol_api: ApiClient) -> None:
    with trio.fail_after(20):
        created = await bob_api.post("/drafts", {"to": ["carol@example.com"], "bcc": ["x@example.com"],
                                                 "subject": "Draft 1", "text": "first"})
        assert created.status == 201
        updated = await bob_api.put(f"/drafts/{created.json['id']}", {"to": ["carol@example.com"],
                                                                       "subject": "Draft 2", "text": "second"})
        assert updated.status == 200
        assert (await bob_api.get(f"/messages/{created.json['id']}")).status == 404
        listed = (await bob_api.get("/drafts")).json["items"]
        assert [d["subject"] for d in listed] == ["Draft 2"]
        sent = await bob_api.post("/send", {"draft_id": updated.json["id"], "undo": False})
        assert sent.status == 202 and sent.json["status"] == "sent", sent.body
        assert (await bob_api.get("/drafts")).json["items"] == []
        [got] = (await carol_api.get("/threads")).json["items"]
        assert got["subject"] == "Draft 2"
        other = await bob_api.post("/drafts", {"subject": "bin me"})
        assert (await bob_api.delete(f"/drafts/{other.json['id']}")).status == 204


async def test_send_as_someone_else_is_refused(bob_api: ApiClient) -> None:
    with trio.fail_after(10):
        reply = await bob_api.post("/send", {"to": ["carol@example.com"], "from": "carol@example.com",
                                             "undo": False})
    assert reply.status == 403 and reply.json["errors"][0]["field"] == "from"


async def test_built_message_is_well_formed(bob_api: ApiClient, engine: mailcore.Engine, bob: mailcore.Account) -> None:
    with trio.fail_after(10):
        reply = await bob_api.post("/send", {"to": ["carol@example.com"], "subject": "Grüße", "text": "héllo",
                                             "html": "<p>héllo</p>", "undo": False})
        raw = await engine.message_bytes(bob.id, int(reply.json["sent_message_id"]))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "Grüße" and msg["Message-ID"] and msg["Date"]
    assert msg.get_content_type() == "multipart/alternative"
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")


async def test_a_draft_written_elsewhere_cannot_send_as_someone_else(
    bob_api: ApiClient, engine: mailcore.Engine, bob: mailcore.Account, carol: mailcore.Account
) -> None:
    # a draft APPENDed over IMAP can hold any headers; sending it must still be honest
    forged = (
        b"From: bob@example.com, Alice CEO <alice@example.com>\r\nTo: carol@example.com\r\n"
        b"Subject: wire\r\n\r\nplease wire the money\r\n"
    )
    draft = await engine.save_draft(bob.id, forged)
    with trio.fail_after(20):
        reply = await bob_api.post("/send", {"draft_id": str(draft.message_id), "undo": False})
        assert reply.status == 403, reply.body
        assert reply.json["errors"][0]["field"] == "from"
        undoable = await bob_api.post("/send", {"draft_id": str(draft.message_id)})
        assert undoable.status == 403, undoable.body
    assert (await engine.label(carol.id, "INBOX")).messages == 0


async def test_uploads_waiting_per_account_are_capped(bob_api: ApiClient, monkeypatch: Any) -> None:
    from mailcore_apps.webapi import _uploads

    monkeypatch.setattr(_uploads, "MAX_UPLOADS_PER_ACCOUNT", 2)
    with trio.fail_after(20):
        for expected in (201, 201, 413):
            reply = await bob_api.post("/uploads", data=b"x" * 10, query={"filename": "a.txt"},
                                       headers={"Content-Type": "text/plain"})
            assert reply.status == expected, reply.body


def test_line_breaks_typed_into_a_header_cannot_start_another_header() -> None:
    """A subject, a name or a file name with CR or LF (pasted text, or an attacker
    adding ``Bcc:``) becomes one line; before, the send failed with a 500."""
    import email
    import email.policy

    from mailcore_apps.webapi._compose import Attachment, Draft, build_message

    raw = build_message(
        Draft(
            sender=("Bob\r\nX-Evil: 1", "bob@example.com"),
            to=[(None, "carol@example.com")],
            cc=[],
            bcc=[],
            subject="Lunch?\r\nBcc: eve@example.net\nthen more",
            text="hello",
            html=None,
            attachments=[Attachment("a\r\nb.txt", "text/plain", b"x")],
            replied=None,
            hostname="example.com",
        )
    )
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "Lunch? Bcc: eve@example.net then more"
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert "X-Evil" in str(parsed["From"]) and parsed["From"].addresses[0].addr_spec == "bob@example.com"
    [part] = [p for p in parsed.iter_attachments()]
    assert part.get_filename() == "a b.txt"
