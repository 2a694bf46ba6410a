"""The MetaStore role: accounts, labels, messages, flags and threads.

Writes to one account go through :meth:`MetaStore.apply`: a batch of
mutations in one transaction, which allocates UIDs and MODSEQs inside that
transaction (so two engine instances serving one account stay correct) and
returns what it allocated. Several accounts' batches can share a transaction
through :meth:`MetaStore.apply_many` (group commit: one fsync for all).
Reads are shaped by what the doors ask for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import attrs

from mailcore.model import (
    Account,
    AttachmentInfo,
    Changes,
    EmailAddress,
    Label,
    LabelRole,
    MessageMeta,
    Thread,
    ThreadPage,
    ThreadSummary,
)
from mailcore.rules import ContactRow, MessageStat

# ---------------------------------------------------------------- mutations


@attrs.frozen
class MessageRecord:
    """A new message, with everything precomputed at delivery."""

    blob_ref: str
    size: int
    internal_date: float
    flags: frozenset[str]
    label_ids: frozenset[int]
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    thread_subject: str
    date: float | None
    from_: tuple[EmailAddress, ...]
    to: tuple[EmailAddress, ...]
    cc: tuple[EmailAddress, ...]
    bcc: tuple[EmailAddress, ...]
    snippet: str
    has_attachment: bool
    attachments: tuple[AttachmentInfo, ...]
    envelope: bytes
    bodystructure: bytes
    body: bytes
    #: the subject had a reply or forward prefix: it may join a thread by subject
    reply_like: bool = False


@attrs.frozen
class AddMessage:
    record: MessageRecord


@attrs.frozen
class SetFlags:
    """Add and remove flags, or replace them all (``replace`` not None).

    With ``unchanged_since``, messages whose MODSEQ is greater are left alone
    and reported in :attr:`Outcome.modified` (CONDSTORE).
    """

    message_ids: tuple[int, ...]
    add: frozenset[str] = frozenset()
    remove: frozenset[str] = frozenset()
    replace: frozenset[str] | None = None
    unchanged_since: int | None = None


@attrs.frozen
class ChangeLabels:
    """Add messages to labels (new UIDs there) and remove them (vanished UIDs)."""

    message_ids: tuple[int, ...]
    add: frozenset[int] = frozenset()
    remove: frozenset[int] = frozenset()


@attrs.frozen
class DeleteMessages:
    """Delete messages for good, from every label."""

    message_ids: tuple[int, ...]


@attrs.frozen
class CreateLabel:
    name: str
    role: LabelRole | None = None
    color: str | None = None


@attrs.frozen
class RenameLabel:
    """Rename a label and, with it, its children (``Work/x`` follows ``Work``)."""

    label_id: int
    new_name: str


@attrs.frozen
class UpdateLabel:
    label_id: int
    color: str | None = None
    clear_color: bool = False
    subscribed: bool | None = None


@attrs.frozen
class DeleteLabel:
    """Delete a label (and its children); messages keep their other labels."""

    label_id: int


Mutation = (
    AddMessage
    | SetFlags
    | ChangeLabels
    | DeleteMessages
    | CreateLabel
    | RenameLabel
    | UpdateLabel
    | DeleteLabel
)


@attrs.frozen
class Outcome:
    """What one mutation did, at the MODSEQ it was given."""

    modseq: int
    message_ids: tuple[int, ...] = ()
    thread_ids: tuple[int, ...] = ()
    label_ids: tuple[int, ...] = ()
    #: (message_id, label_id) -> UID for every new label membership
    uids: dict[tuple[int, int], int] = attrs.field(factory=dict)
    #: messages that failed UNCHANGEDSINCE
    modified: tuple[int, ...] = ()
    #: blobs no message references any more
    freed_blobs: tuple[str, ...] = ()
    #: the label created by CreateLabel
    label: Label | None = None


# ---------------------------------------------------------------- the role
#
# The role is split by concern; an adapter implements all of it. Each part
# stores and reads; none decides anything about mail. Where a decision must be
# taken inside ``apply``'s transaction (which thread a message joins, which
# labels a rename moves, whom a message counts as a correspondent), the adapter
# reads the rows :mod:`mailcore.rules` needs, calls the rule, and writes what it
# returns.


@runtime_checkable
class AccountStore(Protocol):
    """Domains, accounts, their password hashes, settings and aliases."""

    async def add_domain(self, name: str) -> None: ...
    async def list_domains(self) -> list[str]: ...
    async def remove_domain(self, name: str) -> None: ...
    async def create_account(
        self, address: str, password_hash: str, display_name: str | None, labels: Sequence[tuple[str, LabelRole]]
    ) -> Account: ...
    async def get_account(self, address: str) -> Account | None: ...
    async def get_account_by_id(self, account_id: int) -> Account | None: ...
    async def list_accounts(self) -> list[Account]: ...
    async def password_hash(self, account_id: int) -> str | None: ...
    async def set_password_hash(self, account_id: int, password_hash: str) -> None: ...
    async def update_account(
        self, account_id: int, display_name: str | None, settings: dict[str, object]
    ) -> Account: ...
    async def delete_account(self, account_id: int) -> list[str]:
        """Delete an account and all its data; return blobs no longer referenced."""
        ...
    async def add_alias(self, alias: str, account_id: int) -> None: ...
    async def remove_alias(self, alias: str) -> None: ...
    async def list_aliases(self, account_id: int | None = None) -> list[tuple[str, int]]: ...
    async def resolve_address(self, address: str) -> int | None: ...


@runtime_checkable
class MailLog(Protocol):
    """The one way mail changes: batches of mutations, each batch one transaction."""

    #: How many ``apply_many`` calls the engine may run at once. One for a
    #: store with a single writer (SQLite); more for a server that overlaps
    #: transactions, which must then lock accounts in a fixed order.
    write_concurrency: int

    async def apply(self, account_id: int, mutations: Sequence[Mutation]) -> list[Outcome]: ...
    async def apply_many(
        self, batches: Sequence[tuple[int, Sequence[Mutation]]]
    ) -> list[list[Outcome] | Exception]:
        """Several accounts' batches in one transaction; a batch that fails
        is rolled back alone (its slot holds the exception)."""
        ...


@runtime_checkable
class MailReads(Protocol):
    """Labels and messages as IMAP and the API read them."""

    async def labels(self, account_id: int) -> list[Label]: ...
    async def highest_modseq(self, account_id: int) -> int: ...
    async def label_uids(self, account_id: int, label_id: int) -> list[tuple[int, int]]:
        """(uid, message_id) of every message in the label, by UID."""
        ...
    async def fetch_label(
        self, account_id: int, label_id: int, uid_min: int = 1, uid_max: int | None = None
    ) -> list[MessageMeta]: ...
    async def find_in_label(self, account_id: int, label_id: int, header_id: str) -> tuple[int, int, int] | None:
        """(message id, thread id, uid) of the newest message in a label with this Message-ID."""
        ...
    async def blobs_referenced(self, refs: Sequence[str]) -> set[str]:
        """Which of these blob references some message (of any account) still uses."""
        ...
    async def label_versions(
        self, account_id: int, label_id: int, uid_min: int = 1, uid_max: int | None = None
    ) -> list[tuple[int, int, int]]:
        """(uid, message_id, modseq) of a label's messages in a UID range, by UID.

        Cheap; a cache of :class:`MessageMeta` stays valid while the MODSEQ matches.
        """
        ...
    async def fetch_label_uids(self, account_id: int, label_id: int, uids: Sequence[int]) -> list[MessageMeta]:
        """The messages at these UIDs of a label, by UID (absent UIDs are skipped)."""
        ...
    async def fetch_messages(self, account_id: int, message_ids: Sequence[int]) -> list[MessageMeta]: ...
    async def changes_since(self, account_id: int, label_id: int, modseq: int) -> Changes: ...
    async def account_changes(self, account_id: int, since_modseq: int, limit: int) -> list[tuple[int, int]]:
        """(message_id, modseq) of messages changed after ``since_modseq``."""
        ...
    async def message_stats(self, account_id: int) -> list[MessageStat]:
        """Thread, date, size and labels of every message of the account (for insights)."""
        ...


@runtime_checkable
class ThreadReads(Protocol):
    """Conversations, as stored by ``apply`` from :func:`mailcore.rules.summarize_thread`."""

    async def threads(
        self, account_id: int, label_id: int | None, cursor: str | None, limit: int
    ) -> ThreadPage: ...
    async def thread(self, account_id: int, thread_id: int) -> Thread | None: ...
    async def thread_summaries(self, account_id: int, thread_ids: Sequence[int]) -> list[ThreadSummary]: ...


@runtime_checkable
class ContactReads(Protocol):
    """The correspondent counters ``apply`` keeps from :func:`mailcore.rules.contact_hits`."""

    async def contacts(self, account_id: int, prefix: str) -> list[ContactRow]:
        """Correspondents whose address, or a word of whose name, starts with
        ``prefix`` (case-insensitive; every correspondent for an empty prefix)."""
        ...


@runtime_checkable
class IndexOutbox(Protocol):
    """Messages waiting to be (re)indexed, written by ``apply`` in the same transaction."""

    async def index_pending(self, limit: int) -> list[tuple[int, int, str, int]]:
        """(message_id, account_id, kind, seq) waiting to be indexed.

        ``kind`` is ``doc`` (index the whole message), ``state`` (labels or
        flags changed) or ``delete``. Entries come in ``seq`` order.
        """
        ...
    async def index_backlog(self) -> tuple[int | None, int | None]:
        """Lowest and highest ``seq`` waiting in the index outbox (None when empty)."""
        ...
    async def index_done(self, entries: Sequence[tuple[int, int]]) -> None:
        """Forget (message_id, seq) entries, unless re-queued since with a higher seq."""
        ...


@runtime_checkable
class MetaStore(AccountStore, MailLog, MailReads, ThreadReads, ContactReads, IndexOutbox, Protocol):
    """Accounts, labels, messages, flags and threads: every part above."""

    async def aclose(self) -> None: ...
