"""Typed errors of the mailcore engine.

Every error a user of the library can meet derives from :class:`MailcoreError`.
Each door (SMTP, IMAP, HTTP, CLI) maps these to its own wire replies in one
place; adapters translate their drivers' exceptions into these at the boundary,
so that no ``sqlite3``, ``asyncpg`` or ``botocore`` exception escapes a store.
"""

from __future__ import annotations


class MailcoreError(Exception):
    """Base class of every error the engine raises on purpose."""


class ConfigError(MailcoreError):
    """The configuration file or environment is invalid."""


class StoreError(MailcoreError):
    """A storage backend failed; the operation had no effect."""


class Unavailable(StoreError):
    """A store's server cannot be reached now; the operation may succeed later
    (the doors answer SMTP 451 4.3.0, IMAP NO [UNAVAILABLE], HTTP 503)."""


class SchemaOutdated(StoreError):
    """A store's schema is behind this release and the configuration says
    migrations are run by hand (``[store] migrate = "manual"``): the message
    says which versions and to run ``mailcore migrate``."""


class BlobNotFound(StoreError):
    """A blob reference does not exist in the blob store."""


class NotFound(MailcoreError):
    """Something named by the caller does not exist (or is not theirs)."""


class AccountNotFound(NotFound):
    """No such account."""


class DomainNotFound(NotFound):
    """No such domain."""


class LabelNotFound(NotFound):
    """No such label in this account."""


class MessageNotFound(NotFound):
    """No such message in this account."""


class ThreadNotFound(NotFound):
    """No such thread in this account."""


class AlreadyExists(MailcoreError):
    """The thing to create exists already."""


class InvalidArgument(MailcoreError):
    """An argument is malformed (a cursor, a flag, a size)."""


class InvalidName(InvalidArgument):
    """A label, domain or address is not acceptable."""


class PermissionDenied(MailcoreError):
    """The operation is not allowed (for example renaming a system label)."""


class AuthenticationFailed(MailcoreError):
    """Wrong user name or password. Deliberately says nothing more."""


class TooManyAttempts(AuthenticationFailed):
    """Too many failed logins from this address or for this account.

    ``retry_after`` is the number of seconds after which trying again may
    succeed. It is a subclass of :class:`AuthenticationFailed` so that doors
    which do not distinguish answer it the same way.
    """

    def __init__(self, retry_after: float) -> None:
        super().__init__("too many failed logins; try again later")
        self.retry_after = retry_after


class SenderNotAllowed(MailcoreError):
    """An authenticated account tried to send as an address that is not its own."""

    def __init__(self, address: str) -> None:
        super().__init__(f"{address} is not an address of the authenticated account")
        self.address = address


class NotLocalRecipient(MailcoreError):
    """A delivery names an address that no local account or alias receives."""

    def __init__(self, address: str) -> None:
        super().__init__(f"{address}: no such local recipient")
        self.address = address


class MessageTooLarge(MailcoreError):
    """A message exceeds the configured size limit."""


class QuerySyntaxError(MailcoreError):
    """A search query is malformed.

    ``position`` is the 0-based character offset in the query where the
    problem was found, so that a user interface can point at it.
    """

    def __init__(self, message: str, position: int, query: str = "") -> None:
        super().__init__(f"{message} at position {position}")
        self.reason = message
        self.position = position
        self.query = query


class Closed(MailcoreError):
    """The engine or a component of it has been closed."""
