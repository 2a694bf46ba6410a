"""Changes by other sessions and other doors reach every selected session."""

from __future__ import annotations

import trio
import trio.testing

import mailcore
from tests.apps.imapd.client import RawClient, Server, call, imaps, ok
from tests.mail import message


async def _idle_until(raw: RawClient, want: bytes) -> list[bytes]:
    seen = []
    while True:
        line = await raw.line()
        seen.append(line)
        if want in line:
            return seen


async def test_idle_sees_append_by_another_session_and_delivery(
    server: Server, engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    with trio.fail_after(20):
        raw = await RawClient.connect(server)
        await raw.ok(b"SELECT INBOX")
        await raw.send(b"i1 IDLE\r\n")
        assert (await raw.line()).startswith(b"+ ")
        other = await imaps(server)
        ok(await call(other.append, "INBOX", None, None, message("from another session")))
        assert await _idle_until(raw, b"EXISTS") == [b"* 1 EXISTS"]
        await engine.deliver(message("by SMTP"), ["bob@example.com"])
        assert await _idle_until(raw, b"EXISTS") == [b"* 2 EXISTS"]
        # a flag change and an expunge elsewhere arrive during IDLE too
        ok(await call(other.select, "INBOX"))
        ok(await call(other.store, "1", "+FLAGS", "\\Deleted"))
        assert (await _idle_until(raw, b"FETCH"))[-1] == b"* 1 FETCH (UID 1 FLAGS (\\Deleted))"
        ok(await call(other.expunge))
        assert await _idle_until(raw, b"EXPUNGE") == [b"* 1 EXPUNGE"]
        await raw.send(b"DONE\r\n")
        lines, done = await raw.until(b"i1")
        assert done == b"i1 OK IDLE terminated"
        lines = await raw.ok(b"FETCH 1 (UID)")
        assert lines == [b"* 1 FETCH (UID 2)"]


async def test_two_sessions_see_each_others_flags_and_expunges(
    server: Server, engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    with trio.fail_after(20):
        for i in range(3):
            await engine.append(bob.id, "INBOX", message(f"m{i}"))
        a = await RawClient.connect(server)
        b = await RawClient.connect(server)
        await a.ok(b"SELECT INBOX")
        await b.ok(b"SELECT INBOX")
        await a.ok(b"STORE 2 +FLAGS.SILENT (\\Flagged)")
        lines = await b.ok(b"NOOP")
        assert lines == [b"* 2 FETCH (UID 2 FLAGS (\\Flagged))"]
        await a.ok(b"STORE 1 +FLAGS.SILENT (\\Deleted)")
        await a.ok(b"EXPUNGE")
        # the change is published before a's tagged OK; once every task is
        # blocked, b's session holds the expunge, pending
        await trio.testing.wait_all_tasks_blocked()
        # no EXPUNGE during a FETCH by sequence number: numbers must not shift
        lines = await b.ok(b"FETCH 1:* (UID)")
        assert not any(b"EXPUNGE" in x for x in lines)
        assert b"* 2 FETCH (UID 2)" in lines  # the expunged one is simply left out
        # ...but at the next command that allows it
        lines = await b.ok(b"NOOP")
        assert b"* 1 EXPUNGE" in lines
        lines = await b.ok(b"FETCH 1:* (UID)")
        assert lines == [b"* 1 FETCH (UID 2)", b"* 2 FETCH (UID 3)"]
        # UID commands may carry EXPUNGE at once
        await a.ok(b"UID STORE 3 +FLAGS.SILENT (\\Deleted)")
        await a.ok(b"UID EXPUNGE 3")
        await trio.testing.wait_all_tasks_blocked()
        lines = await b.ok(b"UID FETCH 1:* (FLAGS)")
        assert b"* 2 EXPUNGE" in lines


async def test_moving_to_trash_elsewhere_expunges_here(
    server: Server, engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    with trio.fail_after(20):
        result = await engine.append(bob.id, "INBOX", message("to trash"))
        raw = await RawClient.connect(server)
        await raw.ok(b"SELECT INBOX")
        await raw.send(b"i IDLE\r\n")
        await raw.line()
        # the web API trashes the message: it leaves INBOX
        await engine.modify_labels(bob.id, [result.message_id], add=["Trash"])
        assert await _idle_until(raw, b"EXPUNGE") == [b"* 1 EXPUNGE"]
        await raw.send(b"DONE\r\n")
        await raw.until(b"i")
