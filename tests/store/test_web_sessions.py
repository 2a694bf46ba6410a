"""Web sessions on the Cache role, over every embedded cache adapter.

Rotation, reuse detection and revocation, and (on the shared SQLite cache)
their agreement across two cache handles on one file, as two processes have.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
import trio

from mailcore._web_sessions import REFRESH_TTL, RefreshRefused, WebSessions
from mailcore.store import InProcessCache, SQLiteCache
from mailcore.store.base import Cache
from mailcore.testing import FakeClock

OpenCache = Callable[[FakeClock], AbstractAsyncContextManager[Cache]]


def _in_process(tmp_path: Path) -> OpenCache:
    @asynccontextmanager
    async def open_cache(clock: FakeClock) -> AsyncIterator[Cache]:
        async with InProcessCache(clock) as cache:
            yield cache

    return open_cache


def _sqlite(tmp_path: Path) -> OpenCache:
    @asynccontextmanager
    async def open_cache(clock: FakeClock) -> AsyncIterator[Cache]:
        async with SQLiteCache(tmp_path / "cache.db", clock) as cache:
            yield cache

    return open_cache


@pytest.fixture(params=[_in_process, _sqlite], ids=["in-process", "sqlite"])
def open_cache(request: pytest.FixtureRequest, tmp_path: Path) -> OpenCache:
    build: Callable[[Path], OpenCache] = request.param
    return build(tmp_path)


async def refused(sessions: WebSessions, token: str) -> str:
    with pytest.raises(RefreshRefused) as caught:
        await sessions.rotate(token)
    return caught.value.reason


async def test_a_refresh_token_is_spent_for_the_next_one(open_cache: OpenCache) -> None:
    async with open_cache(FakeClock()) as cache:
        sessions = WebSessions(cache)
        session_id, first = await sessions.open(42)
        spent = await sessions.rotate(first)
        assert (spent.account_id, spent.session_id) == (42, session_id)
        assert spent.refresh_token != first
        again = await sessions.rotate(spent.refresh_token)
        assert again.session_id == session_id
        assert not await sessions.is_revoked(session_id)


async def test_a_spent_token_presented_again_revokes_the_session(open_cache: OpenCache) -> None:
    async with open_cache(FakeClock()) as cache:
        sessions = WebSessions(cache)
        session_id, first = await sessions.open(7)
        other_session, other = await sessions.open(7)
        current = (await sessions.rotate(first)).refresh_token
        assert await refused(sessions, first) == "reused"
        assert await sessions.is_revoked(session_id)
        # the thief's replay also ends the legitimate holder's next token
        assert await refused(sessions, current) == "revoked"
        # another session of the same account is untouched
        assert not await sessions.is_revoked(other_session)
        assert (await sessions.rotate(other)).session_id == other_session


async def test_revoke_ends_refresh_and_is_seen_by_checks(open_cache: OpenCache) -> None:
    async with open_cache(FakeClock()) as cache:
        sessions = WebSessions(cache)
        session_id, token = await sessions.open(1)
        assert await sessions.session_of(token) == session_id
        await sessions.revoke(session_id)
        assert await sessions.is_revoked(session_id)
        assert await refused(sessions, token) == "revoked"


async def test_unknown_and_expired_tokens_are_refused(open_cache: OpenCache) -> None:
    clock = FakeClock()
    async with open_cache(clock) as cache:
        sessions = WebSessions(cache)
        assert await refused(sessions, "rt_never-issued") == "unknown"
        assert await refused(sessions, "") == "unknown"
        assert await sessions.session_of("rt_never-issued") is None
        _, token = await sessions.open(1)
        clock.advance(REFRESH_TTL - 60)
        token = (await sessions.rotate(token)).refresh_token  # a refresh renews the lifetime
        clock.advance(REFRESH_TTL - 60)
        token = (await sessions.rotate(token)).refresh_token
        clock.advance(REFRESH_TTL + 1)
        assert await refused(sessions, token) == "unknown"


async def test_a_revocation_outlives_the_tokens_of_its_session(open_cache: OpenCache) -> None:
    clock = FakeClock()
    async with open_cache(clock) as cache:
        sessions = WebSessions(cache)
        session_id, token = await sessions.open(1)
        await sessions.revoke(session_id)
        clock.advance(REFRESH_TTL - 1)
        assert await sessions.is_revoked(session_id)
        assert await refused(sessions, token) == "revoked"


async def test_concurrent_refreshes_of_one_token_spend_it_once(open_cache: OpenCache) -> None:
    async with open_cache(FakeClock()) as cache:
        sessions = WebSessions(cache)
        session_id, token = await sessions.open(3)
        outcomes: list[str] = []

        async def present() -> None:
            try:
                await sessions.rotate(token)
                outcomes.append("spent")
            except RefreshRefused as exc:
                outcomes.append(exc.reason)

        async with trio.open_nursery() as nursery:
            for _ in range(4):
                nursery.start_soon(present)
        # one presenter spent it (refused anyway if the reuse revoked the
        # session before its new token was handed out); all others are reuse
        assert outcomes.count("reused") == 3
        assert set(outcomes) - {"reused"} <= {"spent", "revoked"}
        assert await sessions.is_revoked(session_id)


async def test_two_handles_on_one_sqlite_cache_agree(tmp_path: Path) -> None:
    """What two processes on one data directory see: one spends, the other detects reuse."""
    clock = FakeClock()
    async with SQLiteCache(tmp_path / "cache.db", clock) as a, SQLiteCache(tmp_path / "cache.db", clock) as b:
        on_a, on_b = WebSessions(a), WebSessions(b)
        session_id, token = await on_a.open(5)
        assert (await on_b.rotate(token)).session_id == session_id
        assert await refused(on_a, token) == "reused"
        assert await on_b.is_revoked(session_id)

        logout_id, other = await on_b.open(5)
        await on_a.revoke(logout_id)
        assert await on_b.is_revoked(logout_id)
        assert await refused(on_b, other) == "revoked"


async def test_concurrent_revocation_checks_share_one_cache_read() -> None:
    """Many requests asking at once cost one get_many, and each gets its own answer."""
    from mailcore._web_sessions import WebSessions
    from mailcore.store import InProcessCache

    class Counting(InProcessCache):
        calls = 0

        async def get_many(self, keys):  # type: ignore[no-untyped-def]
            Counting.calls += 1
            return await super().get_many(keys)

    async with Counting() as cache:
        sessions = WebSessions(cache)
        await cache.set(sessions._revoked_key("gone"), b"1")
        answers: dict[str, bool] = {}

        async def ask(session_id: str) -> None:
            answers[session_id] = await sessions.is_revoked(session_id)

        async with trio.open_nursery() as nursery:
            for sid in ["gone", "alive-1", "alive-2", "gone", "alive-3"]:
                nursery.start_soon(ask, sid)
        assert answers == {"gone": True, "alive-1": False, "alive-2": False, "alive-3": False}
        assert Counting.calls == 1
