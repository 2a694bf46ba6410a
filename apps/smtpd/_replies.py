"""The replies this daemon adds to the protocol's, and the one place where
engine errors become SMTP replies."""

from __future__ import annotations

import enum

import mailcore
from mailcore.protocol.smtp import Reply, replies


class Stage(enum.Enum):
    """Where in the session an engine call failed: the same error is a
    different reply at MAIL, at RCPT and at the end of DATA (RFC 5321
    section 4.3.2 lists which codes each command may answer)."""

    AUTH = "auth"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"


TOO_MANY_CONNECTIONS = Reply(421, "4.7.0", "Too many connections from your address, try later")
IDLE_TIMEOUT = Reply(421, "4.4.2", "Idle timeout, closing connection")
SHUTTING_DOWN = Reply(421, "4.3.2", "Service shutting down, try again later")
LOCAL_ERROR_CLOSING = Reply(421, "4.3.0", "Local error, closing connection")
TLS_REQUIRED_FIRST = Reply(530, "5.7.0", "Must issue a STARTTLS command first")
RELAY_DENIED = Reply(550, "5.7.1", "Relaying denied")
ADDRESS_FORM_REFUSED = Reply(550, "5.7.1", "Address form not accepted here")
USER_UNKNOWN = Reply(550, "5.1.1", "User unknown in local recipient table")
NULL_SENDER_REFUSED = Reply(553, "5.7.1", "Sender address rejected: a submission needs a sender")
FROM_HEADER_REFUSED = Reply(550, "5.7.1", "From header rejected: not owned by the authenticated user")
AUTHZID_REFUSED = Reply(535, "5.7.8", "Authentication credentials invalid")

_TEMPORARY = Reply(451, "4.3.0", "Local error in processing, try again later")


def reply_for(error: BaseException, stage: Stage) -> Reply:
    """The reply for an engine error raised while serving ``stage``.

    Anything unforeseen is temporary (451 4.3.0): the client keeps the
    message and retries, so nothing is lost when the engine has a bad
    moment.
    """
    match error:
        case mailcore.TooManyAttempts():
            return Reply(454, "4.7.0", "Too many failed authentication attempts, try again later")
        case mailcore.AuthenticationFailed():
            return replies.AUTH_FAILED
        case mailcore.Unavailable() if stage is Stage.AUTH:
            return Reply(454, "4.7.0", "Temporary authentication failure")  # RFC 4954
        case mailcore.SenderNotAllowed():
            if stage is Stage.DATA:
                return FROM_HEADER_REFUSED
            return Reply(553, "5.7.1", "Sender address rejected: not owned by the authenticated user")
        case mailcore.NotLocalRecipient():
            return USER_UNKNOWN if stage is Stage.RCPT else Reply(550, "5.1.1", "User unknown")
        case mailcore.MessageTooLarge():
            return replies.MESSAGE_TOO_BIG
        case mailcore.InvalidName():
            if stage is Stage.DATA:
                return Reply(554, "5.1.3", "Bad address in the message envelope")
            return Reply(553, "5.1.3", "Bad address syntax")
        case _:
            return _TEMPORARY
