"""IMAP ``BODY[section]`` and ``BINARY[section]`` over the raw message.

Sections are resolved on the byte-offset MIME tree, so every answer of
:func:`fetch_section` is an exact slice of the stored bytes (the only added
octets are the blank line closing a ``HEADER.FIELDS`` answer).
"""

from __future__ import annotations

import re

from ._mime import Part, disposition, field_lines, filename, find_body_start, parse_tree
from ._text import UnknownTransferEncoding, decode_transfer

_PATH = re.compile(r"([1-9][0-9]{0,8}(?:\.[1-9][0-9]{0,8})*)(?:\.(?=[A-Za-z])|$)")
_FIELDS_SPEC = re.compile(r"(HEADER\.FIELDS(?:\.NOT)?)\s*\((.*)\)\s*", re.I | re.S)
_FIELD_NAME = re.compile(r'"((?:[^"\\]|\\.)*)"|([^\s()"]+)')


def header_section(raw: bytes) -> bytes:
    """``BODY[HEADER]``: the top-level header block including its blank line
    (the whole message when it has no blank line)."""
    _, body_start = find_body_start(raw, 0, len(raw))
    return raw[:body_start]


def _subparts(part: Part, is_message: bool) -> list[Part]:
    """Parts numbered beneath ``part``: a multipart's children; for a message
    (top-level or encapsulated) that is not multipart, the message itself as
    part 1."""
    if part.children:
        return part.children
    if is_message:
        return [part]
    if part.inner is not None:
        return _subparts(part.inner, True)
    return []


def _resolve(root: Part, path: str) -> Part | None:
    node = root
    is_message = True
    for number in path.split("."):
        subs = _subparts(node, is_message)
        index = int(number) - 1
        if index >= len(subs):
            return None
        node = subs[index]
        is_message = False
    return node


def _parse_section(section: str) -> tuple[str, str, list[str]] | None:
    """``(path, specifier, field names)`` of a section text, or None."""
    text = section.strip()
    path = ""
    m = _PATH.match(text)
    if m is not None:
        path = m.group(1)
        text = text[m.end() :]
    upper = text.upper()
    if upper in ("", "HEADER", "TEXT", "MIME"):
        if upper == "MIME" and not path:
            return None
        return path, upper, []
    fm = _FIELDS_SPEC.fullmatch(text)
    if fm is None:
        return None
    names = [
        (q if q is not None else a).lower()
        for q, a in ((mm.group(1), mm.group(2)) for mm in _FIELD_NAME.finditer(fm.group(2)))
    ]
    if not names:
        return None
    return path, fm.group(1).upper(), names


def fetch_section(raw: bytes, section: str) -> bytes | None:
    """``BODY[section]`` (RFC 9051 §6.4.5) as exact bytes of ``raw``, or None
    when the section is malformed or names a part that does not exist.

    ``HEADER``/``TEXT``/``HEADER.FIELDS[.NOT]`` after a part number need that
    part to be message/rfc822 (or message/global); part 1 of a non-multipart
    message is its body.
    """
    parsed = _parse_section(section)
    if parsed is None:
        return None
    path, spec, names = parsed
    if not path and not spec:
        return raw
    root = parse_tree(raw)
    node = _resolve(root, path) if path else root
    if node is None:
        return None
    if spec == "":
        return raw[node.body_start : node.end]
    if spec == "MIME":
        return raw[node.start : node.body_start]
    if path:
        if node.inner is None:
            return None
        node = node.inner
    if spec == "HEADER":
        return raw[node.start : node.body_start]
    if spec == "TEXT":
        return raw[node.body_start : node.end]
    wanted = set(names)
    keep = spec == "HEADER.FIELDS"
    chunks = [
        raw[ls:le]
        for lname, ls, le in field_lines(raw, node.start, node.fields_end)
        if (lname in wanted) == keep
    ]
    if chunks and not chunks[-1].endswith(b"\n"):
        chunks[-1] += b"\r\n"
    blank = raw[node.fields_end : node.body_start] or b"\r\n"
    chunks.append(blank)
    return b"".join(chunks)


def _part_for_binary(raw: bytes, section: str) -> Part | None:
    text = section.strip()
    m = _PATH.fullmatch(text)
    if m is None:
        return None
    return _resolve(parse_tree(raw), m.group(1))


def decode_section(raw: bytes, section: str) -> bytes | None:
    """``BINARY[section]`` (RFC 3516): the body of part ``section`` with its
    Content-Transfer-Encoding undone; ``""`` is the whole message as stored.
    Returns None when there is no such part (or the section is not a part
    number) and raises :class:`UnknownTransferEncoding` for an encoding it
    cannot undo."""
    if section.strip() == "":
        return raw
    node = _part_for_binary(raw, section)
    if node is None:
        return None
    return decode_transfer(raw[node.body_start : node.end], node.cte)


def part_content(raw: bytes, section: str) -> tuple[bytes, str, str | None] | None:
    """``(decoded bytes, content type, filename)`` of part ``section`` for an
    attachment download, or None when there is no such part. A part in an
    unknown transfer encoding is returned as stored rather than refused."""
    node = _part_for_binary(raw, section)
    if node is None:
        return None
    data = raw[node.body_start : node.end]
    try:
        data = decode_transfer(data, node.cte)
    except UnknownTransferEncoding:
        pass
    return data, node.content_type, filename(node, disposition(node))
