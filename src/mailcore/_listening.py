"""Listening sockets: bound once, served by every process that inherits them.

``mailcore serve`` binds each listener before any door starts, so a busy
port is one clear error, port 0 is resolved once, and worker processes
share the very same sockets (the kernel hands each connection to one of the
processes waiting in ``accept``).
"""

from __future__ import annotations

import errno
import os
import socket

import attrs
import trio

from mailcore._config import Listener


class ListenError(Exception):
    """A listener could not be bound; the message is one line for the user."""


@attrs.frozen
class BoundListener:
    """A listener's sockets, bound and listening, owned by whoever bound them."""

    listener: Listener
    sockets: tuple[trio.SocketListener, ...]

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(int(s.socket.getsockname()[1]) for s in self.sockets)

    def fds(self) -> tuple[int, ...]:
        return tuple(s.socket.fileno() for s in self.sockets)

    def inherited(self) -> Listener:
        """The listener as a process that shares these sockets sees it: the
        real port (not 0) and the descriptors to serve."""
        port = self.ports[0] if self.sockets else self.listener.port
        return attrs.evolve(self.listener, port=port, fds=self.fds())

    async def aclose(self) -> None:
        for sock in self.sockets:
            await sock.aclose()


async def bind_listeners(listeners: tuple[Listener, ...] | list[Listener]) -> list[BoundListener]:
    """Bind every listener; on failure close what was bound and raise
    :class:`ListenError` naming the address and the reason."""
    bound: list[BoundListener] = []
    try:
        for listener in listeners:
            try:
                sockets = await trio.open_tcp_listeners(listener.port, host=listener.host)
            except OSError as exc:
                reason = os.strerror(exc.errno) if exc.errno else str(exc)
                if exc.errno == errno.EADDRINUSE:
                    reason += " (is another server running?)"
                raise ListenError(
                    f"cannot listen on {listener.host}:{listener.port} for {listener.role}: {reason.lower()}"
                ) from None
            for sock in sockets:
                sock.socket.set_inheritable(False)
            bound.append(BoundListener(listener, tuple(sockets)))
    except BaseException:
        for b in bound:
            await b.aclose()
        raise
    return bound


async def open_listeners(listener: Listener) -> list[trio.SocketListener]:
    """The sockets a door serves for ``listener``.

    When the listener carries descriptors (``Listener.fds``), they are
    duplicated and wrapped, never bound again: the caller keeps its own
    descriptors and the door closes its copies when it stops. Otherwise the
    address is bound here, as a door running alone would.
    """
    if not listener.fds:
        return await trio.open_tcp_listeners(listener.port, host=listener.host)
    opened = []
    for fd in listener.fds:
        sock = socket.socket(fileno=os.dup(fd))
        sock.set_inheritable(False)
        opened.append(trio.SocketListener(trio.socket.from_stdlib_socket(sock)))
    return opened
