"""Conversations and messages: list, search, read, label, flag, delete,
raw bytes and attachments."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from urllib.parse import quote

import trio
from quart import Response, request

import mailcore

from ._present import (
    FLAG_VALUES,
    SAFE_INLINE_TYPES,
    attachment_url,
    message_full_out,
    message_out,
    thread_summary_out,
)
from ._problems import FieldError, Problem, from_mailcore, not_found
from ._routes_labels import resolve_label
from ._routing import Context, api, bearer
from ._schemas import (
    AttachmentQuery,
    BatchIdsIn,
    BatchModifyIn,
    MessageFullOut,
    MessageOut,
    ModifiedOut,
    ModifyIn,
    ReadQuery,
    ThreadOut,
    ThreadPageOut,
    ThreadsQuery,
    ThreadSummaryOut,
)

_KEYWORD = re.compile(r"\$?[A-Za-z0-9_.-]{1,100}")
_ID = re.compile(r"[0-9]{1,18}")
CHUNK = 64 * 1024


@api.operation("GET", "/threads", summary="List or search conversations", tag="threads", query=ThreadsQuery,
               response=ThreadPageOut)
async def list_threads(ctx: Context, query: ThreadsQuery) -> ThreadPageOut:
    """Conversations of a label (``label``, default INBOX), or those matching a
    Gmail query (``q``: ``from:ann has:attachment after:2026/01/01 -in:chats``),
    newest first. Pass ``next_cursor`` back as ``cursor`` for the next page."""
    if query.q is not None and query.label is not None:
        raise Problem("validation", "Give label or q, not both", errors=[FieldError("q", "not with label")])
    try:
        if query.q is not None:
            page = await ctx.engine.search_threads(ctx.account_id, query.q, cursor=query.cursor, limit=query.limit)
        else:
            label = await resolve_label(ctx, query.label or "INBOX", "label")
            page = await ctx.engine.threads(ctx.account_id, label.id, cursor=query.cursor, limit=query.limit)
    except mailcore.QuerySyntaxError as exc:
        raise from_mailcore(exc, field="q") from None
    except mailcore.InvalidArgument as exc:
        raise from_mailcore(exc, field="cursor") from None
    return ThreadPageOut([thread_summary_out(t) for t in page.threads], page.next_cursor, page.total)


async def _full_messages(
    ctx: Context, metas: Sequence[mailcore.MessageMeta], remote_images: bool
) -> list[MessageFullOut]:
    raws = [await ctx.engine.read_blob(m) for m in metas]

    def render() -> list[MessageFullOut]:
        return [
            message_full_out(m, raw, ctx.tokens, remote_images=remote_images)
            for m, raw in zip(metas, raws, strict=True)
        ]

    if sum(len(r) for r in raws) < 64 * 1024:
        return render()
    return await trio.to_thread.run_sync(render)


@api.operation("GET", "/threads/{thread_id}", summary="Read a conversation", tag="threads", query=ReadQuery,
               response=ThreadOut)
async def get_thread(ctx: Context, query: ReadQuery) -> ThreadOut:
    """Every message of the conversation, oldest first, with headers, text,
    sanitized HTML and attachment metadata."""
    thread = await ctx.engine.thread(ctx.account_id, ctx.id("thread_id"))
    s = thread.summary
    return ThreadOut(
        id=str(s.id),
        subject=s.subject,
        labels=[str(i) for i in sorted(s.label_ids)],
        unread_count=s.unread_count,
        starred=s.starred,
        modseq=s.modseq,
        messages=await _full_messages(ctx, thread.messages, query.remote_images),
    )


async def _changes(ctx: Context, body: ModifyIn | BatchModifyIn) -> tuple[list[int], list[int], set[str], set[str]]:
    """Resolve the labels and flags named in a modify request."""
    add = [(await resolve_label(ctx, ref, f"add_labels[{i}]")).id for i, ref in enumerate(body.add_labels)]
    remove = [(await resolve_label(ctx, ref, f"remove_labels[{i}]")).id for i, ref in enumerate(body.remove_labels)]

    def flag_set(values: list[str], field: str) -> set[str]:
        out = set()
        errors = []
        for i, value in enumerate(values):
            flag = FLAG_VALUES.get(value.lower())
            if flag is None and (value.startswith("\\") or not _KEYWORD.fullmatch(value)):
                errors.append(FieldError(f"{field}[{i}]", "not a flag"))
            else:
                out.add(flag or value)
        if errors:
            raise Problem("validation", "; ".join(f"{e.field}: {e.detail}" for e in errors), errors=errors)
        return out

    return add, remove, flag_set(body.add_flags, "add_flags"), flag_set(body.remove_flags, "remove_flags")


async def _apply(ctx: Context, message_ids: list[int], body: ModifyIn | BatchModifyIn) -> int:
    add, remove, add_flags, remove_flags = await _changes(ctx, body)
    modseq = 0
    if not message_ids:
        return int(await ctx.engine.highest_modseq(ctx.account_id))
    try:
        if add or remove:
            outcome = await ctx.engine.modify_labels(ctx.account_id, message_ids, add=add, remove=remove)
            modseq = max(modseq, outcome.modseq or 0)
        if add_flags or remove_flags:
            result = await ctx.engine.store_flags(ctx.account_id, message_ids, add=add_flags, remove=remove_flags)
            modseq = max(modseq, result.modseq)
    except mailcore.InvalidArgument as exc:
        raise from_mailcore(exc, field="remove_labels" if remove else "add_labels") from None
    return modseq or int(await ctx.engine.highest_modseq(ctx.account_id))


def _parse_ids(ids: list[str]) -> list[int]:
    errors = [FieldError(f"ids[{i}]", "not an id") for i, v in enumerate(ids) if not _ID.fullmatch(v)]
    if errors:
        raise Problem("validation", "; ".join(f"{e.field}: {e.detail}" for e in errors), errors=errors)
    return list(dict.fromkeys(int(v) for v in ids))


async def _own_messages(ctx: Context, ids: list[int]) -> list[int]:
    """``ids`` if every one is the account's; else not found (all or nothing)."""
    found = {m.id for m in await ctx.engine.messages(ctx.account_id, ids)}
    if len(found) != len(set(ids)):
        raise not_found()
    return ids


async def _thread_messages(ctx: Context, thread_ids: list[int]) -> list[int]:
    out: list[int] = []
    for tid in thread_ids:
        out.extend(m.id for m in (await ctx.engine.thread(ctx.account_id, tid)).messages)
    return out


@api.operation("POST", "/threads/{thread_id}/modify", summary="Label or flag a conversation", tag="threads",
               body=ModifyIn, response=ThreadSummaryOut)
async def modify_thread(ctx: Context, body: ModifyIn) -> ThreadSummaryOut:
    """Add or remove labels and flags on every message of the conversation."""
    tid = ctx.id("thread_id")
    await _apply(ctx, await _thread_messages(ctx, [tid]), body)
    try:
        return thread_summary_out((await ctx.engine.thread(ctx.account_id, tid)).summary)
    except mailcore.ThreadNotFound:
        raise not_found() from None


@api.operation("POST", "/threads/modify", summary="Label or flag many conversations", tag="threads",
               body=BatchModifyIn, response=ModifiedOut)
async def batch_modify_threads(ctx: Context, body: BatchModifyIn) -> ModifiedOut:
    """All or nothing: if any id is unknown the answer is 404 and nothing changes."""
    tids = _parse_ids(body.ids)
    mids = await _thread_messages(ctx, tids)
    modseq = await _apply(ctx, mids, body)
    return ModifiedOut([str(t) for t in tids], modseq)


@api.operation("DELETE", "/threads/{thread_id}", summary="Delete a conversation forever", tag="threads", status=204)
async def delete_thread(ctx: Context) -> None:
    mids = await _thread_messages(ctx, [ctx.id("thread_id")])
    await ctx.engine.delete_messages(ctx.account_id, mids)


@api.operation("POST", "/threads/delete", summary="Delete conversations forever", tag="threads",
               body=BatchIdsIn, response=ModifiedOut)
async def batch_delete_threads(ctx: Context, body: BatchIdsIn) -> ModifiedOut:
    tids = _parse_ids(body.ids)
    mids = await _thread_messages(ctx, tids)
    outcome = await ctx.engine.delete_messages(ctx.account_id, mids)
    return ModifiedOut([str(t) for t in tids], outcome.modseq or await ctx.engine.highest_modseq(ctx.account_id))


# ----------------------------------------------------------------- messages


@api.operation("GET", "/messages/{message_id}", summary="Read a message", tag="messages", query=ReadQuery,
               response=MessageFullOut)
async def get_message(ctx: Context, query: ReadQuery) -> MessageFullOut:
    meta = await ctx.engine.message(ctx.account_id, ctx.id("message_id"))
    return (await _full_messages(ctx, [meta], query.remote_images))[0]


@api.operation("POST", "/messages/{message_id}/modify", summary="Label or flag a message", tag="messages",
               body=ModifyIn, response=MessageOut)
async def modify_message(ctx: Context, body: ModifyIn) -> MessageOut:
    mid = ctx.id("message_id")
    await _own_messages(ctx, [mid])
    await _apply(ctx, [mid], body)
    return message_out(await ctx.engine.message(ctx.account_id, mid))


@api.operation("POST", "/messages/modify", summary="Label or flag many messages", tag="messages",
               body=BatchModifyIn, response=ModifiedOut)
async def batch_modify_messages(ctx: Context, body: BatchModifyIn) -> ModifiedOut:
    """All or nothing: if any id is unknown the answer is 404 and nothing changes."""
    mids = await _own_messages(ctx, _parse_ids(body.ids))
    modseq = await _apply(ctx, mids, body)
    return ModifiedOut([str(m) for m in mids], modseq)


@api.operation("DELETE", "/messages/{message_id}", summary="Delete a message forever", tag="messages", status=204)
async def delete_message(ctx: Context) -> None:
    mid = ctx.id("message_id")
    await _own_messages(ctx, [mid])
    await ctx.engine.delete_messages(ctx.account_id, [mid])


@api.operation("POST", "/messages/delete", summary="Delete messages forever", tag="messages",
               body=BatchIdsIn, response=ModifiedOut)
async def batch_delete_messages(ctx: Context, body: BatchIdsIn) -> ModifiedOut:
    mids = await _own_messages(ctx, _parse_ids(body.ids))
    outcome = await ctx.engine.delete_messages(ctx.account_id, mids)
    return ModifiedOut([str(m) for m in mids], outcome.modseq or await ctx.engine.highest_modseq(ctx.account_id))


def _disposition(kind: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback plus the exact name in RFC 5987 form."""
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", filename)[:200] or "file"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename[:255], safe='')}"


def _streamed(data: bytes) -> AsyncIterator[bytes]:
    async def body() -> AsyncIterator[bytes]:
        view = memoryview(data)
        for start in range(0, len(data), CHUNK):
            yield bytes(view[start : start + CHUNK])

    return body()


_DOWNLOAD_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
}


@api.operation("GET", "/messages/{message_id}/raw", summary="The message as sent (RFC 5322)", tag="messages",
               content="message/rfc822")
async def get_raw(ctx: Context) -> Response:
    raw = await ctx.engine.message_bytes(ctx.account_id, ctx.id("message_id"))
    headers = {
        "Content-Disposition": _disposition("attachment", f"message-{ctx.path['message_id']}.eml"),
        "Content-Length": str(len(raw)),
        **_DOWNLOAD_HEADERS,
    }
    return Response(_streamed(raw), content_type="message/rfc822", headers=headers)


_CTYPE = re.compile(r"[a-z0-9!#$&^_.+-]{1,64}/[a-z0-9!#$&^_.+-]{1,64}")


@api.operation("GET", "/messages/{message_id}/attachments/{part}", summary="Download an attachment",
               tag="messages", query=AttachmentQuery, content="application/octet-stream", auth=False, errors=(401,))
async def get_attachment(ctx: Context, query: AttachmentQuery) -> Response:
    """Streamed with Content-Disposition. Needs the Authorization header, or the
    ``exp``/``sig`` of a signed URL (the ``cid:`` images of a message's HTML)."""
    mid, part = ctx.id("message_id"), ctx.part("part")
    if query.sig is not None and query.exp is not None:
        account_id = ctx.tokens.check_url(attachment_url(mid, part), query.exp, query.sig)
        if account_id is None:
            raise Problem("invalid-token", "The link has expired or is not valid")
    else:
        account_id, _ = await bearer(ctx.tokens)
    try:
        data, content_type, filename = await ctx.engine.attachment(account_id, mid, part)
    except mailcore.NotFound:
        raise not_found() from None
    except mailcore.MailcoreError as exc:
        raise from_mailcore(exc) from None
    content_type = content_type.lower().split(";")[0].strip()
    if not _CTYPE.fullmatch(content_type):
        content_type = "application/octet-stream"
    inline = query.inline and content_type in SAFE_INLINE_TYPES
    name = filename or f"part-{part}"
    headers = {
        "Content-Disposition": _disposition("inline" if inline else "attachment", name),
        "Content-Length": str(len(data)),
        **_DOWNLOAD_HEADERS,
    }
    if query.sig is not None:
        headers["Cache-Control"] = "private, max-age=3600"
    if not inline and request.method == "GET":
        headers["X-Download-Options"] = "noopen"
    return Response(_streamed(data), content_type=content_type, headers=headers)
