"""What the server advertises in each state, and what ENABLE can switch on.

One list serves the greeting, CAPABILITY and the ``[CAPABILITY ...]`` code
of a successful login, so they cannot disagree. The extensions are those the
codec parses and the server answers; login methods appear only before login
(RFC 9051 6.1.1), LOGINDISABLED while a login in clear text is refused.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._state import SessionState

__all__ = [
    "CAPABILITIES",
    "SASL_MECHANISMS",
    "SYSTEM_FLAGS",
    "Extensions",
    "advertised",
]

#: What the server implements, advertised in every state.
CAPABILITIES: tuple[str, ...] = (
    "IMAP4rev1",
    "IMAP4rev2",
    "LITERAL+",
    "SASL-IR",
    "ENABLE",
    "IDLE",
    "NAMESPACE",
    "ID",
    "UIDPLUS",
    "MOVE",
    "CONDSTORE",
    "QRESYNC",
    "ESEARCH",
    "SEARCHRES",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "SPECIAL-USE",
    "UNSELECT",
    "CHILDREN",
    "BINARY",
    "X-GM-EXT-1",
)

#: The SASL mechanisms of AUTHENTICATE, offered as ``AUTH=`` before login.
SASL_MECHANISMS: tuple[str, ...] = ("PLAIN",)

#: The flags of every mailbox (RFC 9051 2.3.2); keywords may be added.
SYSTEM_FLAGS: tuple[str, ...] = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")


def advertised(
    state: SessionState,
    *,
    starttls: bool,
    login_disabled: bool,
    max_message_size: int | None,
) -> list[str]:
    """The capability list for ``state``.

    ``starttls``: STARTTLS can be used now; ``login_disabled``: LOGIN and
    AUTHENTICATE are refused now (clear text); ``max_message_size``: the
    APPENDLIMIT (RFC 7889), if any.
    """
    caps = list(CAPABILITIES)
    if max_message_size is not None:
        caps.append(f"APPENDLIMIT={max_message_size}")
    if state is SessionState.NOT_AUTHENTICATED:
        if starttls:
            caps.append("STARTTLS")
        if login_disabled:
            caps.append("LOGINDISABLED")
        else:
            caps += [f"AUTH={m}" for m in SASL_MECHANISMS]
    return caps


class Extensions:
    """What one session has switched on, by ENABLE or by using it (RFC 7162 3.1)."""

    __slots__ = ("condstore", "qresync", "imap4rev2")

    def __init__(self) -> None:
        self.condstore = False
        self.qresync = False
        self.imap4rev2 = False

    def enable(self, names: Iterable[str]) -> list[str]:
        """ENABLE ``names``; returns what was newly enabled, for ``* ENABLED``.

        CONDSTORE, QRESYNC (which implies CONDSTORE) and IMAP4rev2 can be
        enabled; unknown names and those already on are left out (RFC 5161 3.1).
        """
        enabled: list[str] = []
        for name in names:
            upper = name.upper()
            if upper == "CONDSTORE" and not self.condstore:
                self.condstore = True
                enabled.append("CONDSTORE")
            elif upper == "QRESYNC" and not self.qresync:
                self.qresync = self.condstore = True
                enabled.append("QRESYNC")
            elif upper == "IMAP4REV2" and not self.imap4rev2:
                self.imap4rev2 = True
                enabled.append("IMAP4rev2")
        return enabled
