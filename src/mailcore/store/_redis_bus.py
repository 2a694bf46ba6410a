"""The Bus role on Redis: change events across processes and nodes.

Every node publishes its events to one Redis channel per installation and
listens to it with one connection, then fans the events out to its local
subscribers exactly as :class:`~mailcore.store._memory_bus.InProcessBus` does
(bounded buffers, ``RESYNC`` for a subscriber that falls behind). A node's own
events also travel through Redis, so what a subscriber sees does not depend on
which node published.

One channel for all accounts keeps a node to one subscription however many
accounts it watches; each node then receives every event of the installation,
which suits clusters of a few to a few dozen nodes.

When the connection to Redis is lost, events published meanwhile are lost to
this node: once it is back, every local subscriber gets a ``RESYNC`` and
re-reads what it shows.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import trio

from mailcore._actors.supervisor import single_errors
from mailcore._bridge import Bridge
from mailcore.errors import Closed, StoreError
from mailcore.model import ChangeEvent
from mailcore.store._memory_bus import InProcessBus, InProcessSubscription
from mailcore.store._redis import RedisClient

log = logging.getLogger("mailcore.store._redis_bus")

#: Seconds between reconnection attempts after the connection to Redis is lost.
RECONNECT_DELAY = 1.0


class RedisBus(InProcessBus):
    """A Bus whose events travel through Redis pub/sub."""

    def __init__(self, client: RedisClient) -> None:
        super().__init__()
        self._redis = client
        self._channel = client.key("events")
        #: this node's name on the channel, and the number of its publish calls
        self._node = secrets.token_hex(8)
        self._published = 0
        #: per local subscription: this node's publish count when it opened
        self._floor: dict[int, int] = {}

    @classmethod
    @asynccontextmanager
    async def open(cls, bridge: Bridge, url: str, *, prefix: str = "mailcore:") -> AsyncIterator[RedisBus]:
        """Connect, start listening, and stop on exit."""
        client = await RedisClient.open(bridge, url, prefix=prefix + "bus:")
        bus = cls(client)
        try:
            with single_errors():  # an error of the caller comes out as itself
                async with trio.open_nursery() as nursery:
                    await nursery.start(bus._listen)
                    try:
                        yield bus
                    finally:
                        nursery.cancel_scope.cancel()
        finally:
            with trio.CancelScope(shield=True):
                await bus.aclose()
                await client.aclose()

    # -- publishing

    async def publish(self, events: Sequence[ChangeEvent]) -> None:
        if self._closed:
            raise Closed("bus is closed")
        if not events:
            await trio.lowlevel.checkpoint()
            return
        self._published += 1
        payload = json.dumps(
            {"node": self._node, "seq": self._published, "events": [e.to_json() for e in events]},
            separators=(",", ":"),
        )
        channel = self._channel

        async def send(client: Any) -> None:
            await client.publish(channel, payload)

        with trio.CancelScope(shield=True):  # published in full or not at all
            await self._redis.run(send)

    # -- local subscriptions

    def _add(self, subscription: InProcessSubscription) -> None:
        super()._add(subscription)
        self._floor[id(subscription)] = self._published

    def _remove(self, subscription: InProcessSubscription) -> None:
        self._floor.pop(id(subscription), None)
        super()._remove(subscription)

    def _fan_out(self, node: str, seq: int, events: list[ChangeEvent]) -> None:
        own = node == self._node
        for event in events:
            for subscription in self._subscribers.get(event.account_id, ()):
                if own and seq <= self._floor.get(id(subscription), 0):
                    continue  # published before this subscription opened
                subscription._offer(event)


    async def _listen(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        started = False
        while True:
            try:
                pubsub = await self._subscribe()
            except StoreError as exc:
                if not started:
                    raise
                log.warning("redis bus: cannot listen (%s); retrying", exc)
                await trio.sleep(RECONNECT_DELAY)
                continue
            if started:
                self._resync_all()
            else:
                started = True
                task_status.started()
            try:
                await self._receive(pubsub)
            except StoreError as exc:
                log.warning("redis bus: connection lost (%s); reconnecting", exc)
                self._resync_all()
            finally:
                with trio.CancelScope(shield=True):
                    await self._close_pubsub(pubsub)
            await trio.sleep(RECONNECT_DELAY)

    async def _subscribe(self) -> Any:
        channel = self._channel

        async def subscribe(client: Any) -> Any:
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            await pubsub.subscribe(channel)
            return pubsub

        return await self._redis.run(subscribe)

    async def _receive(self, pubsub: Any) -> None:
        async def next_message(client: Any) -> Any:
            return await pubsub.get_message(timeout=5.0)

        while True:
            message = await self._redis.run(next_message)
            if message is None or message.get("type") != "message":
                continue
            try:
                data = json.loads(message["data"])
                events = [ChangeEvent.from_json(e) for e in data["events"]]
                node, seq = str(data["node"]), int(data["seq"])
            except (ValueError, KeyError, TypeError, AssertionError):
                log.warning("redis bus: ignored a malformed message")
                continue
            self._fan_out(node, seq, events)

    async def _close_pubsub(self, pubsub: Any) -> None:
        async def close(client: Any) -> None:
            await pubsub.aclose()

        try:
            await self._redis.run(close)
        except StoreError:
            pass
