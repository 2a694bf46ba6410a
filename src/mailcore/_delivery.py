"""Delivery: a message's bytes stored once and its metadata committed for
each recipient (SMTP), into one label (IMAP APPEND), or in bulk (import).
The engine's delivery part."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

import trio

from mailcore import rules
from mailcore._accounts import Accounts
from mailcore._actors.indexer import Indexer
from mailcore._actors.mailbox import MailboxDirectory
from mailcore._actors.supervisor import single_errors
from mailcore._blobs import BlobKeeper
from mailcore._config import Limits
from mailcore._labels import Labels
from mailcore._records import ImportItem, _check_flags, record_from_parsed, search_doc
from mailcore.errors import InvalidArgument, InvalidName, NotLocalRecipient
from mailcore.message import parse_message
from mailcore.model import AppendResult, DeliveryResult, LabelRole
from mailcore.store.meta import AddMessage, MetaStore, Mutation, Outcome

log = logging.getLogger("mailcore._engine")


class Delivery:
    """New messages into accounts: committed durably, and handed to the indexer."""

    def __init__(
        self,
        limits: Limits,
        meta: MetaStore,
        mailboxes: MailboxDirectory,
        indexer: Indexer,
        keeper: BlobKeeper,
        accounts: Accounts,
        labels: Labels,
    ) -> None:
        self._limits = limits
        self._meta = meta
        self._mailboxes = mailboxes
        self._indexer = indexer
        self._keeper = keeper
        self._accounts = accounts
        self._labels = labels

    async def deliver(
        self,
        raw: bytes,
        recipients: Sequence[str],
        *,
        internal_date: float | None = None,
        labels: Sequence[str] = (),
        flags: Iterable[str] = (),
    ) -> DeliveryResult:
        """Deliver one message to local recipients, storing its bytes once.

        Every recipient must be local (an account, an alias or a plus
        address), or :class:`NotLocalRecipient` is raised and nothing is
        stored. Returns only once the blob is durable and every recipient's
        metadata is committed.
        """
        if not recipients:
            raise InvalidArgument("no recipients")
        if len(raw) > self._limits.max_message_size:
            from mailcore.errors import MessageTooLarge

            raise MessageTooLarge(f"message is {len(raw)} bytes; the limit is {self._limits.max_message_size}")
        accounts: dict[int, str] = {}
        for rcpt in recipients:
            account = await self._accounts.resolve_recipient(rcpt)
            if account is None:
                raise NotLocalRecipient(rcpt)
            accounts.setdefault(account.id, account.address)
        parsed = parse_message(raw)
        when = internal_date if internal_date is not None else time.time()
        flag_set = frozenset(flags)
        message_ids: dict[str, int] = {}
        async with self._keeper.in_flight(raw) as ref:

            async def one(account_id: int, address: str) -> None:
                label_ids, stored_flags = await self._delivery_labels(account_id, labels, flag_set)
                record = record_from_parsed(
                    parsed, ref, flags=stored_flags, label_ids=label_ids, internal_date=when
                )
                outcome = (await self._apply(account_id, [AddMessage(record)]))[0]
                mid = outcome.message_ids[0]
                message_ids[address] = mid
                self._indexer.hand_over(
                    search_doc(account_id, mid, outcome.thread_ids[0], parsed, when, label_ids, stored_flags)
                )

            if len(accounts) == 1:
                [(aid, addr)] = accounts.items()
                await one(aid, addr)
            else:
                with single_errors():
                    async with trio.open_nursery() as nursery:
                        for aid, addr in accounts.items():
                            nursery.start_soon(one, aid, addr)
        return DeliveryResult(ref, message_ids)

    async def _delivery_labels(
        self, account_id: int, names: Sequence[str], flags: frozenset[str]
    ) -> tuple[frozenset[int], frozenset[str]]:
        """Labels and flags a delivered message gets (Inbox and All Mail when no label is named)."""
        roles = await self._roles(account_id)
        ids = {(await self._labels.ensure_label(account_id, n)).id for n in names} or {roles[LabelRole.INBOX]}
        return rules.new_message_labels(roles, ids, flags)

    async def append(
        self,
        account_id: int,
        label: str | int,
        raw: bytes,
        *,
        flags: Iterable[str] = (),
        internal_date: float | None = None,
    ) -> AppendResult:
        """IMAP APPEND: store a message into a label with flags and a date."""
        if len(raw) > self._limits.max_message_size:
            from mailcore.errors import MessageTooLarge

            raise MessageTooLarge("message too large")
        target = await self._labels.label(account_id, label)
        roles = await self._roles(account_id)
        ids, flag_set = rules.new_message_labels(roles, {target.id}, _check_flags(flags))
        parsed = parse_message(raw)
        if target.role is LabelRole.SENT and parsed.message_id:
            # A mail client that sent through our submission port also APPENDs
            # its own copy to Sent; like Gmail, keep the one copy we already have.
            found = await self._meta.find_in_label(account_id, target.id, parsed.message_id)
            if found is not None:
                message_id, thread_id, uid = found
                return AppendResult(message_id, thread_id, target.id, uid, target.uidvalidity)
        when = internal_date if internal_date is not None else time.time()
        async with self._keeper.in_flight(raw) as ref:
            record = record_from_parsed(
                parsed, ref, flags=flag_set, label_ids=ids, internal_date=when
            )
            outcome = (await self._apply(account_id, [AddMessage(record)]))[0]
        mid = outcome.message_ids[0]
        self._indexer.hand_over(
            search_doc(account_id, mid, outcome.thread_ids[0], parsed, when, ids, flag_set)
        )
        return AppendResult(mid, outcome.thread_ids[0], target.id, outcome.uids[(mid, target.id)], target.uidvalidity)

    async def import_messages(
        self,
        account_id: int,
        items: Iterable[ImportItem],
        *,
        batch: int = 200,
        progress: Any = None,
    ) -> int:
        """Import many messages in batches (one fsync round per batch)."""
        roles = await self._roles(account_id)
        count = 0
        chunk: list[ImportItem] = []

        async def flush() -> None:
            nonlocal count
            if not chunk:
                return
            refs = await self._keeper.put_blobs([it.raw for it in chunk])
            mutations: list[Mutation] = []
            docs = []
            for item, ref in zip(chunk, refs, strict=True):
                parsed = parse_message(item.raw)
                named: set[int] = set()
                for name in item.labels:
                    try:
                        named.add((await self._labels.ensure_label(account_id, _importable_label(name))).id)
                    except InvalidName as exc:  # one odd label must not stop an import
                        log.warning("import: label %r skipped: %s", name, exc)
                ids, flags = rules.new_message_labels(roles, named, item.flags)
                date = item.internal_date or (parsed.date.timestamp() if parsed.date else time.time())
                mutations.append(
                    AddMessage(
                        record_from_parsed(
                            parsed, ref, flags=flags, label_ids=ids, internal_date=date
                        )
                    )
                )
                docs.append((parsed, date, ids, flags))
            outcomes = await self._apply(account_id, mutations)
            for outcome, (parsed, date, ids_, flags_) in zip(outcomes, docs, strict=True):
                mid = outcome.message_ids[0]
                self._indexer.hand_over(search_doc(account_id, mid, outcome.thread_ids[0], parsed, date, ids_, flags_))
            count += len(chunk)
            if progress is not None:
                progress(len(chunk))
            chunk.clear()

        iterator = iter(items)

        def take() -> list[ImportItem]:
            # reading files happens in a worker thread, never on the trio thread
            return list(itertools.islice(iterator, batch))

        while True:
            chunk.extend(await trio.to_thread.run_sync(take))
            if not chunk:
                break
            await flush()
        return count

    async def _roles(self, account_id: int) -> dict[LabelRole, int]:
        return await self._mailboxes.roles(account_id)

    async def _apply(self, account_id: int, mutations: list[Mutation]) -> list[Outcome]:
        return await self._mailboxes.apply(account_id, mutations)


def _importable_label(name: str) -> str:
    """A label name from another system made acceptable here (``Work*`` -> ``Work_``)."""
    cleaned = "".join("_" if ch in "*%" or ord(ch) < 32 else ch for ch in name)
    return "/".join(part.strip() for part in cleaned.split("/") if part.strip()) or name
