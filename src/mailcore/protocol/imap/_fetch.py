"""FETCH attributes: parsing, request formatting and response names.

Each parsed attribute carries the exact bytes its value is announced with
in the response (``BODY[HEADER.FIELDS (FROM)]<0>``), computed once per
command so that building 10,000 FETCH lines allocates nothing per attribute.
"""

from __future__ import annotations

import re
from typing import Literal

import attrs

from ._encode import astring
from ._lexer import ParseError, Reader

__all__ = [
    "FetchAttribute",
    "FetchBinarySize",
    "FetchBodySection",
    "FetchItem",
    "format_fetch_attributes",
    "parse_fetch_attributes",
]

SimpleName = Literal[
    "BODY",
    "BODYSTRUCTURE",
    "EMAILID",
    "ENVELOPE",
    "FLAGS",
    "INTERNALDATE",
    "MODSEQ",
    "PREVIEW",
    "RFC822",
    "RFC822.HEADER",
    "RFC822.SIZE",
    "RFC822.TEXT",
    "SAVEDATE",
    "THREADID",
    "UID",
    "X-GM-LABELS",
    "X-GM-MSGID",
    "X-GM-THRID",
]
SIMPLE_NAMES: frozenset[str] = frozenset(SimpleName.__args__)  # type: ignore[attr-defined]
SectionText = Literal["HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME"]
_SECTION_TEXTS = frozenset(("HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME"))


@attrs.frozen
class FetchItem:
    """A plain data item: ``FLAGS``, ``ENVELOPE``, ``RFC822.SIZE``, ``X-GM-LABELS``..."""

    name: SimpleName
    response_name: bytes = attrs.field(init=False, eq=False, repr=False)

    @response_name.default
    def _response_name(self) -> bytes:
        return self.name.encode("ascii")


@attrs.frozen
class FetchBodySection:
    """``BODY[section]<partial>``, ``BODY.PEEK[...]``, ``BINARY[...]``, ``BINARY.PEEK[...]``.

    ``part`` is the MIME part path (``(1, 2)`` for ``1.2``, empty for the
    whole message); ``text`` the section text; ``fields`` the header names
    of HEADER.FIELDS[.NOT]; ``partial`` is ``(origin, length)``.
    """

    part: tuple[int, ...] = ()
    text: SectionText | None = None
    fields: tuple[str, ...] = ()
    peek: bool = False
    binary: bool = False
    partial: tuple[int, int] | None = None
    response_name: bytes = attrs.field(init=False, eq=False, repr=False)

    @response_name.default
    def _response_name(self) -> bytes:
        name = (b"BINARY[" if self.binary else b"BODY[") + self.section_spec() + b"]"
        if self.partial is not None:
            name += b"<%d>" % self.partial[0]
        return name

    def section_spec(self) -> bytes:
        spec = ".".join(str(p) for p in self.part).encode("ascii")
        if self.text is not None:
            spec += (b"." if spec else b"") + self.text.encode("ascii")
            if self.fields:
                spec += b" (" + b" ".join(astring(f) for f in self.fields) + b")"
        return spec

    @property
    def sets_seen(self) -> bool:
        """A non-PEEK body fetch implicitly sets ``\\Seen``."""
        return not self.peek


@attrs.frozen
class FetchBinarySize:
    """``BINARY.SIZE[part]`` (RFC 3516)."""

    part: tuple[int, ...] = ()
    response_name: bytes = attrs.field(init=False, eq=False, repr=False)

    @response_name.default
    def _response_name(self) -> bytes:
        return b"BINARY.SIZE[" + ".".join(str(p) for p in self.part).encode("ascii") + b"]"


FetchAttribute = FetchItem | FetchBodySection | FetchBinarySize

_MACROS: dict[str, tuple[FetchAttribute, ...]] = {
    "FAST": (FetchItem("FLAGS"), FetchItem("INTERNALDATE"), FetchItem("RFC822.SIZE")),
    "ALL": (
        FetchItem("FLAGS"),
        FetchItem("INTERNALDATE"),
        FetchItem("RFC822.SIZE"),
        FetchItem("ENVELOPE"),
    ),
    "FULL": (
        FetchItem("FLAGS"),
        FetchItem("INTERNALDATE"),
        FetchItem("RFC822.SIZE"),
        FetchItem("ENVELOPE"),
        FetchItem("BODY"),
    ),
}
_ATT_NAME = re.compile(rb"[A-Za-z0-9.\-]+")
_MAX_PART_DEPTH = 32


def parse_fetch_attributes(r: Reader) -> tuple[FetchAttribute, ...]:
    """``"ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")"``."""
    if r.try_char(b"("):
        atts = [_attribute(r)]
        while r.try_sp():
            atts.append(_attribute(r))
        r.expect(b")")
        return tuple(atts)
    m = _ATT_NAME.match(r.buf, r.pos)
    if m is not None and m.group().upper().decode("ascii") in _MACROS:
        r.pos = m.end()
        return _MACROS[m.group().upper().decode("ascii")]
    return (_attribute(r),)


def _attribute(r: Reader) -> FetchAttribute:
    m = _ATT_NAME.match(r.buf, r.pos)
    if m is None:
        raise r.error("Expected a fetch attribute")
    r.pos = m.end()
    name = m.group().upper().decode("ascii")
    bracket = r.peek() == 0x5B  # "["
    if name in ("BODY", "BODY.PEEK") and bracket:
        part, text, fields = _section(r)
        return FetchBodySection(part, text, fields, peek=name == "BODY.PEEK", partial=_partial(r))
    if name in ("BINARY", "BINARY.PEEK") and bracket:
        part = _binary_part(r)
        return FetchBodySection(part, peek=name == "BINARY.PEEK", binary=True, partial=_partial(r))
    if name == "BINARY.SIZE" and bracket:
        return FetchBinarySize(_binary_part(r))
    if name in SIMPLE_NAMES and not bracket:
        return FetchItem(name)  # type: ignore[arg-type]
    raise ParseError(f"Unknown fetch attribute {name}")


def _part_numbers(r: Reader) -> list[int]:
    part: list[int] = []
    while 0x30 <= r.peek() <= 0x39:
        part.append(r.nz_number())
        if len(part) > _MAX_PART_DEPTH:
            raise ParseError("Section part nested too deeply")
        if not r.try_char(b"."):
            break
        if not 0x30 <= r.peek() <= 0x39:
            r.pos -= 1  # the dot introduces the section text
            break
    return part


def _section(r: Reader) -> tuple[tuple[int, ...], SectionText | None, tuple[str, ...]]:
    r.expect(b"[")
    part = _part_numbers(r)
    text: str | None = None
    fields: list[str] = []
    if r.peek() != 0x5D:  # "]"
        if part:
            r.expect(b".")
        text = r.keyword()
        if text not in _SECTION_TEXTS or (text == "MIME" and not part):
            raise ParseError(f"Invalid section {text}")
        if text.startswith("HEADER.FIELDS"):
            r.sp()
            r.expect(b"(")
            fields.append(r.astring_text())
            while r.try_sp():
                fields.append(r.astring_text())
            r.expect(b")")
    r.expect(b"]")
    return tuple(part), text, tuple(fields)  # type: ignore[return-value]


def _binary_part(r: Reader) -> tuple[int, ...]:
    r.expect(b"[")
    part = _part_numbers(r)
    r.expect(b"]")
    return tuple(part)


def _partial(r: Reader) -> tuple[int, int] | None:
    if not r.try_char(b"<"):
        return None
    origin = r.number()
    r.expect(b".")
    length = r.nz_number()
    r.expect(b">")
    return origin, length


def format_fetch_attribute(att: FetchAttribute) -> bytes:
    """The request form of one attribute."""
    match att:
        case FetchItem(name):
            return name.encode("ascii")
        case FetchBinarySize():
            return att.response_name
        case FetchBodySection():
            head = b"BINARY" if att.binary else b"BODY"
            out = head + (b".PEEK[" if att.peek else b"[") + att.section_spec() + b"]"
            if att.partial is not None:
                out += b"<%d.%d>" % att.partial
            return out
    raise TypeError(f"not a fetch attribute: {att!r}")


def format_fetch_attributes(atts: tuple[FetchAttribute, ...]) -> bytes:
    return b"(" + b" ".join(format_fetch_attribute(a) for a in atts) + b")"
