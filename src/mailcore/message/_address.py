"""RFC 5322 address lists (with the obsolete forms still in circulation).

The parser works on Latin-1 carrier strings so the raw octets of display
names can go into an IMAP ENVELOPE unchanged, while :class:`Address` carries
the decoded name for people.
"""

from __future__ import annotations

import re

import attrs

from ._headers import decode_rfc2047, latin1_to_text

_NEEDS_QUOTE = re.compile(r'[\s()<>\[\]:;@\\,"]|^\.|\.\.|\.$')


@attrs.frozen
class Address:
    """One mailbox: decoded display name, local part (unquoted) and domain."""

    name: str | None
    mailbox: str
    host: str

    @property
    def addr(self) -> str:
        """``mailbox@host`` (the local part re-quoted if it needs it), or just
        the mailbox when there is no domain."""
        local = self.mailbox
        if local and _NEEDS_QUOTE.search(local):
            local = '"' + local.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{local}@{self.host}" if self.host else local

    def __str__(self) -> str:
        if self.name:
            name = self.name.replace("\\", "\\\\").replace('"', '\\"')
            return f'"{name}" <{self.addr}>'
        return self.addr


@attrs.frozen
class RawMailbox:
    """A mailbox as written in the header (Latin-1 carrier strings)."""

    name: str | None
    adl: str | None
    local: str
    domain: str


@attrs.frozen
class GroupStart:
    name: str


@attrs.frozen
class GroupEnd:
    pass


GROUP_END = GroupEnd()
AddressItem = RawMailbox | GroupStart | GroupEnd

_TOKEN = re.compile(
    r"""
     (?P<ws>[ \t\r\n]+)
    |(?P<q>"(?:[^"\\]|\\.)*(?:"|\\?\Z))
    |(?P<c>\()
    |(?P<d>\[(?:[^\[\]\\]|\\.)*(?:\]|\\?\Z))
    |(?P<s>[<>@,;:.)\[\]])
    |(?P<a>[^ \t\r\n"()<>@,;:.\[\]]+)
    """,
    re.X | re.S,
)
_UNESCAPE = re.compile(r"\\(.)", re.S)

# token kinds: "a" atom, "q" quoted string (content), "d" domain literal,
# a single special character, or "c" a comment (content).
_Token = tuple[str, str, bool]  # (kind, text, preceded by whitespace)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    n = len(text)
    space = False
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:  # pragma: no cover - the alternatives cover every char
            pos += 1
            continue
        kind = m.lastgroup or "a"
        if kind == "ws":
            space = True
            pos = m.end()
            continue
        if kind == "c":
            depth = 0
            i = pos
            while i < n:
                ch = text[i]
                if ch == "\\":
                    i += 2
                    continue
                if ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            tokens.append(("c", text[pos + 1 : min(i, n)], space))
            pos = i + 1
            space = True
            continue
        value = m.group()
        if kind == "q":
            inner = value[1:-1] if len(value) > 1 and value.endswith('"') else value[1:]
            if "\\" in inner:
                inner = _UNESCAPE.sub(r"\1", inner)
            tokens.append(("q", inner, space))
        elif kind == "s":
            tokens.append((value, value, space))
        else:
            tokens.append((kind, value, space))
        space = False
        pos = m.end()
    return tokens


def _join(tokens: list[_Token]) -> str:
    out: list[str] = []
    for kind, text, space in tokens:
        if out and space and kind not in ".@":
            out.append(" ")
        out.append(text)
    return "".join(out)


def _join_tight(tokens: list[_Token]) -> str:
    return "".join(text for _, text, _ in tokens)


def _addr_spec(tokens: list[_Token]) -> tuple[str, str]:
    at = -1
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i][0] == "@":
            at = i
            break
    if at < 0:
        return _join_tight(tokens), ""
    return _join_tight(tokens[:at]), _join_tight(tokens[at + 1 :])


_ATOMS = r'[^\s<>@",;:()\\\[\]]+'
_SIMPLE_ADDRESS = re.compile(
    r'\s*(?:"((?:[^"\\\r\n]|\\[^\r\n])*)"|([^"<>,;:@()\\\[\]]*?))\s*'
    rf"<({_ATOMS}(?:\.{_ATOMS})*)@({_ATOMS})>\s*\Z"
    rf"|\s*({_ATOMS})@({_ATOMS})\s*\Z"
)
_HARD = re.compile(r"[():;\\\[]")


def _simple(piece: str) -> RawMailbox | None:
    m = _SIMPLE_ADDRESS.match(piece)
    if m is None:
        return None
    if m.group(5) is not None:
        return RawMailbox(None, None, m.group(5), m.group(6))
    quoted, phrase = m.group(1), m.group(2)
    if quoted is not None:
        name: str | None = _UNESCAPE.sub(r"\1", quoted) if "\\" in quoted else quoted
    else:
        name = " ".join(phrase.split()) or None
    return RawMailbox(name, None, m.group(3), m.group(4))


def parse_address_list(text: str, limit: int = 2000) -> list[AddressItem]:
    """Parse an address-list header value (Latin-1 carrier string) into
    mailboxes and group markers. Tolerant: anything unparseable is skipped."""
    if _HARD.search(text) is None:
        # Fast path for the common shapes; anything unusual takes the full parser.
        pieces = text.split(",") if '"' not in text else [text]
        simple = [_simple(piece) for piece in pieces if piece.strip()]
        if simple and None not in simple:
            found: list[AddressItem] = [mb for mb in simple if mb is not None]
            return found[:limit]
    return _parse_full(text, limit)


def _parse_full(text: str, limit: int) -> list[AddressItem]:
    items: list[AddressItem] = []
    tokens = _tokenize(text)
    n = len(tokens)
    i = 0
    in_group = False
    while i < n and len(items) < limit:
        phrase: list[_Token] = []
        comments: list[str] = []
        mailbox: RawMailbox | None = None
        while i < n:
            kind = tokens[i][0]
            if kind == "c":
                comments.append(tokens[i][1])
                i += 1
            elif kind in ",;":
                break
            elif kind == ":" and not in_group:
                break
            elif kind == "<":
                i += 1
                inner: list[_Token] = []
                while i < n and tokens[i][0] != ">":
                    if tokens[i][0] != "c":
                        inner.append(tokens[i])
                    i += 1
                i += 1  # the ">"
                adl = None
                if inner and inner[0][0] == "@":
                    colon = next((k for k, t in enumerate(inner) if t[0] == ":"), -1)
                    if colon >= 0:
                        adl = _join_tight(inner[:colon])
                        inner = inner[colon + 1 :]
                # a phrase inside the brackets would be junk; keep the addr-spec
                local, domain = _addr_spec([t for t in inner if t[0] not in ",;:<"])
                name = _join(phrase) if phrase else None
                mailbox = RawMailbox(name, adl, local, domain)
                # skip to the end of this address
                while i < n and tokens[i][0] not in ",;":
                    if tokens[i][0] == "c":
                        comments.append(tokens[i][1])
                    i += 1
                break
            else:
                phrase.append(tokens[i])
                i += 1
        if i < n and tokens[i][0] == ":" and not in_group and mailbox is None:
            items.append(GroupStart(_join(phrase)))
            in_group = True
            i += 1
            continue
        if mailbox is None and phrase:
            local, domain = _addr_spec(phrase)
            name = comments[-1].strip() if comments else None
            mailbox = RawMailbox(name or None, None, local, domain)
        elif mailbox is not None and mailbox.name is None and comments:
            mailbox = attrs.evolve(mailbox, name=comments[-1].strip() or None)
        if mailbox is not None and (mailbox.local or mailbox.domain):
            items.append(mailbox)
        if i < n and tokens[i][0] == ";":
            if in_group:
                items.append(GROUP_END)
                in_group = False
        i += 1
    if in_group:
        items.append(GROUP_END)
    return items


def to_address(item: RawMailbox) -> Address:
    """The decoded :class:`Address` for a raw mailbox."""
    name = decode_rfc2047(latin1_to_text(item.name)).strip() if item.name else None
    return Address(
        name=name or None,
        mailbox=latin1_to_text(item.local),
        host=latin1_to_text(item.domain),
    )


def addresses(items: list[AddressItem]) -> tuple[Address, ...]:
    """Mailboxes of a parsed list, group members flattened, markers dropped."""
    return tuple(to_address(it) for it in items if isinstance(it, RawMailbox))
