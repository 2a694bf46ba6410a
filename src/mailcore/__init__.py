"""mailcore: a Gmail-class mail engine on trio.

Open the engine with::

    async with mailcore.open_engine() as engine:
        account = await engine.create_account("ann@example.com", "secret")

Everything public is re-exported here; the rest may change freely.
"""

from mailcore.config import Config, Limits, Listener, StoreConfig
from mailcore.engine import Engine, ImportItem, SearchResult, open_engine
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
    StoreError,
    ThreadNotFound,
)
from mailcore.model import (
    SYSTEM_LABELS,
    Account,
    AppendResult,
    AttachmentInfo,
    ChangeEvent,
    ChangeKind,
    Changes,
    CopyResult,
    DeliveryResult,
    EmailAddress,
    FlagResult,
    Label,
    LabelRole,
    MessageMeta,
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
    "Closed",
    "Config",
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
    "Thread",
    "ThreadNotFound",
    "ThreadPage",
    "ThreadSummary",
    "__version__",
    "open_engine",
]
