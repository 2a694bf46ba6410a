"""Labels, modify (archive, trash, spam, star, important, read) and batches."""

from __future__ import annotations

from typing import Any

import trio

import mailcore

from .client import ApiClient


async def _label_ids(api: ApiClient) -> dict[str, str]:
    return {lb["name"]: lb["id"] for lb in (await api.get("/labels")).json["items"]}


async def test_label_lifecycle(bob_api: ApiClient) -> None:
    with trio.fail_after(10):
        created = await bob_api.post("/labels", {"name": "Work/Clients", "color": "#4986e7"})
        assert created.status == 201
        lid = created.json["id"]
        assert created.json["type"] == "user" and created.json["color"] == "#4986e7"
        dup = await bob_api.post("/labels", {"name": "Work/Clients"})
        assert dup.status == 409 and dup.json["type"].endswith("/conflict")
        renamed = await bob_api.patch(f"/labels/{lid}", {"name": "Work/Customers"})
        assert renamed.status == 200 and renamed.json["name"] == "Work/Customers"
        assert renamed.json["color"] == "#4986e7"
        cleared = await bob_api.patch(f"/labels/{lid}", {"color": None})
        assert cleared.json["color"] is None
        inbox = (await _label_ids(bob_api))["INBOX"]
        system = await bob_api.patch(f"/labels/{inbox}", {"name": "Box"})
        assert system.status in (400, 403)
        assert (await bob_api.delete(f"/labels/{lid}")).status == 204
        assert (await bob_api.delete(f"/labels/{lid}")).status == 404


async def test_gmail_actions_on_a_thread(bob_api: ApiClient, bob_mail: dict[str, Any]) -> None:
    tid = bob_mail["thread_id"]
    with trio.fail_after(10):
        ids = await _label_ids(bob_api)
        read = await bob_api.post(f"/threads/{tid}/modify", {"add_flags": ["seen"]})
        assert read.status == 200 and read.json["unread"] is False
        star = await bob_api.post(f"/threads/{tid}/modify", {"add_labels": ["Starred", "Important"]})
        assert star.json["starred"] is True and ids["Important"] in star.json["labels"]
        archived = await bob_api.post(f"/threads/{tid}/modify", {"remove_labels": ["INBOX"]})
        assert ids["INBOX"] not in archived.json["labels"] and ids["All Mail"] in archived.json["labels"]
        inbox = (await bob_api.get("/threads", query={"label": "INBOX"})).json["items"]
        assert str(tid) not in [t["id"] for t in inbox]
        trashed = await bob_api.post(f"/threads/{tid}/modify", {"add_labels": [ids["Trash"]]})
        assert ids["Trash"] in trashed.json["labels"] and ids["All Mail"] not in trashed.json["labels"]
        unread = await bob_api.post(f"/threads/{tid}/modify", {"remove_labels": ["Trash"], "remove_flags": ["seen"]})
        assert unread.json["unread"] is True
        bad = await bob_api.post(f"/threads/{tid}/modify", {"add_labels": ["Nope"], "add_flags": ["\\Bogus"]})
        assert bad.status == 400
        assert {e["field"] for e in bad.json["errors"]} <= {"add_labels[0]", "add_flags[0]"}


async def test_batch_modify_and_spam(bob_api: ApiClient, bob_mail: dict[str, Any], engine: mailcore.Engine,
                                     bob: mailcore.Account) -> None:
    tids = [t.id for t in bob_mail["threads"]]
    with trio.fail_after(10):
        reply = await bob_api.post("/threads/modify", {"ids": [str(t) for t in tids], "add_labels": ["Spam"]})
        assert reply.status == 200 and reply.json["modseq"] > 0
        assert (await bob_api.get("/threads", query={"label": "INBOX"})).json["items"] == []
        assert len((await bob_api.get("/threads", query={"label": "Spam"})).json["items"]) == len(tids)
        mid = str(bob_mail["message_id"])
        one = await bob_api.post(f"/messages/{mid}/modify", {"add_flags": ["flagged"]})
        assert one.status == 200 and one.json["starred"] is True and "flagged" in one.json["flags"]
        batch = await bob_api.post("/messages/modify", {"ids": [mid], "remove_labels": ["Spam"], "add_labels": ["INBOX"]})
        assert batch.status == 200
        partly_missing = await bob_api.post("/messages/modify", {"ids": [mid, "999999"], "add_flags": ["seen"]})
        assert partly_missing.status == 404
        assert "\\Seen" not in (await engine.message(bob.id, int(mid))).flags  # all or nothing


async def test_delete_forever(bob_api: ApiClient, bob_mail: dict[str, Any]) -> None:
    with trio.fail_after(10):
        mid = bob_mail["message_id"]
        assert (await bob_api.delete(f"/messages/{mid}")).status == 204
        assert (await bob_api.get(f"/messages/{mid}")).status == 404


async def test_settings(bob_api: ApiClient) -> None:
    with trio.fail_after(10):
        reply = await bob_api.patch("/me", {"display_name": "Robert", "signature": "-- \nBob", "undo_send_seconds": 10})
        assert reply.status == 200
        assert reply.json["display_name"] == "Robert" and reply.json["undo_send_seconds"] == 10
        assert (await bob_api.get("/me")).json["signature"] == "-- \nBob"
        bad = await bob_api.patch("/me", {"undo_send_seconds": 600})
    assert bad.status == 400 and bad.json["errors"] == [{"field": "undo_send_seconds", "detail": "must be at most 60"}]
