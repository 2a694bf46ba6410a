"""The Cache role on Redis: sessions, tokens, throttles and bans shared by
every process and node of an installation.

Expiry is Redis's own (``PX``), so this adapter keeps the server's time, not
an injected clock. ``incr`` is one transaction (``INCR`` then ``PEXPIRE NX``):
the window starts at the first count and the count is atomic across nodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

from mailcore._bridge import Bridge
from mailcore.errors import Closed
from mailcore.store._redis import RedisClient


class RedisCache:
    """Cache on a Redis server, through the bridge."""

    def __init__(self, client: RedisClient) -> None:
        self._redis = client
        self._closed = False

    @classmethod
    async def open(cls, bridge: Bridge, url: str, *, prefix: str = "mailcore:") -> RedisCache:
        return cls(await RedisClient.open(bridge, url, prefix=prefix + "cache:"))

    def _check(self) -> None:
        if self._closed:
            raise Closed("the cache is closed")

    async def get(self, key: str) -> bytes | None:
        self._check()
        name = self._redis.key(key)

        async def get(client: Any) -> bytes | None:
            value: bytes | None = await client.get(name)
            return value

        return await self._redis.run(get)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        self._check()
        if not keys:
            return []
        names = [self._redis.key(k) for k in keys]

        async def mget(client: Any) -> list[bytes | None]:
            values: list[bytes | None] = await client.mget(names)
            return values

        return await self._redis.run(mget)

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self._check()
        name = self._redis.key(key)
        px = max(1, int(ttl * 1000)) if ttl is not None else None

        async def set_(client: Any) -> None:
            await client.set(name, value, px=px)

        await self._redis.run(set_)

    async def delete(self, key: str) -> None:
        self._check()
        name = self._redis.key(key)

        async def delete(client: Any) -> None:
            await client.delete(name)

        await self._redis.run(delete)

    async def incr(self, key: str, window: float) -> int:
        self._check()
        name = self._redis.key(key)
        ms = max(1, int(window * 1000))

        async def incr(client: Any) -> int:
            async with client.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.pexpire(name, ms, nx=True)
                count, _ = await pipe.execute()
            return int(count)

        return await self._redis.run(incr)

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._redis.aclose()

    async def __aenter__(self) -> RedisCache:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
