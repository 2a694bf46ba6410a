"""The IMAP daemon: IMAP4rev2 and IMAP4rev1 over the engine's public API.

A thin trio server around the sans-IO session core of
:mod:`mailcore.protocol.imap` (``IMAPServer``): sockets, TLS, timers and
engine calls here, protocol state there.
``mailcore serve`` finds it through the ``mailcore.doors`` entry point
``imap = "mailcore_apps.imapd:door"``; it serves the roles ``imap`` (STARTTLS) and
``imaps`` (implicit TLS).
"""

from __future__ import annotations

from ._server import ROLES, Bound, serve

__all__ = ["ROLES", "Bound", "door", "serve"]


class _Door:
    """What ``mailcore serve`` loads: the roles served and the server itself."""

    ROLES = ROLES
    serve = staticmethod(serve)

    def __repr__(self) -> str:
        return "<mailcore IMAP door>"


door = _Door()
