"""A byte-offset MIME tree over the raw message.

Nothing is copied or decoded here: every part records where its header
fields, blank line and body sit in the raw bytes, so IMAP sections are exact
slices and later stages decode only what they need. Malformed input degrades
rather than fails: a multipart without a usable boundary becomes a
``text/plain`` leaf, an unterminated multipart ends at its container's end,
and nesting and part counts are capped.
"""

from __future__ import annotations

import re

from ._headers import merge_params, split_params

MAX_DEPTH = 50
MAX_CHILDREN = 5000
MAX_PARTS = 10000
MAX_FIELDS = 5000

_TYPE = re.compile(r"([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*/\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)")
_IDENTITY_CTE = frozenset({"", "7bit", "8bit", "binary"})

# (name as written, lowercased name, unfolded stripped value)
Field = tuple[str, str, bytes]
# (lowercased type, wire params, decoded params)
Disposition = tuple[str, list[tuple[str, str]], dict[str, str]]


def find_body_start(raw: bytes, start: int, end: int) -> tuple[int, int]:
    """``(fields_end, body_start)`` of the header block starting at ``start``.

    The header block ends at the first empty line (CRLF or bare LF); without
    one the whole range is header and the body is empty.
    """
    if start >= end:
        return start, start
    first = raw[start]
    if first == 10:
        return start, start + 1
    if first == 13 and start + 1 < end and raw[start + 1] == 10:
        return start, start + 2
    crlf = raw.find(b"\r\n\r\n", start, end)
    limit = end if crlf < 0 else crlf + 4
    a = raw.find(b"\n\n", start, limit)
    b = raw.find(b"\n\r\n", start, limit)
    if a < 0 and b < 0:
        return end, end
    if b < 0 or (0 <= a < b):
        return a + 1, a + 2
    return b + 1, b + 3


# One line-consuming alternation, so matching walks the block line by line
# with no rescans: a field (with its continuation lines) or a junk line.
_FIELD = re.compile(rb"(?:([^\x00-\x20\x7f:]+)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)|[^\n]*)\n?")


def split_fields(raw: bytes, start: int, end: int) -> list[Field]:
    """Header fields in ``raw[start:end]`` in order as ``(name, lowercased
    name, unfolded stripped value)``. Lines that are not fields are skipped."""
    fields: list[Field] = []
    for name_bytes, value in _FIELD.findall(raw, start, end):
        if not name_bytes:
            continue
        value = value.strip(b" \t\r\n")
        if b"\n" in value:  # every inner line break precedes a continuation line
            value = value.replace(b"\r\n", b"").replace(b"\n", b"")
        name = name_bytes.decode("latin-1")
        fields.append((name, name.lower(), value))
        if len(fields) >= MAX_FIELDS:
            break
    return fields


def field_lines(raw: bytes, start: int, end: int) -> list[tuple[str, int, int]]:
    """``(lowercased name, line start, line end)`` of each header field in
    ``raw[start:end]``, continuation lines included: the exact bytes that
    ``HEADER.FIELDS`` returns."""
    lines: list[tuple[str, int, int]] = []
    for m in _FIELD.finditer(raw, start, end):
        name_bytes = m.group(1)
        if name_bytes:
            lines.append((name_bytes.decode("latin-1").lower(), m.start(), m.end()))
            if len(lines) >= MAX_FIELDS:
                break
    return lines


class Part:
    """One MIME entity: its header block, body range and children.

    ``children`` is non-empty only for a multipart; ``inner`` is the
    encapsulated message of a message/rfc822 (or message/global) part.
    ``maintype``/``subtype`` are lowercase and reflect any degradation (a
    broken multipart reads as text/plain).
    """

    __slots__ = (
        "start",
        "fields_end",
        "body_start",
        "end",
        "fields",
        "maintype",
        "subtype",
        "params",
        "decoded_params",
        "explicit_type",
        "children",
        "inner",
        "_first",
        "_disposition",
    )

    def __init__(self, start: int, fields_end: int, body_start: int, end: int) -> None:
        self.start = start
        self.fields_end = fields_end
        self.body_start = body_start
        self.end = end
        self.fields: list[Field] = []
        self.maintype = "text"
        self.subtype = "plain"
        self.params: list[tuple[str, str]] = [("charset", "us-ascii")]
        self.decoded_params: dict[str, str] = {"charset": "us-ascii"}
        self.explicit_type = False
        self.children: list[Part] = []
        self.inner: Part | None = None
        self._first: dict[str, bytes] | None = None
        self._disposition: Disposition | None | bool = False

    @property
    def first(self) -> dict[str, bytes]:
        """First value of each header field, by lowercased name."""
        if self._first is None:
            first: dict[str, bytes] = {}
            for _, lname, value in self.fields:
                if lname not in first:
                    first[lname] = value
            self._first = first
        return self._first

    def get(self, lname: str) -> bytes | None:
        return self.first.get(lname)

    @property
    def content_type(self) -> str:
        return f"{self.maintype}/{self.subtype}"

    @property
    def cte(self) -> str:
        value = self.first.get("content-transfer-encoding")
        if value is None:
            return ""
        return value.decode("latin-1").strip().lower()

    @property
    def is_message(self) -> bool:
        return self.inner is not None or (
            self.maintype == "message" and self.subtype in ("rfc822", "global")
        )

    @property
    def size(self) -> int:
        return self.end - self.body_start


def line_count(raw: bytes, start: int, end: int) -> int:
    """Text lines in ``raw[start:end]``: line feeds, plus one for an
    unterminated last line."""
    if end <= start:
        return 0
    n = raw.count(b"\n", start, end)
    if raw[end - 1] != 10:
        n += 1
    return n


def split_multipart(raw: bytes, start: int, end: int, boundary: bytes) -> list[tuple[int, int]]:
    """Body ranges of the parts between ``--boundary`` delimiter lines (RFC 2046
    §5.1.1). The line break before a delimiter belongs to the delimiter. A
    missing close delimiter ends the last part at ``end``."""
    delim = b"--" + boundary
    dlen = len(delim)
    parts: list[tuple[int, int]] = []
    pos = start
    cur = -1
    while True:
        i = raw.find(delim, pos, end)
        if i < 0:
            break
        if i != start and raw[i - 1] != 10:
            pos = i + 1
            continue
        j = i + dlen
        closing = j + 2 <= end and raw[j] == 45 and raw[j + 1] == 45
        k = j + 2 if closing else j
        while k < end and raw[k] in (32, 9):
            k += 1
        if k < end and raw[k] != 13 and raw[k] != 10:
            pos = i + 1
            continue
        if k < end and raw[k] == 13:
            k += 1
        if k < end and raw[k] == 10:
            k += 1
        if cur >= 0:
            pe = i
            if pe > cur and raw[pe - 1] == 10:
                pe -= 1
                if pe > cur and raw[pe - 1] == 13:
                    pe -= 1
            parts.append((cur, pe))
            if len(parts) >= MAX_CHILDREN:
                return parts
        if closing:
            return parts
        cur = k
        pos = k
    if cur >= 0:
        parts.append((cur, end))
    return parts


def parse_tree(raw: bytes) -> Part:
    """The MIME tree of a whole message. Never raises for any bytes."""
    return _build(raw, 0, len(raw), 0, False, [MAX_PARTS])


def _build(raw: bytes, start: int, end: int, depth: int, digest: bool, budget: list[int]) -> Part:
    budget[0] -= 1
    fields_end, body_start = find_body_start(raw, start, end)
    part = Part(start, fields_end, body_start, end)
    part.fields = split_fields(raw, start, fields_end)
    ctype = part.get("content-type")
    if ctype is not None:
        head, pairs = split_params(ctype.decode("latin-1"))
        m = _TYPE.fullmatch(head)
        if m is not None:
            part.maintype = m.group(1).lower()
            part.subtype = m.group(2).lower()
            part.params, part.decoded_params = merge_params(pairs)
            part.explicit_type = True
    if not part.explicit_type and digest:
        part.maintype, part.subtype = "message", "rfc822"
        part.params, part.decoded_params = [], {}
    if part.maintype == "multipart":
        boundary = next((v for k, v in part.params if k.lower() == "boundary"), "")
        ranges: list[tuple[int, int]] = []
        if boundary and depth < MAX_DEPTH and budget[0] > 0:
            ranges = split_multipart(raw, body_start, end, boundary.encode("latin-1", "replace"))
        if not ranges:
            _degrade(part)
            return part
        child_digest = part.subtype == "digest"
        for cs, ce in ranges:
            if budget[0] <= 0:
                break
            part.children.append(_build(raw, cs, ce, depth + 1, child_digest, budget))
    elif part.maintype == "message" and part.subtype in ("rfc822", "global"):
        if part.cte in _IDENTITY_CTE and depth < MAX_DEPTH and budget[0] > 0:
            part.inner = _build(raw, body_start, end, depth + 1, False, budget)
    return part


def _degrade(part: Part) -> None:
    part.maintype, part.subtype = "text", "plain"
    part.params = [("charset", "us-ascii")]
    part.decoded_params = {"charset": "us-ascii"}


def disposition(part: Part) -> Disposition | None:
    """Content-Disposition as (lowercased type, wire params, decoded params)."""
    cached = part._disposition
    if cached is not False:
        return cached  # type: ignore[return-value]
    result: Disposition | None = None
    value = part.get("content-disposition")
    if value is not None:
        head, pairs = split_params(value.decode("latin-1"))
        head = head.strip().lower()
        if head:
            wire, decoded = merge_params(pairs)
            result = head, wire, decoded
    part._disposition = result
    return result


def filename(part: Part, disp: Disposition | None) -> str | None:
    """Decoded file name: Content-Disposition ``filename``, else Content-Type
    ``name`` (RFC 2231 and RFC 2047 both undone)."""
    name = disp[2].get("filename") if disp is not None else None
    if not name:
        name = part.decoded_params.get("name")
    if not name:
        return None
    return name.strip() or None
