"""Compose: drafts, sending (undo window and scheduled send), uploads."""

from __future__ import annotations

import datetime
import email.parser
import email.policy
import email.utils
import re
import time

from quart import request

import mailcore

from . import _uploads
from ._compose import Attachment, Draft, build_message, parse_addresses, reply_subject
from ._present import message_out, rfc3339
from ._problems import FieldError, Problem, from_mailcore, invalid, not_found
from ._routes_account import undo_seconds
from ._routing import Context, api
from ._schemas import (
    ComposeIn,
    DraftOut,
    DraftPageOut,
    DraftSummaryOut,
    PageQuery,
    ScheduledOut,
    ScheduledPageOut,
    SendIn,
    SendOut,
    UploadOut,
    UploadQuery,
)

MAX_SCHEDULE_AHEAD = 366 * 86400
_FILENAME_BAD = re.compile(r"[\x00-\x1f\x7f/\\]")


async def _draft(ctx: Context, body: ComposeIn | SendIn) -> Draft:
    account = await ctx.engine.get_account_by_id(ctx.account_id)
    if body.from_ is not None:
        [(name, sender)] = parse_addresses([body.from_], "from") or [(None, "")]
        try:
            await ctx.engine.check_sender(ctx.account_id, sender)
        except mailcore.SenderNotAllowed as exc:
            raise from_mailcore(exc, field="from") from None
        sender_pair = (name or account.display_name, sender)
    else:
        sender_pair = (account.display_name, account.address)
    to = parse_addresses(body.to, "to")
    cc = parse_addresses(body.cc, "cc")
    bcc = parse_addresses(body.bcc, "bcc")
    replied = None
    attachments: list[Attachment] = []
    subject = body.subject
    if body.in_reply_to is not None:
        try:
            replied = await ctx.engine.message(ctx.account_id, int(body.in_reply_to))
        except mailcore.MessageNotFound:
            raise invalid("in_reply_to", "no such message") from None
        if not subject.strip():
            subject = reply_subject(replied.subject, body.forward)
        if body.forward:
            for a in replied.attachments:
                data, ctype, filename = await ctx.engine.attachment(ctx.account_id, replied.id, a.section)
                attachments.append(Attachment(filename or f"part-{a.section}", ctype, data))
    for i, upload_id in enumerate(body.attachments):
        upload = await ctx.engine.uploads.get(ctx.account_id, upload_id)
        content = None if upload is None else await ctx.engine.uploads.read(upload)
        if upload is None or content is None:
            raise invalid(f"attachments[{i}]", "no such upload (expired?)")
        attachments.append(Attachment(upload.filename, upload.content_type, content))
    size = sum(len(a.data) for a in attachments) * 4 // 3 + len(body.text or "") + len(body.html or "")
    if size > ctx.engine.config.limits.max_message_size:
        raise Problem("too-large", "The message with its attachments is too large")
    return Draft(
        sender=sender_pair,
        to=to,
        cc=cc,
        bcc=bcc,
        subject=subject,
        text=body.text,
        html=body.html,
        attachments=attachments,
        replied=replied,
        hostname=ctx.engine.config.hostname,
    )


def _with_bcc(raw: bytes, bcc: list[tuple[str | None, str]]) -> bytes:
    """Drafts keep their Bcc header; sent messages never carry one."""
    if not bcc:
        return raw
    line = "Bcc: " + ", ".join(email.utils.formataddr((n or "", a)) for n, a in bcc)
    head, sep, rest = raw.partition(b"\r\n\r\n")
    return head + b"\r\n" + line.encode() + sep + rest


@api.operation("GET", "/drafts", summary="List drafts", tag="compose", query=PageQuery, response=DraftPageOut)
async def list_drafts(ctx: Context, query: PageQuery) -> DraftPageOut:
    try:
        found = await ctx.engine.search(ctx.account_id, "in:drafts", cursor=query.cursor, limit=query.limit)
    except mailcore.InvalidArgument as exc:
        raise from_mailcore(exc, field="cursor") from None
    items = [
        DraftSummaryOut(str(m.id), str(m.thread_id), m.subject, m.snippet,
                        message_out(m).to, rfc3339(m.internal_date))
        for m in found.messages
    ]
    return DraftPageOut(items, found.next_cursor)


@api.operation("POST", "/drafts", summary="Save a new draft", tag="compose", body=ComposeIn, response=DraftOut,
               status=201, errors=(403,))
async def create_draft(ctx: Context, body: ComposeIn) -> DraftOut:
    draft = await _draft(ctx, body)
    raw = _with_bcc(build_message(draft), draft.bcc)
    result = await ctx.engine.save_draft(ctx.account_id, raw)
    return DraftOut(str(result.message_id), str(result.thread_id))


async def _own_draft(ctx: Context, name: str) -> mailcore.MessageMeta:
    meta = await ctx.engine.message(ctx.account_id, ctx.id(name))
    drafts = await ctx.engine.label(ctx.account_id, "Drafts")
    if drafts.id not in meta.label_ids:
        raise not_found()
    return meta


@api.operation("PUT", "/drafts/{draft_id}", summary="Replace a draft", tag="compose", body=ComposeIn,
               response=DraftOut, errors=(403,))
async def update_draft(ctx: Context, body: ComposeIn) -> DraftOut:
    """The draft is stored anew: the answer carries its new id."""
    old = await _own_draft(ctx, "draft_id")
    draft = await _draft(ctx, body)
    raw = _with_bcc(build_message(draft), draft.bcc)
    result = await ctx.engine.save_draft(ctx.account_id, raw, replaces=old.id)
    return DraftOut(str(result.message_id), str(result.thread_id))


@api.operation("DELETE", "/drafts/{draft_id}", summary="Discard a draft", tag="compose", status=204)
async def delete_draft(ctx: Context) -> None:
    old = await _own_draft(ctx, "draft_id")
    await ctx.engine.delete_draft(ctx.account_id, old.id)


def _parse_send_at(value: str) -> float:
    try:
        when = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid("send_at", "not an RFC 3339 date-time") from None
    if when.tzinfo is None:
        raise invalid("send_at", "needs a time zone (Z or +hh:mm)")
    ts = when.timestamp()
    now = time.time()
    if ts < now - 60:
        raise invalid("send_at", "is in the past")
    if ts > now + MAX_SCHEDULE_AHEAD:
        raise invalid("send_at", "is more than a year ahead")
    return ts


async def _draft_to_send(ctx: Context, draft_id: int) -> tuple[bytes, str, list[str]]:
    """An existing draft as a message to send: (bytes without Bcc, sender, recipients)."""
    try:
        meta = await ctx.engine.message(ctx.account_id, draft_id)
    except mailcore.MessageNotFound:
        raise invalid("draft_id", "no such draft") from None
    drafts = await ctx.engine.label(ctx.account_id, "Drafts")
    if drafts.id not in meta.label_ids:
        raise invalid("draft_id", "no such draft")
    raw = await ctx.engine.read_blob(meta)
    msg = email.parser.BytesParser(policy=email.policy.SMTP).parsebytes(raw)
    del msg["Bcc"]
    del msg["Date"]
    msg["Date"] = email.utils.formatdate(time.time())
    recipients = [a.address for a in (*meta.to, *meta.cc, *meta.bcc)]
    sender = meta.from_[0].address if meta.from_ else (await ctx.engine.get_account_by_id(ctx.account_id)).address
    return msg.as_bytes(policy=email.policy.SMTP), sender, recipients


@api.operation("POST", "/send", summary="Send a message", tag="compose", body=SendIn, response=SendOut,
               status=202, errors=(403,))
async def send(ctx: Context, body: SendIn) -> SendOut:
    """Sends through the same path as SMTP submission: local recipients get it
    at once, remote ones go into the outbound queue, and Sent keeps a copy.
    With the account's undo window (``undo``) or ``send_at``, the message waits
    and can be cancelled with DELETE /scheduled/{send_id}."""
    send_at = _parse_send_at(body.send_at) if body.send_at is not None else None
    draft_id: int | None = None
    if body.draft_id is not None:
        draft_id = int(body.draft_id)
        raw, sender, recipients = await _draft_to_send(ctx, draft_id)
        draft_meta = await ctx.engine.message(ctx.account_id, draft_id)
        sent_copy = _with_bcc(raw, [(a.name, a.address) for a in draft_meta.bcc])
        try:
            await ctx.engine.check_sender(ctx.account_id, sender)
        except mailcore.SenderNotAllowed as exc:
            raise from_mailcore(exc, field="from") from None
        replied_id = None
    else:
        draft = await _draft(ctx, body)
        raw = build_message(draft)
        sent_copy = _with_bcc(raw, draft.bcc)
        sender = draft.sender[1]
        recipients = [a for _, a in (*draft.to, *draft.cc, *draft.bcc)]
        replied_id = draft.replied.id if draft.replied is not None and not body.forward else None
    recipients = list(dict.fromkeys(recipients))
    if not recipients:
        raise Problem("validation", "A message needs a recipient", errors=[FieldError("to", "needs at least one recipient")])
    if len(recipients) > ctx.engine.config.limits.max_recipients:
        raise invalid("to", f"at most {ctx.engine.config.limits.max_recipients} recipients in all")
    if send_at is None and body.undo:
        account = await ctx.engine.get_account_by_id(ctx.account_id)
        seconds = undo_seconds(account.settings)
        if seconds > 0:
            send_at = time.time() + seconds
    try:
        if send_at is not None:
            job = await ctx.engine.schedule_submission(
                ctx.account_id, raw, mail_from=sender, recipients=recipients, send_at=send_at, sent_copy=sent_copy
            )
            result = SendOut("scheduled", job, rfc3339(send_at), None, [])
        else:
            submitted = await ctx.engine.submit(
                ctx.account_id, raw, mail_from=sender, recipients=recipients, sent_copy=sent_copy
            )
            sent_id = str(submitted.sent_message_id) if submitted.sent_message_id is not None else None
            result = SendOut("sent", None, None, sent_id, list(submitted.queued))
    except mailcore.SenderNotAllowed as exc:
        raise from_mailcore(exc, field="from") from None
    except mailcore.InvalidName as exc:
        raise from_mailcore(exc, field="to") from None
    if draft_id is not None:
        await ctx.engine.delete_draft(ctx.account_id, draft_id)
    if replied_id is not None:
        try:
            await ctx.engine.store_flags(ctx.account_id, [replied_id], add=["\\Answered"])
        except mailcore.NotFound:
            pass
    return result


@api.operation("GET", "/scheduled", summary="Messages waiting to be sent", tag="compose", query=PageQuery,
               response=ScheduledPageOut)
async def list_scheduled(ctx: Context, query: PageQuery) -> ScheduledPageOut:
    """Soonest first: messages in their undo window and scheduled sends."""
    items = await ctx.engine.scheduled(ctx.account_id)
    start = 0
    if query.cursor is not None:
        if not query.cursor.isdigit() or len(query.cursor) > 9:
            raise invalid("cursor", "not a cursor from this list")
        start = int(query.cursor)
    page = items[start : start + query.limit]
    next_cursor = str(start + query.limit) if start + query.limit < len(items) else None
    return ScheduledPageOut(
        [ScheduledOut(s.job_id, rfc3339(s.send_at), list(s.recipients), s.subject, s.state) for s in page],
        next_cursor,
    )


@api.operation("DELETE", "/scheduled/{send_id}", summary="Undo send / cancel a scheduled send", tag="compose",
               status=204)
async def cancel_scheduled(ctx: Context) -> None:
    """404 when the message is not this account's, or has already gone."""
    if not await ctx.engine.cancel_submission(ctx.account_id, ctx.token("send_id")):
        raise not_found()


@api.operation("POST", "/uploads", summary="Upload an attachment", tag="compose", query=UploadQuery,
               response=UploadOut, status=201, raw_body=True)
async def upload(ctx: Context, query: UploadQuery) -> UploadOut:
    """Send the file as the body, its type as Content-Type and its name as
    ``filename``. It is read as it arrives; past the size limit the answer is
    413. Uploads are kept for a day."""
    limit = ctx.engine.config.limits.upload_max_size
    length = request.content_length
    if length is not None and length > limit:
        raise Problem("too-large", f"An upload may be at most {limit} bytes")
    filename = (query.filename or "attachment").strip()
    if not filename or _FILENAME_BAD.search(filename):
        raise invalid("filename", "not a file name")
    ctype = request.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip().lower()
    if not re.fullmatch(r"[a-z0-9!#$&^_.+-]{1,64}/[a-z0-9!#$&^_.+-]{1,64}", ctype):
        ctype = "application/octet-stream"
    uploads = ctx.engine.uploads
    try:
        stored = await _uploads.store(ctx.engine, ctx.account_id, filename, ctype, request.body, limit)
    except uploads.SpaceFull:
        raise Problem(
            "too-large", "Your uploads waiting to be sent fill your upload space: send or remove some first"
        ) from None
    except uploads.TooLarge:
        raise Problem("too-large", f"An upload may be at most {limit} bytes") from None
    return UploadOut(stored.id, stored.filename, stored.content_type, stored.size, rfc3339(stored.expires))


@api.operation("DELETE", "/uploads/{upload_id}", summary="Discard an upload", tag="compose", status=204)
async def delete_upload(ctx: Context) -> None:
    if not await ctx.engine.uploads.delete(ctx.account_id, ctx.token("upload_id")):
        raise not_found()
