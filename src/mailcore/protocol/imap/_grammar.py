"""Command grammar: one parser per command, dispatched from a table.

``parse_command`` takes a whole command as assembled by the receiver and
returns a typed command, or raises :class:`ParseError` (BAD, or NO with a
code such as BADCHARSET) or :class:`Incomplete` (buffer ends early; only a
prefix check sees this).
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Callable

from . import _commands as c
from ._fetch import parse_fetch_attributes
from ._lexer import TAG, Incomplete, ParseError, Reader
from ._search import AndKey, SearchKey, parse_label, parse_search_key
from ._sequence import SequenceSet

__all__ = ["extract_tag", "parse_command"]

_BASE64 = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
STATUS_ITEMS = frozenset(
    (
        "MESSAGES",
        "UIDNEXT",
        "UIDVALIDITY",
        "UNSEEN",
        "DELETED",
        "SIZE",
        "RECENT",
        "HIGHESTMODSEQ",
        "APPENDLIMIT",
        "MAILBOXID",
    )
)
LIST_SELECTION_OPTIONS = frozenset(("SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"))
LIST_RETURN_OPTIONS = frozenset(("SUBSCRIBED", "CHILDREN", "SPECIAL-USE", "STATUS"))
ESEARCH_RETURN_OPTIONS = frozenset(("MIN", "MAX", "ALL", "COUNT", "SAVE"))
_ID_MAX_PAIRS = 30


def extract_tag(buf: bytes | bytearray) -> str | None:
    """The command's tag if the buffer starts with a valid one followed by a space."""
    m = TAG.match(buf)
    if m is None or buf[m.end() : m.end() + 1] != b" ":
        return None
    return m.group().decode("ascii")


def parse_command(buf: bytes | bytearray, *, utf8: bool = False) -> c.Command:
    r = Reader(buf, utf8=utf8)
    tag = extract_tag(buf)
    if tag is None:
        if r.at_line_end():
            raise ParseError("Empty command")
        raise ParseError("Invalid tag")
    r.pos = len(tag) + 1
    name = r.keyword()
    if name == "UID":
        r.sp()
        sub = r.keyword()
        uid_parser = _UID_COMMANDS.get(sub)
        if uid_parser is None:
            raise ParseError(f"Unknown UID command {sub}")
        return uid_parser(r, tag, True)
    parser = _COMMANDS.get(name)
    if parser is not None:
        return parser(r, tag)
    uid_parser = _UID_COMMANDS.get(name)
    if uid_parser is not None:
        return uid_parser(r, tag, False)
    raise ParseError("Unknown command")


# -- any state ----------------------------------------------------------------


def _no_arguments(cls: Callable[[str], c.Command]) -> Callable[[Reader, str], c.Command]:
    def parse(r: Reader, tag: str) -> c.Command:
        r.end()
        return cls(tag)

    return parse


def _id(r: Reader, tag: str) -> c.Id:
    r.sp()
    if r.try_keyword("NIL"):
        r.end()
        return c.Id(tag, None)
    r.expect(b"(")
    params: list[tuple[str, str | None]] = []
    if not r.try_char(b")"):
        while True:
            key = r.string().decode("utf-8", "replace")
            r.sp()
            value = r.nstring()
            params.append((key, None if value is None else value.decode("utf-8", "replace")))
            if len(params) > _ID_MAX_PAIRS:
                raise ParseError("Too many ID parameters")
            if not r.try_sp():
                break
        r.expect(b")")
    r.end()
    return c.Id(tag, tuple(params))


# -- not authenticated ----------------------------------------------------------


def _authenticate(r: Reader, tag: str) -> c.Authenticate:
    r.sp()
    mechanism = r.keyword()
    initial: bytes | None = None
    if r.try_sp():
        if r.try_char(b"="):
            initial = b""
        else:
            m = _BASE64.match(r.buf, r.pos)
            if m is None or not m.group():
                raise ParseError("Initial response is not base64")
            r.pos = m.end()
            initial = binascii.a2b_base64(m.group())
    r.end()
    return c.Authenticate(tag, mechanism, initial)


def _login(r: Reader, tag: str) -> c.Login:
    r.sp()
    user = r.astring_text()
    r.sp()
    password = r.astring_text()
    r.end()
    return c.Login(tag, user, password)


# -- authenticated ----------------------------------------------------------------


def _enable(r: Reader, tag: str) -> c.Enable:
    caps = []
    r.sp()
    caps.append(r.keyword())
    while r.try_sp():
        caps.append(r.keyword())
    r.end()
    return c.Enable(tag, tuple(caps))


def _select_params(r: Reader) -> tuple[bool, c.QResync | None]:
    condstore = False
    qresync: c.QResync | None = None
    if not r.try_sp():
        return condstore, qresync
    r.expect(b"(")
    if r.try_char(b")"):
        return condstore, qresync
    while True:
        param = r.keyword()
        if param == "CONDSTORE":
            condstore = True
        elif param == "QRESYNC":
            r.sp()
            r.expect(b"(")
            uidvalidity = r.nz_number()
            r.sp()
            modseq = r.number64()
            known_uids = seqs = uids = None
            if r.try_sp():
                if r.peek() != 0x28:
                    known_uids = r.sequence_set()
                    if r.try_sp():
                        seqs, uids = _seq_match(r)
                else:
                    seqs, uids = _seq_match(r)
            r.expect(b")")
            qresync = c.QResync(uidvalidity, modseq, known_uids, seqs, uids)
        else:
            raise ParseError(f"Unknown SELECT parameter {param}")
        if not r.try_sp():
            break
    r.expect(b")")
    return condstore, qresync


def _seq_match(r: Reader) -> tuple[SequenceSet, SequenceSet]:
    r.expect(b"(")
    seqs = r.sequence_set()
    r.sp()
    uids = r.sequence_set()
    r.expect(b")")
    return seqs, uids


def _select(r: Reader, tag: str) -> c.Select:
    r.sp()
    mailbox = r.mailbox()
    condstore, qresync = _select_params(r)
    r.end()
    return c.Select(tag, mailbox, condstore, qresync)


def _examine(r: Reader, tag: str) -> c.Examine:
    r.sp()
    mailbox = r.mailbox()
    condstore, qresync = _select_params(r)
    r.end()
    return c.Examine(tag, mailbox, condstore, qresync)


def _create(r: Reader, tag: str) -> c.Create:
    r.sp()
    mailbox = r.mailbox()
    special_use: tuple[str, ...] = ()
    if r.try_sp():
        r.expect(b"(")
        while True:
            param = r.keyword()
            if param != "USE":
                raise ParseError(f"Unknown CREATE parameter {param}")
            r.sp()
            special_use += r.flag_list()
            if not r.try_sp():
                break
        r.expect(b")")
    r.end()
    return c.Create(tag, mailbox, special_use)


def _one_mailbox(
    cls: Callable[[str, str], c.Command],
) -> Callable[[Reader, str], c.Command]:
    def parse(r: Reader, tag: str) -> c.Command:
        r.sp()
        mailbox = r.mailbox()
        r.end()
        return cls(tag, mailbox)

    return parse


def _rename(r: Reader, tag: str) -> c.Rename:
    r.sp()
    old = r.mailbox()
    r.sp()
    new = r.mailbox()
    r.end()
    return c.Rename(tag, old, new)


def _reference(r: Reader) -> str:
    return r.decode_mailbox(r.astring(), normalize_inbox=False)


def _list(r: Reader, tag: str) -> c.List:
    r.sp()
    extended = False
    selection: set[str] = set()
    if r.peek() == 0x28:  # list-select-opts
        extended = True
        r.pos += 1
        if not r.try_char(b")"):
            while True:
                option = r.keyword()
                if option not in LIST_SELECTION_OPTIONS:
                    raise ParseError(f"Unknown LIST selection option {option}")
                selection.add(option)
                if not r.try_sp():
                    break
            r.expect(b")")
        if selection == {"RECURSIVEMATCH"}:
            raise ParseError("RECURSIVEMATCH needs another selection option")
        r.sp()
    reference = _reference(r)
    r.sp()
    patterns: list[str] = []
    if r.peek() == 0x28:
        extended = True
        r.pos += 1
        patterns.append(r.list_mailbox())
        while r.try_sp():
            patterns.append(r.list_mailbox())
        r.expect(b")")
    else:
        patterns.append(r.list_mailbox())
    returns: set[str] = set()
    status_items: tuple[str, ...] | None = None
    if r.try_sp():
        extended = True
        if not r.try_keyword("RETURN"):
            raise ParseError("Expected RETURN")
        r.sp()
        r.expect(b"(")
        if not r.try_char(b")"):
            while True:
                option = r.keyword()
                if option not in LIST_RETURN_OPTIONS:
                    raise ParseError(f"Unknown LIST return option {option}")
                returns.add(option)
                if option == "STATUS":
                    r.sp()
                    status_items = _status_items(r)
                if not r.try_sp():
                    break
            r.expect(b")")
    r.end()
    return c.List(
        tag,
        reference,
        tuple(patterns),
        frozenset(selection),
        frozenset(returns),
        status_items,
        extended,
    )


def _lsub(r: Reader, tag: str) -> c.Lsub:
    r.sp()
    reference = _reference(r)
    r.sp()
    pattern = r.list_mailbox()
    r.end()
    return c.Lsub(tag, reference, pattern)


def _status_items(r: Reader) -> tuple[str, ...]:
    r.expect(b"(")
    items = []
    while True:
        item = r.keyword()
        if item not in STATUS_ITEMS:
            raise ParseError(f"Unknown STATUS item {item}")
        items.append(item)
        if not r.try_sp():
            break
    r.expect(b")")
    return tuple(items)


def _status(r: Reader, tag: str) -> c.Status:
    r.sp()
    mailbox = r.mailbox()
    r.sp()
    items = _status_items(r)
    r.end()
    return c.Status(tag, mailbox, items)


def _append(r: Reader, tag: str) -> c.Append:
    r.sp()
    mailbox = r.mailbox()
    messages = [_append_message(r)]
    while not r.at_line_end():
        messages.append(_append_message(r))
    r.end()
    return c.Append(tag, mailbox, tuple(messages))


def _append_message(r: Reader) -> c.AppendMessage:
    r.sp()
    flags: tuple[str, ...] = ()
    date = None
    if r.peek() == 0x28:
        flags = r.flag_list()
        r.sp()
    if r.peek() == 0x22:
        date = r.date_time()
        r.sp()
    if r.try_keyword("UTF8"):
        r.sp()
        r.expect(b"(")
        data, binary = r.literal(allow_binary=True)
        if not binary:
            raise ParseError("UTF8 APPEND data must be a literal8")
        r.expect(b")")
        return c.AppendMessage(data, flags, date, binary=True, utf8=True)
    data, binary = r.literal(allow_binary=True)
    return c.AppendMessage(data, flags, date, binary=binary)


# -- selected -----------------------------------------------------------------------


def _expunge(r: Reader, tag: str, uid: bool) -> c.Expunge:
    uid_set = None
    if uid:
        r.sp()
        uid_set = r.sequence_set()
    r.end()
    return c.Expunge(tag, uid, uid_set)


def _charset_decoder(charset: str | None) -> Callable[[bytes], str]:
    name = "utf-8"
    if charset is not None:
        try:
            name = codecs.lookup(charset).name
        except LookupError:
            raise ParseError(
                f"Unsupported charset {charset}", kind="NO", code="BADCHARSET (UTF-8 US-ASCII)"
            ) from None

    def decode(raw: bytes) -> str:
        try:
            return raw.decode(name)
        except UnicodeDecodeError:
            raise ParseError(f"Search string is not valid {charset or 'UTF-8'}") from None

    return decode


def _search(r: Reader, tag: str, uid: bool) -> c.Search:
    r.sp()
    return_options: tuple[str, ...] | None = None
    if r.try_keyword("RETURN"):
        r.sp()
        r.expect(b"(")
        options: list[str] = []
        if not r.try_char(b")"):
            while True:
                option = r.keyword()
                if option not in ESEARCH_RETURN_OPTIONS:
                    raise ParseError(f"Unknown SEARCH return option {option}")
                if option not in options:
                    options.append(option)
                if not r.try_sp():
                    break
            r.expect(b")")
        return_options = tuple(options) or ("ALL",)
        r.sp()
    charset = None
    if r.try_keyword("CHARSET"):
        r.sp()
        charset = r.astring().decode("ascii", "replace").upper()
        r.sp()
    decode = _charset_decoder(charset)
    keys: list[SearchKey] = [parse_search_key(r, decode)]
    while r.try_sp():
        keys.append(parse_search_key(r, decode))
    r.end()
    key = keys[0] if len(keys) == 1 else AndKey(tuple(keys))
    return c.Search(tag, key, uid, charset, return_options)


def _fetch(r: Reader, tag: str, uid: bool) -> c.Fetch:
    r.sp()
    seqs = r.sequence_set()
    r.sp()
    atts = parse_fetch_attributes(r)
    changed_since: int | None = None
    vanished = False
    if r.try_sp():
        r.expect(b"(")
        while True:
            modifier = r.keyword()
            if modifier == "CHANGEDSINCE":
                r.sp()
                changed_since = r.nz_number(limit=2**63 - 1)
            elif modifier == "VANISHED":
                vanished = True
            else:
                raise ParseError(f"Unknown FETCH modifier {modifier}")
            if not r.try_sp():
                break
        r.expect(b")")
    if vanished and (not uid or changed_since is None):
        raise ParseError("VANISHED requires UID FETCH with CHANGEDSINCE")
    r.end()
    return c.Fetch(tag, seqs, atts, uid, changed_since, vanished)


_STORE_ITEM = re.compile(rb"([+-]?)(FLAGS|X-GM-LABELS)(\.SILENT)?", re.IGNORECASE)


def _store(r: Reader, tag: str, uid: bool) -> c.Store:
    r.sp()
    seqs = r.sequence_set()
    r.sp()
    unchanged_since = None
    if r.try_char(b"("):
        if r.keyword() != "UNCHANGEDSINCE":
            raise ParseError("Unknown STORE modifier")
        r.sp()
        unchanged_since = r.number64()
        r.expect(b")")
        r.sp()
    m = _STORE_ITEM.match(r.buf, r.pos)
    if m is None:
        raise r.error("Expected FLAGS, +FLAGS or -FLAGS")
    r.pos = m.end()
    r.sp()
    mode: c.StoreMode = {b"": "replace", b"+": "add", b"-": "remove"}[m.group(1)]  # type: ignore[assignment]
    item = m.group(2).upper().decode("ascii")
    value: Callable[[], str] = r.flag if item == "FLAGS" else (lambda: parse_label(r))
    values: list[str] = []
    parenthesized = r.try_char(b"(")
    if not (parenthesized and r.try_char(b")")):
        values.append(value())
        while r.try_sp():
            values.append(value())
        if parenthesized:
            r.expect(b")")
    r.end()
    return c.Store(
        tag,
        seqs,
        mode,
        tuple(values),
        uid,
        silent=m.group(3) is not None,
        item=item,  # type: ignore[arg-type]
        unchanged_since=unchanged_since,
    )


def _copy(r: Reader, tag: str, uid: bool) -> c.Copy:
    r.sp()
    seqs = r.sequence_set()
    r.sp()
    mailbox = r.mailbox()
    r.end()
    return c.Copy(tag, seqs, mailbox, uid)


def _move(r: Reader, tag: str, uid: bool) -> c.Move:
    r.sp()
    seqs = r.sequence_set()
    r.sp()
    mailbox = r.mailbox()
    r.end()
    return c.Move(tag, seqs, mailbox, uid)


def _getquota(r: Reader, tag: str) -> c.GetQuota:
    r.sp()
    root = r.astring_text()
    r.end()
    return c.GetQuota(tag, root)


_COMMANDS: dict[str, Callable[[Reader, str], c.Command]] = {
    "CAPABILITY": _no_arguments(c.Capability),
    "NOOP": _no_arguments(c.Noop),
    "LOGOUT": _no_arguments(c.Logout),
    "STARTTLS": _no_arguments(c.StartTLS),
    "NAMESPACE": _no_arguments(c.Namespace),
    "IDLE": _no_arguments(c.Idle),
    "CHECK": _no_arguments(c.Check),
    "CLOSE": _no_arguments(c.Close),
    "UNSELECT": _no_arguments(c.Unselect),
    "ID": _id,
    "AUTHENTICATE": _authenticate,
    "LOGIN": _login,
    "ENABLE": _enable,
    "SELECT": _select,
    "EXAMINE": _examine,
    "CREATE": _create,
    "DELETE": _one_mailbox(c.Delete),
    "RENAME": _rename,
    "SUBSCRIBE": _one_mailbox(c.Subscribe),
    "UNSUBSCRIBE": _one_mailbox(c.Unsubscribe),
    "LIST": _list,
    "LSUB": _lsub,
    "STATUS": _status,
    "APPEND": _append,
    "GETQUOTAROOT": _one_mailbox(c.GetQuotaRoot),
    "GETQUOTA": _getquota,
}

_UID_COMMANDS: dict[str, Callable[[Reader, str, bool], c.Command]] = {
    "EXPUNGE": _expunge,
    "SEARCH": _search,
    "FETCH": _fetch,
    "STORE": _store,
    "COPY": _copy,
    "MOVE": _move,
}


def check_prefix(buf: bytes | bytearray, *, utf8: bool = False) -> None:
    """Raise ParseError if the command is already wrong before its end."""
    try:
        parse_command(buf, utf8=utf8)
    except Incomplete:
        return
