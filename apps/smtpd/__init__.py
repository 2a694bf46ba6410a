"""The SMTP daemon: inbound MX (role ``smtp``), authenticated submission
with STARTTLS (``submission``) and with implicit TLS (``submissions``,
RFC 8314).

Sockets and TLS live here; the protocol is ``mailcore.protocol.smtp``'s
sans-IO state machine, and mail goes in through the engine's public API.
``mailcore serve`` finds ``door`` through the ``mailcore.doors`` entry
point and runs ``await nursery.start(door.serve, engine, listeners)``.
"""

from ._server import ROLES, BoundListener, SMTPDoor, door
from ._session import Session, smtp_limits

__all__ = ["ROLES", "BoundListener", "SMTPDoor", "Session", "door", "smtp_limits"]
