"""The promises every :class:`~mailcore.store.meta.MetaStore` keeps, as checks.

Run them all with ``await check_meta_store(factory)``, or one at a time by
parametrizing a test over :data:`META_STORE_CHECKS`. ``factory`` is a
zero-argument callable returning an async context manager that opens the
store and closes it on exit. Every call opens the *same* storage: calling it
again after a close is a reopen (durability), and two stores open at once are
two engine nodes sharing one database.

The checks use only the protocol, never adapter internals. Each creates its
own domains and accounts under fresh random names, so they can share one
storage location in any order and assume nothing about what others left.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager

import attrs
import trio

from mailcore.errors import (
    AccountNotFound,
    AlreadyExists,
    DomainNotFound,
    InvalidName,
    LabelNotFound,
    PermissionDenied,
)
from mailcore.message import normalize_subject
from mailcore.model import (
    SYSTEM_LABELS,
    Account,
    AttachmentInfo,
    EmailAddress,
    Label,
    LabelRole,
    MessageMeta,
    ThreadSummary,
)
from mailcore.store.meta import (
    AddMessage,
    ChangeLabels,
    CreateLabel,
    DeleteLabel,
    DeleteMessages,
    MessageRecord,
    MetaStore,
    Mutation,
    Outcome,
    RenameLabel,
    SetFlags,
    UpdateLabel,
)

MetaStoreFactory = Callable[[], AbstractAsyncContextManager[MetaStore]]
MetaCheck = Callable[[MetaStoreFactory], Awaitable[None]]

# Generous: a slow CI disk must not fail a correctness check.
_DEADLINE = 60.0

#: 2023-11-14, a plausible INTERNALDATE; checks add seconds to order messages.
EPOCH = 1_700_000_000.0

ALICE = EmailAddress("Alice Example", "alice@example.org")
BOB = EmailAddress("Bob Example", "bob@example.net")
CAROL = EmailAddress(None, "carol@example.com")

SEEN = "\\Seen"
FLAGGED = "\\Flagged"


# ------------------------------------------------------------ test data


def new_blob_ref() -> str:
    """A fresh 64-hex blob reference, shared with no other message."""
    return secrets.token_hex(32)


def new_message_id() -> str:
    """A fresh Message-ID, without angle brackets as the parser stores it."""
    return f"{secrets.token_hex(8)}@mail.example.org"


def _quoted(text: str | None) -> bytes:
    if text is None:
        return b"NIL"
    return b'"' + text.replace("\\", "\\\\").replace('"', '\\"').encode() + b'"'


def _address_list(addrs: Sequence[EmailAddress]) -> bytes:
    if not addrs:
        return b"NIL"
    parts = []
    for a in addrs:
        local, _, domain = a.address.partition("@")
        parts.append(
            b"(" + b" ".join([_quoted(a.name), b"NIL", _quoted(local), _quoted(domain)]) + b")"
        )
    return b"(" + b"".join(parts) + b")"


def message_record(
    label_ids: Iterable[int] = (),
    *,
    subject: str = "Lunch on Friday?",
    sender: EmailAddress = ALICE,
    to: Sequence[EmailAddress] = (BOB,),
    message_id: str | None = None,
    in_reply_to: Sequence[str] = (),
    references: Sequence[str] = (),
    flags: Iterable[str] = (),
    internal_date: float = EPOCH,
    blob_ref: str | None = None,
    text: str = "Are you free for lunch on Friday? The new place on the corner looks good.",
    attachment: str | None = None,
) -> MessageRecord:
    """A realistic :class:`MessageRecord` as delivery would precompute it.

    ``message_id`` and ``blob_ref`` are fresh unless given. With
    ``attachment`` (a file name) the message is multipart with one PDF part.
    The envelope and body structure are well-formed IMAP wire forms.
    """
    message_id = message_id if message_id is not None else new_message_id()
    size = 600 + len(text.encode())
    text_part = b'("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" %d 3)' % len(text.encode())
    attachments: tuple[AttachmentInfo, ...] = ()
    if attachment is None:
        body = text_part
    else:
        pdf = b'("APPLICATION" "PDF" ("NAME" %s) NIL NIL "BASE64" 2048)' % _quoted(attachment)
        body = b"(" + text_part + pdf + b' "MIXED")'
        attachments = (
            AttachmentInfo("2", attachment, "application/pdf", 1500, None, "attachment"),
        )
        size += 2048
    envelope = (
        b"("
        + b" ".join(
            [
                _quoted("Tue, 14 Nov 2023 22:13:20 +0000"),
                _quoted(subject),
                _address_list([sender]),
                _address_list([sender]),
                _address_list([sender]),
                _address_list(to),
                b"NIL",
                b"NIL",
                _quoted(f"<{in_reply_to[-1]}>") if in_reply_to else b"NIL",
                _quoted(f"<{message_id}>"),
            ]
        )
        + b")"
    )
    thread_subject = normalize_subject(subject)
    return MessageRecord(
        blob_ref=blob_ref if blob_ref is not None else new_blob_ref(),
        size=size,
        internal_date=internal_date,
        flags=frozenset(flags),
        label_ids=frozenset(label_ids),
        message_id=message_id,
        in_reply_to=tuple(in_reply_to),
        references=tuple(references),
        subject=subject,
        thread_subject=thread_subject,
        date=internal_date - 5.0,
        from_=(sender,),
        to=tuple(to),
        cc=(),
        bcc=(),
        snippet=text[:100],
        has_attachment=attachment is not None,
        attachments=attachments,
        envelope=envelope,
        bodystructure=body,
        body=body,
        reply_like=thread_subject != subject.strip().casefold(),
    )


# -------------------------------------------------------------- helpers


@contextmanager
def _raises(*expected: type[BaseException]) -> Iterator[None]:
    try:
        yield
    except expected:
        return
    raise AssertionError(f"expected {' or '.join(e.__name__ for e in expected)}")


async def _new_domain(store: MetaStore) -> str:
    domain = f"d{secrets.token_hex(5)}.example"
    await store.add_domain(domain)
    return domain


async def _new_account(store: MetaStore, domain: str | None = None, local: str = "user") -> Account:
    domain = domain or await _new_domain(store)
    return await store.create_account(
        f"{local}@{domain}", "hash:" + local, local.title(), SYSTEM_LABELS
    )


async def _label(store: MetaStore, account_id: int, name: str) -> Label:
    for label in await store.labels(account_id):
        if label.name == name:
            return label
    raise AssertionError(f"no label named {name!r} in {await store.labels(account_id)}")


async def _add(store: MetaStore, account_id: int, record: MessageRecord) -> Outcome:
    [outcome] = await store.apply(account_id, [AddMessage(record)])
    assert len(outcome.message_ids) == 1 and len(outcome.thread_ids) == 1, outcome
    return outcome


async def _add_to(
    store: MetaStore, account_id: int, label_id: int, n: int = 1, flags: Iterable[str] = ()
) -> list[int]:
    """Add ``n`` messages to a label, each a second later; return their ids."""
    ids = []
    for i in range(n):
        record = message_record([label_id], internal_date=EPOCH + i, flags=flags)
        ids.append((await _add(store, account_id, record)).message_ids[0])
    return ids


async def _create_label(store: MetaStore, account_id: int, name: str) -> Label:
    [outcome] = await store.apply(account_id, [CreateLabel(name)])
    assert outcome.label is not None
    return outcome.label


async def _one(store: MetaStore, account_id: int, message_id: int) -> MessageMeta:
    [meta] = await store.fetch_messages(account_id, [message_id])
    return meta


async def _summary(store: MetaStore, account_id: int, thread_id: int) -> ThreadSummary:
    thread = await store.thread(account_id, thread_id)
    assert thread is not None
    return thread.summary


async def _all_threads(
    store: MetaStore, account_id: int, label_id: int | None, limit: int
) -> list[ThreadSummary]:
    out: list[ThreadSummary] = []
    cursor: str | None = None
    while True:
        page = await store.threads(account_id, label_id, cursor, limit)
        assert len(page.threads) <= limit
        out.extend(page.threads)
        if page.next_cursor is None:
            return out
        assert page.threads, "a page with a next cursor must not be empty"
        cursor = page.next_cursor


async def _assert_labels_consistent(store: MetaStore, account_id: int) -> None:
    """Every label's counters, UIDs and HIGHESTMODSEQ agree with its contents."""
    account_modseq = await store.highest_modseq(account_id)
    for label in await store.labels(account_id):
        members = await store.fetch_label(account_id, label.id)
        assert label.messages == len(members), label
        assert label.unseen == sum(1 for m in members if not m.seen), label
        assert label.size == sum(m.size for m in members), label
        uids = [m.uid or 0 for m in members]
        assert all(uid > 0 for uid in uids)
        assert uids == sorted(set(uids)), uids
        assert [u for u, _ in await store.label_uids(account_id, label.id)] == uids
        if members:
            assert label.uidnext > uids[-1], label
        assert all(label.id in m.label_ids for m in members)
        assert all(m.modseq <= label.highest_modseq for m in members), (
            label,
            [m.modseq for m in members],
        )
        assert label.highest_modseq <= account_modseq, label
        changes = await store.changes_since(account_id, label.id, label.highest_modseq)
        assert changes.changed == [] and changes.vanished == [], (label, changes)


# --------------------------------------------------- domains and accounts


async def check_is_a_meta_store(factory: MetaStoreFactory) -> None:
    """The store satisfies the runtime-checkable protocol."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            assert isinstance(store, MetaStore)


async def check_domains(factory: MetaStoreFactory) -> None:
    """Domains are added once, listed, and removed only when empty."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            domain = await _new_domain(store)
            assert domain in await store.list_domains()
            with _raises(AlreadyExists):
                await store.add_domain(domain)
            account = await _new_account(store, domain)
            with _raises(PermissionDenied):
                await store.remove_domain(domain)
            await store.delete_account(account.id)
            await store.remove_domain(domain)
            assert domain not in await store.list_domains()
            with _raises(DomainNotFound):
                await store.remove_domain(domain)
            with _raises(DomainNotFound):
                await store.create_account(f"someone@{domain}", "h", None, SYSTEM_LABELS)


async def check_accounts(factory: MetaStoreFactory) -> None:
    """Accounts are created once per address, found by address and id, listed and deleted."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            domain = await _new_domain(store)
            alice = await store.create_account(f"alice@{domain}", "hash-a", "Alice", SYSTEM_LABELS)
            bob = await store.create_account(f"bob@{domain}", "hash-b", None, SYSTEM_LABELS)
            assert alice.id != bob.id
            assert (alice.address, alice.display_name, alice.settings) == (
                f"alice@{domain}",
                "Alice",
                {},
            )
            assert await store.get_account(alice.address) == alice
            assert await store.get_account_by_id(bob.id) == bob
            assert await store.get_account(f"nobody@{domain}") is None
            listed = {a.id: a for a in await store.list_accounts()}
            assert listed[alice.id] == alice and listed[bob.id] == bob
            with _raises(AlreadyExists):
                await store.create_account(alice.address, "other", "Impostor", SYSTEM_LABELS)
            assert await store.password_hash(alice.id) == "hash-a"
            with _raises(DomainNotFound):
                await store.create_account(
                    f"alice@nowhere-{secrets.token_hex(4)}.example", "h", None, SYSTEM_LABELS
                )

            inbox = await _label(store, bob.id, "INBOX")
            await _add_to(store, bob.id, inbox.id, 2)
            await store.delete_account(bob.id)
            assert await store.get_account(bob.address) is None
            assert await store.get_account_by_id(bob.id) is None
            assert bob.id not in {a.id for a in await store.list_accounts()}
            assert await store.labels(bob.id) == []
            assert await store.resolve_address(bob.address) is None
            with _raises(AccountNotFound):
                await store.delete_account(bob.id)
            # the address is free again
            again = await store.create_account(bob.address, "hash-b2", None, SYSTEM_LABELS)
            assert again.id != bob.id
            assert (await _label(store, again.id, "INBOX")).messages == 0


async def check_account_system_labels(factory: MetaStoreFactory) -> None:
    """A new account has exactly the labels passed in: empty, uidnext 1, distinct UIDVALIDITYs."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            domain = await _new_domain(store)
            one = await _new_account(store, domain, "one")
            two = await _new_account(store, domain, "two")
            validities: list[int] = []
            for account in (one, two):
                labels = await store.labels(account.id)
                assert sorted((lb.name, lb.role) for lb in labels) == sorted(SYSTEM_LABELS)
                for label in labels:
                    assert label.account_id == account.id
                    assert (label.uidnext, label.messages, label.unseen, label.size) == (
                        1,
                        0,
                        0,
                        0,
                    ), label
                    assert label.is_system
                    assert 0 < label.uidvalidity < 2**32
                    validities.append(label.uidvalidity)
                assert await store.highest_modseq(account.id) >= 0
            assert len(set(validities)) == len(validities), validities
            partial = await store.create_account(
                f"partial@{domain}",
                "h",
                None,
                [("INBOX", LabelRole.INBOX), ("Trash", LabelRole.TRASH)],
            )
            assert sorted(lb.name for lb in await store.labels(partial.id)) == ["INBOX", "Trash"]


async def check_aliases(factory: MetaStoreFactory) -> None:
    """Aliases resolve to their account; account and alias addresses never collide."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            domain = await _new_domain(store)
            alice = await _new_account(store, domain, "alice")
            bob = await _new_account(store, domain, "bob")
            alias = f"sales@{domain}"
            await store.add_alias(alias, alice.id)
            await store.add_alias(f"info@{domain}", alice.id)
            assert await store.resolve_address(alias) == alice.id
            assert await store.resolve_address(alice.address) == alice.id
            assert await store.resolve_address(bob.address) == bob.id
            assert await store.resolve_address(f"nobody@{domain}") is None
            assert await store.list_aliases(alice.id) == [
                (f"info@{domain}", alice.id),
                (alias, alice.id),
            ]
            assert await store.list_aliases(bob.id) == []
            assert (alias, alice.id) in await store.list_aliases()
            with _raises(AlreadyExists):
                await store.add_alias(alias, bob.id)
            with _raises(AlreadyExists):
                await store.add_alias(bob.address, alice.id)
            with _raises(AlreadyExists):
                await store.create_account(alias, "h", None, SYSTEM_LABELS)
            with _raises(DomainNotFound):
                await store.add_alias(f"x@nowhere-{secrets.token_hex(4)}.example", alice.id)
            await store.remove_alias(alias)
            assert await store.resolve_address(alias) is None
            assert await store.list_aliases(alice.id) == [(f"info@{domain}", alice.id)]
            await store.delete_account(alice.id)
            assert await store.resolve_address(f"info@{domain}") is None


async def check_password_and_settings(factory: MetaStoreFactory) -> None:
    """Password hashes and account settings round-trip, also across a reopen."""
    settings: dict[str, object] = {
        "signature": "-- \nAlice",
        "vacation": {"enabled": True, "subject": "Away", "until": 1_700_000_000},
        "filters": [{"from": "boss@example.org", "label": "Work"}],
        "page_size": 50,
        "ratio": 0.5,
        "nothing": None,
    }
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            await store.set_password_hash(account.id, "$argon2id$new")
            assert await store.password_hash(account.id) == "$argon2id$new"
            updated = await store.update_account(account.id, "Alice A.", settings)
            assert (updated.id, updated.address, updated.display_name) == (
                account.id,
                account.address,
                "Alice A.",
            )
            assert updated.settings == settings
            assert await store.password_hash(account.id + 10**9) is None
            with _raises(AccountNotFound):
                await store.update_account(account.id + 10**9, None, {})
        async with factory() as store:
            assert await store.password_hash(account.id) == "$argon2id$new"
            again = await store.get_account_by_id(account.id)
            assert again is not None
            assert again.display_name == "Alice A." and again.settings == settings
            cleared = await store.update_account(account.id, None, {})
            assert cleared.display_name is None and cleared.settings == {}


# -------------------------------------------------------------- messages


async def check_message_round_trip(factory: MetaStoreFactory) -> None:
    """Everything delivery precomputed reads back unchanged, by id and by label."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            inbox = await _label(store, account.id, "INBOX")
            work = await _create_label(store, account.id, "Work")
            parent = new_message_id()
            record = attrs.evolve(
                message_record(
                    [inbox.id, work.id],
                    subject="Re: Contract — signed “final” version",
                    sender=EmailAddress("Zoë Ångström", "zoe@example.org"),
                    to=(BOB, CAROL),
                    in_reply_to=[parent],
                    references=[new_message_id(), parent],
                    flags=[SEEN, FLAGGED, "$Forwarded"],
                    internal_date=EPOCH + 0.25,
                    attachment="contract.pdf",
                ),
                cc=(EmailAddress(None, "cc@example.com"),),
                bcc=(EmailAddress("Hidden", "bcc@example.com"),),
                date=None,
            )
            outcome = await _add(store, account.id, record)
            message_id = outcome.message_ids[0]
            assert outcome.label_ids == tuple(sorted(record.label_ids))
            assert outcome.uids.keys() == {(message_id, inbox.id), (message_id, work.id)}
            meta = await _one(store, account.id, message_id)
            for field in attrs.fields(MessageRecord):
                if field.name not in ("thread_subject", "reply_like"):
                    expected = getattr(record, field.name)
                    assert getattr(meta, field.name) == expected, (field.name, expected)
            assert (meta.id, meta.account_id, meta.thread_id) == (
                message_id,
                account.id,
                outcome.thread_ids[0],
            )
            assert meta.modseq == outcome.modseq and meta.uid is None and meta.seen
            for label_id in (inbox.id, work.id):
                [in_label] = await store.fetch_label(account.id, label_id)
                assert in_label == attrs.evolve(meta, uid=outcome.uids[(message_id, label_id)])
            assert await store.fetch_messages(account.id, [message_id, 10**9, message_id]) in (
                [meta],
                [meta, meta],
            )


# ------------------------------------------------------------ durability


async def check_durable_across_reopen(factory: MetaStoreFactory) -> None:
    """Accounts, labels, messages, flags, UIDs and MODSEQs survive a close and a reopen."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            inbox = await _label(store, account.id, "INBOX")
            work = await _create_label(store, account.id, "Work")
            root = message_record([inbox.id], subject="Budget", flags=[SEEN])
            first = await _add(store, account.id, root)
            reply = message_record(
                [inbox.id, work.id],
                subject="Re: Budget",
                sender=BOB,
                in_reply_to=[str(root.message_id)],
                references=[str(root.message_id)],
                internal_date=EPOCH + 60,
                attachment="budget.pdf",
            )
            second = await _add(store, account.id, reply)
            ids = (first.message_ids[0], second.message_ids[0])
            await store.add_alias(f"budget@{account.address.partition('@')[2]}", account.id)
            await store.apply(
                account.id,
                [
                    SetFlags(ids[1:], add=frozenset({FLAGGED, "$Important"})),
                    ChangeLabels(ids[:1], add=frozenset({work.id})),
                    UpdateLabel(work.id, color="#ff0000"),
                ],
            )
            before = (
                await store.labels(account.id),
                await store.fetch_messages(account.id, ids),
                await store.highest_modseq(account.id),
                await store.label_uids(account.id, work.id),
                await store.threads(account.id, None, None, 10),
                await store.thread(account.id, first.thread_ids[0]),
                await store.get_account(account.address),
                await store.list_aliases(account.id),
            )
        async with factory() as store:
            after = (
                await store.labels(account.id),
                await store.fetch_messages(account.id, ids),
                await store.highest_modseq(account.id),
                await store.label_uids(account.id, work.id),
                await store.threads(account.id, None, None, 10),
                await store.thread(account.id, first.thread_ids[0]),
                await store.get_account(account.address),
                await store.list_aliases(account.id),
            )
            assert after == before
            # counters carry on where they stopped
            modseq = await store.highest_modseq(account.id)
            new = await _add(store, account.id, message_record([work.id]))
            assert new.modseq > modseq
            [work_before] = [lb for lb in before[0] if lb.id == work.id]
            assert new.uids == {(new.message_ids[0], work.id): work_before.uidnext}, new.uids
            await _assert_labels_consistent(store, account.id)


# ------------------------------------------------------------- isolation


async def check_isolation_reads(factory: MetaStoreFactory) -> None:
    """No read lets account B see account A's messages, labels or threads."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            domain = await _new_domain(store)
            a = await _new_account(store, domain, "alice")
            b = await _new_account(store, domain, "bob")
            a_inbox = await _label(store, a.id, "INBOX")
            a_work = await _create_label(store, a.id, "Work")
            outcome = await _add(
                store, a.id, message_record([a_inbox.id, a_work.id], subject="Secret")
            )
            a_msg, a_thread = outcome.message_ids[0], outcome.thread_ids[0]
            await _add_to(store, b.id, (await _label(store, b.id, "INBOX")).id)

            assert await store.fetch_messages(b.id, [a_msg]) == []
            assert await store.thread(b.id, a_thread) is None
            assert await store.thread_summaries(b.id, [a_thread]) == []
            for label_id in (a_inbox.id, a_work.id):
                with _raises(LabelNotFound):
                    await store.fetch_label(b.id, label_id)
                with _raises(LabelNotFound):
                    await store.label_uids(b.id, label_id)
                with _raises(LabelNotFound):
                    await store.changes_since(b.id, label_id, 0)
                with _raises(LabelNotFound):
                    await store.threads(b.id, label_id, None, 10)
            b_labels = await store.labels(b.id)
            assert {lb.account_id for lb in b_labels} == {b.id}
            assert not {a_inbox.id, a_work.id} & {lb.id for lb in b_labels}
            assert a_msg not in {mid for mid, _ in await store.account_changes(b.id, 0, 1000)}
            b_threads = await _all_threads(store, b.id, None, 50)
            assert a_thread not in {t.id for t in b_threads}
            assert {t.account_id for t in b_threads} == {b.id}
            # a's own view is intact
            assert [m.id for m in await store.fetch_messages(a.id, [a_msg])] == [a_msg]


async def check_isolation_writes(factory: MetaStoreFactory) -> None:
    """No mutation under account B changes account A's messages or labels."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            domain = await _new_domain(store)
            a = await _new_account(store, domain, "alice")
            b = await _new_account(store, domain, "bob")
            a_inbox = await _label(store, a.id, "INBOX")
            a_work = await _create_label(store, a.id, "Work")
            b_inbox = await _label(store, b.id, "INBOX")
            b_work = await _create_label(store, b.id, "Work")
            root = message_record([a_inbox.id, a_work.id], subject="Secret plans")
            a_ids = [
                (await _add(store, a.id, root)).message_ids[0],
                *await _add_to(store, a.id, a_inbox.id, 2),
            ]
            a_before = (
                await store.fetch_messages(a.id, a_ids),
                await store.labels(a.id),
                await store.highest_modseq(a.id),
                await _all_threads(store, a.id, None, 50),
            )

            outcomes = await store.apply(
                b.id,
                [
                    SetFlags(tuple(a_ids), add=frozenset({SEEN, FLAGGED})),
                    SetFlags(tuple(a_ids), replace=frozenset()),
                    ChangeLabels(
                        tuple(a_ids), add=frozenset({b_inbox.id}), remove=frozenset({b_work.id})
                    ),
                    DeleteMessages(tuple(a_ids)),
                ],
            )
            for outcome in outcomes:
                assert (
                    outcome.message_ids == () and outcome.uids == {} and outcome.freed_blobs == ()
                ), outcome
            for mutation in (
                AddMessage(message_record([a_inbox.id])),
                ChangeLabels((), add=frozenset({a_work.id})),
                RenameLabel(a_work.id, "Stolen"),
                UpdateLabel(a_work.id, color="#000000"),
                DeleteLabel(a_work.id),
            ):
                with _raises(LabelNotFound):
                    await store.apply(b.id, [mutation])
            # B's label ids are unknown to A
            with _raises(LabelNotFound):
                await store.apply(a.id, [ChangeLabels(tuple(a_ids), add=frozenset({b_work.id}))])
            with _raises(LabelNotFound):
                await store.apply(a.id, [AddMessage(message_record([b_inbox.id]))])
            # B's reply to A's message starts B's own conversation
            reply = message_record(
                [b_inbox.id],
                subject="Re: Secret plans",
                in_reply_to=[str(root.message_id)],
                references=[str(root.message_id)],
            )
            b_thread = (await _add(store, b.id, reply)).thread_ids[0]
            assert b_thread not in {t.id for t in a_before[3]}

            a_after = (
                await store.fetch_messages(a.id, a_ids),
                await store.labels(a.id),
                await store.highest_modseq(a.id),
                await _all_threads(store, a.id, None, 50),
            )
            assert a_after == a_before
            assert (await _label(store, b.id, "INBOX")).messages == 1


# ------------------------------------------------------------------ UIDs


async def check_uids_strictly_increasing(factory: MetaStoreFactory) -> None:
    """UIDs grow by label and are never reused, even after removal or expunge."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            inbox = await _label(store, account.id, "INBOX")
            work = await _create_label(store, account.id, "Work")
            assert work.uidnext == 1
            ids: list[int] = []
            for i in range(5):
                outcome = await _add(
                    store, account.id, message_record([inbox.id], internal_date=EPOCH + i)
                )
                ids.append(outcome.message_ids[0])
                assert outcome.uids == {(ids[-1], inbox.id): i + 1}, outcome.uids
            assert (await _label(store, account.id, "INBOX")).uidnext == 6
            assert await store.label_uids(account.id, inbox.id) == list(
                zip(range(1, 6), ids, strict=True)
            )
            allocated = set(range(1, 6))

            # remove 2 and 4 from INBOX, expunge 5 (the highest UID)
            await store.apply(
                account.id,
                [
                    ChangeLabels((ids[1], ids[3]), remove=frozenset({inbox.id})),
                    DeleteMessages((ids[4],)),
                ],
            )
            assert [u for u, _ in await store.label_uids(account.id, inbox.id)] == [1, 3]
            assert (await _label(store, account.id, "INBOX")).uidnext == 6

            # re-added and new messages get new UIDs above every earlier one
            [readd] = await store.apply(
                account.id, [ChangeLabels((ids[1],), add=frozenset({inbox.id}))]
            )
            assert readd.uids == {(ids[1], inbox.id): 6}, readd.uids
            fresh = await _add(store, account.id, message_record([inbox.id, work.id]))
            new_id = fresh.message_ids[0]
            assert fresh.uids == {(new_id, inbox.id): 7, (new_id, work.id): 1}, fresh.uids
            allocated |= {6, 7}
            assert (await _label(store, account.id, "INBOX")).uidnext == 8
            assert (await _label(store, account.id, "Work")).uidnext == 2
            assert await store.label_uids(account.id, inbox.id) == [
                (1, ids[0]),
                (3, ids[2]),
                (6, ids[1]),
                (7, new_id),
            ]

            # adding a message to a label it is in allocates nothing
            [again] = await store.apply(
                account.id, [ChangeLabels((ids[1], new_id), add=frozenset({inbox.id}))]
            )
            assert again.uids == {}
            # its UID in another label is independent
            [moved] = await store.apply(
                account.id, [ChangeLabels((ids[0], ids[2]), add=frozenset({work.id}))]
            )
            assert moved.uids == {(ids[0], work.id): 2, (ids[2], work.id): 3}, moved.uids
            [first] = await store.fetch_label(account.id, work.id, 2, 2)
            assert (first.id, first.uid) == (ids[0], 2)
            # uid ranges
            assert [m.uid for m in await store.fetch_label(account.id, inbox.id, 3)] == [3, 6, 7]
            assert [m.uid for m in await store.fetch_label(account.id, inbox.id, 2, 6)] == [3, 6]

            # remove all and add back: still new UIDs
            everything = tuple(ids[:4] + [new_id])
            await store.apply(account.id, [ChangeLabels(everything, remove=frozenset({inbox.id}))])
            assert await store.label_uids(account.id, inbox.id) == []
            [back] = await store.apply(
                account.id, [ChangeLabels(everything, add=frozenset({inbox.id}))]
            )
            back_uids = sorted(back.uids.values())
            assert back_uids == list(range(8, 8 + len(everything))), back_uids
            assert not allocated & set(back_uids)
            assert (await _label(store, account.id, "INBOX")).uidnext == 8 + len(everything)
            await _assert_labels_consistent(store, account.id)


# ---------------------------------------------------------------- MODSEQ


async def check_modseq_monotonic(factory: MetaStoreFactory) -> None:
    """Every effective mutation gets a higher MODSEQ, which messages and labels carry."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            inbox = await _label(store, account.id, "INBOX")
            last = await store.highest_modseq(account.id)
            assert inbox.highest_modseq <= last

            def advanced(outcome: Outcome) -> int:
                nonlocal last
                assert outcome.modseq > last, (outcome, last)
                last = outcome.modseq
                return last

            added = await _add(store, account.id, message_record([inbox.id]))
            msg = added.message_ids[0]
            advanced(added)
            assert (await _one(store, account.id, msg)).modseq == last
            assert (await _label(store, account.id, "INBOX")).highest_modseq == last

            batch: list[Mutation] = [
                CreateLabel("Projects"),
                SetFlags((msg,), add=frozenset({SEEN})),
                AddMessage(message_record([inbox.id])),
            ]
            outcomes = await store.apply(account.id, batch)
            for outcome in outcomes:
                advanced(outcome)
            created = outcomes[0].label
            assert created is not None
            assert outcomes[0].label_ids == (created.id,)
            assert outcomes[1].message_ids == (msg,) and inbox.id in outcomes[1].label_ids
            assert (await _one(store, account.id, msg)).modseq == outcomes[1].modseq

            [moved] = await store.apply(
                account.id, [ChangeLabels((msg,), add=frozenset({created.id}))]
            )
            advanced(moved)
            assert (await _one(store, account.id, msg)).modseq == last
            for name in (
                "INBOX",
                "Projects",
            ):  # a new label on a message shows in every label it is in
                assert (await _label(store, account.id, name)).highest_modseq == last, name

            for mutation in (
                UpdateLabel(created.id, color="#00ff00"),
                RenameLabel(created.id, "Archive/Projects"),
                SetFlags((msg,), replace=frozenset({FLAGGED})),
                ChangeLabels((msg,), remove=frozenset({inbox.id})),
                DeleteLabel(created.id),
                DeleteMessages(outcomes[2].message_ids),
            ):
                [outcome] = await store.apply(account.id, [mutation])
                advanced(outcome)
                assert await store.highest_modseq(account.id) == last
                await _assert_labels_consistent(store, account.id)
            assert (await _label(store, account.id, "INBOX")).highest_modseq == last

            changed = await store.account_changes(account.id, 0, 100)
            assert {mid for mid, _ in changed} == {msg}
            assert changed == [(msg, (await _one(store, account.id, msg)).modseq)]
            assert await store.account_changes(account.id, last, 100) == []


async def check_no_op_keeps_modseq(factory: MetaStoreFactory) -> None:
    """A mutation that changes nothing leaves the highest MODSEQ where it was:
    a client that saw the last change (its event) is then up to date."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            inbox = await _label(store, account.id, "INBOX")
            added = await _add(store, account.id, message_record([inbox.id]))
            msg = added.message_ids[0]
            last = await store.highest_modseq(account.id)
            for mutation in (
                SetFlags((msg,), remove=frozenset({SEEN})),
                SetFlags((msg,), add=frozenset()),
                ChangeLabels((msg,), add=frozenset({inbox.id})),
                ChangeLabels((msg,), remove=frozenset({(await _create_label(store, account.id, "Empty")).id})),
            ):
                last = await store.highest_modseq(account.id)
                [outcome] = await store.apply(account.id, [mutation])
                assert outcome.message_ids == (), (mutation, outcome)
                assert outcome.modseq == last == await store.highest_modseq(account.id), (mutation, outcome)
            # and the next effective change still gets a higher one
            [outcome] = await store.apply(account.id, [SetFlags((msg,), add=frozenset({SEEN}))])
            assert outcome.message_ids == (msg,) and outcome.modseq == last + 1
            await _assert_labels_consistent(store, account.id)


async def check_changes_since(factory: MetaStoreFactory) -> None:
    """changes_since reports exactly the members changed and the UIDs removed after a MODSEQ."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            inbox = await _label(store, account.id, "INBOX")
            other = await _create_label(store, account.id, "Other")
            m0 = await store.highest_modseq(account.id)
            a, b, c, d = await _add_to(store, account.id, inbox.id, 4)
            uid = {mid: u for u, mid in await store.label_uids(account.id, inbox.id)}
            m1 = await store.highest_modseq(account.id)

            changes = await store.changes_since(account.id, inbox.id, m0)
            assert [(m.id, m.uid) for m in changes.changed] == [(x, uid[x]) for x in (a, b, c, d)]
            assert changes.vanished == []
            assert (
                changes.highest_modseq
                == m1
                == (await _label(store, account.id, "INBOX")).highest_modseq
            )

            await store.apply(
                account.id,
                [
                    SetFlags((a,), add=frozenset({SEEN})),
                    ChangeLabels((b,), remove=frozenset({inbox.id})),
                    DeleteMessages((c,)),
                ],
            )
            m2 = await store.highest_modseq(account.id)
            changes = await store.changes_since(account.id, inbox.id, m1)
            assert [(m.id, m.uid, m.flags) for m in changes.changed] == [
                (a, uid[a], frozenset({SEEN}))
            ]
            assert sorted(changes.vanished) == sorted([uid[b], uid[c]])
            assert changes.highest_modseq == m2
            changes = await store.changes_since(account.id, inbox.id, m0)
            assert [m.id for m in changes.changed] == [a, d]
            assert sorted(changes.vanished) == sorted([uid[b], uid[c]])
            empty = await store.changes_since(account.id, inbox.id, m2)
            assert empty.changed == [] and empty.vanished == []

            # a label's changes are its own: this one saw only b arrive
            await store.apply(account.id, [ChangeLabels((b,), add=frozenset({other.id}))])
            changes = await store.changes_since(account.id, other.id, m2)
            assert [m.id for m in changes.changed] == [b] and changes.vanished == []
            assert (await store.changes_since(account.id, inbox.id, m2)).changed == []

            # CONDSTORE: UNCHANGEDSINCE leaves newer messages alone and reports them
            [flagged] = await store.apply(account.id, [SetFlags((d,), add=frozenset({FLAGGED}))])
            d_modseq = flagged.modseq
            a_before = await _one(store, account.id, a)
            [cond] = await store.apply(
                account.id,
                [SetFlags((a, d), add=frozenset({"$Label1"}), unchanged_since=d_modseq - 1)],
            )
            assert cond.modified == (d,), cond
            assert cond.message_ids == (a,), cond
            a_after, d_after = await store.fetch_messages(account.id, [a, d])
            assert a_after.flags == a_before.flags | {"$Label1"} and a_after.modseq == cond.modseq
            assert d_after.flags == frozenset({FLAGGED}) and d_after.modseq == d_modseq
            [ok] = await store.apply(
                account.id, [SetFlags((d,), remove=frozenset({FLAGGED}), unchanged_since=d_modseq)]
            )
            assert ok.modified == () and ok.message_ids == (d,)
            assert (await _one(store, account.id, d)).flags == frozenset()
            await _assert_labels_consistent(store, account.id)


async def check_label_counts(factory: MetaStoreFactory) -> None:
    """messages, unseen and size of labels follow adds, \\Seen changes and removals."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            inbox = await _label(store, account.id, "INBOX")
            work = await _create_label(store, account.id, "Work")

            async def counts(label_id: int) -> tuple[int, int]:
                for label in await store.labels(account.id):
                    if label.id == label_id:
                        return label.messages, label.unseen
                raise AssertionError(label_id)

            a, b, c = await _add_to(store, account.id, inbox.id, 3)
            [seen] = await _add_to(store, account.id, inbox.id, flags=[SEEN])
            assert await counts(inbox.id) == (4, 3)
            await store.apply(account.id, [SetFlags((a, seen), add=frozenset({SEEN}))])
            assert await counts(inbox.id) == (4, 2)
            await store.apply(account.id, [SetFlags((seen,), remove=frozenset({SEEN}))])
            assert await counts(inbox.id) == (4, 3)
            await store.apply(account.id, [SetFlags((b, c), replace=frozenset({SEEN, FLAGGED}))])
            assert await counts(inbox.id) == (4, 1)
            await store.apply(account.id, [ChangeLabels((a, seen), add=frozenset({work.id}))])
            assert await counts(work.id) == (2, 1)
            await store.apply(account.id, [SetFlags((seen,), add=frozenset({SEEN}))])
            assert await counts(work.id) == (2, 0) and await counts(inbox.id) == (4, 0)
            await store.apply(account.id, [SetFlags((a, seen), replace=frozenset())])
            assert await counts(work.id) == (2, 2) and await counts(inbox.id) == (4, 2)
            await store.apply(account.id, [ChangeLabels((a,), remove=frozenset({inbox.id}))])
            assert await counts(inbox.id) == (3, 1) and await counts(work.id) == (2, 2)
            await _assert_labels_consistent(store, account.id)
            await store.apply(account.id, [DeleteMessages((seen, b))])
            assert await counts(inbox.id) == (1, 0) and await counts(work.id) == (1, 1)
            await _assert_labels_consistent(store, account.id)


# --------------------------------------------------------------- threads


async def check_threading(factory: MetaStoreFactory) -> None:
    """Replies join their parent's conversation; a changed subject starts a new one."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            inbox = await _label(store, account.id, "INBOX")

            async def deliver(
                subject: str,
                at: float,
                *,
                message_id: str | None = None,
                parents: Sequence[str] = (),
                sender: EmailAddress = ALICE,
            ) -> int:
                record = message_record(
                    [inbox.id],
                    subject=subject,
                    message_id=message_id,
                    in_reply_to=parents[-1:],
                    references=parents,
                    sender=sender,
                    internal_date=EPOCH + at,
                )
                return (await _add(store, account.id, record)).thread_ids[0]

            root, reply = new_message_id(), new_message_id()
            t_root = await deliver("Trip to Lisbon", 0, message_id=root)
            t_reply = await deliver(
                "Re: Trip to Lisbon", 10, message_id=reply, parents=[root], sender=BOB
            )
            assert t_reply == t_root
            # a reply to the reply, naming only its direct parent
            t_deep = await deliver("RE: trip to lisbon", 20, parents=[reply])
            assert t_deep == t_root
            # same references, new subject: Gmail starts a new conversation
            t_split = await deliver("Hotel booking", 30, parents=[root, reply])
            assert t_split != t_root
            # an unrelated message stays alone
            t_other = await deliver("Invoice #42", 40)
            assert t_other not in (t_root, t_split)
            # a reply that arrives before its parent: the parent joins it
            late_parent = new_message_id()
            t_child = await deliver("Re: Quarterly report", 50, parents=[late_parent])
            t_parent = await deliver("Quarterly report", 45, message_id=late_parent)
            assert t_parent == t_child and t_child not in (t_root, t_split, t_other)

            thread = await store.thread(account.id, t_root)
            assert thread is not None
            assert [m.message_id for m in thread.messages][:2] == [root, reply]
            assert [m.internal_date for m in thread.messages] == [EPOCH, EPOCH + 10, EPOCH + 20]
            assert {m.thread_id for m in thread.messages} == {t_root}
            assert thread.summary.message_count == 3
            split = await store.thread(account.id, t_split)
            assert split is not None and split.summary.message_count == 1
            assert len(await _all_threads(store, account.id, inbox.id, 10)) == 4


async def check_thread_summaries(factory: MetaStoreFactory) -> None:
    """A conversation's summary counts, participants, snippet, attachment and labels are right."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            inbox = await _label(store, account.id, "INBOX")
            sent = await _label(store, account.id, "Sent")
            root = message_record(
                [inbox.id], subject="Offsite agenda", sender=ALICE, text="Here is the draft agenda."
            )
            first = await _add(store, account.id, root)
            thread_id = first.thread_ids[0]
            mid = str(root.message_id)
            reply = message_record(
                [sent.id],
                subject="Re: Offsite agenda",
                sender=BOB,
                flags=[SEEN],
                in_reply_to=[mid],
                references=[mid],
                internal_date=EPOCH + 100,
                text="Looks good, see the slides.",
                attachment="slides.pdf",
            )
            second = await _add(store, account.id, reply)
            last = message_record(
                [inbox.id],
                subject="Re: Offsite agenda",
                sender=CAROL,
                in_reply_to=[mid],
                references=[mid],
                internal_date=EPOCH + 200,
                text="Can we start at ten?",
            )
            third = await _add(store, account.id, last)
            assert first.thread_ids == second.thread_ids == third.thread_ids

            summary = await _summary(store, account.id, thread_id)
            assert summary.account_id == account.id
            assert summary.subject == "Offsite agenda"
            assert (summary.message_count, summary.unread_count) == (3, 2)
            assert {p.address for p in summary.participants} == {
                ALICE.address,
                BOB.address,
                CAROL.address,
            }
            assert summary.snippet == last.snippet
            assert summary.has_attachment
            assert summary.label_ids == frozenset({inbox.id, sent.id})
            assert summary.last_date == EPOCH + 200
            assert not summary.starred
            assert await store.thread_summaries(account.id, [thread_id]) == [summary]
            [listed] = (await store.threads(account.id, sent.id, None, 10)).threads
            assert listed == summary

            ids = (first.message_ids[0], second.message_ids[0], third.message_ids[0])
            await store.apply(
                account.id,
                [SetFlags(ids, add=frozenset({SEEN})), SetFlags(ids[:1], add=frozenset({FLAGGED}))],
            )
            summary = await _summary(store, account.id, thread_id)
            assert summary.unread_count == 0 and not summary.unread and summary.starred
            await store.apply(account.id, [DeleteMessages(ids[1:2])])
            summary = await _summary(store, account.id, thread_id)
            assert summary.message_count == 2 and not summary.has_attachment
            assert summary.label_ids == frozenset({inbox.id})
            assert (await store.threads(account.id, sent.id, None, 10)).threads == []
            await store.apply(account.id, [DeleteMessages(ids[2:])])
            summary = await _summary(store, account.id, thread_id)
            assert summary.snippet == root.snippet and summary.last_date == EPOCH
            await store.apply(account.id, [DeleteMessages(ids[:1])])
            assert await store.thread(account.id, thread_id) is None
            assert await _all_threads(store, account.id, None, 10) == []


async def check_thread_paging(factory: MetaStoreFactory) -> None:
    """threads(label, cursor, limit) pages newest first and lists every conversation once."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            inbox = await _label(store, account.id, "INBOX")
            archive = await _create_label(store, account.id, "Archive")
            in_inbox: set[int] = set()
            everywhere: set[int] = set()
            for i in range(23):
                # ties on the date on purpose: paging must still be exact
                label = inbox.id if i % 4 else archive.id
                record = message_record(
                    [label] if i % 7 else [], subject=f"Topic {i}", internal_date=EPOCH + i // 3
                )
                outcome = await _add(store, account.id, record)
                tid = outcome.thread_ids[0]
                everywhere.add(tid)
                if i % 4 and i % 7:
                    in_inbox.add(tid)
                if i % 5 == 0:  # a reply in the same conversation must not list it twice
                    reply = message_record(
                        [inbox.id],
                        subject=f"Re: Topic {i}",
                        in_reply_to=[str(record.message_id)],
                        references=[str(record.message_id)],
                        internal_date=EPOCH + i // 3,
                    )
                    assert (await _add(store, account.id, reply)).thread_ids == (tid,)
                    in_inbox.add(tid)
            for label_id, expected in ((inbox.id, in_inbox), (None, everywhere)):
                for limit in (1, 4, 7, 100):
                    listed = await _all_threads(store, account.id, label_id, limit)
                    assert sorted(t.id for t in listed) == sorted(expected), (label_id, limit)
                    dates = [t.last_date for t in listed]
                    assert dates == sorted(dates, reverse=True), dates
                page = await store.threads(account.id, label_id, None, 5)
                assert page.total is None or page.total == len(expected)
                assert page.next_cursor is not None


# ------------------------------------------------------------ label ops


async def check_label_create_and_update(factory: MetaStoreFactory) -> None:
    """Labels are unique case-insensitively; colour and subscription round-trip."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            validities = {lb.uidvalidity for lb in await store.labels(account.id)}
            work = await _create_label(store, account.id, "Work")
            assert (work.name, work.role, work.account_id) == ("Work", None, account.id)
            assert (work.uidnext, work.messages, work.unseen) == (1, 0, 0)
            assert work.uidvalidity not in validities and not work.is_system
            assert await _label(store, account.id, "Work") == work
            for name in ("Work", "work", "WORK", "Sent", "sent"):
                with _raises(AlreadyExists):
                    await store.apply(account.id, [CreateLabel(name)])
            with _raises(AlreadyExists, InvalidName):
                await store.apply(account.id, [CreateLabel("inbox")])
            red = await store.apply(account.id, [CreateLabel("Work/Clients", color="#ff0000")])
            clients = red[0].label
            assert clients is not None and clients.color == "#ff0000"
            await store.apply(account.id, [UpdateLabel(work.id, color="#0000ff", subscribed=False)])
            updated = await _label(store, account.id, "Work")
            assert (updated.color, updated.subscribed) == ("#0000ff", False)
            await store.apply(account.id, [UpdateLabel(work.id, subscribed=True)])
            assert (await _label(store, account.id, "Work")).color == "#0000ff"
            await store.apply(account.id, [UpdateLabel(work.id, clear_color=True)])
            updated = await _label(store, account.id, "Work")
            assert (updated.color, updated.subscribed, updated.uidvalidity) == (
                None,
                True,
                work.uidvalidity,
            )
            with _raises(LabelNotFound):
                await store.apply(account.id, [UpdateLabel(10**9, color="#000000")])


async def check_label_rename(factory: MetaStoreFactory) -> None:
    """Renaming moves the children along, gives new UIDVALIDITYs and keeps the messages."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            work = await _create_label(store, account.id, "Work")
            clients = await _create_label(store, account.id, "Work/Clients")
            acme = await _create_label(store, account.id, "Work/Clients/Acme")
            workshop = await _create_label(store, account.id, "Workshop")
            await _create_label(store, account.id, "Hobby")
            [msg] = await _add_to(store, account.id, clients.id)
            before = {lb.id: lb for lb in await store.labels(account.id)}

            [outcome] = await store.apply(account.id, [RenameLabel(work.id, "Job")])
            assert set(outcome.label_ids) >= {work.id, clients.id, acme.id}
            after = {lb.id: lb for lb in await store.labels(account.id)}
            assert after.keys() == before.keys()
            assert (after[work.id].name, after[clients.id].name, after[acme.id].name) == (
                "Job",
                "Job/Clients",
                "Job/Clients/Acme",
            )
            assert after[workshop.id] == before[workshop.id]
            all_validities = [lb.uidvalidity for lb in after.values()]
            assert len(set(all_validities)) == len(all_validities)
            for label_id in (work.id, clients.id, acme.id):
                assert after[label_id].uidvalidity != before[label_id].uidvalidity
            assert [mid for _, mid in await store.label_uids(account.id, clients.id)] == [msg]
            assert (await _one(store, account.id, msg)).label_ids == frozenset({clients.id})

            with _raises(AlreadyExists):
                await store.apply(account.id, [RenameLabel(workshop.id, "hobby")])
            # a child would land on an existing label: nothing moves
            await _create_label(store, account.id, "Team/clients")
            unchanged = await store.labels(account.id)
            with _raises(AlreadyExists):
                await store.apply(account.id, [RenameLabel(work.id, "Team")])
            assert await store.labels(account.id) == unchanged
            await store.apply(account.id, [RenameLabel(clients.id, "Customers")])
            names = {lb.id: lb.name for lb in await store.labels(account.id)}
            assert (names[clients.id], names[acme.id], names[work.id]) == (
                "Customers",
                "Customers/Acme",
                "Job",
            )
            for system in await store.labels(account.id):
                if system.is_system:
                    with _raises(PermissionDenied):
                        await store.apply(account.id, [RenameLabel(system.id, "Renamed")])
                    with _raises(PermissionDenied):
                        await store.apply(account.id, [DeleteLabel(system.id)])
            assert sorted(
                lb.name for lb in await store.labels(account.id) if lb.is_system
            ) == sorted(name for name, _ in SYSTEM_LABELS)
            await _assert_labels_consistent(store, account.id)


async def check_label_delete(factory: MetaStoreFactory) -> None:
    """Deleting a label removes its children and memberships, never the messages."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            inbox = await _label(store, account.id, "INBOX")
            work = await _create_label(store, account.id, "Work")
            clients = await _create_label(store, account.id, "Work/Clients")
            workshop = await _create_label(store, account.id, "Workshop")
            both = (await _add(store, account.id, message_record([inbox.id, work.id]))).message_ids[
                0
            ]
            only_child = (
                await _add(store, account.id, message_record([clients.id], flags=[SEEN]))
            ).message_ids[0]
            in_workshop = (
                await _add(store, account.id, message_record([workshop.id]))
            ).message_ids[0]
            inbox_before = await _label(store, account.id, "INBOX")

            [outcome] = await store.apply(account.id, [DeleteLabel(work.id)])
            assert set(outcome.label_ids) == {work.id, clients.id}
            remaining = {lb.id for lb in await store.labels(account.id)}
            assert (
                work.id not in remaining
                and clients.id not in remaining
                and workshop.id in remaining
            )
            metas = {
                m.id: m
                for m in await store.fetch_messages(account.id, [both, only_child, in_workshop])
            }
            assert metas.keys() == {both, only_child, in_workshop}
            assert metas[both].label_ids == frozenset({inbox.id})
            assert metas[only_child].label_ids == frozenset()
            assert metas[in_workshop].label_ids == frozenset({workshop.id})
            inbox_after = await _label(store, account.id, "INBOX")
            assert (inbox_after.messages, inbox_after.unseen, inbox_after.uidnext) == (
                inbox_before.messages,
                inbox_before.unseen,
                inbox_before.uidnext,
            )
            summary = await _summary(store, account.id, metas[both].thread_id)
            assert summary.label_ids == frozenset({inbox.id})
            for gone in (work.id, clients.id):
                with _raises(LabelNotFound):
                    await store.fetch_label(account.id, gone)
                with _raises(LabelNotFound):
                    await store.apply(account.id, [ChangeLabels((both,), add=frozenset({gone}))])
            # the name is free again, as a new mailbox
            again = await _create_label(store, account.id, "Work")
            assert (
                again.id != work.id
                and again.uidvalidity != work.uidvalidity
                and again.messages == 0
            )
            await _assert_labels_consistent(store, account.id)


# ------------------------------------------------------------- blobs


async def check_freed_blobs(factory: MetaStoreFactory) -> None:
    """Deleting messages frees a blob only once no message of any account references it."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            domain = await _new_domain(store)
            a = await _new_account(store, domain, "alice")
            b = await _new_account(store, domain, "bob")
            a_inbox = (await _label(store, a.id, "INBOX")).id
            b_inbox = (await _label(store, b.id, "INBOX")).id
            shared, own = new_blob_ref(), new_blob_ref()

            async def add(account_id: int, label_id: int, blob: str) -> int:
                return (
                    await _add(store, account_id, message_record([label_id], blob_ref=blob))
                ).message_ids[0]

            a1, a2, a3 = (
                await add(a.id, a_inbox, shared),
                await add(a.id, a_inbox, shared),
                await add(a.id, a_inbox, own),
            )
            b1 = await add(b.id, b_inbox, shared)
            [out] = await store.apply(a.id, [DeleteMessages((a1,))])
            assert out.freed_blobs == ()
            [out] = await store.apply(a.id, [DeleteMessages((a2, a3))])
            assert out.freed_blobs == (own,)
            [out] = await store.apply(b.id, [DeleteMessages((b1,))])
            assert out.freed_blobs == (shared,)
            [out] = await store.apply(b.id, [DeleteMessages((b1,))])
            assert out.freed_blobs == () and out.message_ids == ()

            # two copies deleted in one batch free the blob once
            twice = new_blob_ref()
            pair = (await add(a.id, a_inbox, twice), await add(a.id, a_inbox, twice))
            [out] = await store.apply(a.id, [DeleteMessages(pair)])
            assert out.freed_blobs == (twice,)

            # deleting an account reports its blobs nobody else holds
            kept, gone = new_blob_ref(), new_blob_ref()
            c = await _new_account(store, domain, "carol")
            c_inbox = (await _label(store, c.id, "INBOX")).id
            for blob in (kept, gone, gone):
                await add(c.id, c_inbox, blob)
            await add(a.id, a_inbox, kept)
            assert sorted(await store.delete_account(c.id)) == [gone]


# ----------------------------------------------------- batches and nodes


async def check_apply_many_isolates_failures(factory: MetaStoreFactory) -> None:
    """A failing batch rolls back alone; the other batches of the call commit."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            domain = await _new_domain(store)
            a = await _new_account(store, domain, "alice")
            b = await _new_account(store, domain, "bob")
            a_inbox = await _label(store, a.id, "INBOX")
            b_inbox = await _label(store, b.id, "INBOX")
            b_before = (await store.labels(b.id), await store.highest_modseq(b.id))

            results = await store.apply_many(
                [
                    (a.id, [AddMessage(message_record([a_inbox.id]))]),
                    (
                        b.id,
                        [
                            AddMessage(message_record([b_inbox.id])),
                            ChangeLabels((), add=frozenset({a_inbox.id})),
                        ],
                    ),
                    (a.id, [CreateLabel("Receipts")]),
                    (10**9, [CreateLabel("Nobody")]),
                    (b.id, [CreateLabel("Fine")]),
                ]
            )
            assert len(results) == 5
            assert await store.apply_many([]) == []
            first, failed, created, unknown, fine = results
            assert (
                isinstance(first, list) and isinstance(created, list) and isinstance(fine, list)
            ), results
            assert isinstance(failed, LabelNotFound), failed
            assert isinstance(unknown, AccountNotFound), unknown
            assert created[0].modseq > first[0].modseq
            assert (await _label(store, a.id, "INBOX")).messages == 1
            assert created[0].label is not None
            assert await _label(store, a.id, "Receipts") == created[0].label
            b_labels = [lb for lb in await store.labels(b.id) if lb.name != "Fine"]
            assert b_labels == b_before[0], "the failed batch must leave nothing behind"
            assert await store.highest_modseq(b.id) == fine[0].modseq > b_before[1]

            # apply raises the batch's error and commits nothing of it
            with _raises(AlreadyExists):
                await store.apply(a.id, [CreateLabel("Taxes"), CreateLabel("taxes")])
            assert "Taxes" not in {lb.name for lb in await store.labels(a.id)}
            with _raises(AccountNotFound):
                await store.apply(10**9, [CreateLabel("Nobody")])
            await _assert_labels_consistent(store, a.id)
            await _assert_labels_consistent(store, b.id)


async def check_two_nodes(factory: MetaStoreFactory) -> None:
    """Two stores on one database, writing to one account concurrently, stay correct."""
    per_node = 50
    with trio.fail_after(_DEADLINE):
        async with factory() as one, factory() as two:
            account = await _new_account(one)
            inbox = await _label(two, account.id, "INBOX")
            outcomes: list[Outcome] = []

            async def deliver(node: MetaStore, i: int) -> None:
                record = message_record(
                    [inbox.id], internal_date=EPOCH + i, subject=f"Concurrent {i}"
                )
                outcomes.extend(await node.apply(account.id, [AddMessage(record)]))

            async with trio.open_nursery() as nursery:
                for i in range(per_node):
                    nursery.start_soon(deliver, one, i)
                    nursery.start_soon(deliver, two, per_node + i)

            total = 2 * per_node
            assert len(outcomes) == total
            modseqs = [o.modseq for o in outcomes]
            assert len(set(modseqs)) == total
            ids = {o.message_ids[0] for o in outcomes}
            assert len(ids) == total
            uids = sorted(uid for o in outcomes for uid in o.uids.values())
            assert uids == list(range(1, total + 1)), uids
            for node in (one, two):
                assert sorted(u for u, _ in await node.label_uids(account.id, inbox.id)) == uids
                assert {mid for _, mid in await node.label_uids(account.id, inbox.id)} == ids
                assert len(await node.fetch_messages(account.id, list(ids))) == total
                label = await _label(node, account.id, "INBOX")
                assert (label.messages, label.uidnext) == (total, total + 1)
                assert await node.highest_modseq(account.id) == max(modseqs) == label.highest_modseq

            # and flags from both nodes at once
            async def flag(node: MetaStore, message_id: int) -> None:
                outcomes.extend(
                    await node.apply(account.id, [SetFlags((message_id,), add=frozenset({SEEN}))])
                )

            async with trio.open_nursery() as nursery:
                for n, message_id in enumerate(sorted(ids)):
                    nursery.start_soon(flag, (one, two)[n % 2], message_id)
            modseqs = [o.modseq for o in outcomes]
            assert len(set(modseqs)) == 2 * total
            assert (await _label(one, account.id, "INBOX")).unseen == 0
            await _assert_labels_consistent(two, account.id)

            # the same label created on both nodes at once: exactly one wins
            created: list[Label] = []
            refused: list[AlreadyExists] = []

            async def create(node: MetaStore, name: str) -> None:
                try:
                    created.extend(
                        o.label
                        for o in await node.apply(account.id, [CreateLabel(name)])
                        if o.label
                    )
                except AlreadyExists as exc:
                    refused.append(exc)

            async with trio.open_nursery() as nursery:
                for n in range(10):
                    nursery.start_soon(create, (one, two)[n % 2], "Shared" if n % 2 else "shared")
            assert len(created) == 1 and len(refused) == 9, (created, refused)
            assert [lb.name.lower() for lb in await one.labels(account.id)].count("shared") == 1


# ----------------------------------------------------------- index outbox


async def check_index_outbox(factory: MetaStoreFactory) -> None:
    """Mutations queue search-index work; a stale acknowledgement keeps newer work."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            account = await _new_account(store)
            inbox = await _label(store, account.id, "INBOX")
            work = await _create_label(store, account.id, "Work")

            async def pending(message_id: int) -> tuple[str, int] | None:
                entries = await store.index_pending(1_000_000)
                seqs = [e[3] for e in entries]
                assert seqs == sorted(seqs), "entries come in seq order"
                mine = [(kind, seq) for mid, acc, kind, seq in entries if mid == message_id]
                assert len(mine) <= 1, mine
                if mine:
                    assert [acc for mid, acc, _, _ in entries if mid == message_id] == [account.id]
                return mine[0] if mine else None

            [a, b] = await _add_to(store, account.id, inbox.id, 2)
            doc = await pending(a)
            assert doc is not None and doc[0] == "doc"
            # a flag change before indexing keeps the full document pending
            await store.apply(account.id, [SetFlags((a,), add=frozenset({SEEN}))])
            doc = await pending(a)
            assert doc is not None and doc[0] == "doc"
            await store.index_done([(a, doc[1])])
            assert await pending(a) is None
            assert await pending(b) is not None  # untouched

            await store.apply(account.id, [SetFlags((a,), add=frozenset({FLAGGED}))])
            state = await pending(a)
            assert state is not None and state[0] == "state"
            # re-queued while the indexer works on the older entry
            await store.apply(account.id, [ChangeLabels((a,), add=frozenset({work.id}))])
            requeued = await pending(a)
            assert requeued is not None and requeued[0] == "state" and requeued[1] > state[1]
            await store.index_done([(a, state[1])])
            assert await pending(a) == requeued
            await store.index_done([(a, requeued[1])])
            assert await pending(a) is None

            await store.apply(account.id, [DeleteMessages((a, b))])
            for message_id in (a, b):
                gone = await pending(message_id)
                assert gone is not None and gone[0] == "delete", gone
                await store.index_done([(message_id, gone[1])])
                assert await pending(message_id) is None


META_STORE_CHECKS: list[MetaCheck] = [
    check_is_a_meta_store,
    check_domains,
    check_accounts,
    check_account_system_labels,
    check_aliases,
    check_password_and_settings,
    check_message_round_trip,
    check_durable_across_reopen,
    check_isolation_reads,
    check_isolation_writes,
    check_uids_strictly_increasing,
    check_modseq_monotonic,
    check_no_op_keeps_modseq,
    check_changes_since,
    check_label_counts,
    check_threading,
    check_thread_summaries,
    check_thread_paging,
    check_label_create_and_update,
    check_label_rename,
    check_label_delete,
    check_freed_blobs,
    check_apply_many_isolates_failures,
    check_two_nodes,
    check_index_outbox,
]


async def check_meta_store(factory: MetaStoreFactory) -> None:
    """Run every check of :data:`META_STORE_CHECKS` against the store ``factory`` opens.

    The checks share the storage and assume nothing about what earlier ones
    left in it.
    """
    for check in META_STORE_CHECKS:
        await check(factory)
