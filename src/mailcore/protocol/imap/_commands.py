"""Typed IMAP commands, one frozen class per command.

The server dispatches with ``match`` on these. Strings are decoded
(mailbox names from modified UTF-7 or UTF-8, ``INBOX`` normalized), numbers
are ints, sets are :class:`SequenceSet`. ``uid`` is True for the ``UID``
form of FETCH, SEARCH, STORE, COPY, MOVE and EXPUNGE.
"""

from __future__ import annotations

import datetime
from typing import Literal

import attrs

from ._fetch import FetchAttribute
from ._search import SearchKey
from ._sequence import SequenceSet

__all__ = [
    "Append",
    "AppendMessage",
    "Authenticate",
    "Capability",
    "Check",
    "Close",
    "Command",
    "Copy",
    "Create",
    "Delete",
    "Enable",
    "Examine",
    "Expunge",
    "Fetch",
    "GetQuota",
    "GetQuotaRoot",
    "Id",
    "Idle",
    "List",
    "Login",
    "Logout",
    "Lsub",
    "Move",
    "Namespace",
    "Noop",
    "QResync",
    "Rename",
    "Search",
    "Select",
    "StartTLS",
    "Status",
    "Store",
    "Subscribe",
    "Unselect",
    "Unsubscribe",
]


@attrs.frozen
class Capability:
    tag: str


@attrs.frozen
class Noop:
    tag: str


@attrs.frozen
class Logout:
    tag: str


@attrs.frozen
class StartTLS:
    """After this the receiver pauses; call ``start_tls()`` once TLS is up (or ``resume()``)."""

    tag: str


@attrs.frozen
class Authenticate:
    """``AUTHENTICATE mechanism [initial-response]`` (RFC 4959 SASL-IR).

    ``initial_response`` is base64-decoded; ``=`` (an empty response) gives
    ``b""`` and its absence ``None``. The receiver pauses after this command:
    call ``expect_auth_line()`` after each continuation, ``resume()`` at the end.
    """

    tag: str
    mechanism: str
    initial_response: bytes | None = None


@attrs.frozen
class Login:
    tag: str
    username: str
    password: str = attrs.field(repr=False)


@attrs.frozen
class Enable:
    """Capability names, upper-cased (``CONDSTORE``, ``QRESYNC``, ``UTF8=ACCEPT``...)."""

    tag: str
    capabilities: tuple[str, ...]


@attrs.frozen
class QResync:
    """The QRESYNC parameter of SELECT/EXAMINE (RFC 7162 3.2.5)."""

    uidvalidity: int
    modseq: int
    known_uids: SequenceSet | None = None
    known_sequence_numbers: SequenceSet | None = None
    known_sequence_uids: SequenceSet | None = None


@attrs.frozen
class Select:
    tag: str
    mailbox: str
    condstore: bool = False
    qresync: QResync | None = None


@attrs.frozen
class Examine:
    tag: str
    mailbox: str
    condstore: bool = False
    qresync: QResync | None = None


@attrs.frozen
class Create:
    """``CREATE name [(USE (\\Drafts))]``; ``special_use`` from RFC 6154."""

    tag: str
    mailbox: str
    special_use: tuple[str, ...] = ()


@attrs.frozen
class Delete:
    tag: str
    mailbox: str


@attrs.frozen
class Rename:
    tag: str
    mailbox: str
    new_name: str


@attrs.frozen
class Subscribe:
    tag: str
    mailbox: str


@attrs.frozen
class Unsubscribe:
    tag: str
    mailbox: str


@attrs.frozen
class List:
    """LIST, basic or LIST-EXTENDED (RFC 5258, 5819, 6154).

    ``selection_options`` and ``return_options`` are upper-cased option names
    (``SUBSCRIBED``, ``REMOTE``, ``RECURSIVEMATCH``, ``SPECIAL-USE``;
    ``CHILDREN``, ``SUBSCRIBED``, ``SPECIAL-USE``, ``STATUS``); ``status_items``
    are the items of ``RETURN (STATUS (...))`` or None. ``extended`` is True
    when the client used any extended syntax, which obliges LIST-EXTENDED
    answers (CHILDINFO and friends).
    """

    tag: str
    reference: str
    patterns: tuple[str, ...]
    selection_options: frozenset[str] = frozenset()
    return_options: frozenset[str] = frozenset()
    status_items: tuple[str, ...] | None = None
    extended: bool = False


@attrs.frozen
class Lsub:
    tag: str
    reference: str
    pattern: str


@attrs.frozen
class Namespace:
    tag: str


@attrs.frozen
class Status:
    """Items upper-cased: MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT
    HIGHESTMODSEQ APPENDLIMIT MAILBOXID."""

    tag: str
    mailbox: str
    items: tuple[str, ...]


@attrs.frozen
class AppendMessage:
    """One message of an APPEND (several with MULTIAPPEND, RFC 3502).

    ``binary`` is True when sent as literal8 (RFC 3516), ``utf8`` when sent
    as ``UTF8 (literal8)`` (RFC 6855); ``internal_date`` is timezone-aware.
    """

    data: bytes = attrs.field(repr=lambda d: f"<{len(d)} bytes>")
    flags: tuple[str, ...] = ()
    internal_date: datetime.datetime | None = None
    binary: bool = False
    utf8: bool = False


@attrs.frozen
class Append:
    tag: str
    mailbox: str
    messages: tuple[AppendMessage, ...]


@attrs.frozen
class Idle:
    """After this the receiver pauses; call ``expect_idle_done()`` once ``+ idling`` is sent."""

    tag: str


@attrs.frozen
class Check:
    tag: str


@attrs.frozen
class Close:
    tag: str


@attrs.frozen
class Unselect:
    tag: str


@attrs.frozen
class Expunge:
    """EXPUNGE, or ``UID EXPUNGE uid_set`` (RFC 4315) when ``uid``."""

    tag: str
    uid: bool = False
    uid_set: SequenceSet | None = None


@attrs.frozen
class Search:
    """SEARCH / UID SEARCH.

    ``return_options`` is None for a classic SEARCH (answer ``* SEARCH``), else
    the ESEARCH options upper-cased (``MIN MAX ALL COUNT SAVE``; an empty
    ``RETURN ()`` means ``ALL``, already expanded). String values in ``key`` are
    decoded with ``charset``.
    """

    tag: str
    key: SearchKey
    uid: bool = False
    charset: str | None = None
    return_options: tuple[str, ...] | None = None


@attrs.frozen
class Fetch:
    """FETCH / UID FETCH. ``changed_since`` and ``vanished`` are RFC 7162 modifiers.

    Implied items are not added here: the server adds UID for UID FETCH and
    MODSEQ when ``changed_since`` is set.
    """

    tag: str
    sequence_set: SequenceSet
    attributes: tuple[FetchAttribute, ...]
    uid: bool = False
    changed_since: int | None = None
    vanished: bool = False


StoreMode = Literal["replace", "add", "remove"]


@attrs.frozen
class Store:
    """STORE / UID STORE of FLAGS or Gmail's X-GM-LABELS.

    ``mode`` is ``replace`` (``FLAGS``), ``add`` (``+FLAGS``) or ``remove``
    (``-FLAGS``); ``values`` are flags or labels; ``unchanged_since`` is the
    CONDSTORE modifier.
    """

    tag: str
    sequence_set: SequenceSet
    mode: StoreMode
    values: tuple[str, ...]
    uid: bool = False
    silent: bool = False
    item: Literal["FLAGS", "X-GM-LABELS"] = "FLAGS"
    unchanged_since: int | None = None


@attrs.frozen
class Copy:
    tag: str
    sequence_set: SequenceSet
    mailbox: str
    uid: bool = False


@attrs.frozen
class Move:
    tag: str
    sequence_set: SequenceSet
    mailbox: str
    uid: bool = False


@attrs.frozen
class Id:
    """RFC 2971; ``parameters`` is None for ``ID NIL``. Values may be None (NIL)."""

    tag: str
    parameters: tuple[tuple[str, str | None], ...] | None


@attrs.frozen
class GetQuotaRoot:
    tag: str
    mailbox: str


@attrs.frozen
class GetQuota:
    tag: str
    root: str


Command = (
    Capability
    | Noop
    | Logout
    | StartTLS
    | Authenticate
    | Login
    | Enable
    | Select
    | Examine
    | Create
    | Delete
    | Rename
    | Subscribe
    | Unsubscribe
    | List
    | Lsub
    | Namespace
    | Status
    | Append
    | Idle
    | Check
    | Close
    | Unselect
    | Expunge
    | Search
    | Fetch
    | Store
    | Copy
    | Move
    | Id
    | GetQuotaRoot
    | GetQuota
)
