"""Sockets, TLS and one task per connection.

``serve`` binds every listener, reports ready once all of them listen and
then serves forever. Each connection runs in its own nursery: a failure in
one session is logged, answered with ``* BYE`` and closes that connection
only. Accepted sockets get TCP_NODELAY (a client writing a command in two
segments must not wait on delayed ACKs), and each client address may hold
at most ``limits.max_connections_per_ip`` connections.
"""

from __future__ import annotations

import functools
import logging
import socket
import ssl
from collections.abc import Sequence

import attrs
import trio

import mailcore
from mailcore.protocol.imap import bye

from ._session import Session, SessionConfig, unwrap

__all__ = ["Bound", "serve"]

log = logging.getLogger("mailcore.imapd")

ROLES = ("imap", "imaps")
_HANDSHAKE_TIMEOUT = 30.0


@attrs.frozen
class Bound:
    """A listening socket, as ``task_status.started()`` reports it."""

    role: str
    host: str
    port: int


def _context(engine: mailcore.Engine) -> ssl.SSLContext:
    from mailcore import tls

    context: ssl.SSLContext = tls.server_context(engine.config)
    return context


async def serve(
    engine: mailcore.Engine,
    listeners: Sequence[mailcore.Listener],
    *,
    ssl_context: ssl.SSLContext | None = None,
    task_status: trio.TaskStatus[list[Bound]] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve IMAP (STARTTLS) and IMAPS (implicit TLS) on ``listeners``."""
    for listener in listeners:
        if listener.role not in ROLES:
            raise mailcore.ConfigError(f"the IMAP daemon cannot serve the {listener.role} role")
    context = ssl_context if ssl_context is not None else _context(engine)
    limiter = engine.connection_limit("imap")
    sessions: set[Session] = set()
    bound: list[Bound] = []
    opened: list[trio.SocketListener] = []
    async with trio.open_nursery() as nursery:
        async with trio.open_nursery() as accepting:
            for listener in listeners:
                sockets = await mailcore.open_listeners(listener)
                opened += sockets
                handler = functools.partial(_connection, engine, listener.role, context, limiter, sessions)
                for sock in sockets:
                    host, port = sock.socket.getsockname()[:2]
                    bound.append(Bound(listener.role, host, port))
                    log.info("imapd listening: %s %s:%d", listener.role, host, port)
                accepting.start_soon(
                    functools.partial(trio.serve_listeners, handler, sockets, handler_nursery=nursery)
                )
            task_status.started(bound)
            await engine.draining.wait()
            accepting.cancel_scope.cancel()
        # Draining: no new connections; sessions end after their command.
        for sock in opened:
            await sock.aclose()
        for session in list(sessions):
            session.drain()


async def _connection(
    engine: mailcore.Engine,
    role: str,
    context: ssl.SSLContext,
    limiter: mailcore.ConnectionLimit,
    sessions: set[Session],
    raw: trio.SocketStream,
) -> None:
    try:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
        remote = str(raw.socket.getpeername()[0])
    except OSError:
        await trio.aclose_forcefully(raw)
        return
    if not limiter.enter(remote):
        with trio.move_on_after(5):
            try:
                if role == "imaps":
                    await trio.aclose_forcefully(raw)
                    return
                await raw.send_all(bye("Too many connections from your address"))
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                pass
        await trio.aclose_forcefully(raw)
        return
    stream: trio.abc.Stream = raw
    session: Session | None = None
    try:
        if role == "imaps":
            tls_stream = trio.SSLStream(raw, context, server_side=True)
            with trio.move_on_after(_HANDSHAKE_TIMEOUT):
                await tls_stream.do_handshake()
                stream = tls_stream
            if stream is raw:
                return
        config = SessionConfig(role, remote, stream is not raw, context)
        async with trio.open_nursery() as nursery:
            session = Session(engine, stream, config, nursery)
            sessions.add(session)
            await session.run()
            nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        await _failed(unwrap(group), session)
    except Exception as exc:
        await _failed(exc, session)
    finally:
        if session is not None:
            sessions.discard(session)
        limiter.leave(remote)
        target = session.stream if session is not None else stream
        await trio.aclose_forcefully(target)


_GONE = (trio.BrokenResourceError, trio.ClosedResourceError, ssl.SSLError, ConnectionError)


async def _failed(exc: BaseException, session: Session | None) -> None:
    if isinstance(exc, _GONE):
        return
    if not isinstance(exc, Exception):
        raise exc
    log.exception("IMAP session failed", exc_info=exc)
    if session is None:
        return
    with trio.move_on_after(5):
        try:
            session._out.clear()
            await session.stream.send_all(bye("Internal server error; closing", "SERVERBUG"))
        except Exception:
            pass
