"""SMTP replies: one value type and the named replies the engine and apps use.

Every 2xx, 4xx and 5xx reply carries an RFC 3463 enhanced status code, as
RFC 2034 asks once ENHANCEDSTATUSCODES is advertised.  The exceptions are
the ones RFC 2034 itself makes: the 220 greeting and the 250 answer to
HELO/EHLO; 3xx intermediate replies (334, 354) carry none either.
"""

from __future__ import annotations

import re

import attrs

from ._errors import LocalProtocolError

_ENHANCED = re.compile(r"[245]\.[0-9]{1,3}\.[0-9]{1,3}")


def _text_lines(value: str | tuple[str, ...]) -> tuple[str, ...]:
    lines = (value,) if isinstance(value, str) else tuple(value)
    return lines or ("",)


@attrs.frozen
class Reply:
    """One SMTP reply, possibly multi-line.

    ``text`` is one line or a tuple of lines; lines must not hold CR or LF,
    which would let a reply inject another (checked at construction).
    """

    code: int
    enhanced: str | None
    text: tuple[str, ...] = attrs.field(converter=_text_lines)

    def __attrs_post_init__(self) -> None:
        if not 200 <= self.code <= 599:
            raise LocalProtocolError(f"reply code out of range: {self.code}")
        if self.enhanced is not None:
            if not _ENHANCED.fullmatch(self.enhanced):
                raise LocalProtocolError(f"bad enhanced status code: {self.enhanced!r}")
            if self.enhanced[0] != str(self.code)[0]:
                raise LocalProtocolError(
                    f"enhanced code {self.enhanced} does not match reply {self.code}"
                )
        for line in self.text:
            if "\r" in line or "\n" in line:
                raise LocalProtocolError("reply text must not contain CR or LF")

    @property
    def is_positive(self) -> bool:
        """2xx or 3xx: the command was accepted (or may proceed)."""
        return self.code < 400

    @property
    def closes(self) -> bool:
        """421 and 221 end the session: the server closes after sending them."""
        return self.code in (421, 221)

    def to_bytes(self) -> bytes:
        prefix = f"{self.enhanced} " if self.enhanced else ""
        out = []
        last = len(self.text) - 1
        for i, line in enumerate(self.text):
            sep = " " if i == last else "-"
            out.append(f"{self.code}{sep}{prefix}{line}\r\n")
        return "".join(out).encode("utf-8")


# 2xx
OK = Reply(250, "2.0.0", "OK")
SENDER_OK = Reply(250, "2.1.0", "Sender OK")
RECIPIENT_OK = Reply(250, "2.1.5", "Recipient OK")
MESSAGE_ACCEPTED = Reply(250, "2.0.0", "OK: message accepted")
RESET_OK = Reply(250, "2.0.0", "Reset OK")
NOOP_OK = Reply(250, "2.0.0", "OK")
CANNOT_VRFY = Reply(252, "2.1.5", "Cannot VRFY user, but will accept message and attempt delivery")
HELP_TEXT = Reply(
    214,
    "2.0.0",
    (
        "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH",
        "See RFC 5321",
    ),
)
READY_FOR_TLS = Reply(220, "2.0.0", "Ready to start TLS")
AUTH_SUCCEEDED = Reply(235, "2.7.0", "Authentication successful")

# 3xx (RFC 2034: no enhanced code on intermediate replies)
START_MAIL_INPUT = Reply(354, None, "End data with <CR><LF>.<CR><LF>")

# 4xx
TOO_MANY_RECIPIENTS = Reply(452, "4.5.3", "Too many recipients")
TOO_MANY_ERRORS = Reply(421, "4.7.0", "Too many errors, closing connection")
TOO_MANY_COMMANDS = Reply(421, "4.7.0", "Too many commands without mail, closing connection")
TOO_MANY_AUTH_FAILURES = Reply(421, "4.7.0", "Too many authentication failures, closing connection")
CROSS_PROTOCOL = Reply(421, "4.7.0", "This is an SMTP server, closing connection")
TLS_NOT_AVAILABLE = Reply(454, "4.7.0", "TLS not available")

# 5xx
SYNTAX_ERROR = Reply(500, "5.5.2", "Syntax error")
LINE_TOO_LONG = Reply(500, "5.5.2", "Line too long")
BARE_LF_IN_COMMAND = Reply(500, "5.5.2", "Bare LF received, lines must end with CRLF")
INVALID_CHARACTERS = Reply(500, "5.5.2", "Invalid characters in command")
COMMAND_UNRECOGNIZED = Reply(500, "5.5.1", "Command unrecognized")
PARAMETER_SYNTAX = Reply(501, "5.5.4", "Syntax error in parameters or arguments")
BAD_SENDER_SYNTAX = Reply(501, "5.1.7", "Bad sender address syntax")
BAD_RECIPIENT_SYNTAX = Reply(501, "5.1.3", "Bad recipient address syntax")
BAD_BASE64 = Reply(501, "5.5.2", "Cannot decode base64 response")
BAD_SASL_RESPONSE = Reply(501, "5.5.2", "Malformed authentication response")
AUTH_CANCELLED = Reply(501, "5.0.0", "Authentication cancelled")
NOT_IMPLEMENTED = Reply(502, "5.5.1", "Command not implemented")
BAD_SEQUENCE = Reply(503, "5.5.1", "Bad sequence of commands")
SEND_HELO_FIRST = Reply(503, "5.5.1", "Send HELO/EHLO first")
NEED_MAIL = Reply(503, "5.5.1", "Need MAIL command")
NESTED_MAIL = Reply(503, "5.5.1", "Sender already specified")
NEED_RCPT = Reply(503, "5.5.1", "Need RCPT command")
ALREADY_AUTHENTICATED = Reply(503, "5.5.1", "Already authenticated")
AUTH_IN_TRANSACTION = Reply(503, "5.5.1", "AUTH not allowed during a mail transaction")
TLS_ALREADY_ACTIVE = Reply(503, "5.5.1", "TLS already active")
DATA_AFTER_BDAT = Reply(503, "5.5.1", "DATA not allowed after BDAT")
BINARYMIME_NEEDS_BDAT = Reply(503, "5.5.1", "BODY=BINARYMIME requires BDAT")
NO_SERVICE_ONLY_QUIT = Reply(503, "5.5.1", "No SMTP service here, only QUIT")
AUTH_MECHANISM_UNKNOWN = Reply(504, "5.5.4", "Unrecognized authentication type")
AUTH_REQUIRED = Reply(530, "5.7.0", "Authentication required")
AUTH_FAILED = Reply(535, "5.7.8", "Authentication credentials invalid")
ENCRYPTION_REQUIRED = Reply(
    538, "5.7.11", "Encryption required for requested authentication mechanism"
)
MESSAGE_TOO_BIG = Reply(552, "5.3.4", "Message size exceeds fixed limit")
MESSAGE_LINE_TOO_LONG = Reply(550, "5.6.0", "Message line too long, message refused")
BARE_LINE_ENDING_IN_DATA = Reply(
    550, "5.6.11", "Bare CR or LF in message data, lines must end with CRLF; message refused"
)
NON_ASCII_ADDRESS = Reply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8")
NO_VALID_RECIPIENTS = Reply(554, "5.5.1", "No valid recipients")
SERVICE_REFUSED = Reply(554, "5.3.2", "No SMTP service here")
PARAMETER_NOT_RECOGNIZED = Reply(
    555, "5.5.4", "MAIL FROM/RCPT TO parameters not recognized or not implemented"
)
