"""The daemon's Session over in-memory streams with a real engine: time is a
MockClock, so the keepalive of IDLE and the autologout of silent clients are
tested in milliseconds, and no socket is opened."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import trio
import trio.testing

import mailcore
from mailcore_apps.imapd._session import Session, SessionConfig
from tests.apps.imapd.client import RawClient
from tests.mail import message


async def _serve(engine: mailcore.Engine, stream: trio.abc.Stream) -> None:
    """What the daemon does for one accepted connection, minus the socket."""
    try:
        async with trio.open_nursery() as nursery:
            session = Session(
                engine, stream, SessionConfig("imaps", "192.0.2.1", True, None), nursery
            )
            await session.run()
            nursery.cancel_scope.cancel()
    finally:
        await trio.aclose_forcefully(stream)


@pytest.fixture
async def clock_runs_at_shutdown(
    engine: mailcore.Engine, mock_clock: trio.testing.MockClock
) -> AsyncIterator[None]:
    """Time stands still unless a test jumps it; the engine's shutdown after
    the test waits on its own timers, so the clock then jumps by itself."""
    yield
    mock_clock.autojump_threshold = 0


async def _silence(clock: trio.testing.MockClock, seconds: float) -> None:
    """The client says nothing for ``seconds``."""
    await trio.testing.wait_all_tasks_blocked()
    clock.jump(seconds)


async def test_idle_says_still_here_and_a_silent_client_is_logged_out(
    engine: mailcore.Engine,
    bob: mailcore.Account,
    mock_clock: trio.testing.MockClock,
    clock_runs_at_shutdown: None,
) -> None:
    client_stream, server_stream = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_serve, engine, server_stream)
        raw = RawClient(client_stream)
        assert (await raw.line()).startswith(b"* OK [CAPABILITY ")
        await raw.ok(b"LOGIN bob@example.com bob-password")
        await raw.ok(b"SELECT INBOX")
        await raw.send(b"i IDLE\r\n")
        assert await raw.line() == b"+ idling"
        await engine.append(bob.id, "INBOX", message("while idling"))
        assert await raw.line() == b"* 1 EXISTS"
        # a keepalive every ten minutes for NATs...
        for _ in range(3):
            await _silence(mock_clock, 10 * 60)
            assert await raw.line() == b"* OK Still here"
        # ...until the autologout timer (at least 30 minutes, RFC 9051 5.4) runs out
        await _silence(mock_clock, 10 * 60)
        assert await raw.line() == b"* BYE Autologout; idle for too long"
        with pytest.raises(EOFError):
            await raw.line()


async def test_a_client_silent_before_login_is_logged_out_sooner(
    engine: mailcore.Engine, mock_clock: trio.testing.MockClock, clock_runs_at_shutdown: None
) -> None:
    client_stream, server_stream = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_serve, engine, server_stream)
        raw = RawClient(client_stream)
        await raw.line()
        await raw.ok(b"NOOP")
        await _silence(mock_clock, engine.config.limits.idle_timeout - 1)
        await raw.ok(b"NOOP")  # still served: the timer restarts with each command
        await _silence(mock_clock, engine.config.limits.idle_timeout)
        assert await raw.line() == b"* BYE Autologout; idle for too long"
        with pytest.raises(EOFError):
            await raw.line()


async def test_logout_ends_the_session_and_its_watcher(
    engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    client_stream, server_stream = trio.testing.memory_stream_pair()
    with trio.fail_after(20):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_serve, engine, server_stream)
            raw = RawClient(client_stream)
            await raw.line()
            await raw.ok(b"LOGIN bob@example.com bob-password")
            await raw.ok(b"SELECT INBOX")
            lines = await raw.ok(b"LOGOUT")
            assert lines == [b"* BYE mailcore logging out"]
            with pytest.raises(EOFError):
                await raw.line()
        # the nursery closed: the session and its changes watcher are gone
