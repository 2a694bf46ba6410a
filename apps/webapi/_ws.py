"""The push channel: ``GET /api/v1/ws?access_token=...&since=<modseq>``.

After the upgrade the server sends ``{"type": "hello", "modseq": N}`` and
then one JSON event per committed change of the account, each with the
account's MODSEQ after it:

- ``message_new``: messages arrived (delivery, send, draft saved, import);
- ``thread_updated``: flags or labels of messages changed, or messages were
  deleted (``reason`` says which);
- ``labels_changed``: a label was created, renamed, recolored or deleted;
- ``account_updated``: settings changed;
- ``resync``: events were missed; re-read what is shown.

Message events carry ``counts``, the new total and unread numbers of the
labels concerned, so badges update without a request.

A reconnecting client passes the last MODSEQ it saw as ``since``. If every
change since then is still visible as a changed message, it gets one
``thread_updated`` event with ``catch_up: true`` naming them; if not (a
deletion or a label change left no trace, or too much happened), it gets
``resync``. The subscription opens before the catch-up is read, so nothing
falls between the two.

Browsers cannot set headers on a websocket, hence the token in the query;
it never reaches a log (the access log records paths only). The socket is
closed with code 4001 when the token expires (reconnect with a fresh one) or
when its session is revoked (a logout, in any process): that is checked when
a message arrives from the client and every :data:`SESSION_CHECK_SECONDS`.
When a store's server is lost the socket is closed with 1013 (try again
later); the client reconnects with ``since`` and catches up.
When the server stops, it is closed with 1012 (service restart): reconnect,
another process or the restarted one answers.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import trio
from quart import Response, websocket

import mailcore

from ._auth import InvalidToken, TokenService
from ._problems import Problem
from ._routing import problem_response

log = logging.getLogger("mailcore.webapi.ws")

CATCH_UP_LIMIT = 1000
CLOSE_TOKEN_EXPIRED = 4001
#: RFC 6455 registry: "Try Again Later"
CLOSE_TRY_AGAIN_LATER = 1013
#: RFC 6455 7.4.1 (IANA registry): the server restarts; reconnect.
CLOSE_SERVICE_RESTART = 1012
#: seconds between two checks that the socket's session was not revoked
SESSION_CHECK_SECONDS = 30.0

_TYPES = {
    mailcore.ChangeKind.DELIVERED: "message_new",
    mailcore.ChangeKind.FLAGS: "thread_updated",
    mailcore.ChangeKind.LABELS: "thread_updated",
    mailcore.ChangeKind.EXPUNGED: "thread_updated",
    mailcore.ChangeKind.LABEL_LIST: "labels_changed",
    mailcore.ChangeKind.ACCOUNT: "account_updated",
    mailcore.ChangeKind.RESYNC: "resync",
}
_MESSAGE_KINDS = {
    mailcore.ChangeKind.DELIVERED,
    mailcore.ChangeKind.FLAGS,
    mailcore.ChangeKind.LABELS,
    mailcore.ChangeKind.EXPUNGED,
}


def _ids(values: Any) -> list[str]:
    return [str(v) for v in values]


async def _counts(engine: mailcore.Engine, account_id: int, label_ids: Any) -> list[dict[str, Any]]:
    wanted = set(label_ids)
    if not wanted:
        return []
    return [
        {"id": str(lb.id), "total": lb.messages, "unread": lb.unseen}
        for lb in await engine.labels(account_id)
        if lb.id in wanted
    ]


async def event_json(engine: mailcore.Engine, ev: mailcore.ChangeEvent) -> dict[str, Any]:
    out: dict[str, Any] = {"type": _TYPES.get(ev.kind, "resync"), "modseq": ev.modseq, "reason": ev.kind.value}
    if ev.kind in _MESSAGE_KINDS:
        out["message_ids"] = _ids(ev.message_ids)
        out["thread_ids"] = _ids(ev.thread_ids)
        out["label_ids"] = _ids(ev.label_ids)
        out["counts"] = await _counts(engine, ev.account_id, ev.label_ids)
    elif ev.kind is mailcore.ChangeKind.LABEL_LIST:
        out["label_ids"] = _ids(ev.label_ids)
    return out


async def _catch_up(engine: mailcore.Engine, account_id: int, since: int, highest: int) -> dict[str, Any] | None:
    """What a client that saw ``since`` missed, as one event (or a resync)."""
    if since == highest:
        return None
    resync = {"type": "resync", "modseq": highest, "reason": "resync"}
    if since > highest:
        return resync
    changed = await engine.changed_since(account_id, since, limit=CATCH_UP_LIMIT)
    if len(changed) >= CATCH_UP_LIMIT:
        return resync
    covered = max((modseq for _, modseq in changed), default=since)
    if covered < highest:  # something changed that no surviving message shows
        return resync
    metas = await engine.messages(account_id, [mid for mid, _ in changed])
    labels = sorted({lid for m in metas for lid in m.label_ids})
    return {
        "type": "thread_updated",
        "modseq": highest,
        "reason": "catch_up",
        "catch_up": True,
        "message_ids": _ids(m.id for m in metas),
        "thread_ids": _ids(dict.fromkeys(m.thread_id for m in metas)),
        "label_ids": _ids(labels),
        "counts": await _counts(engine, account_id, labels),
    }


async def serve_websocket(engine: mailcore.Engine, tokens: TokenService) -> Response | None:
    """The Quart websocket view."""
    token = websocket.args.get("access_token", "")
    try:
        claims = await tokens.verify(token)
    except InvalidToken:
        return problem_response(Problem("invalid-token"))
    since_text = websocket.args.get("since")
    since: int | None = None
    if since_text is not None:
        if not since_text.isdigit() or len(since_text) > 18:
            return problem_response(Problem("validation", "since: expected a MODSEQ"))
        since = int(since_text)
    account_id = claims.account_id
    await websocket.accept()
    send_lock = trio.Lock()

    async def send(payload: dict[str, Any]) -> None:
        async with send_lock:
            await websocket.send(json.dumps(payload, separators=(",", ":")))

    async def read_client() -> None:
        while True:
            message = await websocket.receive()
            await check_session()
            if revoked:
                return
            try:
                data = json.loads(message)
            except (ValueError, TypeError):
                continue
            if isinstance(data, dict) and data.get("type") == "ping":
                await send({"type": "pong", "modseq": await engine.highest_modseq(account_id)})

    deadline = trio.current_time() + max(0.0, claims.expires - time.time())
    scope = trio.CancelScope(deadline=deadline)
    revoked = False

    async def check_session() -> None:
        nonlocal revoked
        if not revoked and await engine.web_sessions.is_revoked(claims.session_id):
            revoked = True
            scope.cancel()

    async def watch_session() -> None:
        while not engine.draining.is_set():
            with trio.move_on_after(SESSION_CHECK_SECONDS):
                await engine.draining.wait()
            await check_session()
        scope.cancel()  # the server is stopping

    try:
        async with engine.watch(account_id) as events, trio.open_nursery() as nursery:
            nursery.start_soon(read_client)
            nursery.start_soon(watch_session)
            with scope:
                highest = await engine.highest_modseq(account_id)
                await send({"type": "hello", "modseq": highest})
                if since is not None:
                    missed = await _catch_up(engine, account_id, since, highest)
                    if missed is not None:
                        await send(missed)
                async for ev in events:
                    if ev.kind is not mailcore.ChangeKind.RESYNC and ev.modseq <= highest:
                        continue  # already covered by hello / catch-up
                    await send(await event_json(engine, ev))
            if scope.cancelled_caught and engine.draining.is_set() and not revoked:
                await websocket.close(CLOSE_SERVICE_RESTART, "server restarting; reconnect")
            elif scope.cancelled_caught:
                await websocket.close(CLOSE_TOKEN_EXPIRED, "session revoked" if revoked else "token expired")
            nursery.cancel_scope.cancel()
    except* mailcore.StoreError as group:
        log.warning("push channel of account %s closed: %s", account_id, group.exceptions[0])
        with trio.move_on_after(5):
            try:
                await websocket.close(CLOSE_TRY_AGAIN_LATER, "storage temporarily unavailable")
            except Exception:  # the socket may be gone already
                pass
    return None
