"""Redis access from trio, for the Redis adapters (cache and bus).

``redis``'s async client speaks asyncio, so each call crosses
:mod:`mailcore._bridge` once; several commands that belong together go in one
pipeline, one crossing and one round trip. Every key carries the
installation's prefix, so one Redis server can hold several installations
(and tests). Client errors become :class:`mailcore.errors.StoreError`, a lost
server :class:`mailcore.errors.Unavailable`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis.asyncio
import redis.exceptions
import trio

from mailcore._bridge import Bridge
from mailcore.errors import StoreError, Unavailable

T = TypeVar("T")

#: Seconds to open a connection, and to wait for a command's answer, before
#: the server counts as lost (the pool reconnects on the next command).
CONNECT_TIMEOUT = 10.0
COMMAND_TIMEOUT = 30.0
#: Seconds closing waits for a server that does not answer.
CLOSE_TIMEOUT = 5.0


class RedisClient:
    """One connection pool to a Redis server, used from trio."""

    def __init__(self, bridge: Bridge, client: redis.asyncio.Redis, prefix: str) -> None:
        self.bridge = bridge
        self.client = client
        self.prefix = prefix

    @classmethod
    async def open(cls, bridge: Bridge, url: str, *, prefix: str = "mailcore:") -> RedisClient:
        async def connect() -> redis.asyncio.Redis:
            client = redis.asyncio.Redis.from_url(
                url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=COMMAND_TIMEOUT
            )
            await client.ping()
            return client

        try:
            client = await bridge.call(connect)
        except (OSError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            raise Unavailable(f"redis: cannot connect to {url}: {exc}") from exc
        return cls(bridge, client, prefix)

    def key(self, name: str) -> str:
        return self.prefix + name

    async def run(self, fn: Callable[[redis.asyncio.Redis], Awaitable[T]]) -> T:
        """Run ``fn(client)`` on the asyncio side."""
        try:
            return await self.bridge.call(fn, self.client)
        except (OSError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            raise Unavailable(f"redis: {exc}") from exc
        except redis.exceptions.RedisError as exc:
            raise StoreError(f"redis: {exc}") from exc

    async def aclose(self) -> None:
        async def close(client: Any) -> None:
            await client.aclose()

        with trio.CancelScope(shield=True), trio.move_on_after(CLOSE_TIMEOUT):
            try:
                await self.bridge.call(close, self.client)
            except (OSError, redis.exceptions.RedisError):  # closing a lost connection
                pass
