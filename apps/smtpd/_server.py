"""The listeners: bind, accept, count connections per address, run sessions.

One task per connection, all in the door's nursery. A session that fails
(a broken peer, a bug) is logged and closed; it never takes the server or
another session with it.
"""

from __future__ import annotations

import functools
import logging
import socket
import ssl
from collections.abc import Sequence
from typing import Any

import attrs
import trio

import mailcore
from mailcore.tls import server_context

from ._replies import LOCAL_ERROR_CLOSING, TOO_MANY_CONNECTIONS
from ._session import Session

log = logging.getLogger("mailcore.smtpd")

ROLES = ("smtp", "submission", "submissions")
_CLOSE_GRACE = 2.0


@attrs.frozen
class BoundListener:
    """Where a listener ended up (the real port when 0 was asked for)."""

    role: str
    host: str
    port: int


def _peer_ip(stream: trio.SocketStream) -> str:
    try:
        address: Any = stream.socket.getpeername()
    except OSError:
        return "unknown"
    return str(address[0]) if isinstance(address, tuple) else "local"


class SMTPDoor:
    """The ``mailcore.doors`` entry point: SMTP (MX), submission, SMTPS."""

    ROLES = ROLES

    async def serve(
        self,
        engine: mailcore.Engine,
        listeners: Sequence[mailcore.Listener],
        *,
        task_status: trio.TaskStatus[list[BoundListener]] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Bind every listener, report ``started(bound)``, then serve forever."""
        for listener in listeners:
            if listener.role not in ROLES:
                raise mailcore.ConfigError(f"the SMTP daemon does not serve {listener.role!r}")
        tls_context = await trio.to_thread.run_sync(server_context, engine.config)
        counter = engine.connection_limit("smtp")
        sessions: set[Session] = set()
        bound: list[BoundListener] = []
        sockets: list[tuple[str, list[trio.SocketListener]]] = []
        for listener in listeners:
            opened = await mailcore.open_listeners(listener)
            sockets.append((listener.role, opened))
            for sock in opened:
                host, port = sock.socket.getsockname()[:2]
                bound.append(BoundListener(listener.role, host, port))
                log.info("SMTP %s listening on %s port %d", listener.role, host, port)
        async with trio.open_nursery() as nursery:
            async with trio.open_nursery() as accepting:
                for role, opened in sockets:

                    async def handler(stream: trio.SocketStream, role: str = role) -> None:
                        await self._connection(engine, role, stream, tls_context, counter, sessions)

                    accepting.start_soon(
                        functools.partial(trio.serve_listeners, handler, opened, handler_nursery=nursery)
                    )
                task_status.started(bound)
                await engine.draining.wait()
                accepting.cancel_scope.cancel()
            # Draining: no new connections; a transaction under way is
            # finished, then every session says 421 and closes.
            for _, opened in sockets:
                for sock in opened:
                    await sock.aclose()
            for session in list(sessions):
                session.drain()

    async def _connection(
        self,
        engine: mailcore.Engine,
        role: str,
        stream: trio.SocketStream,
        tls_context: ssl.SSLContext,
        counter: mailcore.ConnectionLimit,
        sessions: set[Session],
    ) -> None:
        try:
            stream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
        except OSError:  # the peer already went away
            await trio.aclose_forcefully(stream)
            return
        ip = _peer_ip(stream)
        admitted = counter.enter(ip)
        session = Session(engine, role, stream, ip, tls_context)
        sessions.add(session)
        try:
            if admitted:
                await session.run()
            else:
                log.info("refused [%s] on %s: too many connections", ip, role)
                await session.run(greeting=TOO_MANY_CONNECTIONS)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            log.debug("[%s] went away", ip)
        except Exception:
            log.exception("SMTP session with [%s] on %s failed", ip, role)
            with trio.move_on_after(_CLOSE_GRACE):
                try:
                    await session.stream.send_all(LOCAL_ERROR_CLOSING.to_bytes())
                except Exception:
                    pass
        finally:
            sessions.discard(session)
            if admitted:
                counter.leave(ip)
            with trio.move_on_after(_CLOSE_GRACE) as scope:
                scope.shield = True
                await session.stream.aclose()


#: What the ``mailcore.doors`` entry point loads.
door = SMTPDoor()
