"""Session rules: TLS before login, throttling, bad input, crashes and isolation."""

from __future__ import annotations

import imaplib
import time

import pytest
import trio

import mailcore
from tests.apps.imapd.client import BOB, CAROL, RawClient, Server, call, imaps, ok
from tests.mail import message


async def test_login_refused_before_starttls_then_accepted(server: Server) -> None:
    with trio.fail_after(20):
        client = await call(imaplib.IMAP4, "127.0.0.1", server.imap_port, timeout=20)
        caps = client.capabilities
        assert "STARTTLS" in caps and "LOGINDISABLED" in caps
        with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
            await call(client.login, *BOB)
        ok(await call(client.starttls, server.client_context()))
        caps = ok(await call(client.capability))[0].split()
        assert b"AUTH=PLAIN" in caps and b"LOGINDISABLED" not in caps
        ok(await call(client.login, *BOB))
        caps = ok(await call(client.capability))[0].split()
        for name in (
            b"IMAP4rev2",
            b"IDLE",
            b"UIDPLUS",
            b"MOVE",
            b"CONDSTORE",
            b"QRESYNC",
            b"ESEARCH",
            b"LIST-EXTENDED",
            b"LIST-STATUS",
            b"SPECIAL-USE",
            b"X-GM-EXT-1",
            b"BINARY",
        ):
            assert name in caps
        await call(client.logout)


async def test_plaintext_pipelined_before_starttls_is_discarded(server: Server) -> None:
    with trio.fail_after(20):
        sock = await trio.open_tcp_stream("127.0.0.1", server.imap_port)
        raw = RawClient(sock)
        await raw.line()
        await raw.send(b"a STARTTLS\r\nb LOGIN bob@example.com bob-password\r\n")
        assert (await raw.line()).startswith(b"a OK")
        tls = trio.SSLStream(sock, server.client_context(), server_hostname="localhost")
        client = RawClient(tls)
        lines, done = await client.command(b"NOOP")
        assert done.startswith(b"t1 OK")
        lines, done = await client.command(b"SELECT INBOX")
        assert b"BAD" in done  # the injected LOGIN never ran
        await client.aclose()


async def test_authenticate_plain_with_and_without_initial_response(server: Server) -> None:
    with trio.fail_after(20):
        client = await imaps(server, login=None)
        ok(await call(client.authenticate, "PLAIN", lambda _: b"\0bob@example.com\0bob-password"))
        ok(await call(client.select, "INBOX"))
        raw = await RawClient.connect(server, login=None)
        import base64

        token = base64.b64encode(b"\0carol@example.com\0carol-password")
        await raw.ok(b"AUTHENTICATE PLAIN " + token)
        raw = await RawClient.connect(server, login=None)
        await raw.send(b"x AUTHENTICATE PLAIN\r\n")
        assert (await raw.line()).startswith(b"+")
        await raw.send(b"*\r\n")
        lines, done = await raw.until(b"x")
        assert b" BAD " in done


async def test_failed_logins_are_throttled(server: Server) -> None:
    with trio.fail_after(30):
        client = await imaps(server, login=None)
        times = []
        for _ in range(4):
            started = time.monotonic()
            with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
                await call(client.login, "bob@example.com", "wrong")
            times.append(time.monotonic() - started)
        assert times[-1] >= 0.9 > times[0]
        # the session goes on: the right password still works
        ok(await call(client.login, *BOB))


async def test_bad_input_gets_bad_or_no_and_the_session_goes_on(server: Server) -> None:
    with trio.fail_after(20):
        raw = await RawClient.connect(server)
        other = await imaps(server)
        await raw.ok(b"SELECT INBOX")
        for body, status in [
            (b"FROBNICATE", b"BAD"),
            (b"FETCH 1:* (FLAGS", b"BAD"),
            (b"FETCH 0 FLAGS", b"BAD"),
            (b"FETCH 1:x FLAGS", b"BAD"),
            (b"FETCH 5 FLAGS", b"BAD"),
            (b"SEARCH FOO BAR", b"BAD"),
            (b"STORE 1 +FLAGS (\\Bogus)", b"BAD"),
            (b"SELECT", b"BAD"),
            (b'LIST "" ("*"', b"BAD"),
        ]:
            lines, done = await raw.command(body)
            assert done.split(b" ")[1] == status, (body, done)
        # a literal over the limit is refused before it is sent
        lines, done = await raw.command(b"APPEND INBOX {999999999999}")
        assert b"NO [TOOBIG]" in done
        # bare garbage and an unbalanced quote
        await raw.send(b"\r\n*\r\n")
        assert (await raw.line()).startswith(b"* BAD")
        lines, done = await raw.command(b'LOGIN "unterminated')
        assert b"BAD" in done
        lines, done = await raw.command(b"NOOP")
        assert done.endswith(b"OK NOOP completed")
        ok(await call(other.noop))


async def test_a_crashing_session_says_bye_and_others_carry_on(
    server: Server, engine: mailcore.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with trio.fail_after(20):
        other = await imaps(server)
        ok(await call(other.select, "INBOX"))
        raw = await RawClient.connect(server)

        async def boom(*args: object, **kwargs: object) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(engine, "labels", boom)
        await raw.send(b'x LIST "" "*"\r\n')
        assert b"BYE" in await raw.line()
        with pytest.raises((EOFError, trio.BrokenResourceError)):
            await raw.line()
        monkeypatch.undo()
        ok(await call(other.noop))
        ok(await call(other.list))


async def test_one_account_never_reaches_another(
    server: Server, engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    with trio.fail_after(20):
        await engine.create_label(bob.id, "Bob Secret")
        await engine.append(bob.id, "Bob Secret", message("secret"))
        carol = await imaps(server, login=CAROL)
        names = [line.decode() for line in ok(await call(carol.list))]
        assert not any("Bob Secret" in n for n in names)
        for fn, args in [
            (carol.select, ('"Bob Secret"',)),
            (carol.status, ('"Bob Secret"', "(MESSAGES)")),
            (carol.append, ('"Bob Secret"', None, None, message("x"))),
            (carol.delete, ('"Bob Secret"',)),
            (carol.subscribe, ('"Bob Secret"',)),
        ]:
            typ, _ = await call(fn, *args)
            assert typ == "NO"
        ok(await call(carol.select, "INBOX"))
        assert ok(await call(carol.search, None, "ALL")) == [b""]
        assert ok(await call(carol.uid, "SEARCH", "X-GM-RAW", '"secret"')) == [b""]
        assert len(await engine.label_uids(bob.id, "Bob Secret")) == 1


async def test_connections_per_address_are_limited(server: Server, engine: mailcore.Engine) -> None:
    with trio.fail_after(20):
        limit = engine.config.limits.max_connections_per_ip
        clients = [await RawClient.connect(server, login=None) for _ in range(limit)]
        sock = await trio.open_tcp_stream("127.0.0.1", server.imap_port)
        extra = RawClient(sock)
        assert (await extra.line()).startswith(b"* BYE")
        for c in clients:
            await c.aclose()


async def test_logout_and_id_and_namespace(server: Server) -> None:
    with trio.fail_after(20):
        raw = await RawClient.connect(server)
        lines = await raw.ok(b'ID ("name" "test")')
        assert lines[0].startswith(b'* ID ("name" "mailcore"')
        lines = await raw.ok(b"NAMESPACE")
        assert lines == [b'* NAMESPACE (("" "/")) NIL NIL']
        lines = await raw.ok(b"ENABLE CONDSTORE QRESYNC")
        assert lines == [b"* ENABLED CONDSTORE QRESYNC"]
        lines = await raw.ok(b"LOGOUT")
        assert lines[0].startswith(b"* BYE")


async def test_nobody_unauthenticated_can_make_the_server_hold_big_literals(server: Server) -> None:
    with trio.fail_after(20):
        raw = await RawClient.connect(server, login=None)
        # a non-synchronizing literal needs no go-ahead: the server must refuse it and swallow it
        big = 200_000
        await raw.send(b"a1 LOGIN {%d+}\r\n" % big + b"x" * big + b" pw\r\n")
        lines, done = await raw.until(b"a1")
        assert b"AUTHENTICATIONFAILED" not in done and (b"TOOBIG" in done or b"too large" in done.lower()), done
        _, done = await raw.command(b"NOOP")
        assert done.endswith(b"OK NOOP completed")
        # after login the full literal size applies again
        await raw.ok(b"LOGIN bob@example.com bob-password")
        body = b"Subject: big\r\n\r\n" + b"y" * big + b"\r\n"
        await raw.send(b"a2 APPEND INBOX {%d+}\r\n" % len(body) + body + b"\r\n")
        _, done = await raw.until(b"a2")
        assert b"OK" in done, done
        await raw.aclose()
