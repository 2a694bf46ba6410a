"""The engine's public API, as a library user drives it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import trio

import mailcore
from mailcore import ChangeKind, LabelRole
from mailcore.testing import engine_internals
from tests.conftest import make_config
from tests.mail import message


async def test_accounts_authenticate_and_passwords(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    assert (await engine.authenticate("bob@example.com", "bob-password")).id == bob.id
    assert (await engine.authenticate("BOB@Example.COM", "bob-password")).id == bob.id
    with pytest.raises(mailcore.AuthenticationFailed):
        await engine.authenticate("bob@example.com", "wrong")
    with pytest.raises(mailcore.AuthenticationFailed):
        await engine.authenticate("nobody@example.com", "bob-password")
    with pytest.raises(mailcore.AuthenticationFailed):
        await engine.authenticate("not an address", "x")
    await engine.change_password("bob@example.com", "new-password")
    with pytest.raises(mailcore.AuthenticationFailed):
        await engine.authenticate("bob@example.com", "bob-password")
    await engine.authenticate("bob@example.com", "new-password")
    with pytest.raises(mailcore.AlreadyExists):
        await engine.create_account("bob@example.com", "x")
    with pytest.raises(mailcore.DomainNotFound):
        await engine.create_account("eve@elsewhere.org", "x")


async def test_password_hash_is_argon2id(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    stored = await engine_internals(engine).stores.meta.password_hash(bob.id)
    assert stored is not None and stored.startswith("$argon2id$")
    assert "bob-password" not in stored


async def test_aliases_and_plus_addresses_deliver(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    await engine.add_alias("robert@example.com", "bob@example.com")
    assert (await engine.resolve_recipient("Robert@example.com")).id == bob.id  # type: ignore[union-attr]
    assert (await engine.resolve_recipient("bob+lists@example.com")).id == bob.id  # type: ignore[union-attr]
    assert await engine.resolve_recipient("nobody@example.com") is None
    result = await engine.deliver(message("to alias"), ["robert@example.com"])
    assert list(result.message_ids) == ["bob@example.com"]
    with pytest.raises(mailcore.AlreadyExists):
        await engine.create_account("robert@example.com", "x")


async def test_delete_account_removes_everything(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    result = await engine.deliver(message("bye"), ["bob@example.com"])
    await engine.delete_account("bob@example.com")
    with pytest.raises(mailcore.AccountNotFound):
        await engine.get_account("bob@example.com")
    assert await engine_internals(engine).stores.blobs.get(result.blob_ref)  # kept through the grace period
    assert await engine.collect_blobs(grace=0) == 1
    with pytest.raises(mailcore.BlobNotFound):
        await engine_internals(engine).stores.blobs.get(result.blob_ref)


async def test_deliver_to_many_stores_bytes_once(
    engine: mailcore.Engine, bob: mailcore.Account, carol: mailcore.Account
) -> None:
    raw = message("team news", to="bob@example.com, carol@example.com")
    result = await engine.deliver(raw, ["bob@example.com", "carol@example.com", "bob@example.com"])
    assert set(result.message_ids) == {"bob@example.com", "carol@example.com"}
    import sqlite3

    with sqlite3.connect(engine.config.data_dir / "blobs" / "small.db") as db:
        assert db.execute("SELECT count(*) FROM blobs").fetchone()[0] == 1
    for account, address in ((bob, "bob@example.com"), (carol, "carol@example.com")):
        meta = await engine.message(account.id, result.message_ids[address])
        assert meta.blob_ref == result.blob_ref
        assert await engine.message_bytes(account.id, meta.id) == raw


async def test_non_local_recipient_stores_nothing(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    with pytest.raises(mailcore.NotLocalRecipient) as info:
        await engine.deliver(message("x"), ["bob@example.com", "someone@elsewhere.org"])
    assert info.value.address == "someone@elsewhere.org"
    inbox = await engine.label(bob.id, "INBOX")
    assert inbox.messages == 0


async def test_delivery_is_durable_across_reopen(config: mailcore.Config) -> None:
    async with mailcore.open_engine(config) as engine:
        await engine.add_domain("example.com")
        account = await engine.create_account("bob@example.com", "pw")
        result = await engine.deliver(message("keep me"), ["bob@example.com"])
    async with mailcore.open_engine(config) as engine:
        metas = await engine.fetch(account.id, "INBOX")
        assert [m.id for m in metas] == [result.message_ids["bob@example.com"]]
        assert metas[0].subject == "keep me"
        assert (await engine.search(account.id, "keep")).messages[0].id == metas[0].id


async def test_system_labels_with_special_use(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    labels = {lb.name: lb for lb in await engine.labels(bob.id)}
    assert set(labels) == {"INBOX", "Sent", "Drafts", "Trash", "Spam", "Starred", "Important", "All Mail"}
    assert labels["Sent"].special_use == "\\Sent"
    assert labels["Spam"].special_use == "\\Junk"
    assert labels["All Mail"].special_use == "\\All"
    assert labels["Starred"].special_use == "\\Flagged"
    assert labels["INBOX"].special_use is None
    assert len({lb.uidvalidity for lb in labels.values()}) == len(labels)
    assert all(lb.uidnext == 1 for lb in labels.values())


async def test_user_labels_hierarchy_rename_delete(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    work = await engine.create_label(bob.id, "Work", color="#ff0000")
    clients = await engine.create_label(bob.id, "Work/Clients")
    with pytest.raises(mailcore.AlreadyExists):
        await engine.create_label(bob.id, "work")
    with pytest.raises(mailcore.InvalidName):
        await engine.create_label(bob.id, "a//b")
    result = await engine.deliver(message("client mail"), ["bob@example.com"])
    mid = result.message_ids["bob@example.com"]
    await engine.modify_labels(bob.id, [mid], add=["Work/Clients"])
    renamed = await engine.rename_label(bob.id, "Work", "Job")
    assert renamed.name == "Job" and renamed.color == "#ff0000"
    child = await engine.label(bob.id, clients.id)
    assert child.name == "Job/Clients"
    assert child.uidvalidity != clients.uidvalidity
    assert child.messages == 1
    with pytest.raises(mailcore.PermissionDenied):
        await engine.rename_label(bob.id, "INBOX", "Other")
    with pytest.raises(mailcore.PermissionDenied):
        await engine.delete_label(bob.id, "Trash")
    await engine.delete_label(bob.id, work.id)
    with pytest.raises(mailcore.LabelNotFound):
        await engine.label(bob.id, "Job/Clients")
    meta = await engine.message(bob.id, mid)
    assert meta.label_ids == {(await engine.label(bob.id, n)).id for n in ("INBOX", "All Mail")}


async def test_append_flags_date_and_uids(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()
    first = await engine.append(bob.id, "Drafts", message("draft"), flags=["\\Seen"], internal_date=when)
    second = await engine.append(bob.id, "Drafts", message("draft 2"))
    drafts = await engine.label(bob.id, "Drafts")
    assert (first.uid, second.uid) == (1, 2)
    assert first.uidvalidity == drafts.uidvalidity
    assert drafts.uidnext == 3 and drafts.messages == 2 and drafts.unseen == 1
    meta = await engine.message(bob.id, first.message_id)
    assert meta.internal_date == when
    assert meta.flags == {"\\Seen", "\\Draft"}
    with pytest.raises(mailcore.InvalidArgument):
        await engine.append(bob.id, "INBOX", message("x"), flags=["\\Bogus"])
    with pytest.raises(mailcore.LabelNotFound):
        await engine.append(bob.id, "Nope", message("x"))


async def test_fetch_sections_and_ranges(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    raw = message("with file", "See attached.", attachment=("report.pdf", b"%PDF-1.4 fake"))
    result = await engine.deliver(raw, ["bob@example.com"])
    mid = result.message_ids["bob@example.com"]
    [meta] = await engine.fetch(bob.id, "INBOX")
    assert meta.uid == 1 and meta.size == len(raw)
    assert meta.bodystructure.startswith(b"((") and b'"MIXED"' in meta.bodystructure
    assert b'"with file"' in meta.envelope
    assert meta.has_attachment and meta.attachments[0].filename == "report.pdf"
    assert await engine.message_bytes(bob.id, mid, (0, 20)) == raw[:20]
    part = await engine.message_section(bob.id, mid, "1")
    assert part is not None and part.startswith(b"See attached.")
    assert await engine.message_section(bob.id, mid, "9") is None


async def test_flags_modseq_and_unchanged_since(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    mid = (await engine.deliver(message("flags"), ["bob@example.com"])).message_ids["bob@example.com"]
    before = await engine.message(bob.id, mid)
    result = await engine.store_flags(bob.id, [mid], add=["\\Seen", "$Important"])
    assert result.modseq > before.modseq
    after = await engine.message(bob.id, mid)
    assert after.flags == {"\\Seen", "$Important"} and after.modseq == result.modseq
    assert (await engine.label(bob.id, "INBOX")).unseen == 0
    stale = await engine.store_flags(bob.id, [mid], remove=["\\Seen"], unchanged_since=before.modseq)
    assert stale.modified == [mid]
    starred = await engine.store_flags(bob.id, [mid], add=["\\Flagged"], unchanged_since=before.modseq)
    assert starred.modified == [mid]
    assert (await engine.label(bob.id, "Starred")).messages == 0  # the failed STORE stars nothing
    assert "\\Seen" in (await engine.message(bob.id, mid)).flags
    with pytest.raises(mailcore.InvalidArgument):
        await engine.store_flags(bob.id, [mid], add=["bad keyword"])


async def test_flagged_and_starred_move_together(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    mid = (await engine.deliver(message("star me"), ["bob@example.com"])).message_ids["bob@example.com"]
    starred = await engine.label(bob.id, "Starred")
    await engine.store_flags(bob.id, [mid], add=["\\Flagged"])
    assert starred.id in (await engine.message(bob.id, mid)).label_ids
    await engine.modify_labels(bob.id, [mid], remove=["Starred"])
    assert "\\Flagged" not in (await engine.message(bob.id, mid)).flags
    await engine.modify_labels(bob.id, [mid], add=["Starred"])
    assert "\\Flagged" in (await engine.message(bob.id, mid)).flags


async def test_trash_spam_and_all_mail_rules(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    mid = (await engine.deliver(message("rules"), ["bob@example.com"])).message_ids["bob@example.com"]
    ids = {lb.role: lb.id for lb in await engine.labels(bob.id)}
    await engine.modify_labels(bob.id, [mid], add=["Trash"])
    assert (await engine.message(bob.id, mid)).label_ids == {ids[LabelRole.TRASH]}
    await engine.move(bob.id, [mid], "Trash", "INBOX")
    assert (await engine.message(bob.id, mid)).label_ids == {ids[LabelRole.INBOX], ids[LabelRole.ALL]}
    with pytest.raises(mailcore.InvalidArgument):
        await engine.modify_labels(bob.id, [mid], remove=["All Mail"])
    # expunged from a label it leaves the label; from All Mail it is deleted
    await engine.expunge(bob.id, "INBOX", [mid])
    assert (await engine.message(bob.id, mid)).label_ids == {ids[LabelRole.ALL]}
    await engine.expunge(bob.id, "All Mail", [mid])
    with pytest.raises(mailcore.MessageNotFound):
        await engine.message(bob.id, mid)


async def test_copy_move_report_new_uids(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    await engine.create_label(bob.id, "Receipts")
    ids = [
        (await engine.deliver(message(f"r{i}"), ["bob@example.com"])).message_ids["bob@example.com"]
        for i in range(3)
    ]
    copied = await engine.copy(bob.id, ids[:2], "Receipts")
    assert sorted(copied.uids.values()) == [1, 2]
    moved = await engine.move(bob.id, ids[2:], "INBOX", "Receipts")
    assert list(moved.uids.values()) == [3]
    assert [m.id for m in await engine.fetch(bob.id, "INBOX")] == ids[:2]
    again = await engine.copy(bob.id, ids[:1], "Receipts")
    assert again.uids == {ids[0]: copied.uids[ids[0]]}


async def test_changes_since_and_vanished(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    ids = [
        (await engine.deliver(message(f"c{i}"), ["bob@example.com"])).message_ids["bob@example.com"]
        for i in range(3)
    ]
    mark = (await engine.label(bob.id, "INBOX")).highest_modseq
    await engine.store_flags(bob.id, [ids[0]], add=["\\Seen"])
    await engine.expunge(bob.id, "INBOX", [ids[1]])
    changes = await engine.changes_since(bob.id, "INBOX", mark)
    assert [m.id for m in changes.changed] == [ids[0]]
    assert changes.vanished == [2]
    assert changes.highest_modseq > mark
    # UIDs are never reused
    ids.append((await engine.deliver(message("c3"), ["bob@example.com"])).message_ids["bob@example.com"])
    assert [m.uid for m in await engine.fetch(bob.id, "INBOX")] == [1, 3, 4]


async def test_threads_from_references_and_subject(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    await engine.deliver(message("Lunch?", message_id="a@x", sender="Alice <alice@ext.org>"), ["bob@example.com"])
    await engine.deliver(
        message("Re: Lunch?", "Yes!", message_id="b@x", in_reply_to="a@x", sender="Dan <dan@ext.org>"),
        ["bob@example.com"],
    )
    await engine.deliver(message("RE: lunch?", "Where?", message_id="c@x"), ["bob@example.com"])
    await engine.deliver(message("Other topic", message_id="d@x", references="<a@x>"), ["bob@example.com"])
    page = await engine.threads(bob.id, "INBOX")
    assert [t.message_count for t in page.threads] == [1, 3]
    lunch = page.threads[1]
    assert lunch.subject == "Lunch?" and lunch.unread_count == 3
    assert [p.address for p in lunch.participants] == ["alice@ext.org", "dan@ext.org"]
    thread = await engine.thread(bob.id, lunch.id)
    assert [m.message_id for m in thread.messages] == ["a@x", "b@x", "c@x"]
    with pytest.raises(mailcore.ThreadNotFound):
        await engine.thread(bob.id, 999_999)


async def test_thread_paging_newest_first(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    for i in range(7):
        await engine.deliver(message(f"topic {i}", message_id=f"t{i}@x"), ["bob@example.com"])
    seen: list[str] = []
    cursor = None
    while True:
        page = await engine.threads(bob.id, "INBOX", cursor=cursor, limit=3)
        assert page.total == 7
        seen.extend(t.subject for t in page.threads)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"topic {i}" for i in reversed(range(7))]
    with pytest.raises(mailcore.InvalidArgument):
        await engine.threads(bob.id, "INBOX", cursor="%%%garbage")


async def test_search_operators(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    await engine.deliver(message("Quarterly report", "numbers inside", sender="Alice <alice@ext.org>",
                                 attachment=("q3.pdf", b"%PDF")), ["bob@example.com"])
    mid2 = (await engine.deliver(message("Lunch", "pizza today", sender="Dan <dan@ext.org>"),
                                 ["bob@example.com"])).message_ids["bob@example.com"]
    await engine.store_flags(bob.id, [mid2], add=["\\Seen"])

    async def subjects(q: str) -> set[str]:
        return {m.subject for m in (await engine.search(bob.id, q)).messages}

    assert await subjects("pizza") == {"Lunch"}
    assert await subjects("from:alice") == {"Quarterly report"}
    assert await subjects("has:attachment") == {"Quarterly report"}
    assert await subjects("filename:q3.pdf") == {"Quarterly report"}
    assert await subjects("is:unread") == {"Quarterly report"}
    assert await subjects("is:read") == {"Lunch"}
    assert await subjects("from:alice OR from:dan") == {"Quarterly report", "Lunch"}
    assert await subjects("-from:alice") == {"Lunch"}
    assert await subjects("in:inbox subject:lunch") == {"Lunch"}
    assert await subjects('"pizza today"') == {"Lunch"}
    assert await subjects('"today pizza"') == set()
    await engine.modify_labels(bob.id, [mid2], add=["Trash"])
    assert await subjects("pizza") == set()
    assert await subjects("in:trash pizza") == {"Lunch"}
    with pytest.raises(mailcore.QuerySyntaxError) as info:
        await engine.search(bob.id, "(from:alice")
    assert info.value.position >= 0


async def test_search_never_crosses_accounts(
    engine: mailcore.Engine, bob: mailcore.Account, carol: mailcore.Account
) -> None:
    await engine.deliver(message("secret plans"), ["carol@example.com"])
    assert (await engine.search(bob.id, "secret")).messages == []
    assert len((await engine.search(carol.id, "secret")).messages) == 1


async def test_ids_of_other_accounts_are_invisible(
    engine: mailcore.Engine, bob: mailcore.Account, carol: mailcore.Account
) -> None:
    mid = (await engine.deliver(message("carol's"), ["carol@example.com"])).message_ids["carol@example.com"]
    carol_inbox = await engine.label(carol.id, "INBOX")
    with pytest.raises(mailcore.MessageNotFound):
        await engine.message(bob.id, mid)
    with pytest.raises(mailcore.MessageNotFound):
        await engine.message_bytes(bob.id, mid)
    with pytest.raises(mailcore.LabelNotFound):
        await engine.fetch(bob.id, carol_inbox.id)
    await engine.store_flags(bob.id, [mid], add=["\\Seen"])
    await engine.delete_messages(bob.id, [mid])
    meta = await engine.message(carol.id, mid)
    assert "\\Seen" not in meta.flags
    with pytest.raises(mailcore.ThreadNotFound):
        await engine.thread(bob.id, meta.thread_id)


async def test_watchers_see_changes_with_modseq(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    async with engine.watch(bob.id) as first, engine.watch(bob.id) as second:
        mid = (await engine.deliver(message("watch"), ["bob@example.com"])).message_ids["bob@example.com"]
        await engine.store_flags(bob.id, [mid], add=["\\Seen"])
        await engine.delete_messages(bob.id, [mid])
        for events in (first, second):
            got = []
            with trio.fail_after(5):
                async for event in events:
                    got.append(event)
                    if len(got) == 3:
                        break
            assert [e.kind for e in got] == [ChangeKind.DELIVERED, ChangeKind.FLAGS, ChangeKind.EXPUNGED]
            assert got[0].modseq < got[1].modseq < got[2].modseq
            assert all(e.message_ids == (mid,) for e in got)


async def test_slow_watcher_gets_resync_and_never_blocks(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    async with engine.watch(bob.id, buffer=4) as slow:
        with trio.fail_after(30):
            for i in range(12):
                await engine.deliver(message(f"m{i}"), ["bob@example.com"])
        with trio.fail_after(5):
            event = await slow.__anext__()
        assert event.kind == ChangeKind.RESYNC


async def test_import_gmail_takeout_mbox(engine: mailcore.Engine, bob: mailcore.Account, tmp_path: Path) -> None:
    mbox = tmp_path / "takeout.mbox"
    mbox.write_bytes(
        b"From 1234@xxx Mon Jan 05 10:00:00 +0000 2026\n"
        b"X-Gmail-Labels: Inbox,Starred,Unread,Work/Clients,Category Updates\n"
        b"From: a@ext.org\nSubject: first\nMessage-ID: <i1@x>\n\nbody one\n>From the start\n\n"
        b"From 1235@xxx Tue Jan 06 10:00:00 +0000 2026\n"
        b'X-Gmail-Labels: Sent,"Odd, Label",Opened\n'
        b"From: bob@example.com\nSubject: second\nMessage-ID: <i2@x>\n\nbody two\n"
    )
    from mailcore._importers import read_mbox

    count = await engine.import_messages(bob.id, read_mbox(mbox))
    assert count == 2
    labels = {lb.name: lb for lb in await engine.labels(bob.id)}
    assert labels["Work/Clients"].messages == 1 and labels["Odd, Label"].messages == 1
    assert "Category Updates" not in labels
    first = (await engine.search(bob.id, "subject:first")).messages[0]
    assert first.flags == {"\\Flagged"}
    assert labels["Starred"].id in first.label_ids and labels["INBOX"].id in first.label_ids
    raw = await engine.message_bytes(bob.id, first.id)
    assert b"\r\nFrom the start\r\n" in raw
    second = (await engine.search(bob.id, "subject:second")).messages[0]
    assert "\\Seen" in second.flags and labels["INBOX"].id not in second.label_ids


async def test_import_maildir(engine: mailcore.Engine, bob: mailcore.Account, tmp_path: Path) -> None:
    root = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp", ".Work.Clients/cur", ".Work.Clients/new", ".Sent/cur"):
        (root / sub).mkdir(parents=True)
    (root / "new" / "1.host").write_bytes(b"Subject: unread one\n\nhello\n")
    (root / "cur" / "2.host:2,FS").write_bytes(b"Subject: flagged seen\n\nhello\n")
    (root / ".Work.Clients" / "cur" / "3.host:2,S").write_bytes(b"Subject: client\n\nhello\n")
    (root / ".Sent" / "cur" / "4.host:2,S").write_bytes(b"Subject: sent one\n\nhello\n")
    from mailcore._importers import read_maildir

    assert await engine.import_messages(bob.id, read_maildir(root)) == 4
    labels = {lb.name: lb for lb in await engine.labels(bob.id)}
    assert labels["INBOX"].messages == 2 and labels["INBOX"].unseen == 1
    assert labels["Work/Clients"].messages == 1
    assert labels["Sent"].messages == 1
    assert labels["Starred"].messages == 1


async def test_malformed_messages_are_stored_as_received(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    for raw in (b"", b"no headers at all", b"Subject: \xff\xfe\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n",
                b"\x00\x01\x02" * 100):
        if not raw:
            continue
        mid = (await engine.deliver(raw, ["bob@example.com"])).message_ids["bob@example.com"]
        meta = await engine.message(bob.id, mid)
        assert await engine.message_bytes(bob.id, mid) == raw
        assert meta.envelope.startswith(b"(") and meta.bodystructure.startswith(b"(")


async def test_idle_mailbox_actor_is_passivated(tmp_path: Path, autojump_clock: trio.testing.MockClock) -> None:
    config = make_config(tmp_path / "d", actor_idle_seconds=60.0)
    async with mailcore.open_engine(config) as engine:
        await engine.add_domain("example.com")
        account = await engine.create_account("bob@example.com", "pw")
        await engine.deliver(message("hi"), ["bob@example.com"])
        assert engine.stats()["active_mailboxes"] == 1
        await trio.sleep(30)
        assert engine.stats()["active_mailboxes"] == 1
        await trio.sleep(120)
        assert engine.stats()["active_mailboxes"] == 0
        # used again, it comes back
        await engine.deliver(message("again"), ["bob@example.com"])
        assert engine.stats()["active_mailboxes"] == 1
        assert (await engine.label(account.id, "INBOX")).messages == 2


async def test_fetch_is_complete_when_the_metadata_cache_overflows(
    engine: mailcore.Engine, bob: mailcore.Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailcore._actors.mailbox import MailboxActor

    monkeypatch.setattr(MailboxActor, "CACHE_LIMIT", 5)
    for i in range(7):
        await engine.deliver(message(f"m{i}"), ["bob@example.com"])
    assert len(await engine.fetch(bob.id, "INBOX")) == 7
    await engine.deliver(message("one more"), ["bob@example.com"])
    assert len(await engine.fetch(bob.id, "INBOX")) == 8


async def test_two_engines_on_one_data_dir_see_each_others_changes(config: mailcore.Config) -> None:
    async with mailcore.open_engine(config) as first, mailcore.open_engine(config) as second:
        await first.add_domain("example.com")
        bob = await first.create_account("bob@example.com", "pw")
        assert (await second.label(bob.id, "INBOX")).messages == 0
        await first.deliver(message("from the SMTP side"), ["bob@example.com"])
        await first.create_label(bob.id, "Work")
        inbox = await second.label(bob.id, "INBOX")
        assert (inbox.messages, inbox.uidnext) == (1, 2)
        assert (await second.label(bob.id, "Work")).name == "Work"
        [meta] = await second.fetch(bob.id, "INBOX")
        await first.store_flags(bob.id, [meta.id], add=["\\Seen"])
        [again] = await second.fetch(bob.id, "INBOX")
        assert "\\Seen" in again.flags


async def test_import_tolerates_labels_other_systems_allow(
    engine: mailcore.Engine, bob: mailcore.Account, tmp_path: Path
) -> None:
    mbox = tmp_path / "odd.mbox"
    mbox.write_bytes(
        b"From x Mon Jan 05 10:00:00 2026\nX-Gmail-Labels: Inbox,Work*,Receipts%,Trips/\n"
        b"Subject: odd labels\n\nbody\n"
    )
    from mailcore._importers import read_mbox

    assert await engine.import_messages(bob.id, read_mbox(mbox)) == 1
    names = {lb.name for lb in await engine.labels(bob.id)}
    assert {"Work_", "Receipts_", "Trips"} <= names


async def test_one_indexer_per_data_dir_and_search_waits_for_it(config: mailcore.Config) -> None:
    async with mailcore.open_engine(config) as first, mailcore.open_engine(config) as second:
        assert engine_internals(first).indexer.leader != engine_internals(second).indexer.leader
        await first.add_domain("example.com")
        bob = await first.create_account("bob@example.com", "pw")
        for engine in (first, second):
            await engine.deliver(message(f"indexed for {id(engine)}", "zebra crossing"), ["bob@example.com"])
            assert len((await second.search(bob.id, "zebra")).messages) == len((await first.search(bob.id, "zebra")).messages)
        assert len((await second.search(bob.id, "zebra")).messages) == 2


async def test_a_message_whose_bytes_cannot_be_read_is_indexed_from_its_metadata(
    engine: mailcore.Engine, bob: mailcore.Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def lost(ref: str, byte_range: tuple[int, int] | None = None) -> bytes:
        raise mailcore.BlobNotFound(ref)

    indexer = engine_internals(engine).indexer
    monkeypatch.setattr(indexer, "hand_over", lambda doc: None)  # force a rebuild from the store
    monkeypatch.setattr(indexer.blobs, "get", lost)
    await engine.deliver(message("Quarterly figures", sender="Alice <alice@ext.org>"), ["bob@example.com"])
    assert [m.subject for m in (await engine.search(bob.id, "quarterly from:alice")).messages] == ["Quarterly figures"]
    await engine.deliver(message("Still indexing"), ["bob@example.com"])  # the indexer is alive
    assert len((await engine.search(bob.id, "still")).messages) == 1
