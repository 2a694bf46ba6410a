"""Command lines to typed commands, and MAIL/RCPT arguments to events.

Parsing is two-step on purpose: ``parse_command`` only recognizes the verb
and the shape of the line, so the engine can check the session state
first (a MAIL before EHLO is a 503 whatever its syntax); the MAIL and RCPT
arguments are parsed afterwards, knowing whether EHLO and SMTPUTF8 are in
force.
"""

from __future__ import annotations

import re

import attrs

from . import _replies
from ._address import (
    AddressError,
    Path,
    decode_xtext,
    parse_esmtp_params,
    parse_path,
    split_path,
)
from ._events import (
    BodyType,
    DsnNotify,
    DsnReturn,
    MailFrom,
    MailParams,
    OriginalRecipient,
    RcptParams,
    RcptTo,
)
from ._replies import Reply


@attrs.frozen
class HeloCmd:
    name: str
    extended: bool


@attrs.frozen
class MailCmd:
    argument: str


@attrs.frozen
class RcptCmd:
    argument: str


@attrs.frozen
class DataCmd:
    pass


@attrs.frozen
class BdatCmd:
    size: int
    last: bool


@attrs.frozen
class RsetCmd:
    pass


@attrs.frozen
class NoopCmd:
    pass


@attrs.frozen
class QuitCmd:
    pass


@attrs.frozen
class VrfyCmd:
    """VRFY or EXPN: both get 252 and disclose nothing."""


@attrs.frozen
class HelpCmd:
    pass


@attrs.frozen
class StartTlsCmd:
    pass


@attrs.frozen
class AuthCmd:
    mechanism: str
    initial_response: str | None


@attrs.frozen
class UnknownCmd:
    """An unrecognized verb (counted as junk and as an error)."""

    verb: str


@attrs.frozen
class CrossProtocolCmd:
    """An HTTP request line sent to the SMTP port (cross-protocol attack)."""


@attrs.frozen
class BadCmd:
    """A known verb with a malformed line; answer ``reply``."""

    reply: Reply


Command = (
    HeloCmd
    | MailCmd
    | RcptCmd
    | DataCmd
    | BdatCmd
    | RsetCmd
    | NoopCmd
    | QuitCmd
    | VrfyCmd
    | HelpCmd
    | StartTlsCmd
    | AuthCmd
    | UnknownCmd
    | CrossProtocolCmd
    | BadCmd
)

_BDAT = re.compile(r"([0-9]{1,20})(?: +(LAST))? *", re.IGNORECASE)
_HTTP_VERBS = frozenset({"GET", "POST", "PUT", "HEAD", "CONNECT", "OPTIONS", "DELETE"})
_SYNTAX = BadCmd(_replies.PARAMETER_SYNTAX)


def parse_command(line: str) -> Command:
    """Classify one command line (CRLF stripped, already checked for
    control characters)."""
    verb, _, argument = line.partition(" ")
    verb = verb.upper()
    argument = argument.strip(" ")
    match verb:
        case "EHLO" | "HELO":
            name = argument.split(" ", 1)[0]
            if not name:
                return _SYNTAX
            return HeloCmd(name, extended=verb == "EHLO")
        case "MAIL":
            return MailCmd(argument)
        case "RCPT":
            return RcptCmd(argument)
        case "DATA":
            return _SYNTAX if argument else DataCmd()
        case "BDAT":
            m = _BDAT.fullmatch(argument)
            if m is None:
                return _SYNTAX
            return BdatCmd(int(m.group(1)), last=m.group(2) is not None)
        case "RSET":
            return _SYNTAX if argument else RsetCmd()
        case "NOOP":
            return NoopCmd()
        case "QUIT":
            return _SYNTAX if argument else QuitCmd()
        case "VRFY" | "EXPN":
            return VrfyCmd() if argument else _SYNTAX
        case "HELP":
            return HelpCmd()
        case "STARTTLS":
            return _SYNTAX if argument else StartTlsCmd()
        case "AUTH":
            parts = argument.split()
            if not 1 <= len(parts) <= 2:
                return _SYNTAX
            return AuthCmd(parts[0].upper(), parts[1] if len(parts) == 2 else None)
        case _ if verb in _HTTP_VERBS and " HTTP/" in line.upper():
            return CrossProtocolCmd()
        case _:
            return UnknownCmd(verb)


class ArgumentError(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(reply)
        self.reply = reply


def _path_and_params(argument: str, keyword: str, bad: Reply) -> tuple[str, str]:
    if argument[: len(keyword)].upper() != keyword:
        raise ArgumentError(_replies.PARAMETER_SYNTAX)
    rest = argument[len(keyword) :].lstrip(" ")
    try:
        return split_path(rest)
    except AddressError:
        raise ArgumentError(bad) from None


def _params(text: str, *, extended: bool, smtputf8: bool | None) -> dict[str, str | None]:
    """Parse ESMTP parameters; non-ASCII values need SMTPUTF8 (``None``:
    decided by this very parameter list, as on MAIL)."""
    try:
        params = parse_esmtp_params(text)
    except ValueError:
        raise ArgumentError(_replies.PARAMETER_SYNTAX) from None
    if params and not extended:
        raise ArgumentError(_replies.PARAMETER_NOT_RECOGNIZED)
    if smtputf8 is None:
        smtputf8 = "SMTPUTF8" in params
    if not smtputf8 and not text.isascii():
        raise ArgumentError(_replies.PARAMETER_SYNTAX)
    return params


def _keyword(value: str | None, choices: type[BodyType] | type[DsnReturn]) -> str:
    if value is None or value.upper() not in {c.value for c in choices}:
        raise ArgumentError(_replies.PARAMETER_SYNTAX)
    return value.upper()


def _xtext(value: str | None, max_length: int | None = None) -> str:
    if value is None:
        raise ArgumentError(_replies.PARAMETER_SYNTAX)
    try:
        decoded = decode_xtext(value)
    except ValueError:
        raise ArgumentError(_replies.PARAMETER_SYNTAX) from None
    if max_length is not None and len(decoded) > max_length:
        raise ArgumentError(_replies.PARAMETER_SYNTAX)
    return decoded


def _path(bracketed: str, *, smtputf8: bool, bad: Reply, postmaster_ok: bool) -> Path:
    try:
        return parse_path(bracketed, smtputf8=smtputf8, postmaster_ok=postmaster_ok)
    except AddressError as exc:
        raise ArgumentError(_replies.NON_ASCII_ADDRESS if exc.non_ascii else bad) from None


def parse_mail(argument: str, *, extended: bool) -> MailFrom:
    """``FROM:<path> [params]`` into a ``MailFrom`` (SIZE not yet checked)."""
    bracketed, rest = _path_and_params(argument, "FROM:", _replies.BAD_SENDER_SYNTAX)
    params = _params(rest, extended=extended, smtputf8=None)
    size: int | None = None
    body: BodyType | None = None
    ret: DsnReturn | None = None
    envid: str | None = None
    auth: str | None = None
    for key, value in params.items():
        match key:
            case "SIZE":
                if value is None or not value.isdigit() or len(value) > 20:
                    raise ArgumentError(_replies.PARAMETER_SYNTAX)
                size = int(value)
            case "BODY":
                body = BodyType(_keyword(value, BodyType))
            case "SMTPUTF8":
                if value is not None:
                    raise ArgumentError(_replies.PARAMETER_SYNTAX)
            case "RET":
                ret = DsnReturn(_keyword(value, DsnReturn))
            case "ENVID":
                envid = _xtext(value, max_length=100)
            case "AUTH":
                auth = "<>" if value == "<>" else _xtext(value)
            case _:
                raise ArgumentError(_replies.PARAMETER_NOT_RECOGNIZED)
    mail_params = MailParams(
        size=size, body=body, smtputf8="SMTPUTF8" in params, ret=ret, envid=envid, auth=auth
    )
    if bracketed == "<>":
        return MailFrom(None, mail_params)
    path = _path(
        bracketed,
        smtputf8=mail_params.smtputf8,
        bad=_replies.BAD_SENDER_SYNTAX,
        postmaster_ok=False,
    )
    return MailFrom(path, mail_params)


def parse_rcpt(argument: str, *, extended: bool, smtputf8: bool) -> RcptTo:
    """``TO:<path> [params]`` into an ``RcptTo``."""
    bracketed, rest = _path_and_params(argument, "TO:", _replies.BAD_RECIPIENT_SYNTAX)
    params = _params(rest, extended=extended, smtputf8=smtputf8)
    notify: frozenset[DsnNotify] | None = None
    orcpt: OriginalRecipient | None = None
    for key, value in params.items():
        match key:
            case "NOTIFY":
                notify = _notify(value)
            case "ORCPT":
                addr_type, sep, encoded = (value or "").partition(";")
                if not sep or not re.fullmatch(r"[A-Za-z0-9\-]+", addr_type):
                    raise ArgumentError(_replies.PARAMETER_SYNTAX)
                orcpt = OriginalRecipient(addr_type.lower(), _xtext(encoded, max_length=500))
            case _:
                raise ArgumentError(_replies.PARAMETER_NOT_RECOGNIZED)
    path = _path(
        bracketed, smtputf8=smtputf8, bad=_replies.BAD_RECIPIENT_SYNTAX, postmaster_ok=True
    )
    return RcptTo(path, RcptParams(notify=notify, orcpt=orcpt))


def _notify(value: str | None) -> frozenset[DsnNotify]:
    if value is None:
        raise ArgumentError(_replies.PARAMETER_SYNTAX)
    items = value.upper().split(",")
    try:
        kinds = [DsnNotify(item) for item in items]
    except ValueError:
        raise ArgumentError(_replies.PARAMETER_SYNTAX) from None
    if len(set(kinds)) != len(kinds) or (DsnNotify.NEVER in kinds and len(kinds) > 1):
        raise ArgumentError(_replies.PARAMETER_SYNTAX)
    return frozenset(kinds)
