"""Every failure a command can meet, turned into its tagged NO or BAD in one place.

The session hands the result to ``IMAPServer.fail``, which writes the line.
"""

from __future__ import annotations

from typing import Literal

import mailcore

__all__ = ["ImapError", "failure"]

Status = Literal["NO", "BAD"]


class ImapError(Exception):
    """A command fails with ``status [code] text``; the session goes on."""

    def __init__(self, status: Status, text: str, code: str | bytes | None = None) -> None:
        super().__init__(text)
        self.status: Status = status
        self.text = text
        self.code = code


def failure(exc: Exception) -> tuple[Status, str, str | bytes | None]:
    """``(status, text, code)`` of the tagged NO/BAD for ``exc``; anything
    unexpected is re-raised."""
    status, code, text = _reply(exc)
    return status, text, code


def _reply(exc: Exception) -> tuple[Status, str | bytes | None, str]:
    match exc:
        case ImapError(status=status, code=code, text=text):
            return status, code, text
        case mailcore.TooManyAttempts():
            return "NO", "UNAVAILABLE", "Too many failed logins; try again later"
        case mailcore.AuthenticationFailed():
            return "NO", "AUTHENTICATIONFAILED", "Authentication failed"
        case mailcore.LabelNotFound():
            return "NO", "NONEXISTENT", "No such mailbox"
        case mailcore.MessageNotFound():
            return "NO", "NONEXISTENT", "No such message"
        case mailcore.AlreadyExists():
            return "NO", "ALREADYEXISTS", "Mailbox already exists"
        case mailcore.PermissionDenied():
            return "NO", "NOPERM", str(exc) or "Not allowed"
        case mailcore.MessageTooLarge():
            return "NO", "TOOBIG", "Message too large"
        case mailcore.QuerySyntaxError():
            return "BAD", None, f"Bad search query: {exc}"
        case mailcore.InvalidArgument():
            return "NO", "CANNOT", str(exc) or "Invalid argument"
        case mailcore.StoreError():
            # RFC 5530: the server cannot reach what it needs now; the
            # session goes on and the same command may succeed later
            return "NO", "UNAVAILABLE", "Temporary failure; try again later"
        case mailcore.MailcoreError():
            return "NO", "SERVERBUG", str(exc) or "Server error"
        case ValueError():
            return "BAD", None, str(exc) or "Invalid argument"
    raise exc
