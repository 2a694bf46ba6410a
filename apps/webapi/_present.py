"""Engine values to wire values: ids become strings, dates RFC 3339, flags
friendly names, and message bodies sanitized."""

from __future__ import annotations

import time
from collections.abc import Iterable
from urllib.parse import quote

import mailcore
from mailcore.message import parse_message

from ._auth import TokenService
from ._routing import PREFIX
from ._sanitize import sanitize_html
from ._schemas import (
    Address,
    AttachmentOut,
    Header,
    LabelOut,
    MessageFullOut,
    MessageOut,
    ThreadSummaryOut,
)
from ._wire import register_fast_unstructure

FLAG_NAMES = {"\\Seen": "seen", "\\Flagged": "flagged", "\\Answered": "answered", "\\Draft": "draft", "\\Deleted": "deleted"}
FLAG_VALUES = {v: k for k, v in FLAG_NAMES.items()}
SAFE_INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
SIGNED_URL_TTL = 3600


def rfc3339(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def addresses(items: Iterable[mailcore.EmailAddress]) -> list[Address]:
    return [Address(a.name, a.address) for a in items]


def flags(values: Iterable[str]) -> list[str]:
    return sorted(FLAG_NAMES.get(f, f) for f in values)


def _summary_dict(t: ThreadSummaryOut) -> dict[str, object]:
    return {
        "id": t.id,
        "subject": t.subject,
        "snippet": t.snippet,
        "participants": [{"name": a.name, "address": a.address} for a in t.participants],
        "message_count": t.message_count,
        "unread_count": t.unread_count,
        "unread": t.unread,
        "starred": t.starred,
        "has_attachment": t.has_attachment,
        "labels": t.labels,
        "last_date": t.last_date,
        "modseq": t.modseq,
    }


register_fast_unstructure(ThreadSummaryOut, _summary_dict)
register_fast_unstructure(Address, lambda a: {"name": a.name, "address": a.address})


def label_out(label: mailcore.Label) -> LabelOut:
    return LabelOut(
        id=str(label.id),
        name=label.name,
        type="system" if label.role is not None else "user",
        role=label.role.value if label.role is not None else None,
        total=label.messages,
        unread=label.unseen,
        color=label.color,
    )


def thread_summary_out(t: mailcore.ThreadSummary) -> ThreadSummaryOut:
    return ThreadSummaryOut(
        id=str(t.id),
        subject=t.subject,
        snippet=t.snippet,
        participants=addresses(t.participants),
        message_count=t.message_count,
        unread_count=t.unread_count,
        unread=t.unread_count > 0,
        starred=t.starred,
        has_attachment=t.has_attachment,
        labels=[str(i) for i in sorted(t.label_ids)],
        last_date=rfc3339(t.last_date),
        modseq=t.modseq,
    )


def attachment_url(message_id: int, part: str) -> str:
    return f"{PREFIX}/messages/{message_id}/attachments/{quote(part)}"


def attachments_out(m: mailcore.MessageMeta) -> list[AttachmentOut]:
    return [
        AttachmentOut(
            part=a.section,
            filename=a.filename,
            content_type=a.content_type,
            size=a.size,
            content_id=a.content_id,
            inline=(a.disposition or "").lower() == "inline" or (a.content_id is not None and not a.filename),
            url=attachment_url(m.id, a.section),
        )
        for a in m.attachments
    ]


def message_out(m: mailcore.MessageMeta) -> MessageOut:
    return MessageOut(
        id=str(m.id),
        thread_id=str(m.thread_id),
        labels=[str(i) for i in sorted(m.label_ids)],
        flags=flags(m.flags),
        unread="\\Seen" not in m.flags,
        starred="\\Flagged" in m.flags,
        subject=m.subject,
        snippet=m.snippet,
        date=rfc3339(m.date) if m.date is not None else None,
        received=rfc3339(m.internal_date),
        from_=addresses(m.from_),
        to=addresses(m.to),
        cc=addresses(m.cc),
        bcc=addresses(m.bcc),
        message_id=m.message_id,
        in_reply_to=list(m.in_reply_to),
        references=list(m.references),
        size=m.size,
        has_attachment=m.has_attachment,
        attachments=attachments_out(m),
        modseq=m.modseq,
    )


def signed_attachment_url(tokens: TokenService, m: mailcore.MessageMeta, part: str) -> str:
    path = attachment_url(m.id, part)
    # round the expiry so the URL (and the browser cache) is stable for a while
    expires = (int(time.time()) // SIGNED_URL_TTL + 2) * SIGNED_URL_TTL
    sig = tokens.sign_url(m.account_id, path, expires)
    return f"{path}?inline=true&exp={expires}&sig={sig}"


def message_full_out(
    m: mailcore.MessageMeta, raw: bytes, tokens: TokenService, *, remote_images: bool
) -> MessageFullOut:
    """The whole message as the reading pane shows it (CPU-bound: run it in a
    worker thread for big messages)."""
    parsed = parse_message(raw)
    by_cid = {
        a.content_id.strip("<>"): a.section
        for a in m.attachments
        if a.content_id and a.content_type.lower() in SAFE_INLINE_TYPES
    }

    def cid_url(cid: str) -> str | None:
        part = by_cid.get(cid)
        return signed_attachment_url(tokens, m, part) if part else None

    html: str | None = None
    blocked = False
    if parsed.html is not None:
        clean = sanitize_html(parsed.html, cid_url=cid_url, allow_remote_images=remote_images)
        html, blocked = clean.html, clean.remote_images_blocked
    base = message_out(m)
    return MessageFullOut(
        id=base.id,
        thread_id=base.thread_id,
        labels=base.labels,
        flags=base.flags,
        unread=base.unread,
        starred=base.starred,
        subject=base.subject,
        snippet=base.snippet,
        date=base.date,
        received=base.received,
        from_=base.from_,
        to=base.to,
        cc=base.cc,
        bcc=base.bcc,
        reply_to=[Address(a.name, a.addr) for a in parsed.reply_to],
        message_id=base.message_id,
        in_reply_to=base.in_reply_to,
        references=base.references,
        size=base.size,
        has_attachment=base.has_attachment,
        attachments=base.attachments,
        modseq=base.modseq,
        headers=[Header(k, v) for k, v in parsed.headers],
        text=parsed.text,
        html=html,
        remote_images_blocked=blocked,
    )
