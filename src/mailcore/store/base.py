"""The storage roles of mailcore, one ``typing.Protocol`` each.

The roles are storage-shaped, batch-first and async. Mail semantics (labels,
UIDs, threads, flags) live once, in the actors; an adapter only stores. Every
adapter of a role must pass that role's contract suite in
:mod:`mailcore.testing` unchanged.

Promises common to every role:

* a method that returns has taken full effect (durably, for the persistent
  roles); a cancelled or failed call had no effect or its full effect;
* no driver exception escapes: adapters raise :mod:`mailcore.errors` types;
* data of one account is never visible through another account's calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from mailcore.model import ChangeEvent

if TYPE_CHECKING:
    from mailcore.search import Query

#: A clock returning seconds since the epoch. Adapters that store times take
#: one so that tests can drive time (trio's MockClock or a plain counter).
WallClock = Callable[[], float]


# --------------------------------------------------------------------------- blobs


@runtime_checkable
class BlobStore(Protocol):
    """Raw message bytes (and other large values), content-addressed.

    A reference is the lowercase hex SHA-256 of the content, so storing the
    same bytes twice stores them once. ``put_many`` returns only once every
    blob is durable (one fsync round per batch, not per blob).
    """

    async def put_many(self, blobs: Sequence[bytes]) -> list[str]:
        """Store blobs durably; return their references in the same order."""
        ...

    async def get(self, ref: str, byte_range: tuple[int, int] | None = None) -> bytes:
        """Return a blob, or the half-open ``[start, end)`` slice of it.

        Raises :class:`mailcore.errors.BlobNotFound` for an unknown reference.
        A range past the end is clipped, as Python slicing is.
        """
        ...

    async def exists_many(self, refs: Sequence[str]) -> list[bool]:
        """Tell which references are stored."""
        ...

    async def delete_many(self, refs: Sequence[str]) -> None:
        """Delete blobs the caller knows are unreferenced; unknown refs are ignored."""
        ...

    async def aclose(self) -> None: ...


# ----------------------------------------------------------------------------- bus


@runtime_checkable
class Subscription(Protocol):
    """A bounded stream of one account's change events.

    When the subscriber falls behind and its buffer overflows, the buffered
    events are dropped and the next item is a ``ChangeKind.RESYNC`` event: the
    subscriber must re-read the state it shows. A slow subscriber never slows
    the publisher.
    """

    def __aiter__(self) -> AsyncIterator[ChangeEvent]: ...

    async def __anext__(self) -> ChangeEvent: ...


@runtime_checkable
class Bus(Protocol):
    """Fan-out of change events, per account, possibly across processes."""

    async def publish(self, events: Sequence[ChangeEvent]) -> None:
        """Deliver events to every current subscriber of their account."""
        ...

    def subscribe(
        self, account_id: int, buffer: int = 1024
    ) -> AbstractAsyncContextManager[Subscription]:
        """Open a subscription; it sees only events published after it opened."""
        ...

    async def aclose(self) -> None: ...


# --------------------------------------------------------------------------- queue


@attrs.frozen
class Job:
    """A unit of background work (outbound delivery, scheduled send, ...)."""

    id: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    not_before: float
    state: str  # "ready" | "leased" | "dead"
    last_error: str | None = None


@runtime_checkable
class Queue(Protocol):
    """Durable jobs with leases, retries and a dead-letter state.

    A leased job that is neither acked, retried nor dead-lettered before its
    lease expires becomes ready again (at-least-once). Times are seconds since
    the epoch from the adapter's clock.
    """

    async def enqueue(
        self, kind: str, payload: dict[str, Any], not_before: float | None = None
    ) -> str:
        """Add a job (ready now, or at ``not_before``); return its id."""
        ...

    async def lease(self, kind: str, n: int, ttl: float) -> list[Job]:
        """Take up to ``n`` ready jobs of ``kind`` due now, oldest due first."""
        ...

    async def ack(self, job_id: str) -> None:
        """The job is done: forget it."""
        ...

    async def retry(self, job_id: str, at: float, error: str) -> None:
        """Make a leased job ready again at ``at``, counting one more attempt."""
        ...

    async def dead_letter(self, job_id: str, reason: str) -> None:
        """Give up on a job, keeping it visible in the ``dead`` state."""
        ...

    async def cancel(self, job_id: str) -> bool:
        """Remove a job that is not leased; True when it was removed."""
        ...

    async def get(self, job_id: str) -> Job | None: ...

    async def list(self, kind: str | None = None, state: str | None = None) -> list[Job]:
        """Jobs for operators to see, oldest first."""
        ...

    async def aclose(self) -> None: ...


# --------------------------------------------------------------------------- cache


@runtime_checkable
class Cache(Protocol):
    """Short-lived values, sessions and rate-limit counters."""

    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The values of several keys at once (one round trip), in order."""
        ...

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def incr(self, key: str, window: float) -> int:
        """Count one event in a fixed window of ``window`` seconds; return the count."""
        ...

    async def aclose(self) -> None: ...


# -------------------------------------------------------------------------- search


@attrs.frozen
class SearchDoc:
    """What the search index holds of one message.

    Labels are label *ids* (renaming a label needs no reindex); flags are IMAP
    flag names as stored (``\\Seen``, ``\\Flagged``, keywords).
    """

    account_id: int
    message_id: int
    thread_id: int
    date: float  # seconds since the epoch (the message's internal date)
    size: int
    from_: str
    to: str
    cc: str
    bcc: str
    subject: str
    body: str
    filenames: tuple[str, ...]
    has_attachment: bool
    labels: frozenset[int]
    flags: frozenset[str]


@attrs.frozen
class DocState:
    """The mutable part of a :class:`SearchDoc`: its labels and flags."""

    message_id: int
    labels: frozenset[int]
    flags: frozenset[str]


@attrs.frozen
class SearchPage:
    """Message ids matching a query, newest first, and a cursor for more."""

    message_ids: list[int]
    next_cursor: str | None


@runtime_checkable
class SearchIndex(Protocol):
    """Full-text and field search over an account's messages.

    Queries are :mod:`mailcore.search` trees whose labels have been resolved to
    label ids by the engine; each adapter compiles them to its own language.
    """

    async def index_many(self, docs: Sequence[SearchDoc]) -> None:
        """Add or replace documents."""
        ...

    async def update_state(self, account_id: int, states: Sequence[DocState]) -> None:
        """Replace labels and flags of documents already indexed."""
        ...

    async def delete_many(self, account_id: int, message_ids: Sequence[int]) -> None: ...

    async def delete_account(self, account_id: int) -> None: ...

    async def query(
        self,
        account_id: int,
        query: Query,
        *,
        limit: int = 50,
        cursor: str | None = None,
        now: float,
    ) -> SearchPage:
        """Matching message ids, newest (by date) first, at most ``limit``.

        ``now`` resolves relative dates (``older_than:2d``).
        """
        ...

    async def aclose(self) -> None: ...
