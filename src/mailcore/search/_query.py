"""The Gmail search language: a typed query tree, its parser and its printer.

A query is parsed once, here in the core, into a small tree of frozen
``attrs`` nodes. Each :class:`~mailcore.store.base.SearchIndex` adapter
compiles the tree into its own language (FTS5 and SQL, the Elasticsearch
DSL, ...), so the grammar and its corner cases live in exactly one place.

Promises:

* :func:`parse_query` either returns a tree or raises
  :class:`~mailcore.errors.QuerySyntaxError` naming the problem and the
  0-based position in the text where it was found. Nothing else escapes, and
  the work done is linear in the length of the query (which is capped).
* Trees come out normalized: ``And``/``Or`` are flattened and never hold a
  single item, double negations cancel, and ``MatchAll``/``MatchNone`` only
  ever appear as the whole query.
* :func:`format_query` writes Gmail syntax back, and for every tree that
  :func:`parse_query` can return, ``parse_query(format_query(q)) == q``.
"""

from __future__ import annotations

import calendar
import datetime
import math
import re
from collections.abc import Callable, Iterable
from typing import Literal, TypeAlias

import attrs

from mailcore.errors import QuerySyntaxError

FieldName = Literal["from", "to", "cc", "bcc", "subject", "filename"]
FIELD_NAMES: tuple[FieldName, ...] = ("from", "to", "cc", "bcc", "subject", "filename")

#: Longest query accepted, in characters: a query is a denial-of-service surface.
MAX_QUERY_LENGTH = 8192
#: Deepest nesting of parentheses and braces accepted.
MAX_NESTING = 32


# ----------------------------------------------------------------------------- nodes


def _to_query_tuple(items: Iterable[Query]) -> tuple[Query, ...]:
    return tuple(items)


def _to_int_frozenset(ids: Iterable[int]) -> frozenset[int]:
    return frozenset(ids)


@attrs.frozen
class And:
    """Every item matches."""

    items: tuple[Query, ...] = attrs.field(converter=_to_query_tuple)


@attrs.frozen
class Or:
    """At least one item matches."""

    items: tuple[Query, ...] = attrs.field(converter=_to_query_tuple)


@attrs.frozen
class Not:
    """The item does not match."""

    item: Query


@attrs.frozen
class Text:
    """Whole words anywhere: subject, body, from, to, cc and attachment names.

    ``phrase`` is True for a quoted phrase (the words adjacent, in order). An
    unquoted value is one "word" as typed, which may hold punctuation
    (``alice@example.com``); adapters match its tokens adjacent and in order.
    A value holding no letter or digit matches nothing.
    """

    value: str
    phrase: bool = False


@attrs.frozen
class Field:
    """Whole words in one header field, or in the attachment file names."""

    field: FieldName = attrs.field(validator=attrs.validators.in_(FIELD_NAMES))
    value: str
    phrase: bool = False


@attrs.frozen
class HasAttachment:
    """The message has at least one attachment."""


@attrs.frozen
class Flag:
    """The message carries this IMAP flag (``\\Seen``, ``\\Flagged``, a keyword)."""

    flag: str


@attrs.frozen
class Label:
    """A label by name, as the user typed it; the engine resolves it to ids."""

    name: str


@attrs.frozen
class LabelIds:
    """The message carries at least one of these labels. An empty set matches nothing."""

    ids: frozenset[int] = attrs.field(converter=_to_int_frozenset)


@attrs.frozen
class DateBefore:
    """The message date is strictly before ``ts`` (seconds since the epoch)."""

    ts: float


@attrs.frozen
class DateAfter:
    """The message date is at or after ``ts`` (seconds since the epoch)."""

    ts: float


@attrs.frozen
class OlderThan:
    """The message date is strictly before ``now - seconds``."""

    seconds: float


@attrs.frozen
class NewerThan:
    """The message date is at or after ``now - seconds``."""

    seconds: float


@attrs.frozen
class Larger:
    """The message is strictly larger than ``size`` bytes."""

    size: int


@attrs.frozen
class Smaller:
    """The message is strictly smaller than ``size`` bytes."""

    size: int


@attrs.frozen
class MatchAll:
    """Every message (the empty query)."""


@attrs.frozen
class MatchNone:
    """No message."""


Query: TypeAlias = (
    And
    | Or
    | Not
    | Text
    | Field
    | HasAttachment
    | Flag
    | Label
    | LabelIds
    | DateBefore
    | DateAfter
    | OlderThan
    | NewerThan
    | Larger
    | Smaller
    | MatchAll
    | MatchNone
)


# ------------------------------------------------------------------------ normalizing


def and_(items: Iterable[Query]) -> Query:
    """``And`` of ``items``, flattened and trivially simplified."""
    flat: list[Query] = []
    for item in items:
        match item:
            case And(items=inner):
                flat.extend(inner)
            case MatchAll():
                pass
            case MatchNone():
                return MatchNone()
            case _:
                flat.append(item)
    if not flat:
        return MatchAll()
    if len(flat) == 1:
        return flat[0]
    return And(tuple(flat))


def or_(items: Iterable[Query]) -> Query:
    """``Or`` of ``items``, flattened and trivially simplified."""
    flat: list[Query] = []
    for item in items:
        match item:
            case Or(items=inner):
                flat.extend(inner)
            case MatchNone():
                pass
            case MatchAll():
                return MatchAll()
            case _:
                flat.append(item)
    if not flat:
        return MatchNone()
    if len(flat) == 1:
        return flat[0]
    return Or(tuple(flat))


def not_(item: Query) -> Query:
    """``Not`` of ``item``, with double negation and constants simplified."""
    match item:
        case Not(item=inner):
            return inner
        case MatchAll():
            return MatchNone()
        case MatchNone():
            return MatchAll()
        case _:
            return Not(item)


# ---------------------------------------------------------------------- value grammar

_SPECIAL = frozenset('()"{}')

_DAY = 86400.0
_RELATIVE_UNITS = {
    "s": 1.0,
    "h": 3600.0,
    "d": _DAY,
    "w": 7 * _DAY,
    "m": 30 * _DAY,
    "y": 365 * _DAY,
}
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}

_NUMBER = r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
_DATE_RE = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})")
_EPOCH_RE = re.compile(rf"-?{_NUMBER}")
_RELATIVE_RE = re.compile(rf"({_NUMBER})([a-zA-Z])")
_SIZE_RE = re.compile(rf"({_NUMBER})(?:([kKmMgG])[bB]?)?")
_OPERATOR_RE = re.compile(r"([A-Za-z_]+):")

_IS_VALUES: dict[str, Query] = {
    "unread": Not(Flag("\\Seen")),
    "read": Flag("\\Seen"),
    "starred": Flag("\\Flagged"),
    "important": Label("Important"),
}
_SYSTEM_LABELS = {
    "inbox": "INBOX",
    "sent": "Sent",
    "trash": "Trash",
    "spam": "Spam",
    "drafts": "Drafts",
    "starred": "Starred",
    "important": "Important",
}


def _parse_date(value: str, position: int, query: str) -> float:
    if m := _DATE_RE.fullmatch(value):
        year, month, day = (int(g) for g in m.groups())
        try:
            date = datetime.date(year, month, day)
        except ValueError:
            raise QuerySyntaxError(f"no such date {value!r}", position, query) from None
        return float(calendar.timegm(date.timetuple()))
    if _EPOCH_RE.fullmatch(value):
        ts = float(value)
        if math.isfinite(ts):
            return ts
    raise QuerySyntaxError(
        f"bad date {value!r} (expected YYYY/MM/DD, YYYY-MM-DD or epoch seconds)",
        position,
        query,
    )


def _parse_relative(value: str, position: int, query: str) -> float:
    m = _RELATIVE_RE.fullmatch(value)
    if m and m.group(2).lower() in _RELATIVE_UNITS:
        seconds = float(m.group(1)) * _RELATIVE_UNITS[m.group(2).lower()]
        if math.isfinite(seconds):
            return seconds
    raise QuerySyntaxError(
        f"bad relative date {value!r} (expected a number and d, w, m or y, as in 7d)",
        position,
        query,
    )


def _parse_size(value: str, position: int, query: str) -> int:
    m = _SIZE_RE.fullmatch(value)
    if m:
        number = float(m.group(1))
        if math.isfinite(number):
            unit = _SIZE_UNITS[(m.group(2) or "").lower()]
            if "." in m.group(1) or "e" in m.group(1).lower():
                return round(number * unit)
            return int(m.group(1)) * unit
    raise QuerySyntaxError(
        f"bad size {value!r} (expected bytes, or a number and K, M or G, as in 10M)",
        position,
        query,
    )


_OperatorBuilder = Callable[[str, bool, int, str], Query]


def _field_builder(field: FieldName) -> _OperatorBuilder:
    def build(value: str, phrase: bool, position: int, query: str) -> Query:
        return Field(field, value, phrase)

    return build


def _build_has(value: str, phrase: bool, position: int, query: str) -> Query:
    if value.lower() == "attachment":
        return HasAttachment()
    raise QuerySyntaxError(f"unknown has: value {value!r}", position, query)


def _build_is(value: str, phrase: bool, position: int, query: str) -> Query:
    try:
        return _IS_VALUES[value.lower()]
    except KeyError:
        raise QuerySyntaxError(f"unknown is: value {value!r}", position, query) from None


def _build_label(value: str, phrase: bool, position: int, query: str) -> Query:
    return Label(value)


def _build_in(value: str, phrase: bool, position: int, query: str) -> Query:
    key = value.lower()
    if key == "anywhere":
        return MatchAll()
    return Label(_SYSTEM_LABELS.get(key, value))


def _build_before(value: str, phrase: bool, position: int, query: str) -> Query:
    return DateBefore(_parse_date(value, position, query))


def _build_after(value: str, phrase: bool, position: int, query: str) -> Query:
    return DateAfter(_parse_date(value, position, query))


def _build_older_than(value: str, phrase: bool, position: int, query: str) -> Query:
    return OlderThan(_parse_relative(value, position, query))


def _build_newer_than(value: str, phrase: bool, position: int, query: str) -> Query:
    return NewerThan(_parse_relative(value, position, query))


def _build_larger(value: str, phrase: bool, position: int, query: str) -> Query:
    return Larger(_parse_size(value, position, query))


def _build_smaller(value: str, phrase: bool, position: int, query: str) -> Query:
    return Smaller(_parse_size(value, position, query))


_OPERATORS: dict[str, _OperatorBuilder] = {
    **{name: _field_builder(name) for name in FIELD_NAMES},
    "has": _build_has,
    "is": _build_is,
    "label": _build_label,
    "in": _build_in,
    "before": _build_before,
    "older": _build_before,
    "after": _build_after,
    "newer": _build_after,
    "older_than": _build_older_than,
    "newer_than": _build_newer_than,
    "larger": _build_larger,
    "size": _build_larger,
    "smaller": _build_smaller,
}


def _build_text(value: str, phrase: bool, position: int, query: str) -> Query:
    return Text(value, phrase)


# ----------------------------------------------------------------------------- parser


class _Parser:
    """Recursive descent over the characters of one query.

    Grammar (``OR`` binds tighter than the implicit ``AND``, as in Gmail)::

        query    := sequence
        sequence := orexpr ( ["AND"] orexpr )*
        orexpr   := unary ( "OR" unary )*
        unary    := "-"* primary
        primary  := "(" sequence ")" | "{" sequence "}" | phrase | operator | word
        operator := NAME ":" ( word | phrase | "(" sequence ")" | "{" sequence "}" )

    Inside an operator's group, bare words and phrases become values of that
    operator (``from:(alice OR bob)``).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    def error(self, message: str, position: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, position, self.text)

    # -- lexical helpers

    def skip_ws(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        self.pos = pos

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def word_end(self, start: int) -> int:
        text, pos = self.text, start
        while pos < len(text) and not text[pos].isspace() and text[pos] not in _SPECIAL:
            pos += 1
        return pos

    def keyword_at(self) -> str | None:
        """``"OR"`` or ``"AND"`` when the word at the cursor is that keyword."""
        end = self.word_end(self.pos)
        word = self.text[self.pos : end]
        return word if word in ("OR", "AND") else None

    def read_phrase(self) -> str:
        start = self.pos
        end = self.text.find('"', start + 1)
        if end < 0:
            raise self.error("unterminated quote", start)
        value = self.text[start + 1 : end]
        self.pos = end + 1
        return value

    # -- grammar

    def parse(self) -> Query:
        if len(self.text) > MAX_QUERY_LENGTH:
            raise self.error(
                f"query too long (more than {MAX_QUERY_LENGTH} characters)", MAX_QUERY_LENGTH
            )
        return and_(self.sequence(_build_text, None, 0))

    def sequence(self, build: _OperatorBuilder, closer: str | None, open_pos: int) -> list[Query]:
        items: list[Query] = []
        while True:
            self.skip_ws()
            if self.at_end():
                if closer is not None:
                    raise self.error(f"unbalanced {self.text[open_pos]!r}: not closed", open_pos)
                return items
            char = self.text[self.pos]
            if char in ")}":
                if char == closer:
                    self.pos += 1
                    return items
                raise self.error(f"unbalanced {char!r}: nothing to close", self.pos)
            keyword = self.keyword_at()
            if keyword == "AND":
                and_pos = self.pos
                if not items:
                    raise self.error("AND with nothing before it", and_pos)
                self.pos += 3
                self.skip_ws()
                if self.at_end() or self.text[self.pos] in ")}" or self.keyword_at():
                    raise self.error("AND with nothing after it", and_pos)
                continue
            items.append(self.or_expr(build))

    def or_expr(self, build: _OperatorBuilder) -> Query:
        items = [self.unary(build)]
        while True:
            saved = self.pos
            self.skip_ws()
            if self.keyword_at() != "OR":
                self.pos = saved
                return or_(items)
            or_pos = self.pos
            self.pos += 2
            self.skip_ws()
            if self.at_end() or self.text[self.pos] in ")}" or self.keyword_at():
                raise self.error("OR with nothing after it", or_pos)
            items.append(self.unary(build))

    def unary(self, build: _OperatorBuilder) -> Query:
        negations = 0
        while not self.at_end() and self.text[self.pos] == "-":
            minus_pos = self.pos
            self.pos += 1
            if self.at_end() or self.text[self.pos].isspace() or self.text[self.pos] in ")}":
                raise self.error("'-' with nothing after it", minus_pos)
            negations += 1
        item = self.primary(build)
        return not_(item) if negations % 2 else item

    def group(self, build: _OperatorBuilder) -> Query:
        open_pos = self.pos
        opener = self.text[open_pos]
        if self.depth >= MAX_NESTING:
            raise self.error(f"groups nested more than {MAX_NESTING} deep", open_pos)
        self.depth += 1
        self.pos += 1
        closer = ")" if opener == "(" else "}"
        items = self.sequence(build, closer, open_pos)
        self.depth -= 1
        if not items:
            raise self.error(f"empty group '{opener}{closer}'", open_pos)
        return and_(items) if opener == "(" else or_(items)

    def primary(self, build: _OperatorBuilder) -> Query:
        start = self.pos
        char = self.text[start]
        if char in "({":
            return self.group(build)
        if char == '"':
            value = self.read_phrase()
            if not value.strip():
                raise self.error("empty quoted phrase", start)
            return build(value, True, start, self.text)
        keyword = self.keyword_at()
        if keyword:
            raise self.error(f"{keyword} with nothing before it", start)
        end = self.word_end(start)
        word = self.text[start:end]
        m = _OPERATOR_RE.match(word)
        if m and m.group(1).lower() in _OPERATORS:
            self.pos = start + m.end()
            return self.operator_value(m.group(1), _OPERATORS[m.group(1).lower()])
        self.pos = end
        return build(word, False, start, self.text)

    def operator_value(self, name: str, build: _OperatorBuilder) -> Query:
        start = self.pos
        if self.at_end() or self.text[start].isspace() or self.text[start] in ")}":
            raise self.error(f"empty value for '{name}:'", start)
        char = self.text[start]
        if char in "({":
            return self.group(build)
        if char == '"':
            value = self.read_phrase()
            if not value.strip():
                raise self.error(f"empty value for '{name}:'", start)
            return build(value, True, start, self.text)
        end = self.word_end(start)
        self.pos = end
        return build(self.text[start:end], False, start, self.text)


def parse_query(text: str) -> Query:
    """Parse Gmail search syntax into a normalized query tree.

    Raises :class:`~mailcore.errors.QuerySyntaxError` (and nothing else) for
    malformed input, with the 0-based position of the problem.
    """
    return _Parser(text).parse()


# ---------------------------------------------------------------------------- labels


def resolve_labels(query: Query, resolve: Callable[[str], frozenset[int]]) -> Query:
    """Replace every :class:`Label` by the :class:`LabelIds` ``resolve`` gives its name.

    ``resolve`` returns an empty set for a name it does not know; such a
    label then matches nothing.
    """
    match query:
        case Label(name=name):
            return LabelIds(resolve(name))
        case And(items=items):
            return And(tuple(resolve_labels(item, resolve) for item in items))
        case Or(items=items):
            return Or(tuple(resolve_labels(item, resolve) for item in items))
        case Not(item=item):
            return Not(resolve_labels(item, resolve))
        case _:
            return query


# ---------------------------------------------------------------------------- printer

_FIELD_FOR_FLAG = {"\\Seen": "is:read", "\\Flagged": "is:starred"}


def _is_bare_word(value: str) -> bool:
    return bool(value) and not any(ch.isspace() or ch in _SPECIAL for ch in value)


def _is_bare_text(value: str) -> bool:
    """Would ``value`` parse back, unquoted, as this very Text word?"""
    if not _is_bare_word(value) or value.startswith("-") or value in ("OR", "AND"):
        return False
    m = _OPERATOR_RE.match(value)
    return not (m and m.group(1).lower() in _OPERATORS)


def _quoted(value: str) -> str:
    # A phrase cannot hold a double quote; Gmail has no escape for one.
    return '"' + value.replace('"', " ") + '"'


def _operand(value: str, phrase: bool) -> str:
    return value if not phrase and _is_bare_word(value) else _quoted(value)


def _number(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    return repr(value)


def _date(ts: float) -> str:
    """A UTC midnight as ``YYYY/MM/DD``, anything else as epoch seconds."""
    if ts.is_integer() and ts % _DAY == 0:
        try:
            day = datetime.datetime.fromtimestamp(ts, datetime.UTC).date()
        except (OverflowError, OSError, ValueError):
            return _number(ts)
        if day.year >= 1000:
            return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"
    return _number(ts)


def _relative(seconds: float) -> str:
    if seconds.is_integer() and seconds > 0:
        for unit in ("y", "m", "w", "d", "h"):
            size = _RELATIVE_UNITS[unit]
            if seconds % size == 0:
                return f"{int(seconds // size)}{unit}"
    return f"{_number(seconds)}s"


def _size(size: int) -> str:
    if size > 0:
        for unit, factor in (("G", 1024**3), ("M", 1024**2), ("K", 1024)):
            if size % factor == 0:
                return f"{size // factor}{unit}"
    return str(size)


def _format(query: Query) -> str:
    match query:
        case And(items=items):
            return " ".join(f"({_format(i)})" if isinstance(i, And) else _format(i) for i in items)
        case Or(items=items):
            return " OR ".join(
                f"({_format(i)})" if isinstance(i, And | Or) else _format(i) for i in items
            )
        case Not(item=Flag(flag="\\Seen")):
            return "is:unread"
        case Not(item=item):
            inner = _format(item)
            return f"-({inner})" if isinstance(item, And | Or) else f"-{inner}"
        case Text(value=value, phrase=phrase):
            return value if not phrase and _is_bare_text(value) else _quoted(value)
        case Field(field=field, value=value, phrase=phrase):
            return f"{field}:{_operand(value, phrase)}"
        case HasAttachment():
            return "has:attachment"
        case Flag(flag=flag):
            if flag in _FIELD_FOR_FLAG:
                return _FIELD_FOR_FLAG[flag]
            raise ValueError(f"flag {flag!r} has no Gmail search syntax")
        case Label(name=name):
            return f"label:{_operand(name, False)}"
        case LabelIds():
            raise ValueError("resolved label ids have no Gmail search syntax")
        case DateBefore(ts=ts):
            return f"before:{_date(ts)}"
        case DateAfter(ts=ts):
            return f"after:{_date(ts)}"
        case OlderThan(seconds=seconds):
            return f"older_than:{_relative(seconds)}"
        case NewerThan(seconds=seconds):
            return f"newer_than:{_relative(seconds)}"
        case Larger(size=size):
            return f"larger:{_size(size)}"
        case Smaller(size=size):
            return f"smaller:{_size(size)}"
        case MatchAll():
            return "in:anywhere"
        case MatchNone():
            return "-in:anywhere"
    raise TypeError(f"not a query node: {query!r}")


def format_query(query: Query) -> str:
    """Write ``query`` in Gmail syntax; the empty query is the empty string.

    Exact for every tree :func:`parse_query` returns. Trees built by hand
    that Gmail syntax cannot spell raise ``ValueError`` (resolved
    :class:`LabelIds`, flags other than ``\\Seen``/``\\Flagged``); text
    values that cannot be written bare are quoted.
    """
    if isinstance(query, MatchAll):
        return ""
    return _format(query)
