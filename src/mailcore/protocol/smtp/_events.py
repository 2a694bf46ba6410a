"""Events that ``SMTPServer.next_event()`` hands to the application.

Two kinds:

* **Decisions** (``Helo``, ``MailFrom``, ``RcptTo``, ``AuthAttempt``,
  ``StartTLS``, ``MessageComplete``, ``Reset``, ``Quit``): the engine stops
  and waits for exactly one answer, given with ``accept()``, ``reject()``
  or ``send(reply)``, before it will produce another event.
* **Notices** (``ProtocolReply``, ``CloseConnection``, ``NEED_DATA``): the
  engine already decided; the application writes ``send(event.reply)``,
  closes the socket, or reads more bytes.
"""

from __future__ import annotations

import enum

import attrs

from ._address import Path
from ._replies import Reply


class _NeedData:
    """Sentinel: feed more bytes with ``receive_data`` before asking again."""

    _instance: _NeedData | None = None

    def __new__(cls) -> _NeedData:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = _NeedData()


class BodyType(enum.Enum):
    """MAIL ``BODY=`` (RFC 6152 8BITMIME, RFC 3030 BINARYMIME)."""

    SEVEN_BIT = "7BIT"
    EIGHT_BIT_MIME = "8BITMIME"
    BINARY_MIME = "BINARYMIME"


class DsnReturn(enum.Enum):
    """MAIL ``RET=`` (RFC 3461): what a bounce should carry."""

    FULL = "FULL"
    HEADERS = "HDRS"


class DsnNotify(enum.Enum):
    """RCPT ``NOTIFY=`` (RFC 3461)."""

    NEVER = "NEVER"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    DELAY = "DELAY"


@attrs.frozen
class OriginalRecipient:
    """RCPT ``ORCPT=addr-type;xtext`` with the xtext decoded."""

    addr_type: str
    address: str


@attrs.frozen
class MailParams:
    size: int | None = None
    body: BodyType | None = None
    smtputf8: bool = False
    ret: DsnReturn | None = None
    envid: str | None = None
    #: RFC 4954 ``AUTH=`` submitter, xtext decoded; ``"<>"`` when unknown.
    auth: str | None = None


@attrs.frozen
class RcptParams:
    notify: frozenset[DsnNotify] | None = None
    orcpt: OriginalRecipient | None = None


@attrs.frozen
class Helo:
    """HELO (``extended=False``) or EHLO. ``accept()`` sends the greeting
    (the EHLO keyword list for EHLO); a rejection leaves the session as it
    was."""

    name: str
    extended: bool


@attrs.frozen
class MailFrom:
    """MAIL FROM. ``path`` is None for the null reverse-path ``<>``."""

    path: Path | None
    params: MailParams


@attrs.frozen
class RcptTo:
    path: Path
    params: RcptParams


@attrs.frozen
class AuthAttempt:
    """Decoded SASL credentials (PLAIN or LOGIN). ``accept()`` -> 235,
    ``reject()`` -> 535 5.7.8 and one more failure counted."""

    mechanism: str
    authzid: str
    username: str
    password: str = attrs.field(repr=False)


@attrs.frozen
class StartTLS:
    """STARTTLS. After ``accept()`` (220) the application runs the TLS
    handshake on the socket and then calls ``tls_started()``. Bytes that
    were pipelined after the command are discarded."""


@attrs.frozen
class MessageComplete:
    """A whole message: DATA (dot-unstuffed, ends with CRLF unless empty) or
    the BDAT chunks joined. ``accept(text)`` -> 250 2.0.0; whatever the
    answer, the transaction is over afterwards."""

    data: bytes = attrs.field(repr=lambda d: f"<{len(d)} bytes>")
    mail_from: MailFrom
    recipients: tuple[RcptTo, ...]
    chunked: bool


@attrs.frozen
class Reset:
    """RSET: the transaction (if any) is dropped once answered."""


@attrs.frozen
class Quit:
    """QUIT: after the answer (221) the engine emits ``CloseConnection``."""


@attrs.frozen
class ProtocolReply:
    """The engine answered a command on its own; write ``send(reply)``."""

    reply: Reply


@attrs.frozen
class CloseConnection:
    """Close the socket now (after writing what was already produced).

    ``reason`` is for logs: ``"quit"``, ``"peer closed"``, ``"too many
    errors"``, etc.
    """

    reason: str


Decision = Helo | MailFrom | RcptTo | AuthAttempt | StartTLS | MessageComplete | Reset | Quit
Event = Decision | ProtocolReply | CloseConnection
