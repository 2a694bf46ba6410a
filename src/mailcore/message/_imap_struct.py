"""IMAP ENVELOPE, BODY and BODYSTRUCTURE serialization (RFC 9051 §7.5.2,
RFC 3501 §7.4.2), computed once from the MIME tree and stored as wire bytes.

Strings go out quoted when they are short 7-bit text without CR/LF, and as
literals otherwise; NUL octets, which no IMAP string may carry, are dropped.
Envelope subjects, names and ids are the raw header values (unfolded, still
RFC 2047-encoded), as the protocol requires.
"""

from __future__ import annotations

import re

from ._address import AddressItem, GroupEnd, GroupStart, RawMailbox, parse_address_list
from ._mime import Part, disposition, line_count

NIL = b"NIL"
_LITERAL_THRESHOLD = 1024
ENVELOPE_ADDRESS_FIELDS = ("from", "sender", "reply-to", "to", "cc", "bcc")


_QUOTABLE = re.compile(rb'[^\x00\r\n\\"\x80-\xff]{0,%d}\Z' % _LITERAL_THRESHOLD)


def nstring(value: bytes | None) -> bytes:
    """An IMAP nstring: NIL, a quoted string, or a synchronizing literal."""
    if value is None:
        return NIL
    if _QUOTABLE.match(value) is not None:
        return b'"' + value + b'"'
    if b"\x00" in value:
        value = value.replace(b"\x00", b"")
    if len(value) > _LITERAL_THRESHOLD or not value.isascii() or b"\n" in value or b"\r" in value:
        return b"{%d}\r\n" % len(value) + value
    if b"\\" in value:
        value = value.replace(b"\\", b"\\\\")
    if b'"' in value:
        value = value.replace(b'"', b'\\"')
    return b'"' + value + b'"'


def _str(text: str | None) -> bytes:
    return nstring(None if text is None else text.encode("latin-1", "replace"))


def envelope_addresses(first: dict[str, bytes]) -> dict[str, list[AddressItem]]:
    """Parsed address lists for the six envelope address fields, with sender
    and reply-to defaulting to from when absent or empty (RFC 3501 §7.4.2)."""
    lists: dict[str, list[AddressItem]] = {}
    for name in ENVELOPE_ADDRESS_FIELDS:
        value = first.get(name)
        items = parse_address_list(value.decode("latin-1")) if value else []
        if not items and name in ("sender", "reply-to"):
            items = lists["from"]
        lists[name] = items
    return lists


def _address_list(items: list[AddressItem]) -> bytes:
    if not items:
        return NIL
    out = [b"("]
    for item in items:
        if isinstance(item, RawMailbox):
            out.append(
                b"("
                + _str(item.name)
                + b" "
                + _str(item.adl)
                + b" "
                + _str(item.local)
                + b" "
                + _str(item.domain)
                + b")"
            )
        elif isinstance(item, GroupStart):
            out.append(b"(NIL NIL " + _str(item.name) + b" NIL)")
        elif isinstance(item, GroupEnd):
            out.append(b"(NIL NIL NIL NIL)")
    out.append(b")")
    return b"".join(out)


def envelope(first: dict[str, bytes], lists: dict[str, list[AddressItem]] | None = None) -> bytes:
    """The ENVELOPE of a message whose first header values are ``first``."""
    if lists is None:
        lists = envelope_addresses(first)
    get = first.get
    return b"".join(
        (
            b"(",
            nstring(get("date")),
            b" ",
            nstring(get("subject")),
            b" ",
            b" ".join(_address_list(lists[name]) for name in ENVELOPE_ADDRESS_FIELDS),
            b" ",
            nstring(get("in-reply-to")),
            b" ",
            nstring(get("message-id")),
            b")",
        )
    )


_EMPTY_ENVELOPE = b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)"
_EMPTY_BODY = b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0)'


def _params(params: list[tuple[str, str]]) -> bytes:
    if not params:
        return NIL
    return (
        b"(" + b" ".join(_str(name.upper()) + b" " + _str(value) for name, value in params) + b")"
    )


def _extension(part: Part) -> bytes:
    """``dsp lang loc`` shared by single-part and multipart extension data."""
    disp = disposition(part)
    if disp is None:
        dsp = NIL
    else:
        dsp = b"(" + _str(disp[0].upper()) + b" " + _params(disp[1]) + b")"
    lang_value = part.get("content-language")
    if lang_value:
        tags = [t.strip() for t in lang_value.split(b",") if t.strip()]
        lang = b"(" + b" ".join(nstring(t) for t in tags) + b")" if tags else NIL
    else:
        lang = NIL
    return dsp + b" " + lang + b" " + nstring(part.get("content-location"))


def body_structures(raw: bytes, part: Part) -> tuple[bytes, bytes]:
    """``(BODY, BODYSTRUCTURE)`` of ``part`` as wire bytes."""
    body: list[bytes] = []
    ext: list[bytes] = []
    _write(raw, part, body, ext)
    return b"".join(body), b"".join(ext)


def _write(raw: bytes, part: Part, body: list[bytes], ext: list[bytes]) -> None:
    if part.children:
        body.append(b"(")
        ext.append(b"(")
        for child in part.children:
            _write(raw, child, body, ext)
        subtype = b" " + _str(part.subtype.upper())
        body.append(subtype + b")")
        ext.append(subtype + b" " + _params(part.params) + b" " + _extension(part) + b")")
        return
    cte = part.cte
    fields = b"".join(
        (
            b"(",
            _str(part.maintype.upper()),
            b" ",
            _str(part.subtype.upper()),
            b" ",
            _params(part.params),
            b" ",
            nstring(part.get("content-id")),
            b" ",
            nstring(part.get("content-description")),
            b" ",
            _str(cte.upper()) if cte else b'"7BIT"',
            b" %d" % part.size,
        )
    )
    body.append(fields)
    ext.append(fields)
    if part.maintype == "text":
        lines = b" %d" % line_count(raw, part.body_start, part.end)
        body.append(lines)
        ext.append(lines)
    elif part.is_message:
        inner = part.inner
        if inner is None:
            # Not parseable in place (nesting cap, or an encoded entity): say so
            # with an empty envelope and body rather than a malformed answer.
            body.append(b" " + _EMPTY_ENVELOPE + b" " + _EMPTY_BODY + b" 0")
            ext.append(b" " + _EMPTY_ENVELOPE + b" " + _EMPTY_BODY[:-1] + b" NIL NIL NIL NIL) 0")
        else:
            env = b" " + envelope(inner.first) + b" "
            body.append(env)
            ext.append(env)
            _write(raw, inner, body, ext)
            lines = b" %d" % line_count(raw, part.body_start, part.end)
            body.append(lines)
            ext.append(lines)
    body.append(b")")
    ext.append(b" " + nstring(part.get("content-md5")) + b" " + _extension(part) + b")")
