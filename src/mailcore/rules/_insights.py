"""The figures of the insights page, computed from plain rows."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence

import attrs

from mailcore.model import Label, LabelRole
from mailcore.rules._contacts import ContactRow

#: Rows each ranked list shows.
TOP = 10


@attrs.frozen
class MessageStat:
    """What the insights read of one message."""

    thread_id: int
    internal_date: float
    size: int
    label_ids: frozenset[int]


def largest_threads(stats: Sequence[MessageStat]) -> list[tuple[int, int, int]]:
    """(thread id, messages, bytes) of the largest conversations, most messages first."""
    counts: Counter[int] = Counter()
    sizes: Counter[int] = Counter()
    for s in stats:
        counts[s.thread_id] += 1
        sizes[s.thread_id] += s.size
    ranked = sorted(counts, key=lambda t: (-counts[t], -sizes[t], t))
    return [(t, counts[t], sizes[t]) for t in ranked[:TOP]]


def insights(
    stats: Sequence[MessageStat],
    labels: Sequence[Label],
    contacts: Sequence[ContactRow],
    subjects: Mapping[int, str],
    since: float,
) -> dict[str, object]:
    """Mail received and sent per day (UTC) since ``since``, the top
    correspondents, storage by label and the largest conversations (whose
    subjects ``subjects`` gives)."""
    sent_ids = {lb.id for lb in labels if lb.role is LabelRole.SENT}
    days: dict[str, list[int]] = {}
    for s in stats:
        if s.internal_date < since:
            continue
        day = time.strftime("%Y-%m-%d", time.gmtime(s.internal_date))
        counts = days.setdefault(day, [0, 0])
        counts[1 if s.label_ids & sent_ids else 0] += 1
    top = sorted(contacts, key=lambda c: (-(c.sent + c.received), -c.last_date, c.address))[:TOP]
    storage = sorted(labels, key=lambda lb: -lb.size)
    return {
        "per_day": [{"day": d, "received": r, "sent": s} for d, (r, s) in sorted(days.items())],
        "top_correspondents": [
            {"name": c.name, "address": c.address, "sent": c.sent, "received": c.received} for c in top
        ],
        "storage_by_label": [
            {"label": lb.name, "role": lb.role.value if lb.role else None, "messages": lb.messages, "bytes": lb.size}
            for lb in storage
        ],
        "largest_threads": [
            {"thread_id": t, "subject": subjects.get(t, ""), "messages": c, "bytes": b}
            for t, c, b in largest_threads(stats)
        ],
        "total_messages": len(stats),
        "total_bytes": sum(s.size for s in stats),
    }
