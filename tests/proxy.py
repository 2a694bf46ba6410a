"""A TCP proxy on loopback that a test can cut and restore, to lose a server
(PostgreSQL, Redis) while the engine runs without stopping the shared server."""

from __future__ import annotations

from urllib.parse import urlsplit

import trio


def port_of(url: str) -> int:
    """The port of a server URL (``postgresql://...:5432/test``, ``redis://...``)."""
    port = urlsplit(url).port
    assert port is not None, url
    return port


class Proxy:
    """Forwards TCP connections to ``host:port`` until :meth:`cut`."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.upstream_port = host, port
        self.port = 0
        self.open = True
        self._scopes: set[trio.CancelScope] = set()
        self._flowing = trio.Event()
        self._flowing.set()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        [listener] = await trio.open_tcp_listeners(0, host="127.0.0.1")
        self.port = listener.socket.getsockname()[1]
        task_status.started()
        await trio.serve_listeners(self._handle, [listener])

    def cut(self) -> None:
        """Drop every connection and refuse new ones."""
        self.open = False
        for scope in list(self._scopes):
            scope.cancel()

    def restore(self) -> None:
        self.open = True
        self._flowing.set()

    def freeze(self) -> None:
        """Stop forwarding bytes, closing nothing: a server that went silent
        (a network partition), which only a timeout can tell."""
        self._flowing = trio.Event()

    async def _handle(self, client: trio.SocketStream) -> None:
        try:
            if not self.open:
                return
            upstream = await trio.open_tcp_stream(self.host, self.upstream_port)
            try:
                with trio.CancelScope() as scope:
                    self._scopes.add(scope)
                    async with trio.open_nursery() as nursery:
                        nursery.start_soon(self._pump, client, upstream, nursery.cancel_scope)
                        nursery.start_soon(self._pump, upstream, client, nursery.cancel_scope)
                self._scopes.discard(scope)
            finally:
                await trio.aclose_forcefully(upstream)
        finally:
            await trio.aclose_forcefully(client)

    async def _pump(self, source: trio.SocketStream, sink: trio.SocketStream, done: trio.CancelScope) -> None:
        try:
            while data := await source.receive_some(65536):
                await self._flowing.wait()
                await sink.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        done.cancel()
