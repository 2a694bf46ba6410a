"""One account can never read, change or learn of another's data by id.

Every operation whose path takes an id, and every body field that names
one, is tried with carol's token on bob's ids: the answer must be the very
same 404 as for an id that exists nowhere, and bob's data must be unchanged.
"""

from __future__ import annotations

from typing import Any

import trio

import mailcore
from mailcore_apps.webapi._routing import api

from .client import ApiClient

NOWHERE = "987654321"


async def _bob_ids(engine: mailcore.Engine, bob: mailcore.Account, bob_api: ApiClient, mail: dict[str, Any]) -> dict[str, str]:
    label = (await bob_api.post("/labels", {"name": "Secret", "color": "#ff0000"})).json
    draft = (await bob_api.post("/drafts", {"to": ["carol@example.com"], "subject": "draft"})).json
    upload = (await bob_api.post("/uploads", data=b"secret bytes", query={"filename": "s.txt"},
                                 headers={"Content-Type": "text/plain"})).json
    await bob_api.patch("/me", {"undo_send_seconds": 30})
    sent = (await bob_api.post("/send", {"to": ["carol@example.com"], "subject": "later"})).json
    meta = await engine.message(bob.id, int(mail["message_id"]))
    return {
        "thread_id": str(mail["thread_id"]),
        "message_id": str(mail["message_id"]),
        "label_id": label["id"],
        "draft_id": draft["id"],
        "upload_id": upload["id"],
        "send_id": sent["send_id"],
        "part": meta.attachments[0].section,
    }


# (method, path, body) for every operation taking an id in its path
CASES: list[tuple[str, str, Any]] = [
    ("GET", "/threads/{thread_id}", None),
    ("POST", "/threads/{thread_id}/modify", {"add_labels": ["Trash"]}),
    ("DELETE", "/threads/{thread_id}", None),
    ("GET", "/messages/{message_id}", None),
    ("GET", "/messages/{message_id}/raw", None),
    ("GET", "/messages/{message_id}/attachments/{part}", None),
    ("POST", "/messages/{message_id}/modify", {"add_flags": ["seen"]}),
    ("DELETE", "/messages/{message_id}", None),
    ("PATCH", "/labels/{label_id}", {"name": "Stolen"}),
    ("DELETE", "/labels/{label_id}", None),
    ("PUT", "/drafts/{draft_id}", {"subject": "overwritten"}),
    ("DELETE", "/drafts/{draft_id}", None),
    ("DELETE", "/scheduled/{send_id}", None),
    ("DELETE", "/uploads/{upload_id}", None),
]

# (method, path, body with ids) for operations taking ids in their body
BODY_CASES: list[tuple[str, str, Any]] = [
    ("POST", "/threads/modify", {"ids": ["{thread_id}"], "add_labels": ["Trash"]}),
    ("POST", "/messages/modify", {"ids": ["{message_id}"], "add_flags": ["seen"]}),
    ("POST", "/threads/delete", {"ids": ["{thread_id}"]}),
    ("POST", "/messages/delete", {"ids": ["{message_id}"]}),
]


def test_every_id_operation_is_covered() -> None:
    with_ids = {(op.method, op.path) for op in api.operations if "{" in op.path}
    assert with_ids == {(m, p) for m, p, _ in CASES}


def _fill(template: Any, ids: dict[str, str]) -> Any:
    if isinstance(template, str):
        return template.format(**ids)
    if isinstance(template, list):
        return [_fill(t, ids) for t in template]
    if isinstance(template, dict):
        return {k: _fill(v, ids) for k, v in template.items()}
    return template


async def test_carol_cannot_reach_bobs_ids(
    engine: mailcore.Engine,
    bob: mailcore.Account,
    bob_api: ApiClient,
    carol_api: ApiClient,
    bob_mail: dict[str, Any],
) -> None:
    with trio.fail_after(30):
        ids = await _bob_ids(engine, bob, bob_api, bob_mail)
        nowhere = {k: (NOWHERE if k != "upload_id" else "up_" + "A" * 22) for k in ids}
        nowhere["send_id"] = "0" * 32
        nowhere["part"] = ids["part"]
        before_labels = (await bob_api.get("/labels")).json
        before_thread = (await bob_api.get(f"/threads/{ids['thread_id']}")).json
        for method, path, body in CASES + BODY_CASES:
            theirs = await carol_api.request(method, _fill(path, ids), _fill(body, ids))
            missing = await carol_api.request(method, _fill(path, nowhere), _fill(body, nowhere))
            assert theirs.status == 404, (method, path, theirs.status, theirs.body)
            assert (theirs.status, theirs.body) == (missing.status, missing.body), (method, path)
        # a signed attachment URL made for bob does not open as carol's either
        assert (await bob_api.get("/labels")).json == before_labels
        assert (await bob_api.get(f"/threads/{ids['thread_id']}")).json == before_thread
        assert (await bob_api.get("/scheduled")).json["items"][0]["id"] == ids["send_id"]
        assert (await bob_api.delete(f"/uploads/{ids['upload_id']}")).status == 204
        # carol's own lists show nothing of bob's
        assert (await carol_api.get("/threads", query={"label": "All Mail"})).json["items"] == []
        assert (await carol_api.get("/threads", query={"q": "plan"})).json["items"] == []
        assert (await carol_api.get("/scheduled")).json["items"] == []
        assert "Secret" not in [lb["name"] for lb in (await carol_api.get("/labels")).json["items"]]
        labelled = await carol_api.get("/threads", query={"label": ids["label_id"]})
        assert labelled.status == 400 and labelled.json["errors"][0]["field"] == "label"


async def test_malformed_ids_are_not_found(bob_api: ApiClient) -> None:
    with trio.fail_after(10):
        for path in ("/threads/abc", "/messages/-1", "/messages/1e3/raw", "/threads/" + "9" * 40):
            reply = await bob_api.get(path)
            assert reply.status == 404, path
            assert reply.json["type"].endswith("/not-found")
