"""Per-connection limits: every resource a peer can make the engine spend."""

from __future__ import annotations

import attrs


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive, not {value}")


@attrs.frozen
class SMTPLimits:
    """Limits for one SMTP session.

    Line lengths include the CRLF (RFC 5321 section 4.5.3.1). Memory held
    for a connection stays below roughly ``max_message_size`` plus one
    line: past the size limit, message bytes are counted, not kept.
    """

    #: Longest message text line, CRLF included (RFC 5321: 1000).
    max_line_length: int = attrs.field(default=1000, validator=_positive)
    #: Longest command line, CRLF included (RFC 5321: 512).
    max_command_length: int = attrs.field(default=512, validator=_positive)
    #: Longest AUTH command or SASL response line (RFC 4954: 12288).
    max_auth_line_length: int = attrs.field(default=12288, validator=_positive)
    #: Advertised as ``SIZE``; larger messages get 552 5.3.4.
    max_message_size: int = attrs.field(default=35 * 1024 * 1024, validator=_positive)
    #: RCPTs accepted per transaction; more get 452 4.5.3.
    max_recipients: int = attrs.field(default=100, validator=_positive)
    #: NOOP, RSET, VRFY, EXPN, HELP, repeated HELO/EHLO and unknown commands
    #: allowed since the last accepted MAIL; one more gets 421 4.7.0.
    max_commands_before_mail: int = attrs.field(default=25, validator=_positive)
    #: Protocol errors (syntax, sequence, ...) per session; the one that
    #: reaches this number is answered 421 4.7.0 and the session closes.
    max_errors: int = attrs.field(default=10, validator=_positive)
    #: Failed AUTH attempts per session; reaching it adds 421 and closes.
    max_auth_failures: int = attrs.field(default=3, validator=_positive)
