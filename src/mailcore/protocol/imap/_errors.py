"""Errors raised by the sans-IO IMAP server for misuse by its caller."""

from __future__ import annotations

__all__ = ["LocalProtocolError"]


class LocalProtocolError(Exception):
    """The application used :class:`IMAPServer` out of turn.

    A client can never cause this: every fault of the client becomes a
    ``BAD`` or ``NO`` response. It means the application, say, asked for the
    next event while a decision was still unanswered, or answered a decision
    that was not asked.
    """
