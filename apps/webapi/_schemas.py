"""Request and response types of the web API.

Every request body and query is one of these attrs classes; the handlers
receive them validated, and the OpenAPI document is generated from them.
Ids are strings on the wire (opaque to clients), dates are RFC 3339 UTC.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from ._wire import meta

ID = r"[0-9]{1,18}"
LABEL_REF = "a label id, or a label name such as INBOX, Trash or Work/Clients"
FLAG_NAMES = "seen, flagged, answered, draft, or a keyword"
COLOR = r"#[0-9a-fA-F]{6}"

# ------------------------------------------------------------------- common


@attrs.frozen
class FieldErrorOut:
    field: str
    detail: str


@attrs.frozen
class ProblemOut:
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldErrorOut] | None = None


@attrs.frozen
class Address:
    name: str | None
    address: str


@attrs.frozen
class Empty:
    """No parameters."""


# --------------------------------------------------------------------- auth


@attrs.frozen
class LoginIn:
    username: str = attrs.field(metadata=meta(min_length=1, max_length=320, example="demo@example.com"))
    password: str = attrs.field(metadata=meta(min_length=1, max_length=1024))


@attrs.frozen
class RefreshIn:
    refresh_token: str = attrs.field(metadata=meta(min_length=1, max_length=200))


@attrs.frozen
class LogoutIn:
    refresh_token: str | None = attrs.field(default=None, metadata=meta(max_length=200, description="Revoke this session; else the access token's session."))


@attrs.frozen
class TokensOut:
    access_token: str
    refresh_token: str
    expires_in: int = attrs.field(metadata=meta(description="Seconds the access token is valid for."))
    token_type: str = "Bearer"


# ----------------------------------------------------------------- account


@attrs.frozen
class MeOut:
    id: str
    address: str
    display_name: str | None
    signature: str
    undo_send_seconds: int
    send_as: list[str]


@attrs.frozen
class MePatch:
    display_name: str | None = attrs.field(default=None, metadata=meta(max_length=200))
    signature: str | None = attrs.field(default=None, metadata=meta(max_length=10_000))
    undo_send_seconds: int | None = attrs.field(default=None, metadata=meta(minimum=0, maximum=60))


# ------------------------------------------------------------------ labels


@attrs.frozen
class LabelOut:
    id: str
    name: str
    type: Literal["system", "user"]
    role: str | None = attrs.field(metadata=meta(description="inbox, sent, drafts, trash, spam, starred, important or all"))
    total: int
    unread: int
    color: str | None


@attrs.frozen
class LabelListOut:
    """Every label of the account (labels are few; this list is complete)."""

    items: list[LabelOut]


@attrs.frozen
class LabelIn:
    name: str = attrs.field(metadata=meta(min_length=1, max_length=255, example="Work/Clients"))
    color: str | None = attrs.field(default=None, metadata=meta(pattern=COLOR, example="#4986e7"))


@attrs.frozen
class LabelPatch:
    """Rename or recolor; ``"color": null`` clears the color."""

    name: str | None = attrs.field(default=None, metadata=meta(min_length=1, max_length=255))
    color: str | None = attrs.field(default=None, metadata=meta(pattern=COLOR))


# ----------------------------------------------------------------- threads


@attrs.frozen
class ThreadsQuery:
    label: str | None = attrs.field(default=None, metadata=meta(max_length=255, description=LABEL_REF + " (default INBOX)"))
    q: str | None = attrs.field(default=None, metadata=meta(max_length=2000, description="A Gmail search query"))
    limit: int = attrs.field(default=50, metadata=meta(minimum=1, maximum=200))
    cursor: str | None = attrs.field(default=None, metadata=meta(max_length=500, description="next_cursor of the previous page"))


@attrs.frozen
class ThreadSummaryOut:
    id: str
    subject: str
    snippet: str
    participants: list[Address]
    message_count: int
    unread_count: int
    unread: bool
    starred: bool
    has_attachment: bool
    labels: list[str] = attrs.field(metadata=meta(description="label ids"))
    last_date: str = attrs.field(metadata=meta(format="date-time"))
    modseq: int


@attrs.frozen
class ThreadPageOut:
    items: list[ThreadSummaryOut]
    next_cursor: str | None
    total: int | None = attrs.field(default=None, metadata=meta(description="threads in the label, when known"))


@attrs.frozen
class AttachmentOut:
    part: str
    filename: str | None
    content_type: str
    size: int
    content_id: str | None
    inline: bool
    url: str = attrs.field(metadata=meta(description="download URL (needs the Authorization header)"))


@attrs.frozen
class Header:
    name: str
    value: str


@attrs.frozen
class MessageOut:
    id: str
    thread_id: str
    labels: list[str]
    flags: list[str]
    unread: bool
    starred: bool
    subject: str
    snippet: str
    date: str | None = attrs.field(metadata=meta(format="date-time"))
    received: str = attrs.field(metadata=meta(format="date-time"))
    from_: list[Address]
    to: list[Address]
    cc: list[Address]
    bcc: list[Address]
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    size: int
    has_attachment: bool
    attachments: list[AttachmentOut]
    modseq: int


@attrs.frozen
class MessageFullOut:
    """A message with its bodies: ``html`` is sanitized, with remote images
    replaced by a placeholder unless ``remote_images=true`` was asked."""

    id: str
    thread_id: str
    labels: list[str]
    flags: list[str]
    unread: bool
    starred: bool
    subject: str
    snippet: str
    date: str | None = attrs.field(metadata=meta(format="date-time"))
    received: str = attrs.field(metadata=meta(format="date-time"))
    from_: list[Address]
    to: list[Address]
    cc: list[Address]
    bcc: list[Address]
    reply_to: list[Address]
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    size: int
    has_attachment: bool
    attachments: list[AttachmentOut]
    modseq: int
    headers: list[Header]
    text: str
    html: str | None
    remote_images_blocked: bool


@attrs.frozen
class ThreadOut:
    id: str
    subject: str
    labels: list[str]
    unread_count: int
    starred: bool
    modseq: int
    messages: list[MessageFullOut] = attrs.field(metadata=meta(description="oldest first"))


@attrs.frozen
class ReadQuery:
    remote_images: bool = attrs.field(default=False, metadata=meta(description="keep remote images in the HTML"))


@attrs.frozen
class AttachmentQuery:
    inline: bool = attrs.field(default=False, metadata=meta(description="inline disposition (safe image types only)"))
    exp: int | None = attrs.field(default=None, metadata=meta(minimum=0, description="signed-URL expiry (set by the server)"))
    sig: str | None = attrs.field(default=None, metadata=meta(max_length=200, description="signed-URL signature (set by the server)"))


@attrs.frozen
class ModifyIn:
    """Archive: remove INBOX. Trash: add Trash. Spam: add Spam. Star: add Starred.
    Important: add Important. Read: add_flags seen. Unread: remove_flags seen."""

    add_labels: list[str] = attrs.field(factory=list, metadata=meta(max_items=100, item_max_length=255, description=LABEL_REF))
    remove_labels: list[str] = attrs.field(factory=list, metadata=meta(max_items=100, item_max_length=255, description=LABEL_REF))
    add_flags: list[str] = attrs.field(factory=list, metadata=meta(max_items=20, item_max_length=100, description=FLAG_NAMES))
    remove_flags: list[str] = attrs.field(factory=list, metadata=meta(max_items=20, item_max_length=100, description=FLAG_NAMES))


@attrs.frozen
class BatchModifyIn:
    ids: list[str] = attrs.field(metadata=meta(min_items=1, max_items=1000, item_max_length=18))
    add_labels: list[str] = attrs.field(factory=list, metadata=meta(max_items=100, item_max_length=255, description=LABEL_REF))
    remove_labels: list[str] = attrs.field(factory=list, metadata=meta(max_items=100, item_max_length=255, description=LABEL_REF))
    add_flags: list[str] = attrs.field(factory=list, metadata=meta(max_items=20, item_max_length=100, description=FLAG_NAMES))
    remove_flags: list[str] = attrs.field(factory=list, metadata=meta(max_items=20, item_max_length=100, description=FLAG_NAMES))


@attrs.frozen
class BatchIdsIn:
    ids: list[str] = attrs.field(metadata=meta(min_items=1, max_items=1000, item_max_length=18))


@attrs.frozen
class ModifiedOut:
    ids: list[str]
    modseq: int


# ----------------------------------------------------------------- compose


@attrs.frozen
class ComposeIn:
    """A message to save as a draft or send. Addresses may be ``Name <addr>``."""

    to: list[str] = attrs.field(factory=list, metadata=meta(max_items=100, item_max_length=500))
    cc: list[str] = attrs.field(factory=list, metadata=meta(max_items=100, item_max_length=500))
    bcc: list[str] = attrs.field(factory=list, metadata=meta(max_items=100, item_max_length=500))
    subject: str = attrs.field(default="", metadata=meta(max_length=998))
    text: str | None = attrs.field(default=None, metadata=meta(max_length=5_000_000))
    html: str | None = attrs.field(default=None, metadata=meta(max_length=5_000_000))
    attachments: list[str] = attrs.field(factory=list, metadata=meta(max_items=50, item_max_length=64, description="upload ids"))
    in_reply_to: str | None = attrs.field(default=None, metadata=meta(pattern=ID, description="id of the message replied to or forwarded (threading headers)"))
    forward: bool = attrs.field(default=False, metadata=meta(description="include the attachments of in_reply_to"))
    from_: str | None = attrs.field(default=None, metadata=meta(max_length=500, description="a send-as address; default the account's"))


@attrs.frozen
class SendIn:
    """Send now (after the undo window), at ``send_at``, or an existing draft."""

    to: list[str] = attrs.field(factory=list, metadata=meta(max_items=100, item_max_length=500))
    cc: list[str] = attrs.field(factory=list, metadata=meta(max_items=100, item_max_length=500))
    bcc: list[str] = attrs.field(factory=list, metadata=meta(max_items=100, item_max_length=500))
    subject: str = attrs.field(default="", metadata=meta(max_length=998))
    text: str | None = attrs.field(default=None, metadata=meta(max_length=5_000_000))
    html: str | None = attrs.field(default=None, metadata=meta(max_length=5_000_000))
    attachments: list[str] = attrs.field(factory=list, metadata=meta(max_items=50, item_max_length=64, description="upload ids"))
    in_reply_to: str | None = attrs.field(default=None, metadata=meta(pattern=ID))
    forward: bool = False
    from_: str | None = attrs.field(default=None, metadata=meta(max_length=500))
    draft_id: str | None = attrs.field(default=None, metadata=meta(pattern=ID, description="send this draft (its content wins)"))
    send_at: str | None = attrs.field(default=None, metadata=meta(max_length=40, format="date-time", description="scheduled send"))
    undo: bool = attrs.field(default=True, metadata=meta(description="wait for the account's undo window"))


@attrs.frozen
class DraftOut:
    id: str
    thread_id: str


@attrs.frozen
class DraftSummaryOut:
    id: str
    thread_id: str
    subject: str
    snippet: str
    to: list[Address]
    date: str = attrs.field(metadata=meta(format="date-time"))


@attrs.frozen
class DraftPageOut:
    items: list[DraftSummaryOut]
    next_cursor: str | None


@attrs.frozen
class PageQuery:
    limit: int = attrs.field(default=50, metadata=meta(minimum=1, maximum=200))
    cursor: str | None = attrs.field(default=None, metadata=meta(max_length=500))


@attrs.frozen
class SendOut:
    status: Literal["sent", "scheduled"]
    send_id: str | None = attrs.field(metadata=meta(description="cancel with DELETE /scheduled/{send_id}"))
    send_at: str | None = attrs.field(metadata=meta(format="date-time"))
    sent_message_id: str | None
    queued: list[str] = attrs.field(metadata=meta(description="remote recipients handed to the outbound queue"))


@attrs.frozen
class ScheduledOut:
    id: str
    send_at: str = attrs.field(metadata=meta(format="date-time"))
    recipients: list[str]
    subject: str
    state: str


@attrs.frozen
class ScheduledPageOut:
    items: list[ScheduledOut]
    next_cursor: str | None


@attrs.frozen
class UploadQuery:
    filename: str | None = attrs.field(default=None, metadata=meta(max_length=255))


@attrs.frozen
class UploadOut:
    id: str
    filename: str
    content_type: str
    size: int
    expires_at: str = attrs.field(metadata=meta(format="date-time"))


# ------------------------------------------------------------------ people


@attrs.frozen
class ContactsQuery:
    q: str = attrs.field(default="", metadata=meta(max_length=320, description="prefix of a name or address"))
    limit: int = attrs.field(default=10, metadata=meta(minimum=1, maximum=50))


@attrs.frozen
class ContactOut:
    name: str | None
    address: str
    score: float


@attrs.frozen
class ContactListOut:
    """The best matches, ranked by frequency and recency (top ``limit``; no further pages)."""

    items: list[ContactOut]


@attrs.frozen
class InsightsQuery:
    days: int = attrs.field(default=90, metadata=meta(minimum=1, maximum=3650))


@attrs.frozen
class InsightsOut:
    insights: dict[str, Any]
