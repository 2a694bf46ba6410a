"""Server responses, serialized to exact wire bytes.

Every function returns one complete response line (CRLF included, literals
inline). Response codes are built by the ``code_*`` helpers or passed as
plain text (``"TRYCREATE"``, ``"READ-ONLY"``) to :func:`tagged` and
:func:`untagged_condition`.

:func:`fetch_response` is the hot path: it joins already-serialized values
(the engine stores ENVELOPE and BODYSTRUCTURE bytes at delivery) with one
``bytes.join`` and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from ._encode import astring, flag_list, mailbox_name, nstring, quoted, string
from ._sequence import SequenceSet, compact_set

__all__ = [
    "bye",
    "capability_response",
    "code_appenduid",
    "code_badcharset",
    "code_capability",
    "code_copyuid",
    "code_highestmodseq",
    "code_modified",
    "code_permanentflags",
    "code_uidnext",
    "code_uidvalidity",
    "code_unseen",
    "continuation",
    "enabled_response",
    "esearch_response",
    "exists",
    "expunge",
    "fetch_response",
    "flags_response",
    "greeting",
    "id_response",
    "list_response",
    "namespace_response",
    "quota_response",
    "quotaroot_response",
    "recent",
    "search_response",
    "status_response",
    "tagged",
    "untagged",
    "untagged_condition",
    "vanished",
]

TaggedStatus = Literal["OK", "NO", "BAD"]
UntaggedStatus = Literal["OK", "NO", "BAD", "BYE", "PREAUTH"]
Code = str | bytes | None
IdSet = SequenceSet | bytes | Iterable[int]


def _text(text: str | bytes) -> bytes:
    data = text.encode("utf-8") if isinstance(text, str) else text
    if b"\r" in data or b"\n" in data:
        data = data.replace(b"\r\n", b" ").replace(b"\r", b" ").replace(b"\n", b" ")
    return data


def _code(code: Code) -> bytes:
    if code is None:
        return b""
    raw = code.encode("utf-8") if isinstance(code, str) else code
    return b"[" + _text(raw) + b"] "


def tagged(tag: str, status: TaggedStatus, text: str | bytes, code: Code = None) -> bytes:
    """``A1 OK [READ-WRITE] SELECT completed``."""
    if status not in ("OK", "NO", "BAD"):
        raise ValueError(f"invalid tagged status {status!r}")
    return b"%s %s %s%s\r\n" % (
        tag.encode("ascii"),
        status.encode("ascii"),
        _code(code),
        _text(text),
    )


def untagged_condition(status: UntaggedStatus, text: str | bytes, code: Code = None) -> bytes:
    """``* OK [UIDVALIDITY 3857529045] UIDs valid``, ``* BYE ...``, ``* BAD ...``."""
    if status not in ("OK", "NO", "BAD", "BYE", "PREAUTH"):
        raise ValueError(f"invalid untagged status {status!r}")
    return b"* %s %s%s\r\n" % (status.encode("ascii"), _code(code), _text(text))


def untagged(data: str | bytes) -> bytes:
    """``* <data>\\r\\n`` for anything the helpers below do not cover."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return b"* " + raw + b"\r\n"


def greeting(
    text: str = "mailcore ready",
    *,
    preauth: bool = False,
    capabilities: Iterable[str] | None = None,
) -> bytes:
    code = code_capability(capabilities) if capabilities is not None else None
    return untagged_condition("PREAUTH" if preauth else "OK", text, code)


def bye(text: str = "Logging out", code: Code = None) -> bytes:
    return untagged_condition("BYE", text, code)


def continuation(text: str | bytes = "Ready") -> bytes:
    """``+ Ready`` for literals and IDLE; pass base64 bytes for a SASL challenge."""
    return b"+ " + _text(text) + b"\r\n"


# -- response codes -------------------------------------------------------------


def _id_set(ids: IdSet, *, keep_order: bool = False) -> bytes:
    if isinstance(ids, bytes):
        return ids
    if isinstance(ids, SequenceSet):
        return bytes(ids)
    return compact_set(ids if keep_order else sorted(ids))


def code_appenduid(uidvalidity: int, uids: IdSet) -> bytes:
    """``APPENDUID 38505 3955`` (RFC 4315); a MULTIAPPEND passes all new UIDs."""
    return b"APPENDUID %d %s" % (uidvalidity, _id_set(uids, keep_order=True))


def code_copyuid(uidvalidity: int, source: IdSet, destination: IdSet) -> bytes:
    """``COPYUID 38505 304,319:320 3956:3958``; give both sides in the same order."""
    return b"COPYUID %d %s %s" % (
        uidvalidity,
        _id_set(source, keep_order=True),
        _id_set(destination, keep_order=True),
    )


def code_uidnext(uid_next: int) -> bytes:
    return b"UIDNEXT %d" % uid_next


def code_uidvalidity(uidvalidity: int) -> bytes:
    return b"UIDVALIDITY %d" % uidvalidity


def code_unseen(seq: int) -> bytes:
    return b"UNSEEN %d" % seq


def code_highestmodseq(modseq: int) -> bytes:
    return b"HIGHESTMODSEQ %d" % modseq


def code_modified(ids: IdSet) -> bytes:
    """``MODIFIED 7,9`` for a conditional STORE that failed on some messages."""
    return b"MODIFIED " + _id_set(ids)


def code_permanentflags(flags: Iterable[str], *, allow_new_keywords: bool = True) -> bytes:
    all_flags = tuple(flags) + (("\\*",) if allow_new_keywords else ())
    return b"PERMANENTFLAGS " + flag_list(all_flags)


def code_capability(capabilities: Iterable[str]) -> bytes:
    return b"CAPABILITY " + " ".join(capabilities).encode("ascii")


def code_badcharset(charsets: Iterable[str] = ("UTF-8", "US-ASCII")) -> bytes:
    return b"BADCHARSET (" + b" ".join(astring(c) for c in charsets) + b")"


# -- untagged data ------------------------------------------------------------------


def exists(count: int) -> bytes:
    return b"* %d EXISTS\r\n" % count


def recent(count: int) -> bytes:
    return b"* %d RECENT\r\n" % count


def expunge(seq: int) -> bytes:
    return b"* %d EXPUNGE\r\n" % seq


def vanished(uids: IdSet, *, earlier: bool = False) -> bytes:
    """``* VANISHED (EARLIER) 41,43:116`` (RFC 7162)."""
    return b"* VANISHED %s%s\r\n" % (b"(EARLIER) " if earlier else b"", _id_set(uids))


def flags_response(flags: Iterable[str]) -> bytes:
    return b"* FLAGS " + flag_list(flags) + b"\r\n"


def capability_response(capabilities: Iterable[str]) -> bytes:
    return b"* " + code_capability(capabilities) + b"\r\n"


def enabled_response(capabilities: Iterable[str]) -> bytes:
    caps = " ".join(capabilities)
    return b"* ENABLED" + (b" " + caps.encode("ascii") if caps else b"") + b"\r\n"


def list_response(
    attributes: Iterable[str],
    delimiter: str | None,
    name: str,
    *,
    utf8: bool = False,
    command: Literal["LIST", "LSUB"] = "LIST",
    childinfo: Sequence[str] = (),
    oldname: str | None = None,
) -> bytes:
    """``* LIST (\\HasNoChildren \\Sent) "/" "Sent"`` with LIST-EXTENDED data."""
    parts = [
        b"* ",
        command.encode("ascii"),
        b" ",
        flag_list(tuple(attributes)),
        b" ",
        b"NIL" if delimiter is None else quoted(delimiter),
        b" ",
        mailbox_name(name, utf8=utf8),
    ]
    extended: list[bytes] = []
    if childinfo:
        extended.append(b'"CHILDINFO" (' + b" ".join(quoted(c) for c in childinfo) + b")")
    if oldname is not None:
        extended.append(b'"OLDNAME" (' + mailbox_name(oldname, utf8=utf8) + b")")
    if extended:
        parts += [b" (", b" ".join(extended), b")"]
    parts.append(b"\r\n")
    return b"".join(parts)


def status_response(
    mailbox: str,
    items: Mapping[str, int] | Iterable[tuple[str, int]],
    *,
    utf8: bool = False,
) -> bytes:
    """``* STATUS "INBOX" (MESSAGES 231 UIDNEXT 44292)``."""
    pairs = items.items() if isinstance(items, Mapping) else items
    body = b" ".join(b"%s %d" % (k.encode("ascii"), v) for k, v in pairs)
    return b"* STATUS " + mailbox_name(mailbox, utf8=utf8) + b" (" + body + b")\r\n"


def search_response(ids: Iterable[int], modseq: int | None = None) -> bytes:
    """``* SEARCH 2 84 882 (MODSEQ 917162500)``; the MODSEQ only with results."""
    body = b" ".join(b"%d" % i for i in ids)
    parts = [b"* SEARCH"]
    if body:
        parts += [b" ", body]
        if modseq is not None:
            parts.append(b" (MODSEQ %d)" % modseq)
    parts.append(b"\r\n")
    return b"".join(parts)


def esearch_response(
    tag: str | None = None,
    *,
    uid: bool = False,
    min: int | None = None,
    max: int | None = None,
    count: int | None = None,
    all: IdSet | None = None,
    modseq: int | None = None,
) -> bytes:
    """``* ESEARCH (TAG "a1") UID MIN 1 MAX 3 COUNT 3 ALL 1:3`` (RFC 4731).

    Pass only what the client asked for; an empty ALL is omitted as the RFC says.
    """
    parts = [b"* ESEARCH"]
    if tag is not None:
        parts.append(b" (TAG " + quoted(tag) + b")")
    if uid:
        parts.append(b" UID")
    if min is not None:
        parts.append(b" MIN %d" % min)
    if max is not None:
        parts.append(b" MAX %d" % max)
    if count is not None:
        parts.append(b" COUNT %d" % count)
    if all is not None:
        all_set = _id_set(all)
        if all_set:
            parts.append(b" ALL " + all_set)
    if modseq is not None:
        parts.append(b" MODSEQ %d" % modseq)
    parts.append(b"\r\n")
    return b"".join(parts)


def id_response(parameters: Mapping[str, str | None] | None) -> bytes:
    """``* ID ("name" "mailcore" "version" "0.1")`` or ``* ID NIL``."""
    if not parameters:
        return b"* ID NIL\r\n"
    body = b" ".join(string(k) + b" " + nstring(v) for k, v in parameters.items())
    return b"* ID (" + body + b")\r\n"


Namespace = Sequence[tuple[str, str | None]] | None


def namespace_response(
    personal: Namespace, other: Namespace = None, shared: Namespace = None
) -> bytes:
    """``* NAMESPACE (("" "/")) NIL NIL``."""

    def one(ns: Namespace) -> bytes:
        if not ns:
            return b"NIL"
        return (
            b"("
            + b"".join(
                b"(" + string(prefix) + b" " + (b"NIL" if d is None else quoted(d)) + b")"
                for prefix, d in ns
            )
            + b")"
        )

    return b"* NAMESPACE %s %s %s\r\n" % (one(personal), one(other), one(shared))


def quotaroot_response(mailbox: str, roots: Iterable[str], *, utf8: bool = False) -> bytes:
    parts = [b"* QUOTAROOT ", mailbox_name(mailbox, utf8=utf8)]
    parts += [b" " + astring(r) for r in roots]
    parts.append(b"\r\n")
    return b"".join(parts)


def quota_response(root: str, resources: Iterable[tuple[str, int, int]]) -> bytes:
    """``* QUOTA "" (STORAGE 10 512)``: (resource, usage, limit) triples."""
    body = b" ".join(b"%s %d %d" % (n.encode("ascii"), u, lim) for n, u, lim in resources)
    return b"* QUOTA " + string(root) + b" (" + body + b")\r\n"


def fetch_response(seq: int, items: Iterable[tuple[bytes, bytes]]) -> bytes:
    """``* 12 FETCH (FLAGS (\\Seen) RFC822.SIZE 4423 ENVELOPE (...))``.

    Each item is (response name, serialized value): names come from the
    parsed attributes' ``response_name``, values are precomputed bytes or
    built with :func:`nstring`, :func:`literal`, :func:`flag_list`,
    :func:`imap_datetime`. One join, no per-item objects.
    """
    parts = [b"* %d FETCH (" % seq]
    append = parts.append
    first = True
    for name, value in items:
        if first:
            first = False
        else:
            append(b" ")
        append(name)
        append(b" ")
        append(value)
    append(b")\r\n")
    return b"".join(parts)
