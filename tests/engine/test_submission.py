"""Sending: submission, the outbound queue, scheduled and undoable sends, drafts,
contacts, insights and login throttling."""

from __future__ import annotations

import time

import pytest
import trio
import trio.testing

import mailcore
from tests.mail import message


async def test_submit_delivers_locally_queues_remote_keeps_sent(
    engine: mailcore.Engine, bob: mailcore.Account, carol: mailcore.Account
) -> None:
    raw = message("plans", sender="bob@example.com", to="carol@example.com, x@remote.org, y@remote.org")
    result = await engine.submit(
        bob.id, raw, mail_from="bob@example.com",
        recipients=["carol@example.com", "x@remote.org", "y@remote.org"],
        dsn={"ret": "HDRS", "envid": "abc"},
    )
    assert set(result.delivered) == {"carol@example.com"}
    assert set(result.queued) == {"x@remote.org", "y@remote.org"}
    assert len(result.job_ids) == 1  # one job per remote domain
    [queued] = await engine.outbound(bob.id)
    assert queued.recipients == ("x@remote.org", "y@remote.org") and queued.dsn["envid"] == "abc"
    assert await engine.stores.blobs.get(queued.blob_ref) == raw
    assert await engine.outbound(carol.id) == []
    sent = await engine.fetch(bob.id, "Sent")
    assert [m.id for m in sent] == [result.sent_message_id] and "\\Seen" in sent[0].flags
    assert (await engine.label(carol.id, "INBOX")).messages == 1


async def test_sender_must_be_own_address(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    await engine.add_alias("robert@example.com", "bob@example.com")
    await engine.check_sender(bob.id, "bob@example.com")
    await engine.check_sender(bob.id, "Robert@example.com")
    await engine.check_sender(bob.id, "bob+news@example.com")
    for bad in ("carol@example.com", "bob@evil.org", "garbage"):
        with pytest.raises(mailcore.SenderNotAllowed):
            await engine.check_sender(bob.id, bad)


async def test_undo_and_scheduled_send(engine: mailcore.Engine, bob: mailcore.Account, carol: mailcore.Account) -> None:
    raw = message("later", sender="bob@example.com", to="carol@example.com")
    undone = await engine.schedule_submission(
        bob.id, raw, mail_from="bob@example.com", recipients=["carol@example.com"], send_at=time.time() + 30
    )
    [pending] = await engine.scheduled(bob.id)
    assert pending.job_id == undone and pending.subject == "later"
    assert not await engine.cancel_submission(carol.id, undone)  # not carol's to cancel
    assert await engine.cancel_submission(bob.id, undone)
    assert await engine.scheduled(bob.id) == []
    await engine.schedule_submission(
        bob.id, raw, mail_from="bob@example.com", recipients=["carol@example.com"], send_at=time.time() + 0.3
    )
    with trio.fail_after(10):
        while await engine.scheduled(bob.id):
            await trio.sleep(0.05)
    assert (await engine.label(carol.id, "INBOX")).messages == 1
    assert (await engine.label(bob.id, "Sent")).messages == 1


async def test_drafts_replace_and_delete(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    first = await engine.save_draft(bob.id, message("draft v1"))
    second = await engine.save_draft(bob.id, message("draft v2"), replaces=first.message_id)
    drafts = await engine.fetch(bob.id, "Drafts")
    assert [m.subject for m in drafts] == ["draft v2"]
    assert drafts[0].flags == {"\\Draft", "\\Seen"}
    inbox_mid = (await engine.deliver(message("not a draft"), ["bob@example.com"])).message_ids["bob@example.com"]
    with pytest.raises(mailcore.InvalidArgument):
        await engine.delete_draft(bob.id, inbox_mid)
    await engine.delete_draft(bob.id, second.message_id)
    assert await engine.fetch(bob.id, "Drafts") == []


async def test_contacts_rank_by_frequency(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    for _ in range(3):
        await engine.deliver(message("hi", sender="Alice Liddell <alice@ext.org>"), ["bob@example.com"])
    await engine.deliver(message("hi", sender="Alan <alan@ext.org>"), ["bob@example.com"])
    await engine.submit(bob.id, message("to al", sender="bob@example.com", to="al@remote.org"),
                        mail_from="bob@example.com", recipients=["al@remote.org"])
    found = await engine.contacts(bob.id, "al")
    assert [c.address for c in found] == ["alice@ext.org", "al@remote.org", "alan@ext.org"]
    assert [c.address for c in await engine.contacts(bob.id, "liddell")] == ["alice@ext.org"]
    assert await engine.contacts(bob.id, "zzz") == []


async def test_insights(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    await engine.deliver(message("in", sender="Alice <alice@ext.org>"), ["bob@example.com"])
    await engine.submit(bob.id, message("out", sender="bob@example.com", to="z@remote.org"),
                        mail_from="bob@example.com", recipients=["z@remote.org"])
    figures = await engine.insights(bob.id)
    [day] = figures["per_day"]  # type: ignore[misc]
    assert (day["received"], day["sent"]) == (1, 1)
    assert figures["total_messages"] == 2
    assert {c["address"] for c in figures["top_correspondents"]} == {"alice@ext.org", "z@remote.org"}  # type: ignore[attr-defined]


async def test_failed_logins_are_throttled(
    engine: mailcore.Engine, bob: mailcore.Account, autojump_clock: trio.testing.MockClock
) -> None:
    async def attempt(remote: str) -> float:
        t = trio.current_time()
        with pytest.raises(mailcore.AuthenticationFailed):
            await engine.authenticate("bob@example.com", "wrong", remote=remote)
        return trio.current_time() - t

    free = [await attempt("10.0.0.1") for _ in range(3)]
    delays = [await attempt("10.0.0.2") for _ in range(5)]
    # past the free failures, delays grow (1, 2, 4, 8, 16 s), and the account's
    # count grows across client addresses; background timers blur small figures
    assert delays[-1] >= 16 > max(free)
    for _ in range(40):
        try:
            await engine.authenticate("bob@example.com", "wrong", remote="10.0.0.3")
        except mailcore.TooManyAttempts:
            break
        except mailcore.AuthenticationFailed:
            continue
    with pytest.raises(mailcore.TooManyAttempts):
        await engine.authenticate("bob@example.com", "bob-password", remote="10.0.0.3")
