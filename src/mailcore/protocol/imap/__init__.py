"""Sans-IO IMAP4rev2/IMAP4rev1: the server side of a session, a resumable
command receiver, typed commands, and a response serializer. No sockets, no
trio.

A server holds one :class:`IMAPServer` per connection. It owns the session's
state (:class:`SessionState`): which command is valid when, the transitions,
the capabilities of each state, STARTTLS, SASL PLAIN, ENABLE and IDLE. Bytes
go in with ``receive_data``; ``next_event`` hands out what to write
(:class:`Output`), when to announce mailbox changes (:class:`AnnounceUpdates`)
and the decisions that need the mail store (:class:`LoginAttempt`,
:class:`SelectMailbox`, :class:`ExecuteCommand`), answered with
``logged_in()``, ``selected()``/``complete()`` or ``fail()``::

    server = IMAPServer(max_literal_size=50 << 20, tls_available=True)
    await write(server.greeting())
    while True:
        match server.next_event():
            case NeedData():
                await flush()
                server.receive_data(await stream.receive_some(65536))
            case Output(data=data):
                await write(data)
            case AnnounceUpdates(allow_expunge=allow):
                await write_mailbox_changes(allow)
            case LoginAttempt(username=user, password=password):
                if await check(user, password):
                    server.logged_in()
                else:
                    server.fail("NO", "Authentication failed", "AUTHENTICATIONFAILED")
            case ExecuteCommand(command=command):
                await run(command)  # match on Fetch(), Search(), ...; then
                server.complete()  # or server.fail("NO", ...)
            case CloseConnection():
                break
            ...  # SelectMailbox, MailboxClosed, IdleStarted/IdleEnded, BeginTLS

Beneath it, :class:`CommandReceiver` turns bytes into :class:`CommandEvent`
and friends without re-parsing a command when its literals arrive; a client
uses :func:`format_command` and the same types.
"""

from ._capabilities import CAPABILITIES, SYSTEM_FLAGS
from ._client import format_command
from ._commands import (
    Append,
    AppendMessage,
    Authenticate,
    Capability,
    Check,
    Close,
    Command,
    Copy,
    Create,
    Delete,
    Enable,
    Examine,
    Expunge,
    Fetch,
    GetQuota,
    GetQuotaRoot,
    Id,
    Idle,
    List,
    Login,
    Logout,
    Lsub,
    Move,
    Namespace,
    Noop,
    QResync,
    Rename,
    Search,
    Select,
    StartTLS,
    Status,
    Store,
    StoreMode,
    Subscribe,
    Unselect,
    Unsubscribe,
)
from ._encode import (
    astring,
    flag_list,
    imap_date,
    imap_datetime,
    literal,
    mailbox_name,
    nstring,
    quoted,
    string,
)
from ._errors import LocalProtocolError
from ._events import (
    NEED_DATA,
    PAUSED,
    AuthLine,
    CommandError,
    CommandEvent,
    ContinuationNeeded,
    Event,
    IdleDone,
    LiteralTooLarge,
    NeedData,
    Paused,
)
from ._fetch import (
    FetchAttribute,
    FetchBinarySize,
    FetchBodySection,
    FetchItem,
    format_fetch_attributes,
)
from ._grammar import parse_command
from ._lexer import ParseError
from ._receiver import CommandReceiver
from ._responses import (
    bye,
    capability_response,
    code_appenduid,
    code_badcharset,
    code_capability,
    code_copyuid,
    code_highestmodseq,
    code_modified,
    code_permanentflags,
    code_uidnext,
    code_uidvalidity,
    code_unseen,
    continuation,
    enabled_response,
    esearch_response,
    exists,
    expunge,
    fetch_response,
    flags_response,
    greeting,
    id_response,
    list_response,
    namespace_response,
    quota_response,
    quotaroot_response,
    recent,
    search_response,
    status_response,
    tagged,
    untagged,
    untagged_condition,
    vanished,
)
from ._search import (
    AllKey,
    AndKey,
    DateKey,
    EmailIdKey,
    FlagKey,
    GmailLabelKey,
    GmailMessageIdKey,
    GmailRawKey,
    GmailThreadIdKey,
    HeaderKey,
    ModSeqKey,
    NewKey,
    NotKey,
    OrKey,
    SearchKey,
    SequenceKey,
    SizeKey,
    TextKey,
    ThreadIdKey,
    WithinKey,
    format_search_key,
)
from ._sequence import SequenceSet, compact_set
from ._server import IMAPServer
from ._server_events import (
    AnnounceUpdates,
    BeginTLS,
    CloseConnection,
    Decision,
    ExecuteCommand,
    IdleEnded,
    IdleStarted,
    LoginAttempt,
    MailboxClosed,
    Output,
    SelectMailbox,
    ServerEvent,
)
from ._state import SessionState
from ._utf7 import decode_mutf7, encode_mutf7

__all__ = [
    # the server session and its events
    "IMAPServer",
    "SessionState",
    "LocalProtocolError",
    "CAPABILITIES",
    "SYSTEM_FLAGS",
    "ServerEvent",
    "Decision",
    "AnnounceUpdates",
    "BeginTLS",
    "CloseConnection",
    "ExecuteCommand",
    "IdleEnded",
    "IdleStarted",
    "LoginAttempt",
    "MailboxClosed",
    "Output",
    "SelectMailbox",
    # receiver and events
    "CommandReceiver",
    "NEED_DATA",
    "PAUSED",
    "AuthLine",
    "CommandError",
    "CommandEvent",
    "ContinuationNeeded",
    "Event",
    "IdleDone",
    "LiteralTooLarge",
    "NeedData",
    "Paused",
    "ParseError",
    "parse_command",
    "format_command",
    # commands
    "Command",
    "Append",
    "AppendMessage",
    "Authenticate",
    "Capability",
    "Check",
    "Close",
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
    "StoreMode",
    "Subscribe",
    "Unselect",
    "Unsubscribe",
    # fetch attributes
    "FetchAttribute",
    "FetchBinarySize",
    "FetchBodySection",
    "FetchItem",
    "format_fetch_attributes",
    # search keys
    "SearchKey",
    "AllKey",
    "AndKey",
    "DateKey",
    "EmailIdKey",
    "FlagKey",
    "GmailLabelKey",
    "GmailMessageIdKey",
    "GmailRawKey",
    "GmailThreadIdKey",
    "HeaderKey",
    "ModSeqKey",
    "NewKey",
    "NotKey",
    "OrKey",
    "SequenceKey",
    "SizeKey",
    "TextKey",
    "ThreadIdKey",
    "WithinKey",
    "format_search_key",
    # values
    "SequenceSet",
    "compact_set",
    "decode_mutf7",
    "encode_mutf7",
    # encoders
    "astring",
    "flag_list",
    "imap_date",
    "imap_datetime",
    "literal",
    "mailbox_name",
    "nstring",
    "quoted",
    "string",
    # responses
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
