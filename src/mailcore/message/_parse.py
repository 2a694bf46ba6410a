"""``parse_message``: everything later reads is derived here, once, at delivery."""

from __future__ import annotations

import datetime

import attrs

from ._address import Address, addresses
from ._headers import (
    decode_bytes,
    decode_header_value,
    header_text,
    parse_date,
    parse_msg_ids,
)
from ._imap_struct import body_structures, envelope, envelope_addresses
from ._mime import Part, disposition, filename, line_count, parse_tree
from ._text import (
    UnknownTransferEncoding,
    decode_transfer,
    decoded_size_estimate,
    html_to_text,
    make_snippet,
)
from ._thread import normalize_subject

TEXT_LIMIT = 200_000
# Encoded bytes of one body part worth decoding for text/html: enough for
# TEXT_LIMIT characters even in quoted-printable multi-byte text.
_DECODE_LIMIT = 4_000_000
_MAX_HEADERS = 1000


@attrs.frozen
class Attachment:
    """A part a user would see as a file (or an inline image)."""

    section: str
    filename: str | None
    content_type: str
    size: int
    content_id: str | None
    disposition: str | None


@attrs.frozen
class ParsedMessage:
    """What delivery stores about a message: IMAP wire bytes, thread keys,
    addresses, display and search text, attachments and headers."""

    size: int
    envelope: bytes
    body: bytes
    bodystructure: bytes
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    thread_subject: str
    date: datetime.datetime | None
    from_: tuple[Address, ...]
    sender: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    bcc: tuple[Address, ...]
    snippet: str
    text: str
    html: str | None
    attachments: tuple[Attachment, ...]
    has_attachment: bool
    headers: tuple[tuple[str, str], ...]


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse a raw RFC 5322 message. Never raises, whatever the bytes: if
    something unforeseen breaks, the message is described as one text/plain
    body so IMAP clients still get a valid ENVELOPE and BODYSTRUCTURE."""
    try:
        return _parse(bytes(raw))
    except Exception:
        return _fallback(bytes(raw))


def _fallback(raw: bytes) -> ParsedMessage:
    lines = line_count(raw, 0, len(raw))
    body = b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" %d %d)' % (len(raw), lines)
    bodystructure = body[:-1] + b" NIL NIL NIL NIL)"
    return ParsedMessage(
        size=len(raw),
        envelope=b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
        body=body,
        bodystructure=bodystructure,
        message_id=None,
        in_reply_to=(),
        references=(),
        subject="",
        thread_subject="",
        date=None,
        from_=(),
        sender=(),
        reply_to=(),
        to=(),
        cc=(),
        bcc=(),
        snippet="",
        text="",
        html=None,
        attachments=(),
        has_attachment=False,
        headers=(),
    )


def _parse(raw: bytes) -> ParsedMessage:
    root = parse_tree(raw)
    first = root.first
    lists = envelope_addresses(first)
    env = envelope(first, lists)
    body, bodystructure = body_structures(raw, root)

    subject_raw = first.get("subject")
    subject = decode_header_value(subject_raw).strip() if subject_raw else ""
    message_id_raw = first.get("message-id")
    message_ids = parse_msg_ids(header_text(message_id_raw)) if message_id_raw else ()
    irt = first.get("in-reply-to")
    refs = first.get("references")
    date_raw = first.get("date")

    text_parts, html_parts, _ = _body_parts(root)
    body_ids = {id(part) for part, _ in text_parts + html_parts if part.maintype == "text"}
    attachment_parts = [(p, s) for p, s in _leaves(root) if id(p) not in body_ids]
    text = _text_of(raw, text_parts)
    html = next(
        (_decoded_text(raw, p) for p, _ in html_parts if p.content_type == "text/html"), None
    )
    attachments = tuple(_attachment(raw, p, section) for p, section in attachment_parts)

    return ParsedMessage(
        size=len(raw),
        envelope=env,
        body=body,
        bodystructure=bodystructure,
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=parse_msg_ids(header_text(irt)) if irt else (),
        references=parse_msg_ids(header_text(refs)) if refs else (),
        subject=subject,
        thread_subject=normalize_subject(subject),
        date=parse_date(header_text(date_raw)) if date_raw else None,
        from_=addresses(lists["from"]),
        sender=addresses(lists["sender"]),
        reply_to=addresses(lists["reply-to"]),
        to=addresses(lists["to"]),
        cc=addresses(lists["cc"]),
        bcc=addresses(lists["bcc"]),
        snippet=make_snippet(text),
        text=text,
        html=html,
        attachments=attachments,
        has_attachment=any(_counts_as_attachment(a) for a in attachments),
        headers=tuple(
            (name, decode_header_value(value)) for name, _, value in root.fields[:_MAX_HEADERS]
        ),
    )


_Numbered = tuple[Part, str]


def _body_parts(root: Part) -> tuple[list[_Numbered], list[_Numbered], list[_Numbered]]:
    """Split leaves into text body, HTML body and attachments, following the
    JMAP algorithm (RFC 8621 §4.1.4) so alternatives and related parts land
    where a mail client would show them."""
    text_body: list[_Numbered] = []
    html_body: list[_Numbered] = []
    attachments: list[_Numbered] = []
    if root.children:
        _walk(
            root.children,
            "",
            root.subtype,
            root.subtype == "alternative",
            text_body,
            html_body,
            attachments,
        )
    else:
        _walk([root], "", "mixed", False, text_body, html_body, attachments, top=True)
    return text_body, html_body, attachments


def _leaves(root: Part) -> list[_Numbered]:
    """Leaf parts with their IMAP section numbers, in document order
    (encapsulated messages are leaves here)."""
    if not root.children:
        return [(root, "1")]
    out: list[_Numbered] = []

    def visit(parts: list[Part], prefix: str) -> None:
        for index, part in enumerate(parts):
            section = f"{prefix}{index + 1}"
            if part.children:
                visit(part.children, section + ".")
            else:
                out.append((part, section))

    visit(root.children, "")
    return out


def _is_inline_media(part: Part) -> bool:
    return part.maintype in ("image", "audio", "video")


def _walk(
    parts: list[Part],
    prefix: str,
    multipart_type: str,
    in_alternative: bool,
    text_body: list[_Numbered] | None,
    html_body: list[_Numbered] | None,
    attachments: list[_Numbered],
    top: bool = False,
) -> None:
    text_len = len(text_body) if text_body is not None else -1
    html_len = len(html_body) if html_body is not None else -1
    for index, part in enumerate(parts):
        section = "1" if top else f"{prefix}{index + 1}"
        ctype = part.content_type
        disp = disposition(part)
        is_text = ctype in ("text/plain", "text/html")
        is_inline = (
            (disp is None or disp[0] != "attachment")
            and (is_text or _is_inline_media(part))
            and (
                index == 0
                or (
                    multipart_type != "related"
                    and (_is_inline_media(part) or filename(part, disp) is None)
                )
            )
        )
        if part.children:
            sub = part.subtype
            _walk(
                part.children,
                section + ".",
                sub,
                in_alternative or sub == "alternative",
                text_body,
                html_body,
                attachments,
            )
        elif is_inline:
            entry = (part, section)
            if multipart_type == "alternative":
                if ctype == "text/plain":
                    if text_body is not None:
                        text_body.append(entry)
                elif ctype == "text/html":
                    if html_body is not None:
                        html_body.append(entry)
                else:
                    attachments.append(entry)
                continue
            if in_alternative:
                if ctype == "text/plain":
                    html_body = None
                if ctype == "text/html":
                    text_body = None
            if text_body is not None:
                text_body.append(entry)
            if html_body is not None:
                html_body.append(entry)
            if (text_body is None or html_body is None) and _is_inline_media(part):
                attachments.append(entry)
        else:
            attachments.append((part, section))
    if multipart_type == "alternative" and text_body is not None and html_body is not None:
        if text_len == len(text_body) and html_len != len(html_body):
            text_body.extend(html_body[html_len:])
        if html_len == len(html_body) and text_len != len(text_body):
            html_body.extend(text_body[text_len:])


def _decoded_text(raw: bytes, part: Part) -> str:
    end = min(part.end, part.body_start + _DECODE_LIMIT)
    data = raw[part.body_start : end]
    try:
        data = decode_transfer(data, part.cte)
    except UnknownTransferEncoding:
        pass
    return decode_bytes(data, part.decoded_params.get("charset"))


def _text_of(raw: bytes, parts: list[_Numbered]) -> str:
    pieces: list[str] = []
    total = 0
    for part, _ in parts:
        ctype = part.content_type
        if ctype == "text/plain":
            piece = _decoded_text(raw, part)
        elif ctype == "text/html":
            piece = html_to_text(_decoded_text(raw, part))
        else:
            continue
        piece = piece.replace("\r\n", "\n").strip()
        if piece:
            pieces.append(piece)
            total += len(piece)
            if total >= TEXT_LIMIT:
                break
    return "\n\n".join(pieces)[:TEXT_LIMIT]


def _attachment(raw: bytes, part: Part, section: str) -> Attachment:
    disp = disposition(part)
    cid_raw = part.get("content-id")
    content_id = None
    if cid_raw:
        content_id = header_text(cid_raw).strip().strip("<>").strip() or None
    name = filename(part, disp)
    if disp is not None:
        disposition_type: str | None = disp[0]
    else:
        disposition_type = "inline" if content_id else None
    return Attachment(
        section=section,
        filename=name,
        content_type=part.content_type,
        size=decoded_size_estimate(raw, part.body_start, part.end, part.cte),
        content_id=content_id,
        disposition=disposition_type,
    )


def _counts_as_attachment(att: Attachment) -> bool:
    if att.disposition != "inline":
        return True
    return att.filename is not None and att.content_id is None
