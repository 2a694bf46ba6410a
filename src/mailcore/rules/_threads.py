"""Gmail conversations: which thread a new message joins, and how a thread reads in a list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs

from mailcore.model import EmailAddress

#: How long a subject-only match may reach back to join a thread (seconds).
SUBJECT_THREAD_WINDOW = 30 * 86400
#: Senders a conversation row names, the most recent last.
MAX_PARTICIPANTS = 8


class Threadable(Protocol):
    """What threading reads of a new message (a ``MessageRecord`` has it all)."""

    @property
    def message_id(self) -> str | None: ...
    @property
    def in_reply_to(self) -> tuple[str, ...]: ...
    @property
    def references(self) -> tuple[str, ...]: ...
    @property
    def thread_subject(self) -> str: ...
    @property
    def reply_like(self) -> bool: ...
    @property
    def internal_date(self) -> float: ...


@attrs.frozen
class ThreadCandidate:
    """A conversation that holds one of the new message's thread keys."""

    id: int
    thread_subject: str
    last_date: float


def thread_keys(message: Threadable) -> list[str]:
    """The Message-IDs that tie a message to a conversation: its references,
    its parent and its own id. The store maps each to the thread it joins."""
    keys = [k for k in (*message.references, *message.in_reply_to) if k]
    if message.message_id:
        keys.append(message.message_id)
    return list(dict.fromkeys(keys))


def choose_thread(message: Threadable, candidates: Sequence[ThreadCandidate]) -> int | None:
    """The conversation a message joins among those holding its keys, or None.

    The most recent candidate wins, but Gmail splits a conversation when the
    subject changes: a candidate whose normalized subject differs is passed
    over (an empty subject on either side matches anything).
    """
    for candidate in sorted(candidates, key=lambda c: (c.last_date, c.id), reverse=True):
        if not message.thread_subject or not candidate.thread_subject:
            return candidate.id
        if candidate.thread_subject == message.thread_subject:
            return candidate.id
    return None


def subject_window_start(message: Threadable) -> float | None:
    """When no key matched, a reply-like message (``Re:``, ``Fwd:``) may join the
    newest conversation with the same normalized subject whose last message is
    at most :data:`SUBJECT_THREAD_WINDOW` older. Return the earliest last date
    such a conversation may have, or None when the message may not join by subject.
    """
    if not message.reply_like or not message.thread_subject:
        return None
    return message.internal_date - SUBJECT_THREAD_WINDOW


@attrs.frozen
class ThreadMember:
    """One message of a conversation, as its summary needs it."""

    subject: str
    internal_date: float
    seen: bool
    flagged: bool
    has_attachment: bool
    snippet: str
    from_: tuple[EmailAddress, ...]
    label_ids: frozenset[int]


@attrs.frozen
class ThreadRow:
    """What a conversation row shows, computed from its messages."""

    subject: str
    last_date: float
    message_count: int
    unread_count: int
    flagged: bool
    has_attachment: bool
    snippet: str
    participants: tuple[EmailAddress, ...]
    label_ids: frozenset[int]


def summarize_thread(members: Sequence[ThreadMember]) -> ThreadRow | None:
    """The summary of a conversation whose messages are given oldest first.

    The subject is the first message's, the snippet the last one's; the
    participants are the distinct senders (by address, case-insensitive) in
    order of first appearance, the last :data:`MAX_PARTICIPANTS` of them; the
    labels are every label any of its messages carries. None for no messages:
    the conversation is gone.
    """
    if not members:
        return None
    participants: list[EmailAddress] = []
    seen_addresses: set[str] = set()
    labels: set[int] = set()
    for member in members:
        labels |= member.label_ids
        for person in member.from_:
            key = (person.address or "").lower()
            if key in seen_addresses:
                continue
            seen_addresses.add(key)
            participants.append(person)
    return ThreadRow(
        subject=members[0].subject,
        last_date=max(m.internal_date for m in members),
        message_count=len(members),
        unread_count=sum(1 for m in members if not m.seen),
        flagged=any(m.flagged for m in members),
        has_attachment=any(m.has_attachment for m in members),
        snippet=members[-1].snippet,
        participants=tuple(participants[-MAX_PARTICIPANTS:]),
        label_ids=frozenset(labels),
    )
