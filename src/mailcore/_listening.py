"""Listening sockets: bound once, before any door starts, by ``mailcore serve``.

So a busy port is one clear error and port 0 is resolved once. With N
worker processes, each listener is bound as N sockets on the same port with
``SO_REUSEPORT``, one per worker slot, and the kernel spreads new
connections evenly over them. One socket shared by every worker would be
simpler, but the kernel then wakes the workers waiting in ``accept`` last
in, first out, and one worker takes nearly every connection: measured here,
16 connections in a row went 16 to 0 to one of two workers, then 15 to 1.

The supervisor keeps every slot's sockets open: while a dead worker is
started again, connections for its slot wait in the backlog instead of
being refused. Before the group is bound, the address is bound once without
``SO_REUSEPORT``, so that a port held by anyone else (another mailcore
included) is still an error rather than a silent share.
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
    """A listener's sockets, bound and listening, owned by whoever bound them:
    ``slots[k]`` are the sockets (one per address family) of worker slot k."""

    listener: Listener
    slots: tuple[tuple[trio.SocketListener, ...], ...]

    @property
    def ports(self) -> tuple[int, ...]:
        """The real ports, one per address family (0 resolved)."""
        return tuple(int(s.socket.getsockname()[1]) for s in self.slots[0])

    def fds(self, slot: int = 0) -> tuple[int, ...]:
        return tuple(s.socket.fileno() for s in self.slots[slot])

    def inherited(self, slot: int = 0) -> Listener:
        """The listener as the process serving ``slot`` sees it: the real
        port (not 0) and the descriptors to serve."""
        ports = self.ports
        return attrs.evolve(self.listener, port=ports[0] if ports else self.listener.port, fds=self.fds(slot))

    async def aclose(self) -> None:
        for sockets in self.slots:
            for sock in sockets:
                await sock.aclose()


#: The accept backlog of each socket (the kernel caps it at ``somaxconn``).
_BACKLOG = 0xFFFF


def _reuseport_group(family: int, sockaddr: tuple[object, ...], count: int) -> list[trio.SocketListener]:
    group: list[trio.SocketListener] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind(sockaddr)
                sock.listen(_BACKLOG)
                sock.set_inheritable(False)
            except BaseException:
                sock.close()
                raise
            group.append(trio.SocketListener(trio.socket.from_stdlib_socket(sock)))
    except BaseException:
        for listener in group:
            listener.socket.close()
        raise
    return group


async def _bind(listener: Listener, copies: int) -> BoundListener:
    try:
        probe = await trio.open_tcp_listeners(listener.port, host=listener.host)
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        if exc.errno == errno.EADDRINUSE:
            reason += " (is another server running?)"
        raise ListenError(
            f"cannot listen on {listener.host}:{listener.port} for {listener.role}: {reason.lower()}"
        ) from None
    if copies == 1:
        for sock in probe:
            sock.socket.set_inheritable(False)
        return BoundListener(listener, (tuple(probe),))
    addresses = [(sock.socket.family, sock.socket.getsockname()) for sock in probe]
    for sock in probe:
        sock.socket.close()
    groups: list[list[trio.SocketListener]] = []
    try:
        for family, sockaddr in addresses:
            try:
                groups.append(_reuseport_group(family, sockaddr, copies))
            except OSError as exc:
                raise ListenError(
                    f"cannot listen on {listener.host}:{sockaddr[1]} for {listener.role} "
                    f"with {copies} workers: {(exc.strerror or str(exc)).lower()}"
                ) from None
    except BaseException:
        for group in groups:
            for sock in group:
                sock.socket.close()
        raise
    return BoundListener(listener, tuple(tuple(group[k] for group in groups) for k in range(copies)))


async def bind_listeners(listeners: tuple[Listener, ...] | list[Listener], *, copies: int = 1) -> list[BoundListener]:
    """Bind every listener, as ``copies`` sockets per address when several
    workers serve it; on failure close what was bound and raise
    :class:`ListenError` naming the address and the reason."""
    bound: list[BoundListener] = []
    try:
        for listener in listeners:
            bound.append(await _bind(listener, copies))
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
