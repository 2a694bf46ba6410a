"""SEARCH keys (RFC 9051 6.4.4, RFC 3501, CONDSTORE, WITHIN, OBJECTID, X-GM-EXT-1).

The parser builds a small immutable tree the engine evaluates or compiles;
the formatter writes it back (for client use and round-trip tests). A
parenthesized list and the top-level key list are :class:`AndKey`; a list
of one key is that key.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Literal

import attrs

from ._encode import astring, imap_date, quoted
from ._lexer import ParseError, Reader
from ._sequence import SequenceSet
from ._utf7 import encode_mutf7

__all__ = [
    "AllKey",
    "AndKey",
    "DateKey",
    "EmailIdKey",
    "FlagKey",
    "GmailLabelKey",
    "GmailMessageIdKey",
    "GmailRawKey",
    "GmailThreadIdKey",
    "HeaderKey",
    "ModSeqKey",
    "NewKey",
    "NotKey",
    "OrKey",
    "SearchKey",
    "SequenceKey",
    "SizeKey",
    "TextKey",
    "ThreadIdKey",
    "WithinKey",
    "format_search_key",
    "parse_search_key",
]

TextField = Literal["BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"]
DateField = Literal["BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE"]


@attrs.frozen
class AllKey:
    """``ALL``."""


@attrs.frozen
class FlagKey:
    """A flag is set (``present``) or not: SEEN/UNSEEN, KEYWORD/UNKEYWORD, RECENT/OLD..."""

    flag: str
    present: bool = True


@attrs.frozen
class NewKey:
    """``NEW``: recent and not seen."""


@attrs.frozen
class TextKey:
    """``FROM``/``TO``/``CC``/``BCC``/``SUBJECT``/``BODY``/``TEXT`` contains ``value``."""

    field: TextField
    value: str


@attrs.frozen
class HeaderKey:
    """``HEADER name value``; an empty value matches any message having the field."""

    name: str
    value: str


@attrs.frozen
class DateKey:
    """Internal date (BEFORE/ON/SINCE) or Date: header (SENT*) against a day."""

    field: DateField
    date: datetime.date


@attrs.frozen
class SizeKey:
    """``LARGER n`` (``larger``) or ``SMALLER n``."""

    larger: bool
    size: int


@attrs.frozen
class WithinKey:
    """RFC 5032 ``OLDER n`` (``older``) / ``YOUNGER n``, in seconds."""

    older: bool
    seconds: int


@attrs.frozen
class SequenceKey:
    """A sequence set, or ``UID set``."""

    sequence_set: SequenceSet
    uid: bool = False


@attrs.frozen
class ModSeqKey:
    """CONDSTORE ``MODSEQ ["/flags/\\\\Seen" all] n``: changed at or after ``modseq``."""

    modseq: int
    entry_name: str | None = None
    entry_type: str | None = None


@attrs.frozen
class GmailRawKey:
    """``X-GM-RAW "has:attachment in:inbox"``, a Gmail search query."""

    query: str


@attrs.frozen
class GmailMessageIdKey:
    message_id: int


@attrs.frozen
class GmailThreadIdKey:
    thread_id: int


@attrs.frozen
class GmailLabelKey:
    label: str


@attrs.frozen
class EmailIdKey:
    """RFC 8474 ``EMAILID``."""

    email_id: str


@attrs.frozen
class ThreadIdKey:
    """RFC 8474 ``THREADID``."""

    thread_id: str


@attrs.frozen
class NotKey:
    key: SearchKey


@attrs.frozen
class OrKey:
    left: SearchKey
    right: SearchKey


@attrs.frozen
class AndKey:
    """All of ``keys`` (two or more)."""

    keys: tuple[SearchKey, ...]


SearchKey = (
    AllKey
    | FlagKey
    | NewKey
    | TextKey
    | HeaderKey
    | DateKey
    | SizeKey
    | WithinKey
    | SequenceKey
    | ModSeqKey
    | GmailRawKey
    | GmailMessageIdKey
    | GmailThreadIdKey
    | GmailLabelKey
    | EmailIdKey
    | ThreadIdKey
    | NotKey
    | OrKey
    | AndKey
)

_SYSTEM_FLAG_KEYS: dict[str, tuple[str, bool]] = {
    "ANSWERED": ("\\Answered", True),
    "UNANSWERED": ("\\Answered", False),
    "DELETED": ("\\Deleted", True),
    "UNDELETED": ("\\Deleted", False),
    "DRAFT": ("\\Draft", True),
    "UNDRAFT": ("\\Draft", False),
    "FLAGGED": ("\\Flagged", True),
    "UNFLAGGED": ("\\Flagged", False),
    "SEEN": ("\\Seen", True),
    "UNSEEN": ("\\Seen", False),
    "RECENT": ("\\Recent", True),
    "OLD": ("\\Recent", False),
}
_FLAG_KEY_NAMES = {v: k for k, v in _SYSTEM_FLAG_KEYS.items()}
_TEXT_FIELDS = frozenset(("BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"))
_DATE_FIELDS = frozenset(("BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE"))
_MAX_DEPTH = 64

Decoder = Callable[[bytes], str]


def parse_search_key(r: Reader, decode: Decoder, depth: int = 0) -> SearchKey:
    """Parse one ``search-key`` at the reader's position."""
    if depth > _MAX_DEPTH:
        raise ParseError("Search program nested too deeply")
    c = r.peek()
    if c == 0x28:  # "("
        r.pos += 1
        keys = [parse_search_key(r, decode, depth + 1)]
        while r.try_sp():
            keys.append(parse_search_key(r, decode, depth + 1))
        r.expect(b")")
        return keys[0] if len(keys) == 1 else AndKey(tuple(keys))
    if c == 0x2A or c == 0x24 or 0x30 <= c <= 0x39:  # "*", "$", digit
        return SequenceKey(r.sequence_set())
    word = r.keyword()
    system = _SYSTEM_FLAG_KEYS.get(word)
    if system is not None:
        return FlagKey(*system)
    if word == "ALL":
        return AllKey()
    if word == "NEW":
        return NewKey()
    if word in _TEXT_FIELDS:
        r.sp()
        return TextKey(word, decode(r.astring()))  # type: ignore[arg-type]
    if word in _DATE_FIELDS:
        r.sp()
        return DateKey(word, r.date())  # type: ignore[arg-type]
    if word == "KEYWORD" or word == "UNKEYWORD":
        r.sp()
        return FlagKey(r.atom(), word == "KEYWORD")
    if word == "HEADER":
        r.sp()
        name = decode(r.astring())
        r.sp()
        return HeaderKey(name, decode(r.astring()))
    if word == "LARGER" or word == "SMALLER":
        r.sp()
        return SizeKey(word == "LARGER", r.number64())
    if word == "OLDER" or word == "YOUNGER":
        r.sp()
        return WithinKey(word == "OLDER", r.nz_number())
    if word == "UID":
        r.sp()
        return SequenceKey(r.sequence_set(), uid=True)
    if word == "NOT":
        r.sp()
        return NotKey(parse_search_key(r, decode, depth + 1))
    if word == "OR":
        r.sp()
        left = parse_search_key(r, decode, depth + 1)
        r.sp()
        return OrKey(left, parse_search_key(r, decode, depth + 1))
    if word == "MODSEQ":
        r.sp()
        entry_name = entry_type = None
        if r.peek() == 0x22:
            entry_name = r.quoted().decode("utf-8", "replace")
            r.sp()
            entry_type = r.keyword().lower()
            if entry_type not in ("priv", "shared", "all"):
                raise ParseError("MODSEQ entry type must be priv, shared or all")
            r.sp()
        return ModSeqKey(r.number64(), entry_name, entry_type)
    if word == "X-GM-RAW":
        r.sp()
        return GmailRawKey(decode(r.astring()))
    if word == "X-GM-MSGID":
        r.sp()
        return GmailMessageIdKey(r.number(2**64 - 1))
    if word == "X-GM-THRID":
        r.sp()
        return GmailThreadIdKey(r.number(2**64 - 1))
    if word == "X-GM-LABELS":
        r.sp()
        return GmailLabelKey(parse_label(r))
    if word == "EMAILID":
        r.sp()
        return EmailIdKey(r.atom())
    if word == "THREADID":
        r.sp()
        return ThreadIdKey(r.atom())
    raise ParseError(f"Unknown search key {word}")


def parse_label(r: Reader) -> str:
    """A Gmail label: ``\\Inbox``-style system label or an astring."""
    if r.peek() == 0x5C:  # "\"
        return r.flag()
    return r.decode_mailbox(r.astring(), normalize_inbox=False)


def format_label(label: str) -> bytes:
    """A label as a client writes it (modified UTF-7, ``\\System`` labels bare)."""
    if label.startswith("\\") and label[1:] and astring(label[1:]) == label[1:].encode("utf-8"):
        return label.encode("ascii")
    return astring(encode_mutf7(label))


def format_search_key(key: SearchKey, *, nested: bool = False) -> bytes:
    """Serialize a key; a top-level :class:`AndKey` is written without parentheses."""
    match key:
        case AllKey():
            return b"ALL"
        case NewKey():
            return b"NEW"
        case FlagKey(flag, present):
            name = _FLAG_KEY_NAMES.get((flag, present))
            if name is not None:
                return name.encode("ascii")
            return (b"KEYWORD " if present else b"UNKEYWORD ") + flag.encode("ascii")
        case TextKey(field, value):
            return field.encode("ascii") + b" " + astring(value)
        case HeaderKey(name, value):
            return b"HEADER " + astring(name) + b" " + astring(value)
        case DateKey(field, date):
            return field.encode("ascii") + b" " + imap_date(date)
        case SizeKey(larger, size):
            return (b"LARGER %d" if larger else b"SMALLER %d") % size
        case WithinKey(older, seconds):
            return (b"OLDER %d" if older else b"YOUNGER %d") % seconds
        case SequenceKey(sequence_set, uid):
            return (b"UID " if uid else b"") + bytes(sequence_set)
        case ModSeqKey(modseq, entry_name, entry_type):
            if entry_name is not None:
                return b"MODSEQ %s %s %d" % (
                    quoted(entry_name),
                    (entry_type or "all").encode("ascii"),
                    modseq,
                )
            return b"MODSEQ %d" % modseq
        case GmailRawKey(query):
            return b"X-GM-RAW " + astring(query)
        case GmailMessageIdKey(message_id):
            return b"X-GM-MSGID %d" % message_id
        case GmailThreadIdKey(thread_id):
            return b"X-GM-THRID %d" % thread_id
        case GmailLabelKey(label):
            return b"X-GM-LABELS " + format_label(label)
        case EmailIdKey(email_id):
            return b"EMAILID " + email_id.encode("ascii")
        case ThreadIdKey(thread_id):
            return b"THREADID " + thread_id.encode("ascii")
        case NotKey(inner):
            return b"NOT " + format_search_key(inner, nested=True)
        case OrKey(left, right):
            return (
                b"OR "
                + format_search_key(left, nested=True)
                + b" "
                + format_search_key(right, nested=True)
            )
        case AndKey(keys):
            body = b" ".join(format_search_key(k, nested=True) for k in keys)
            return b"(" + body + b")" if nested else body
    raise TypeError(f"not a search key: {key!r}")
