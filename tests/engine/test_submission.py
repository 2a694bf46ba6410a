"""Sending: submission, the outbound queue, scheduled and undoable sends, drafts,
contacts, insights and login throttling."""

from __future__ import annotations

import time

import pytest
import trio

import mailcore
from mailcore.testing import engine_internals
from tests.mail import message
from tests.waiting import wait_until


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
    assert await engine_internals(engine).stores.blobs.get(queued.blob_ref) == raw
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

    async def gone_out() -> bool:
        return not await engine.scheduled(bob.id)

    await wait_until(gone_out, poll=0.05)
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


async def test_failed_logins_are_throttled(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    async def attempt(remote: str) -> float:
        t = trio.current_time()
        with pytest.raises(mailcore.AuthenticationFailed):
            await engine.authenticate("bob@example.com", "wrong", remote=remote)
        return trio.current_time() - t

    free = [await attempt("10.0.0.1") for _ in range(3)]
    assert max(free) < 1  # the first failures cost nothing extra
    # then the delays grow, counted per account across client addresses
    fourth, fifth = await attempt("10.0.0.2"), await attempt("10.0.0.3")
    assert 1 <= fourth < fifth and fifth >= 2
    # an unrelated account from an unrelated address is not slowed
    await engine.create_account("dan@example.com", "dan-password")
    t = trio.current_time()
    await engine.authenticate("dan@example.com", "dan-password", remote="10.9.9.9")
    assert trio.current_time() - t < 1


async def test_many_failures_block_even_the_right_password(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    internals = engine_internals(engine)
    for _ in range(internals.accounts.LOGIN_BLOCK_FAILURES):
        await internals.stores.cache.incr("authfail:ip:10.0.0.7", internals.accounts.LOGIN_WINDOW)
    with pytest.raises(mailcore.TooManyAttempts) as info:
        await engine.authenticate("bob@example.com", "bob-password", remote="10.0.0.7")
    assert info.value.retry_after > 0
    # the same account from elsewhere still works
    assert (await engine.authenticate("bob@example.com", "bob-password", remote="10.0.0.8")).id == bob.id


async def test_queued_mail_keeps_its_bytes_when_the_sent_copy_is_deleted(
    engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    raw = message("keep my bytes", sender="bob@example.com", to="x@remote.org")
    result = await engine.submit(bob.id, raw, mail_from="bob@example.com", recipients=["x@remote.org"])
    assert result.sent_message_id is not None
    await engine.delete_messages(bob.id, [result.sent_message_id])
    assert await engine.collect_blobs(grace=0) == 0
    [queued] = await engine.outbound(bob.id)
    assert await engine_internals(engine).stores.blobs.get(queued.blob_ref) == raw


async def test_identical_bytes_delivered_again_survive_collection(
    engine: mailcore.Engine, bob: mailcore.Account, carol: mailcore.Account
) -> None:
    raw = message("same bytes")
    first = await engine.deliver(raw, ["bob@example.com"])
    await engine.delete_messages(bob.id, [first.message_ids["bob@example.com"]])
    again = await engine.deliver(raw, ["carol@example.com"])
    assert await engine.collect_blobs(grace=0) == 0
    assert await engine.message_bytes(carol.id, again.message_ids["carol@example.com"]) == raw


async def test_every_spelling_of_an_address_shares_one_count(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    for spelling in ["bob@example.com", "BOB@example.com.", "<bob@example.com>", " bob@Example.Com "]:
        with pytest.raises(mailcore.AuthenticationFailed):
            await engine.authenticate(spelling, "wrong", remote=None)
    assert int(await engine_internals(engine).stores.cache.get("authfail:user:bob@example.com") or 0) == 4


@pytest.mark.parametrize("spread", [True, False], ids=["from-many-addresses", "from-one-address"])
async def test_parallel_guesses_cannot_pass_the_limit(
    engine: mailcore.Engine, bob: mailcore.Account, monkeypatch: pytest.MonkeyPatch, spread: bool
) -> None:
    accounts = engine_internals(engine).accounts
    # the account's limit holds guesses from many addresses, the address's limit those from one
    monkeypatch.setattr(accounts, "LOGIN_ACCOUNT_BLOCK_FAILURES" if spread else "LOGIN_BLOCK_FAILURES", 5)
    monkeypatch.setattr(accounts, "LOGIN_FREE_FAILURES", 100)  # no delays: only the limit is under test
    checked = 0
    original = accounts._check_password

    async def counting(address: str, password: str) -> mailcore.Account:
        nonlocal checked
        checked += 1
        return await original(address, password)

    monkeypatch.setattr(accounts, "_check_password", counting)

    async def guess(i: int) -> None:
        with pytest.raises(mailcore.AuthenticationFailed):
            await engine.authenticate("bob@example.com", f"guess{i}", remote=f"10.1.{i}.1" if spread else "10.1.0.1")

    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            for i in range(40):
                nursery.start_soon(guess, i)
    assert checked == 5  # every other guess was refused before its password was looked at


async def test_one_address_failing_cannot_lock_the_owner_out(
    engine: mailcore.Engine, bob: mailcore.Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = engine_internals(engine).accounts
    monkeypatch.setattr(accounts, "LOGIN_FREE_FAILURES", 100)  # no delays: only the limits are under test
    for i in range(accounts.LOGIN_BLOCK_FAILURES):
        with pytest.raises(mailcore.AuthenticationFailed):
            await engine.authenticate("bob@example.com", f"guess{i}", remote="10.2.0.1")
    with pytest.raises(mailcore.TooManyAttempts):
        await engine.authenticate("bob@example.com", "bob-password", remote="10.2.0.1")
    assert (await engine.authenticate("bob@example.com", "bob-password", remote="10.3.0.1")).id == bob.id


async def test_ipv6_clients_are_counted_by_their_64(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    with pytest.raises(mailcore.AuthenticationFailed):
        await engine.authenticate("nobody@example.com", "x", remote="2001:db8:1:2::17")
    with pytest.raises(mailcore.AuthenticationFailed):
        await engine.authenticate("nobody2@example.com", "x", remote="2001:db8:1:2:ffff::1")
    assert int(await engine_internals(engine).stores.cache.get("authfail:ip:2001:db8:1:2::/64") or 0) == 2


async def test_a_clients_own_sent_copy_is_not_stored_twice(
    engine: mailcore.Engine, bob: mailcore.Account, carol: mailcore.Account
) -> None:
    raw = message("once in Sent", sender="bob@example.com", to="carol@example.com", message_id="once@example.com")
    result = await engine.submit(bob.id, raw, mail_from="bob@example.com", recipients=["carol@example.com"])
    # Thunderbird then APPENDs the message it sent to Sent over IMAP
    appended = await engine.append(bob.id, "Sent", raw, flags=["\\Seen"])
    assert appended.message_id == result.sent_message_id
    assert (await engine.label(bob.id, "Sent")).messages == 1
    # other labels still take every APPEND
    await engine.append(bob.id, "Drafts", raw)
    assert (await engine.label(bob.id, "Drafts")).messages == 1
