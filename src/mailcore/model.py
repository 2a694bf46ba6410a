"""Plain immutable values shared by the engine, the stores and the doors.

These are the public data types of mailcore. They carry no behaviour that
touches I/O; wire formats (IMAP, JSON) are derived from them by the doors.
"""

from __future__ import annotations

import enum
import functools
import json

import attrs


class ChangeKind(enum.StrEnum):
    """What happened to an account, as told to watchers."""

    DELIVERED = "delivered"          # new messages (delivery, append, import, copy)
    FLAGS = "flags"                  # flags changed on messages
    LABELS = "labels"                # labels added to or removed from messages
    EXPUNGED = "expunged"            # messages deleted for good
    LABEL_LIST = "label_list"        # a label was created, renamed, recoloured or deleted
    ACCOUNT = "account"              # account settings changed
    RESYNC = "resync"                # the watcher missed events: re-read what it shows


@attrs.frozen
class ChangeEvent:
    """One change to an account, with the MODSEQ the change was committed at.

    ``label_ids`` names every label whose contents (membership, flags of a
    member) changed, so that an IMAP session with one label selected can tell
    whether to look. ``message_ids`` and ``thread_ids`` are the engine ids of the
    messages and conversations concerned.
    """

    account_id: int
    kind: ChangeKind
    modseq: int
    message_ids: tuple[int, ...] = ()
    thread_ids: tuple[int, ...] = ()
    label_ids: tuple[int, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "account_id": self.account_id,
            "kind": self.kind.value,
            "modseq": self.modseq,
            "message_ids": list(self.message_ids),
            "thread_ids": list(self.thread_ids),
            "label_ids": list(self.label_ids),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ChangeEvent:
        def ints(key: str) -> tuple[int, ...]:
            value = data.get(key) or []
            assert isinstance(value, list)
            return tuple(int(v) for v in value)

        account_id = data["account_id"]
        modseq = data["modseq"]
        assert isinstance(account_id, int) and isinstance(modseq, int)
        return cls(
            account_id=account_id,
            kind=ChangeKind(str(data["kind"])),
            modseq=modseq,
            message_ids=ints("message_ids"),
            thread_ids=ints("thread_ids"),
            label_ids=ints("label_ids"),
        )


# ------------------------------------------------------------------ accounts


@attrs.frozen
class Account:
    """A mailbox owner. ``address`` is the login name and primary address."""

    id: int
    address: str
    display_name: str | None
    created: float
    settings: dict[str, object] = attrs.field(factory=dict, eq=False, hash=False)


class LabelRole(enum.StrEnum):
    """System labels and the IMAP SPECIAL-USE attribute each one carries."""

    INBOX = "inbox"
    SENT = "sent"
    DRAFTS = "drafts"
    TRASH = "trash"
    SPAM = "spam"
    STARRED = "starred"
    IMPORTANT = "important"
    ALL = "all"

    @property
    def special_use(self) -> str | None:
        return _SPECIAL_USE[self]


_SPECIAL_USE: dict[LabelRole, str | None] = {
    LabelRole.INBOX: None,
    LabelRole.SENT: "\\Sent",
    LabelRole.DRAFTS: "\\Drafts",
    LabelRole.TRASH: "\\Trash",
    LabelRole.SPAM: "\\Junk",
    LabelRole.STARRED: "\\Flagged",
    LabelRole.IMPORTANT: "\\Important",
    LabelRole.ALL: "\\All",
}

#: The system labels every account has, with their names as IMAP shows them.
SYSTEM_LABELS: tuple[tuple[str, LabelRole], ...] = (
    ("INBOX", LabelRole.INBOX),
    ("Sent", LabelRole.SENT),
    ("Drafts", LabelRole.DRAFTS),
    ("Trash", LabelRole.TRASH),
    ("Spam", LabelRole.SPAM),
    ("Starred", LabelRole.STARRED),
    ("Important", LabelRole.IMPORTANT),
    ("All Mail", LabelRole.ALL),
)


@attrs.frozen
class Label:
    """A label, which IMAP shows as a mailbox with its own UIDs.

    User labels nest with ``/`` (``Work/Clients``).
    """

    id: int
    account_id: int
    name: str
    role: LabelRole | None
    uidvalidity: int
    uidnext: int
    highest_modseq: int
    messages: int
    unseen: int
    color: str | None = None
    subscribed: bool = True
    size: int = 0

    @property
    def is_system(self) -> bool:
        return self.role is not None

    @property
    def special_use(self) -> str | None:
        return self.role.special_use if self.role else None


# ------------------------------------------------------------------ messages


@attrs.frozen
class EmailAddress:
    """A decoded address as people read it."""

    name: str | None
    address: str

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


@attrs.frozen
class AttachmentInfo:
    """A MIME part a user would call an attachment."""

    section: str
    filename: str | None
    content_type: str
    size: int
    content_id: str | None
    disposition: str | None


@attrs.frozen
class MessageMeta:
    """Everything the doors read about a message without touching its bytes.

    ``envelope``, ``bodystructure`` and ``body`` are the IMAP wire forms,
    computed once at delivery. ``uid`` is set when the message was read in the
    context of one label. Addresses, attachments and references are decoded
    from their stored form only when first asked for, so that listing ten
    thousand messages for an IMAP FETCH builds no objects it does not send.
    """

    id: int
    account_id: int
    thread_id: int
    uid: int | None
    flags: frozenset[str]
    label_ids: frozenset[int]
    internal_date: float
    size: int
    modseq: int
    blob_ref: str
    envelope: bytes
    bodystructure: bytes
    body: bytes
    message_id: str | None
    subject: str
    date: float | None
    snippet: str
    has_attachment: bool
    #: JSON of {"from": [[name, address], ...], "to": ..., "cc": ..., "bcc": ...}
    addresses_json: str = attrs.field(default="{}", repr=False)
    #: JSON of [[section, filename, content_type, size, content_id, disposition], ...]
    attachments_json: str = attrs.field(default="[]", repr=False)
    in_reply_to_json: str = attrs.field(default="[]", repr=False)
    references_json: str = attrs.field(default="[]", repr=False)

    @functools.cached_property
    def _addresses(self) -> dict[str, tuple[EmailAddress, ...]]:
        raw = json.loads(self.addresses_json)
        return {
            key: tuple(EmailAddress(name, address or "") for name, address in raw.get(key, []))
            for key in ("from", "to", "cc", "bcc")
        }

    @property
    def from_(self) -> tuple[EmailAddress, ...]:
        return self._addresses["from"]

    @property
    def to(self) -> tuple[EmailAddress, ...]:
        return self._addresses["to"]

    @property
    def cc(self) -> tuple[EmailAddress, ...]:
        return self._addresses["cc"]

    @property
    def bcc(self) -> tuple[EmailAddress, ...]:
        return self._addresses["bcc"]

    @functools.cached_property
    def attachments(self) -> tuple[AttachmentInfo, ...]:
        return tuple(AttachmentInfo(*a) for a in json.loads(self.attachments_json))

    @functools.cached_property
    def in_reply_to(self) -> tuple[str, ...]:
        return tuple(json.loads(self.in_reply_to_json))

    @functools.cached_property
    def references(self) -> tuple[str, ...]:
        return tuple(json.loads(self.references_json))

    @property
    def seen(self) -> bool:
        return "\\Seen" in self.flags


@attrs.frozen
class ThreadSummary:
    """A conversation as a list row shows it."""

    id: int
    account_id: int
    subject: str
    snippet: str
    participants: tuple[EmailAddress, ...]
    message_count: int
    unread_count: int
    has_attachment: bool
    label_ids: frozenset[int]
    last_date: float
    modseq: int
    starred: bool = False

    @property
    def unread(self) -> bool:
        return self.unread_count > 0


@attrs.frozen
class ThreadPage:
    threads: list[ThreadSummary]
    next_cursor: str | None
    total: int | None = None


@attrs.frozen
class Thread:
    """A whole conversation, oldest message first."""

    summary: ThreadSummary
    messages: list[MessageMeta]


@attrs.frozen
class Changes:
    """What changed in one label since a MODSEQ (CONDSTORE/QRESYNC)."""

    label_id: int
    highest_modseq: int
    changed: list[MessageMeta]
    vanished: list[int]


@attrs.frozen
class DeliveryResult:
    """One delivered message: its engine id for each recipient account."""

    blob_ref: str
    message_ids: dict[str, int]


@attrs.frozen
class AppendResult:
    """What IMAP APPEND reports (APPENDUID) and the web API returns."""

    message_id: int
    thread_id: int
    label_id: int
    uid: int
    uidvalidity: int


@attrs.frozen
class FlagResult:
    """Outcome of a flag change: ``modified`` failed UNCHANGEDSINCE.

    ``changed_ids`` are the messages whose flags changed, all of them at
    ``last_modseq`` or below (the Starred label may follow the flags in a
    second step); ``changed`` holds their new state when it was asked for.
    """

    modseq: int
    changed: list[MessageMeta]
    modified: list[int]
    changed_ids: list[int] = attrs.field(factory=list)
    last_modseq: int = 0


@attrs.frozen
class CopyResult:
    """COPYUID data: source message ids to new UIDs in the destination label."""

    label_id: int
    uidvalidity: int
    uids: dict[int, int]


@attrs.frozen
class SubmitResult:
    """A submitted message: delivered locally, queued for the rest, kept in Sent."""

    blob_ref: str
    delivered: dict[str, int]
    queued: tuple[str, ...]
    job_ids: tuple[str, ...]
    sent_message_id: int | None


@attrs.frozen
class OutboundMessage:
    """A message waiting in the outbound queue, as operators and senders see it."""

    job_id: str
    account_id: int
    mail_from: str
    recipients: tuple[str, ...]
    blob_ref: str
    state: str
    attempts: int
    not_before: float
    last_error: str | None
    dsn: dict[str, object] = attrs.field(factory=dict, eq=False, hash=False)


@attrs.frozen
class Contact:
    """Someone the account has corresponded with, for autocomplete."""

    name: str | None
    address: str
    score: float


@attrs.frozen
class ScheduledMessage:
    """A message waiting to be sent (undo window or scheduled send)."""

    job_id: str
    account_id: int
    mail_from: str
    recipients: tuple[str, ...]
    send_at: float
    state: str
    subject: str = ""
