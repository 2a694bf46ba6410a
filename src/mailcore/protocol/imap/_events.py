"""Events returned by :meth:`CommandReceiver.next_event`."""

from __future__ import annotations

import binascii
from typing import Literal

import attrs

from ._commands import Command

__all__ = [
    "NEED_DATA",
    "PAUSED",
    "AuthLine",
    "CommandError",
    "CommandEvent",
    "ContinuationNeeded",
    "Event",
    "IdleDone",
    "LiteralTooLarge",
    "NeedData",
    "Paused",
]


@attrs.frozen
class NeedData:
    """Feed more bytes with ``receive_data`` before asking again."""


@attrs.frozen
class Paused:
    """The receiver waits for the server after IDLE, AUTHENTICATE or STARTTLS.

    Call ``expect_idle_done()``, ``expect_auth_line()``, ``start_tls()`` or
    ``resume()``; until then buffered input stays untouched.
    """


NEED_DATA = NeedData()
PAUSED = Paused()


@attrs.frozen
class ContinuationNeeded:
    """A synchronizing literal was announced and passed the prefix check.

    The server sends ``+ Ready`` (or any continuation) and keeps feeding data;
    it may instead answer ``tag NO [TOOBIG]`` (say, over a mailbox's
    APPENDLIMIT) and call ``reject_literal()``. ``command`` is the command name,
    upper-cased (``APPEND``, ``LOGIN``...).
    """

    tag: str | None
    size: int
    command: str = ""
    binary: bool = False


@attrs.frozen
class CommandEvent:
    command: Command


@attrs.frozen
class CommandError:
    """The command was rejected; its remaining bytes have been skipped.

    Answer ``tag <kind> [code] message`` or ``* BAD message`` when ``tag`` is
    None (the tag itself was unreadable).
    """

    tag: str | None
    message: str
    kind: Literal["BAD", "NO"] = "BAD"
    code: str | None = None


@attrs.frozen
class LiteralTooLarge:
    """A literal exceeded ``max_literal_size``; it was never buffered.

    For a synchronizing literal no continuation must be sent: answer
    ``tag NO [TOOBIG] ...`` and the client abandons the command. A
    non-synchronizing literal has already been discarded, as has the rest of
    the command once its remaining bytes arrive.
    """

    tag: str | None
    size: int
    synchronizing: bool


@attrs.frozen
class IdleDone:
    """The ``DONE`` line ending IDLE."""


@attrs.frozen
class AuthLine:
    """One SASL client response line during AUTHENTICATE."""

    data: bytes = attrs.field(repr=False)

    @property
    def cancelled(self) -> bool:
        """The client sent ``*`` to cancel the exchange (answer ``tag BAD``)."""
        return self.data == b"*"

    def decode(self) -> bytes:
        """The base64-decoded response; raises ValueError if it is not base64."""
        if self.data == b"=":
            return b""
        try:
            return binascii.a2b_base64(self.data, strict_mode=True)
        except binascii.Error as exc:
            raise ValueError(f"invalid base64 in SASL response: {exc}") from None


Event = (
    NeedData
    | Paused
    | ContinuationNeeded
    | CommandEvent
    | CommandError
    | LiteralTooLarge
    | IdleDone
    | AuthLine
)
