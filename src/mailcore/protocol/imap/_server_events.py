"""Events that :meth:`IMAPServer.next_event` hands to the application.

Two kinds, as in the SMTP core:

* **Notices** the server already decided: :class:`Output` (write these
  bytes), :class:`AnnounceUpdates` (write the selected mailbox's pending
  changes now), :class:`MailboxClosed`, :class:`IdleStarted`,
  :class:`IdleEnded`, :class:`BeginTLS`, :class:`CloseConnection`, and
  :data:`NEED_DATA` (flush, then feed more bytes).
* **Decisions** that need the mail store: :class:`LoginAttempt`,
  :class:`SelectMailbox` and :class:`ExecuteCommand`. The server waits for
  exactly one answer (``logged_in()``, ``complete()`` or ``fail()``) before
  it hands out another event.
"""

from __future__ import annotations

import attrs

from ._commands import Command, Examine, QResync, Select
from ._events import NeedData

__all__ = [
    "AnnounceUpdates",
    "BeginTLS",
    "CloseConnection",
    "Decision",
    "ExecuteCommand",
    "IdleEnded",
    "IdleStarted",
    "LoginAttempt",
    "MailboxClosed",
    "Output",
    "SelectMailbox",
    "ServerEvent",
]


@attrs.frozen
class Output:
    """Bytes to write to the client, in order with everything else written."""

    data: bytes


@attrs.frozen
class AnnounceUpdates:
    """Write the selected mailbox's pending changes (EXISTS, FETCH, EXPUNGE...) now.

    It comes before the tagged OK of a command in the selected state and when
    IDLE starts. ``allow_expunge`` is False during FETCH, STORE and SEARCH by
    sequence number: an EXPUNGE then would shift the numbers the client is
    reading (RFC 9051 7.5.1); those wait for a later command.
    """

    allow_expunge: bool


@attrs.frozen
class MailboxClosed:
    """The selected mailbox is no longer selected: drop its view."""


@attrs.frozen
class IdleStarted:
    """``+ idling`` was sent: push changes as they happen until :class:`IdleEnded`.

    While :attr:`IMAPServer.idling`, the application may write
    :meth:`IMAPServer.idle_keepalive` now and then for NATs.
    """

    tag: str


@attrs.frozen
class IdleEnded:
    """IDLE is over: stop pushing before writing what follows (its tagged line)."""

    tag: str


@attrs.frozen
class BeginTLS:
    """The OK to STARTTLS is out: flush, do the handshake, call ``tls_started()``.

    Anything the client pipelined after STARTTLS is discarded then, unread.
    """


@attrs.frozen
class CloseConnection:
    """Flush what was written and close the connection."""

    reason: str


@attrs.frozen
class LoginAttempt:
    """LOGIN, or AUTHENTICATE PLAIN decoded: check the credentials.

    Answer ``logged_in()`` or ``fail("NO", ..., "AUTHENTICATIONFAILED")``.
    TLS and the SASL exchange are already checked.
    """

    tag: str
    username: str
    password: str = attrs.field(repr=False)


@attrs.frozen
class SelectMailbox:
    """SELECT or EXAMINE: open the mailbox.

    Call ``selected(...)`` with its figures and write the bytes it returns,
    then any QRESYNC answers (RFC 7162 3.2.5.1: when ``qresync`` is set and its
    UIDVALIDITY matches), then ``complete()``. ``fail(...)`` if it cannot be
    opened: the session is then in the authenticated state.
    """

    command: Select | Examine

    @property
    def tag(self) -> str:
        return self.command.tag

    @property
    def mailbox(self) -> str:
        return self.command.mailbox

    @property
    def readonly(self) -> bool:
        return isinstance(self.command, Examine)

    @property
    def qresync(self) -> QResync | None:
        return self.command.qresync


@attrs.frozen
class ExecuteCommand:
    """A valid command that needs the mail store: run it, then ``complete()``/``fail()``.

    The application writes the command's untagged responses itself. For CLOSE
    it expunges the messages marked ``\\Deleted``, silently; ``complete()``
    then closes the mailbox.
    """

    command: Command

    @property
    def tag(self) -> str:
        return self.command.tag


Decision = LoginAttempt | SelectMailbox | ExecuteCommand

ServerEvent = (
    NeedData
    | Output
    | AnnounceUpdates
    | MailboxClosed
    | IdleStarted
    | IdleEnded
    | BeginTLS
    | CloseConnection
    | LoginAttempt
    | SelectMailbox
    | ExecuteCommand
)
