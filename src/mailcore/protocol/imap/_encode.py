"""Wire encoders for IMAP strings, numbers, flags and dates.

These are the leaves every response and client command is built from, so
they are written for speed: a fast path for the common ASCII case, caches
for flag lists, and no intermediate objects.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable

from ._utf7 import encode_mutf7

__all__ = [
    "astring",
    "flag_list",
    "imap_date",
    "imap_datetime",
    "literal",
    "mailbox_name",
    "nstring",
    "quoted",
    "string",
]

_ATOM_SAFE = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\\]]+\Z')
# Quotable: no CR, LF or NUL, and short enough to read comfortably.
_QUOTE_UNSAFE = re.compile(rb"[\x00\r\n\x80-\xff]")
_QUOTE_UNSAFE_UTF8 = re.compile(rb"[\x00\r\n]")
_NEEDS_ESCAPE = re.compile(rb'(["\\])')
_MAX_QUOTED = 1024

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def quoted(value: str | bytes) -> bytes:
    """A quoted string; raises ValueError if *value* holds CR, LF or NUL."""
    data = value.encode("utf-8") if isinstance(value, str) else value
    if _QUOTE_UNSAFE_UTF8.search(data):
        raise ValueError("CR, LF and NUL cannot be quoted; use a literal")
    if b'"' in data or b"\\" in data:
        data = _NEEDS_ESCAPE.sub(rb"\\\1", data)
    return b'"' + data + b'"'


def literal(data: bytes, *, binary: bool = False, synchronizing: bool = True) -> bytes:
    """``{n}\\r\\n`` + data, or literal8 ``~{n}`` for BINARY content."""
    head = b"~{%d" % len(data) if binary else b"{%d" % len(data)
    return head + (b"}\r\n" if synchronizing else b"+}\r\n") + data


def string(value: str | bytes, *, utf8: bool = False) -> bytes:
    """Quoted when short and safe, else a literal. 8-bit data is quoted only if *utf8*."""
    data = value.encode("utf-8") if isinstance(value, str) else value
    unsafe = _QUOTE_UNSAFE_UTF8 if utf8 else _QUOTE_UNSAFE
    if len(data) > _MAX_QUOTED or unsafe.search(data):
        return literal(data)
    return quoted(data)


def nstring(value: bytes | str | None) -> bytes:
    """``NIL`` or :func:`string`; the precomputed-envelope building block."""
    if value is None:
        return b"NIL"
    return string(value)


def astring(value: str | bytes, *, utf8: bool = False) -> bytes:
    """An atom when possible (never the ambiguous ``NIL``), else :func:`string`."""
    data = value.encode("utf-8") if isinstance(value, str) else value
    if _ATOM_SAFE.match(data) and data.upper() != b"NIL":
        return data
    return string(data, utf8=utf8)


def mailbox_name(name: str, *, utf8: bool = False) -> bytes:
    """A mailbox name as a LIST/STATUS response carries it: always a string.

    Modified UTF-7 unless the client enabled UTF8=ACCEPT, then raw UTF-8.
    """
    raw = name.encode("utf-8") if utf8 else encode_mutf7(name)
    return string(raw, utf8=utf8)


@functools.lru_cache(maxsize=4096)
def _flag_list_cached(flags: tuple[str, ...]) -> bytes:
    return ("(" + " ".join(flags) + ")").encode("ascii")


def flag_list(flags: Iterable[str]) -> bytes:
    """``(\\Seen $Label)``; identical flag tuples share one cached bytes object."""
    key = flags if isinstance(flags, tuple) else tuple(flags)
    return _flag_list_cached(key)


def imap_datetime(value: datetime.datetime) -> bytes:
    """``"25-Nov-2026 12:00:00 +0000"``; a naive datetime is taken as UTC."""
    offset = value.utcoffset()
    minutes = 0 if offset is None else int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return (
        f'"{value.day:2d}-{_MONTHS[value.month - 1]}-{value.year:04d} '
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d} "
        f'{sign}{minutes // 60:02d}{minutes % 60:02d}"'
    ).encode("ascii")


def imap_date(value: datetime.date) -> bytes:
    """``1-Nov-2026`` as SEARCH dates are written."""
    return b"%d-%s-%04d" % (value.day, _MONTHS[value.month - 1].encode("ascii"), value.year)
