"""Query trees compiled to SQL conditions over ``search_docs d``.

Every value a user typed is a bound parameter: words become ``tsquery``
values built by :mod:`._words` from letters and digits only, so neither SQL
nor the ``tsquery`` syntax ever sees user text. Parameters are numbered as
they are bound (``$1``, ``$2``, ...), so the order conditions are written in
does not matter.

The textual conjuncts of a query are merged per column into one ``tsquery``
(``'budget' & 'numbers' & !'draft'``): one GIN lookup however many words. A
phrase of bare words also requires its pairs on the ``pairs`` column, which
the GIN index answers exactly, so positions are checked only where the
phrase can be. Which plan runs (walk the ``(account_id, date, message_id)``
index newest first and stop at ``limit``, or collect GIN bitmaps and sort)
is PostgreSQL's choice, from its statistics of lexemes, pairs, labels and
flags; the pool plans every statement with its actual parameters for that
reason (and :class:`._index.Statements` helps it with phrases in fields).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import attrs

from mailcore.search import (
    And,
    DateAfter,
    DateBefore,
    Field,
    Flag,
    HasAttachment,
    Label,
    LabelIds,
    Larger,
    MatchAll,
    MatchNone,
    NewerThan,
    Not,
    OlderThan,
    Or,
    Query,
    Smaller,
    Text,
)
from mailcore.store._postgres_search._words import FIELD_PREFIX, phrase, tokens

Column = Literal["words", "fields"]

_COLUMN = re.compile(r"\bd\.(\w+)")

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def clamp_int(value: int) -> int:
    return max(_INT64_MIN, min(_INT64_MAX, value))


def valid_ids(ids: frozenset[int]) -> list[int]:
    return sorted(i for i in ids if _INT64_MIN <= i <= _INT64_MAX)


def prepare(query: Query) -> Query:
    """``query`` with what cannot match folded away.

    Words with no letter or digit match nothing, and so does an empty set of
    labels; ``MatchAll`` and ``MatchNone`` are then folded into their parents.
    Raises ValueError for a label name not resolved to ids (anywhere in the
    tree, before any I/O).
    """
    match query:
        case Text(value=value) | Field(value=value):
            return query if tokens(value) else MatchNone()
        case LabelIds(ids=ids):
            return query if valid_ids(ids) else MatchNone()
        case Flag(flag=flag) if "\x00" in flag:
            return MatchNone()  # no stored flag holds a NUL
        case Label(name=name):
            raise ValueError(f"label {name!r} is not resolved: use resolve_labels()")
        case Not(item=item):
            inner = prepare(item)
            if isinstance(inner, MatchAll):
                return MatchNone()
            if isinstance(inner, MatchNone):
                return MatchAll()
            return Not(inner)
        case And(items=items):
            parts = [prepare(item) for item in items]
            if any(isinstance(p, MatchNone) for p in parts):
                return MatchNone()
            parts = [p for p in parts if not isinstance(p, MatchAll)]
            if not parts:
                return MatchAll()
            return parts[0] if len(parts) == 1 else And(tuple(parts))
        case Or(items=items):
            parts = [prepare(item) for item in items]
            if any(isinstance(p, MatchAll) for p in parts):
                return MatchAll()
            parts = [p for p in parts if not isinstance(p, MatchNone)]
            if not parts:
                return MatchNone()
            return parts[0] if len(parts) == 1 else Or(tuple(parts))
    return query


@attrs.frozen
class Words:
    """A tree of words on one column, as ``tsquery`` texts.

    ``query`` is matched against ``column``; ``pairs``, when not None, is a
    condition on the ``pairs`` vector that every match also meets (what its
    phrases imply), for the GIN index to narrow the candidates with.
    """

    column: Column
    query: str
    pairs: str | None


def _join(op: str, parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else op.join(f"({p})" for p in parts)


def words_of(
    column: Column, positive: Sequence[Words], negative: Sequence[Words] = (), *, op: str = " & "
) -> Words:
    """Positive trees (and negated ones, for ``&``) of one column, as one."""
    query = _join(op, [w.query for w in positive] + [f"!({w.query})" for w in negative])
    implied = [w.pairs for w in positive if w.pairs is not None]
    if op == " | " and len(implied) < len(positive):
        return Words(column, query, None)  # a branch implies nothing
    return Words(column, query, _join(op, implied) if implied else None)


def textual(query: Query) -> Words | None:
    """The words of a tree of words on one column, or None.

    Bare words search the ``words`` vector and field operators the ``fields``
    vector; a tree mixing both, or holding anything else, is not textual.
    The tree must have been through :func:`prepare` (every word list is
    non-empty).
    """
    match query:
        case Text(value=value):
            return Words("words", *phrase(tokens(value)))
        case Field(field=field, value=value):
            return Words("fields", *phrase(tokens(value), prefix=FIELD_PREFIX[field]))
        case Not(item=item):
            inner = textual(item)
            return None if inner is None else Words(inner.column, f"!({inner.query})", None)
        case And(items=items) | Or(items=items):
            parts = [textual(item) for item in items]
            columns = {part.column for part in parts if part is not None}
            if None in parts or len(columns) != 1:
                return None
            op = " & " if isinstance(query, And) else " | "
            return words_of(columns.pop(), [p for p in parts if p is not None], op=op)
    return None


@attrs.define
class Compiler:
    """Writes SQL conditions over ``search_docs d``, binding every value."""

    now: float
    params: list[Any] = attrs.field(factory=list)
    #: The columns of ``d`` the conditions written so far read.
    columns: set[str] = attrs.field(factory=set)

    def bind(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}"

    def match(self, words: Words) -> str:
        self.columns.add(words.column)
        matched = f"d.{words.column} @@ {self.bind(words.query)}::tsquery"
        if words.pairs is None:
            return matched
        self.columns.add("pairs")
        return f"(d.pairs @@ {self.bind(words.pairs)}::tsquery AND {matched})"

    def condition(self, query: Query) -> str:
        sql = self._condition(query)
        self.columns.update(_COLUMN.findall(sql))
        return sql

    def _condition(self, query: Query) -> str:
        match query:
            case And(items=items):
                return self.conjunction(items)
            case Or(items=items):
                return self.disjunction(items)
            case Not(item=item):
                inner = textual(item)
                if inner is not None:
                    inner = Words(inner.column, inner.query, None)  # implied: no help here
                    return f"NOT ({self.match(inner)})"
                return f"NOT ({self.condition(item)})"
            case Text() | Field():
                text = textual(query)
                assert text is not None
                return self.match(text)
            case HasAttachment():
                return "d.has_attachment"
            case Flag(flag=flag):
                return f"d.flags @> {self.bind([flag])}::text[]"
            case LabelIds(ids=ids):
                return f"d.labels && {self.bind(valid_ids(ids))}::bigint[]"
            case Label(name=name):
                raise ValueError(f"label {name!r} is not resolved: use resolve_labels()")
            case DateBefore(ts=ts):
                return f"d.date < {self.bind(float(ts))}"
            case DateAfter(ts=ts):
                return f"d.date >= {self.bind(float(ts))}"
            case OlderThan(seconds=seconds):
                return f"d.date < {self.bind(float(self.now - seconds))}"
            case NewerThan(seconds=seconds):
                return f"d.date >= {self.bind(float(self.now - seconds))}"
            case Larger(size=size):
                return f"d.size > {self.bind(clamp_int(size))}"
            case Smaller(size=size):
                return f"d.size < {self.bind(clamp_int(size))}"
            case MatchAll():
                return "TRUE"
            case MatchNone():
                return "FALSE"
        raise TypeError(f"not a query node: {query!r}")

    def conjunction(self, items: Sequence[Query]) -> str:
        """Merge the words of each column into one ``tsquery``, then the rest."""
        positive: dict[Column, list[Words]] = {"words": [], "fields": []}
        negative: dict[Column, list[Words]] = {"words": [], "fields": []}
        others: list[Query] = []
        for item in items:
            if isinstance(item, Not) and (inner := textual(item.item)) is not None:
                negative[inner.column].append(inner)
            elif not isinstance(item, Not) and (text := textual(item)) is not None:
                positive[text.column].append(text)
            else:
                others.append(item)
        parts: list[str] = []
        for column in ("words", "fields"):
            pos, neg = positive[column], negative[column]
            if pos:
                parts.append(self.match(words_of(column, pos, neg)))
            elif neg:
                merged = Words(column, _join(" | ", [n.query for n in neg]), None)
                parts.append(f"NOT ({self.match(merged)})")
        parts.extend(self.condition(item) for item in others)
        return "(" + " AND ".join(parts) + ")"

    def disjunction(self, items: Sequence[Query]) -> str:
        """Merge the positive words of each column into one ``tsquery``, then the rest."""
        texts: dict[Column, list[Words]] = {"words": [], "fields": []}
        others: list[Query] = []
        for item in items:
            if not isinstance(item, Not) and (text := textual(item)) is not None:
                texts[text.column].append(text)
            else:
                others.append(item)
        parts = [
            self.match(words_of(column, found, op=" | "))
            for column, found in texts.items()
            if found
        ]
        parts.extend(self.condition(item) for item in others)
        return "(" + " OR ".join(parts) + ")"
