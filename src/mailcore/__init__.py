"""mailcore: a Gmail-class mail engine on trio.

Open the engine with::

    async with mailcore.open_engine() as engine:
        account = await engine.create_account("ann@example.com", "secret")

Everything public is re-exported here; the rest may change freely.
"""

from mailcore._config import Config, Limits, Listener, StoreConfig
from mailcore._connections import ConnectionLimit
from mailcore._engine import Engine, open_engine
from mailcore._listening import open_listeners
from mailcore._records import ImportItem, SearchResult
from mailcore.errors import (
    AccountNotFound,
    AlreadyExists,
    AuthenticationFailed,
    BlobNotFound,
    Closed,
    ConfigError,
    DomainNotFound,
    InvalidArgument,
    InvalidName,
    LabelNotFound,
    MailcoreError,
    MessageNotFound,
    MessageTooLarge,
    NotFound,
    NotLocalRecipient,
    PermissionDenied,
    QuerySyntaxError,
    SchemaOutdated,
    SenderNotAllowed,
    StoreError,
    ThreadNotFound,
    TooManyAttempts,
    Unavailable,
)
from mailcore.model import (
    SYSTEM_LABELS,
    Account,
    AppendResult,
    AttachmentInfo,
    ChangeEvent,
    ChangeKind,
    Changes,
    Contact,
    CopyResult,
    DeliveryResult,
    EmailAddress,
    FlagResult,
    Label,
    LabelRole,
    MessageMeta,
    OutboundMessage,
    ScheduledMessage,
    SubmitResult,
    Thread,
    ThreadPage,
    ThreadSummary,
)

__version__ = "0.1.0"

__all__ = [
    "SYSTEM_LABELS",
    "Account",
    "AccountNotFound",
    "AlreadyExists",
    "AppendResult",
    "AttachmentInfo",
    "AuthenticationFailed",
    "BlobNotFound",
    "ChangeEvent",
    "ChangeKind",
    "Changes",
    "Contact",
    "Closed",
    "Config",
    "ConnectionLimit",
    "ConfigError",
    "CopyResult",
    "DeliveryResult",
    "DomainNotFound",
    "EmailAddress",
    "Engine",
    "FlagResult",
    "ImportItem",
    "InvalidArgument",
    "InvalidName",
    "Label",
    "LabelNotFound",
    "LabelRole",
    "Limits",
    "Listener",
    "MailcoreError",
    "MessageMeta",
    "MessageNotFound",
    "MessageTooLarge",
    "NotFound",
    "NotLocalRecipient",
    "PermissionDenied",
    "QuerySyntaxError",
    "SearchResult",
    "StoreConfig",
    "StoreError",
    "OutboundMessage",
    "ScheduledMessage",
    "SchemaOutdated",
    "SenderNotAllowed",
    "SubmitResult",
    "Thread",
    "ThreadNotFound",
    "TooManyAttempts",
    "Unavailable",
    "ThreadPage",
    "ThreadSummary",
    "__version__",
    "open_engine",
    "open_listeners",
]
