"""RFC 5321 paths (with RFC 6531 SMTPUTF8), ESMTP parameters and xtext.

The grammar follows RFC 5321 section 4.1.2; the named patterns below read
like the ABNF they come from.  Non-ASCII is let through the patterns
everywhere and policed once, up front: without SMTPUTF8 any 8-bit octet in
a path is refused with 553 5.6.7 (RFC 6531 section 3.5).

A parsed ``Path`` keeps what the client wrote (``raw``) and flags every
form that has historically let a relay be abused (``relay_trick``).  The
engine never decides relaying; the application does, with this flag.
"""

from __future__ import annotations

import ipaddress
import re

import attrs

# Octets >= 0x80 decoded as UTF-8; lone surrogates (undecodable bytes kept
# by "surrogateescape") are excluded, so they never match.
_UTF8_NON_ASCII = "\u0080-\ud7ff\ue000-\U0010ffff"

# atext (RFC 5322 3.2.3) plus UTF8-non-ascii (RFC 6531 3.3)
_ATEXT = rf"[A-Za-z0-9!#$%&'*+\-/=?^_`{{|}}~{_UTF8_NON_ASCII}]"
_DOT_STRING = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
# qtextSMTP = %d32-33 / %d35-91 / %d93-126 ; quoted-pairSMTP = "\" %d32-126
_QCONTENT = rf"(?:[\x20\x21\x23-\x5b\x5d-\x7e{_UTF8_NON_ASCII}]|\\[\x20-\x7e])"
_QUOTED_STRING = rf'"{_QCONTENT}*"'
_LOCAL_PART = re.compile(rf"{_DOT_STRING}|{_QUOTED_STRING}")
# sub-domain = Let-dig [Ldh-str] ; U-labels allowed, validated through IDNA
_LET_DIG = rf"[A-Za-z0-9{_UTF8_NON_ASCII}]"
_SUB_DOMAIN = rf"{_LET_DIG}(?:[A-Za-z0-9\-{_UTF8_NON_ASCII}]*{_LET_DIG})?"
_DOMAIN = re.compile(rf"{_SUB_DOMAIN}(?:\.{_SUB_DOMAIN})*")
# address-literal = "[" ( IPv4 / "IPv6:" IPv6 / tag ":" 1*dcontent ) "]"
_ADDRESS_LITERAL = re.compile(r"\[([\x21-\x5a\x5e-\x7e]+)\]")
_GENERAL_LITERAL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?:[\x21-\x5a\x5e-\x7e]+")
_IPV4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")

# esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
# esmtp-value   = 1*(%d33-60 / %d62-126), plus UTF-8 under SMTPUTF8
_ESMTP_KEYWORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")
_ESMTP_VALUE = re.compile(rf"[\x21-\x3c\x3e-\x7e{_UTF8_NON_ASCII}]+")
# xtext = *( xchar / hexchar ), RFC 3461 section 4
_XTEXT = re.compile(r"(?:[\x21-\x2a\x2c-\x3c\x3e-\x7e]|\+[0-9A-Fa-f]{2})*")
_HEXCHAR = re.compile(r"\+([0-9A-Fa-f]{2})")

MAX_LOCAL_PART = 64
MAX_DOMAIN = 255
MAX_LABEL = 63
MAX_PATH = 256


class AddressError(ValueError):
    """A path that does not parse; ``non_ascii`` marks the 553 5.6.7 case."""

    def __init__(self, message: str, *, non_ascii: bool = False) -> None:
        super().__init__(message)
        self.non_ascii = non_ascii


@attrs.frozen
class Path:
    """A forward- or reverse-path, as accepted from MAIL FROM or RCPT TO.

    ``local`` is the local part with quoting undone; ``domain`` is the
    domain as written (U-labels kept, ``[1.2.3.4]`` for a literal, empty
    for the bare ``<postmaster>`` recipient). ``raw`` is the path exactly
    as the client sent it, angle brackets included.

    ``relay_trick`` is true for every form that must never be treated as a
    local address without authentication: a source route (stripped, but
    kept in ``source_route``), ``%`` or ``!`` in the local part, a quoted
    local part holding ``@``, or an address literal as the domain.
    """

    local: str
    domain: str
    raw: str
    source_route: tuple[str, ...] = ()
    quoted: bool = False
    relay_trick: bool = False

    @property
    def is_plain(self) -> bool:
        """A plain ``local@domain``: none of the relay tricks."""
        return not self.relay_trick

    @property
    def is_address_literal(self) -> bool:
        return self.domain.startswith("[")

    @property
    def address(self) -> str:
        """``local@domain`` with the local part re-quoted when it must be."""
        local = self.local
        if not re.fullmatch(_DOT_STRING, local):
            local = '"' + local.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{local}@{self.domain}" if self.domain else local

    @property
    def domain_ascii(self) -> str:
        """The domain with U-labels converted to A-labels (IDNA)."""
        if self.domain.isascii():
            return self.domain.lower()
        return self.domain.encode("idna").decode("ascii").lower()

    def __str__(self) -> str:
        return self.address


def split_path(argument: str) -> tuple[str, str]:
    """Split ``<path> params`` into the bracketed path and what follows it.

    Walks quoted strings so that a ``>`` inside quotes does not end the
    path.  What follows is returned unparsed (empty or starting with SP).
    """
    if not argument.startswith("<"):
        raise AddressError("path must be enclosed in <>")
    in_quote = False
    i = 1
    while i < len(argument):
        c = argument[i]
        if in_quote:
            if c == "\\":
                i += 1
            elif c == '"':
                in_quote = False
        elif c == '"':
            in_quote = True
        elif c == ">":
            return argument[: i + 1], argument[i + 1 :]
        i += 1
    raise AddressError("unterminated path")


def _match_domain(text: str, pos: int) -> tuple[str, int]:
    """Match a Domain or address-literal at ``pos``; return it and the end."""
    if text.startswith("[", pos):
        m = _ADDRESS_LITERAL.match(text, pos)
        if m is None or not _valid_literal(m.group(1)):
            raise AddressError("bad address literal")
        return m.group(0), m.end()
    m = _DOMAIN.match(text, pos)
    if m is None:
        raise AddressError("bad domain")
    domain = m.group(0)
    try:
        ascii_form = domain.encode("idna") if not domain.isascii() else domain.encode()
    except UnicodeError:
        raise AddressError("bad internationalized domain") from None
    if len(ascii_form) > MAX_DOMAIN or len(domain.encode("utf-8")) > MAX_DOMAIN:
        raise AddressError("domain too long")
    if any(len(label) > MAX_LABEL for label in ascii_form.split(b".")):
        raise AddressError("domain label too long")
    return domain, m.end()


def _valid_literal(content: str) -> bool:
    if _IPV4.fullmatch(content):
        try:
            ipaddress.IPv4Address(content)
        except ValueError:
            return False
        return True
    if content[:5].upper() == "IPV6:":
        try:
            ipaddress.IPv6Address(content[5:])
        except ValueError:
            return False
        return True
    return _GENERAL_LITERAL.fullmatch(content) is not None


def _unquote(local: str) -> str:
    return re.sub(r"\\(.)", r"\1", local[1:-1])


def parse_path(bracketed: str, *, smtputf8: bool, postmaster_ok: bool = False) -> Path:
    """Parse ``<[A-d-l:]local@domain>`` (the brackets included).

    The null path ``<>`` is the caller's business (it is only valid as a
    reverse-path).  ``postmaster_ok`` admits the domainless
    ``<postmaster>`` that RFC 5321 section 4.5.1 requires a server to take
    as a recipient.
    """
    if not (bracketed.startswith("<") and bracketed.endswith(">")) or len(bracketed) < 2:
        raise AddressError("path must be enclosed in <>")
    if not bracketed.isascii() and not smtputf8:
        raise AddressError("non-ASCII address without SMTPUTF8", non_ascii=True)
    if len(bracketed.encode("utf-8", "surrogateescape")) > MAX_PATH + 2:
        raise AddressError("path too long")
    inner = bracketed[1:-1]
    if postmaster_ok and inner.lower() == "postmaster":
        return Path(local=inner, domain="", raw=bracketed)

    pos = 0
    route: list[str] = []
    if inner.startswith("@"):
        while True:
            if not inner.startswith("@", pos):
                raise AddressError("bad source route")
            hop, pos = _match_domain(inner, pos + 1)
            route.append(hop)
            if inner.startswith(",", pos):
                pos += 1
                continue
            if inner.startswith(":", pos):
                pos += 1
                break
            raise AddressError("bad source route")

    m = _LOCAL_PART.match(inner, pos)
    if m is None:
        raise AddressError("bad local part")
    raw_local = m.group(0)
    pos = m.end()
    if not inner.startswith("@", pos):
        raise AddressError("missing @domain")
    domain, pos = _match_domain(inner, pos + 1)
    if pos != len(inner):
        raise AddressError("junk after domain")

    quoted = raw_local.startswith('"')
    local = _unquote(raw_local) if quoted else raw_local
    if len(local.encode("utf-8")) > MAX_LOCAL_PART:
        raise AddressError("local part too long")
    trick = (
        bool(route)
        or "%" in local
        or "!" in local
        or (quoted and "@" in local)
        or domain.startswith("[")
    )
    return Path(
        local=local,
        domain=domain,
        raw=bracketed,
        source_route=tuple(route),
        quoted=quoted,
        relay_trick=trick,
    )


def parse_esmtp_params(text: str) -> dict[str, str | None]:
    """Parse ``SP esmtp-param *(SP esmtp-param)`` into {KEYWORD: value}.

    Keywords are upper-cased; a keyword without ``=`` maps to None.
    Raises ValueError on bad syntax or a repeated keyword.
    """
    params: dict[str, str | None] = {}
    if not text:
        return params
    if not text.startswith(" "):
        raise ValueError("parameters must follow a space")
    for item in text.split(" "):
        if not item:
            continue
        keyword, eq, value = item.partition("=")
        if not _ESMTP_KEYWORD.fullmatch(keyword):
            raise ValueError(f"bad parameter keyword {keyword!r}")
        if eq and not _ESMTP_VALUE.fullmatch(value):
            raise ValueError(f"bad value for {keyword}")
        key = keyword.upper()
        if key in params:
            raise ValueError(f"repeated parameter {key}")
        params[key] = value if eq else None
    return params


def decode_xtext(text: str) -> str:
    """Decode RFC 3461 xtext (``+XX`` hex escapes) to a string (UTF-8)."""
    if not _XTEXT.fullmatch(text):
        raise ValueError("bad xtext")
    raw = _HEXCHAR.sub(lambda m: chr(int(m.group(1), 16)), text)
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise ValueError("xtext is not UTF-8") from None
