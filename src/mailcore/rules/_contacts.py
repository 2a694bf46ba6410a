"""Whom an account corresponds with, for address autocomplete and insights."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import attrs

from mailcore.model import EmailAddress

#: The score halves (roughly) for every this many seconds since the last message.
RECENCY_SECONDS = 30 * 86400
#: Roles of the labels whose messages count as written by the account.
_WRITTEN_ROLES = frozenset({"sent", "drafts"})


class Addressed(Protocol):
    @property
    def from_(self) -> tuple[EmailAddress, ...]: ...
    @property
    def to(self) -> tuple[EmailAddress, ...]: ...
    @property
    def cc(self) -> tuple[EmailAddress, ...]: ...
    @property
    def bcc(self) -> tuple[EmailAddress, ...]: ...
    @property
    def internal_date(self) -> float: ...


@attrs.frozen
class ContactHit:
    """One message's worth of a correspondent, to add to the stored counters."""

    address: str
    name: str | None
    sent: int
    received: int
    date: float


@attrs.frozen
class ContactRow:
    """A correspondent's stored counters."""

    name: str | None
    address: str
    sent: int
    received: int
    last_date: float


def contact_hits(message: Addressed, label_roles: Iterable[str | None]) -> list[ContactHit]:
    """The correspondents a new message counts for.

    A message in Sent or Drafts was written by the account: its recipients
    count as written to. Any other message counts its senders as read from.
    Addresses are lowercased; anything that is not an address is skipped.
    """
    written = any(role in _WRITTEN_ROLES for role in label_roles)
    people = (*message.to, *message.cc, *message.bcc) if written else message.from_
    hits = []
    for person in people:
        address = person.address.strip().lower()
        if "@" not in address or len(address) > 320:
            continue
        hits.append(
            ContactHit(address, person.name, 1 if written else 0, 0 if written else 1, message.internal_date)
        )
    return hits


def contact_score(row: ContactRow, now: float) -> float:
    """Addresses written to count twice as much as addresses read from, and the
    score decays with the time since the last message."""
    age = max(0.0, now - row.last_date)
    return (row.sent * 2.0 + row.received) / (1.0 + age / RECENCY_SECONDS)


def rank_contacts(rows: Sequence[ContactRow], now: float, limit: int) -> list[tuple[str | None, str, float]]:
    """(name, address, score) of the best ``limit`` correspondents, best first."""
    scored = sorted(((contact_score(r, now), r) for r in rows), key=lambda sr: (-sr[0], sr[1].address))
    return [(row.name, row.address, score) for score, row in scored[:limit]]
