"""Sequence sets (``1,3:5,7:*``, ``$``) and compact UID-set formatting.

A :class:`SequenceSet` keeps the ranges as the client wrote them, so that it
serializes back to equivalent text; :meth:`SequenceSet.resolve` turns it into
a normalized set (sorted, merged, no ``*``) against which membership tests are
a binary search over ranges, never an expanded list.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator

import attrs

__all__ = ["SequenceSet", "compact_set"]

_RANGE = re.compile(r"(\*|[1-9][0-9]{0,9})(?::(\*|[1-9][0-9]{0,9}))?\Z")
_MAX_NUMBER = 0xFFFFFFFF  # nz-number is a 32-bit unsigned value

Range = tuple[int | None, int | None]


def _bound(text: str) -> int | None:
    if text == "*":
        return None
    value = int(text)
    if value > _MAX_NUMBER:
        raise ValueError(f"sequence number out of range: {text}")
    return value


@attrs.frozen
class SequenceSet:
    """A set of message sequence numbers or UIDs.

    ``ranges`` holds ``(first, last)`` pairs in the client's order, ``None``
    standing for ``*``; a single number is ``(n, n)``. ``saved`` is the
    ``$`` of RFC 5182 (the result of the last ``SEARCH RETURN (SAVE)``),
    which the session substitutes before resolving.
    """

    ranges: tuple[Range, ...] = ()
    saved: bool = False
    _starts: tuple[int, ...] = attrs.field(init=False, eq=False, repr=False, default=())

    def __attrs_post_init__(self) -> None:
        if not self.is_resolved():
            return
        object.__setattr__(self, "_starts", tuple(lo for lo, _ in self.ranges))

    # -- construction -------------------------------------------------------

    @classmethod
    def parse(cls, text: str | bytes) -> SequenceSet:
        """Parse ``sequence-set`` or ``$``; raises ValueError on bad syntax or 0."""
        if isinstance(text, bytes | bytearray):
            text = bytes(text).decode("ascii", "replace")
        if text == "$":
            return cls(saved=True)
        if not text:
            raise ValueError("empty sequence set")
        ranges: list[Range] = []
        for part in text.split(","):
            m = _RANGE.match(part)
            if m is None:
                raise ValueError(f"invalid sequence set: {text!r}")
            first = _bound(m.group(1))
            last = first if m.group(2) is None else _bound(m.group(2))
            ranges.append((first, last))
        return cls(tuple(ranges))

    @classmethod
    def from_ids(cls, ids: Iterable[int]) -> SequenceSet:
        """Build a resolved set from any iterable of positive numbers."""
        return cls(tuple(_merge((i, i) for i in ids)))

    # -- inspection ---------------------------------------------------------

    def is_resolved(self) -> bool:
        """True if this set is sorted, merged and free of ``*`` and ``$``."""
        if self.saved:
            return False
        previous = -1
        for lo, hi in self.ranges:
            if lo is None or hi is None or lo > hi or lo <= previous + 1:
                return False
            previous = hi
        return True

    @property
    def has_star(self) -> bool:
        return any(lo is None or hi is None for lo, hi in self.ranges)

    def resolve(self, max_value: int) -> SequenceSet:
        """Replace ``*`` by *max_value*, order and merge the ranges.

        ``n:*`` with ``n`` above *max_value* keeps ``max_value:n`` as RFC 9051
        says; with an empty mailbox (*max_value* 0) ``*`` matches nothing.
        """
        if self.saved:
            raise ValueError("resolve the saved search result ($) before the set")
        pairs: list[tuple[int, int]] = []
        for lo, hi in self.ranges:
            if max_value < 1 and (lo is None or hi is None):
                continue
            a = max_value if lo is None else lo
            b = max_value if hi is None else hi
            if a > b:
                a, b = b, a
            if a < 1:
                a = 1
            if b >= a:
                pairs.append((a, b))
        return SequenceSet(tuple(_merge(pairs)))

    def _resolved_ranges(self) -> tuple[Range, ...]:
        if not self.is_resolved():
            raise ValueError("sequence set must be resolved first (contains * or $)")
        return self.ranges

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return False
        ranges = self._resolved_ranges()
        i = bisect.bisect_right(self._starts, value) - 1
        if i < 0:
            return False
        hi = ranges[i][1]
        return hi is not None and value <= hi

    def contains(self, value: int, max_value: int) -> bool:
        """Membership without building a resolved set first."""
        for lo, hi in self.ranges:
            a = max_value if lo is None else lo
            b = max_value if hi is None else hi
            if min(a, b) <= value <= max(a, b):
                return True
        return False

    def __iter__(self) -> Iterator[int]:
        for lo, hi in self._resolved_ranges():
            assert lo is not None and hi is not None
            yield from range(lo, hi + 1)

    def __len__(self) -> int:
        total = 0
        for lo, hi in self._resolved_ranges():
            assert lo is not None and hi is not None
            total += hi - lo + 1
        return total

    def __bool__(self) -> bool:
        return bool(self.ranges) or self.saved

    def iter_ranges(self) -> Iterator[tuple[int, int]]:
        """The (first, last) pairs of a resolved set, ascending."""
        for lo, hi in self._resolved_ranges():
            assert lo is not None and hi is not None
            yield lo, hi

    # -- serialization ------------------------------------------------------

    def __str__(self) -> str:
        if self.saved:
            return "$"
        parts = []
        for lo, hi in self.ranges:
            a = "*" if lo is None else str(lo)
            if lo == hi:
                parts.append(a)
            else:
                parts.append(a + ":" + ("*" if hi is None else str(hi)))
        return ",".join(parts)

    def __bytes__(self) -> bytes:
        return str(self).encode("ascii")


def _merge(pairs: Iterable[tuple[int, int]]) -> list[Range]:
    ordered = sorted(pairs)
    merged: list[list[int]] = []
    for lo, hi in ordered:
        if lo < 1:
            raise ValueError("sequence numbers start at 1")
        if merged and lo <= merged[-1][1] + 1:
            if hi > merged[-1][1]:
                merged[-1][1] = hi
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def compact_set(ids: Iterable[int]) -> bytes:
    """Format ids as ``1:3,5`` keeping the caller's order.

    Consecutive ascending runs collapse into ranges; nothing is sorted, so
    the source and destination sets of ``COPYUID`` stay in correspondence
    when both are given in the same order.
    """
    out: list[str] = []
    start = prev = -2
    for i in ids:
        if i == prev + 1:
            prev = i
            continue
        if prev >= 0:
            out.append(str(start) if start == prev else f"{start}:{prev}")
        start = prev = i
    if prev >= 0:
        out.append(str(start) if start == prev else f"{start}:{prev}")
    return ",".join(out).encode("ascii")
