"""The IMAP session states and the tables that rule them (RFC 9051 section 3).

Which commands are valid in which state, what a refusal says, and which
transitions exist are data here, not branches spread over a server: a
command type absent from a state's set is refused before anything else
looks at it, and a state changes only along :data:`TRANSITIONS`.

::

              | (1)
              v
    +-------------------+
    | NOT_AUTHENTICATED |-----------------------------+
    +-------------------+                             |
              | (2) LOGIN or AUTHENTICATE             |
              v                                       |
    +-------------------+                             |
    |   AUTHENTICATED   |<------------------+         |
    +-------------------+                   |         |
              | (3) SELECT or EXAMINE       | (4)     | (5)
              v                             |         |
    +-------------------+                   |         |
    |     SELECTED      |-------------------+         |
    +-------------------+                             |
              | (5)                                   |
              v                                       |
    +-------------------+                             |
    |      LOGOUT       |<----------------------------+
    +-------------------+   (5) from AUTHENTICATED too

    (1) the connection opens, the greeting is sent; (2) a login succeeds; (3) a mailbox opens;
    (4) CLOSE, UNSELECT, or a SELECT or EXAMINE (which first closes the
    mailbox selected, then may fail); (5) LOGOUT, autologout or end of input.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Literal

from ._commands import (
    Append,
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
    Rename,
    Search,
    Select,
    StartTLS,
    Status,
    Store,
    Subscribe,
    Unselect,
    Unsubscribe,
)

__all__ = [
    "ANY_STATE",
    "AUTHENTICATED_STATE",
    "NOT_AUTHENTICATED_STATE",
    "READ_ONLY_REFUSED",
    "SELECTED_STATE",
    "COMMAND_TYPES",
    "TRANSITIONS",
    "VALID_COMMANDS",
    "SessionState",
    "Transition",
    "refusal",
]

CommandType = type[Command]


class SessionState(enum.Enum):
    """Where an IMAP session stands (RFC 9051 section 3)."""

    #: Before LOGIN or AUTHENTICATE succeeded.
    NOT_AUTHENTICATED = "not authenticated"
    #: Logged in, no mailbox selected.
    AUTHENTICATED = "authenticated"
    #: A mailbox is selected (read-write by SELECT, read-only by EXAMINE).
    SELECTED = "selected"
    #: LOGOUT, autologout or end of input: the connection is closing.
    LOGOUT = "logout"


class Transition(enum.Enum):
    """What moves a session from one state to another."""

    LOGGED_IN = "logged in"
    MAILBOX_SELECTED = "mailbox selected"
    MAILBOX_CLOSED = "mailbox closed"
    LOGGED_OUT = "logged out"


#: Valid in every state (RFC 9051 6.1; ID by RFC 2971).
ANY_STATE: frozenset[CommandType] = frozenset({Capability, Noop, Logout, Id})

#: Valid only before login (RFC 9051 6.2).
NOT_AUTHENTICATED_STATE: frozenset[CommandType] = frozenset({StartTLS, Authenticate, Login})

#: Valid once logged in, with or without a selected mailbox (RFC 9051 6.3;
#: LSUB from RFC 3501, GETQUOTA/GETQUOTAROOT from RFC 9208, IDLE from RFC
#: 2177). RFC 5161 allows ENABLE before SELECT only; clients send it later
#: too and are served, as they always were.
AUTHENTICATED_STATE: frozenset[CommandType] = frozenset(
    {
        Enable,
        Select,
        Examine,
        Create,
        Delete,
        Rename,
        Subscribe,
        Unsubscribe,
        List,
        Lsub,
        Namespace,
        Status,
        Append,
        Idle,
        GetQuota,
        GetQuotaRoot,
    }
)

#: Valid only with a selected mailbox (RFC 9051 6.4; CHECK from RFC 3501).
SELECTED_STATE: frozenset[CommandType] = frozenset(
    {Check, Close, Unselect, Expunge, Search, Fetch, Store, Copy, Move}
)

#: The command types each state accepts.
VALID_COMMANDS: Mapping[SessionState, frozenset[CommandType]] = {
    SessionState.NOT_AUTHENTICATED: ANY_STATE | NOT_AUTHENTICATED_STATE,
    SessionState.AUTHENTICATED: ANY_STATE | AUTHENTICATED_STATE,
    SessionState.SELECTED: ANY_STATE | AUTHENTICATED_STATE | SELECTED_STATE,
    SessionState.LOGOUT: frozenset(),
}

#: Refused in a mailbox opened by EXAMINE: they would change it (RFC 9051 6.3.3).
READ_ONLY_REFUSED: frozenset[CommandType] = frozenset({Expunge, Store, Move})

#: The only ways a state changes; anything else is a bug in the server.
TRANSITIONS: Mapping[tuple[SessionState, Transition], SessionState] = {
    (SessionState.NOT_AUTHENTICATED, Transition.LOGGED_IN): SessionState.AUTHENTICATED,
    (SessionState.AUTHENTICATED, Transition.MAILBOX_SELECTED): SessionState.SELECTED,
    (SessionState.SELECTED, Transition.MAILBOX_CLOSED): SessionState.AUTHENTICATED,
    (SessionState.NOT_AUTHENTICATED, Transition.LOGGED_OUT): SessionState.LOGOUT,
    (SessionState.AUTHENTICATED, Transition.LOGGED_OUT): SessionState.LOGOUT,
    (SessionState.SELECTED, Transition.LOGGED_OUT): SessionState.LOGOUT,
}


def refusal(state: SessionState, command: CommandType) -> tuple[Literal["BAD"], str]:
    """The tagged answer to ``command`` arriving in ``state``, where it is not valid."""
    if command is StartTLS:
        return "BAD", "STARTTLS not available now"
    if command in NOT_AUTHENTICATED_STATE:
        return "BAD", "Already authenticated"
    if state is SessionState.NOT_AUTHENTICATED:
        return "BAD", "Log in first"
    if command in SELECTED_STATE:
        return "BAD", "No mailbox selected"
    return "BAD", "Command not valid now"


#: Command types by wire name (``APPEND``, ``FETCH``...), to judge a command
#: by its name before its literal is sent.
COMMAND_TYPES: Mapping[str, CommandType] = {
    t.__name__.upper(): t for types in VALID_COMMANDS.values() for t in types
}
