"""The engine facade: the one object every door talks to.

Open it with ``async with mailcore.open_engine(config) as engine:``. Every
operation that reads or changes an account's mail takes the account id and
checks that what it names belongs to that account, so no door can reach
another account's data by guessing ids.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import trio
from argon2 import PasswordHasher

from mailcore._accounts import Accounts
from mailcore._records import (
    ImportItem,
    SearchResult,
    _check_flags,
    _doc_from_raw,
    record_from_parsed,
    search_doc,
    search_doc_from_meta,
)
from mailcore._submission import Sending
from mailcore._uploads import Uploads
from mailcore._web_sessions import WebSessions
from mailcore.actors._batch import Batcher
from mailcore.actors.indexer import Indexer
from mailcore.actors.mailbox import MailboxDirectory
from mailcore.actors.supervisor import Supervisor, single_errors
from mailcore.config import Config
from mailcore.errors import (
    AlreadyExists,
    InvalidArgument,
    InvalidName,
    LabelNotFound,
    MessageNotFound,
    NotFound,
    NotLocalRecipient,
    ThreadNotFound,
)
from mailcore.message import fetch_section, parse_message, part_content
from mailcore.model import (
    Account,
    AppendResult,
    Changes,
    Contact,
    CopyResult,
    DeliveryResult,
    FlagResult,
    Label,
    LabelRole,
    MessageMeta,
    Thread,
    ThreadPage,
)
from mailcore.search import And, LabelIds, Not, Query, parse_query, resolve_labels
from mailcore.store import Stores, open_stores
from mailcore.store.base import Subscription
from mailcore.store.meta import (
    AddMessage,
    ChangeLabels,
    CreateLabel,
    DeleteLabel,
    DeleteMessages,
    Mutation,
    Outcome,
    RenameLabel,
    SetFlags,
    UpdateLabel,
)

log = logging.getLogger("mailcore.engine")

def _label_key(name: str) -> str:
    """Gmail matches ``label:work-clients`` to ``Work/Clients``."""
    return "".join("-" if ch in " /-_" else ch for ch in name.casefold())


class Engine(Accounts, Sending):
    """Accounts, delivery, labels, messages, threads, search and watch."""

    def __init__(self, config: Config, stores: Stores, nursery: trio.Nursery) -> None:
        self.config = config
        self.stores = stores
        self.meta = stores.meta
        self.supervisor = Supervisor(nursery, "engine")
        self._hasher = PasswordHasher(
            time_cost=config.argon2_time_cost, memory_cost=config.argon2_memory_cost, parallelism=1
        )
        self._committer = Batcher(self.meta.apply_many, max_batch=128)
        self._blob_batcher: Batcher[bytes, str] = Batcher(self._put_blobs, max_batch=256)
        self._blob_lock = trio.Lock()
        self._inflight_blobs: dict[str, int] = {}
        self._gc_pending: dict[str, float] = {}
        #: address -> (account, expiry): delivery reads no table for a known recipient
        self._recipients: dict[str, tuple[Account, float]] = {}
        self._domains: tuple[frozenset[str], float] | None = None
        self.indexer = Indexer(
            self.meta,
            stores.blobs,
            stores.search,
            _doc_from_raw,
            search_doc_from_meta,
            lock_path=config.data_dir / "indexer.lock",
        )
        self.mailboxes = MailboxDirectory(
            self.supervisor,
            self.meta,
            self._committer,
            stores.bus,
            self._after_commit,
            config.actor_idle_seconds,
        )
        #: sessions and uploads of the web door, shared by every process on the stores
        self.web_sessions = WebSessions(stores.cache)
        self.uploads = Uploads(
            stores.cache, stores.queue, stores.blobs, put=self._put_blobs, collect=self._collect_blobs
        )

    async def _start(self) -> None:
        await self.supervisor.start("committer", self._committer.run)
        await self.supervisor.start("blob-writer", self._blob_batcher.run)
        await self.supervisor.start("indexer", self.indexer.run)
        await self.supervisor.start("sender", self._send_scheduled)
        await self.supervisor.start("blob-collector", self._blob_collector)
        await self.supervisor.start("upload-expiry", self.uploads.run)

    async def _stop(self) -> None:
        await self.indexer.flush(max_wait=5.0)
        self.indexer.close()
        self._committer.close()
        self._blob_batcher.close()

    # ------------------------------------------------------------ blobs

    async def _put_blobs(self, blobs: list[bytes]) -> list[str]:
        async with self._blob_lock:
            return await self.stores.blobs.put_many(blobs)

    async def _after_commit(self, account_id: int, mutations: Sequence[Mutation], outcomes: Sequence[Outcome]) -> None:
        self.indexer.kick()
        freed = [ref for o in outcomes for ref in o.freed_blobs]
        if freed:
            self._collect_blobs(freed)

    #: seconds an unreferenced blob is kept before it is deleted, so that a
    #: delivery of the same bytes still in flight (here or in another process
    #: on the same data) has committed its reference by then
    BLOB_GRACE_SECONDS = 60.0

    def _collect_blobs(self, refs: list[str]) -> None:
        """Queue blobs that lost their last message for deletion after the grace period."""
        due = trio.current_time() + self.BLOB_GRACE_SECONDS
        for ref in refs:
            self._gc_pending.setdefault(ref, due)

    async def collect_blobs(self, *, grace: float | None = None) -> int:
        """Delete queued blobs that nothing references any more; return how many.

        A blob is deleted only if, at that moment and under the blob lock, no
        message of any account and no queued send (outbound delivery, undo or
        scheduled send) references it, and no delivery of it is in flight.
        """
        now = trio.current_time()
        limit = now - (self.BLOB_GRACE_SECONDS if grace is None else grace) + self.BLOB_GRACE_SECONDS
        due = [ref for ref, when in self._gc_pending.items() if when <= limit]
        if not due:
            return 0
        async with self._blob_lock:
            candidates = [r for r in due if r not in self._inflight_blobs]
            still = await self.meta.blobs_referenced(candidates)
            queued = await self._queued_blobs() | await self.uploads.pinned()
            doomed = [r for r in candidates if r not in still and r not in queued]
            for ref in due:
                if ref in still or ref in queued or ref in doomed:
                    self._gc_pending.pop(ref, None)
            if doomed:
                try:
                    await self.stores.blobs.delete_many(doomed)
                except Exception:  # the blobs stay until a later sweep; nothing is lost
                    log.exception("could not delete %d unreferenced blobs", len(doomed))
                    for ref in doomed:
                        self._gc_pending[ref] = now + self.BLOB_GRACE_SECONDS
                    return 0
        return len(doomed)

    async def _queued_blobs(self) -> set[str]:
        refs: set[str] = set()
        for kind in ("outbound", "send"):
            for job in await self.stores.queue.list(kind=kind):
                for key in ("blob_ref", "sent_ref"):
                    value = job.payload.get(key)
                    if isinstance(value, str):
                        refs.add(value)
        return refs

    async def _blob_collector(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        while True:
            await trio.sleep(self.BLOB_GRACE_SECONDS / 4)
            try:
                await self.collect_blobs()
            except Exception:  # garbage waits for the next sweep
                log.exception("blob collection failed")

    @asynccontextmanager
    async def _blob_in_flight(self, raw: bytes) -> AsyncIterator[str]:
        import hashlib

        ref = hashlib.sha256(raw).hexdigest()
        self._inflight_blobs[ref] = self._inflight_blobs.get(ref, 0) + 1
        try:
            stored = await self._blob_batcher.submit(raw)
            yield stored
        finally:
            count = self._inflight_blobs[ref] - 1
            if count:
                self._inflight_blobs[ref] = count
            else:
                del self._inflight_blobs[ref]

    # ----------------------------------------------------------- labels

    async def labels(self, account_id: int) -> list[Label]:
        return list(await self.mailboxes.labels(account_id))

    async def label(self, account_id: int, name_or_id: str | int) -> Label:
        labels = await self.mailboxes.labels(account_id)
        if isinstance(name_or_id, int):
            for label in labels:
                if label.id == name_or_id:
                    return label
            raise LabelNotFound("no such label")
        name = name_or_id.strip()
        if name.upper() == "INBOX":
            name = "INBOX"
        for label in labels:
            if label.name == name:
                return label
        for label in labels:
            if label.name.casefold() == name.casefold():
                return label
        raise LabelNotFound(f"no such label: {name_or_id}")

    async def role_label(self, account_id: int, role: LabelRole) -> Label:
        for label in await self.mailboxes.labels(account_id):
            if label.role is role:
                return label
        raise LabelNotFound(f"account has no {role.value} label")

    async def _roles(self, account_id: int) -> dict[LabelRole, int]:
        return await self.mailboxes.roles(account_id)

    async def create_label(self, account_id: int, name: str, *, color: str | None = None) -> Label:
        outcome = await self._apply_one(account_id, CreateLabel(name, None, color))
        assert outcome.label is not None
        return outcome.label

    async def ensure_label(self, account_id: int, name: str) -> Label:
        try:
            return await self.label(account_id, name)
        except LabelNotFound:
            try:
                return await self.create_label(account_id, name)
            except AlreadyExists:
                return await self.label(account_id, name)

    async def rename_label(self, account_id: int, label: str | int, new_name: str) -> Label:
        target = await self.label(account_id, label)
        await self._apply_one(account_id, RenameLabel(target.id, new_name))
        return await self.label(account_id, target.id)

    async def update_label(
        self,
        account_id: int,
        label: str | int,
        *,
        color: str | None = None,
        clear_color: bool = False,
        subscribed: bool | None = None,
    ) -> Label:
        target = await self.label(account_id, label)
        await self._apply_one(account_id, UpdateLabel(target.id, color, clear_color, subscribed))
        return await self.label(account_id, target.id)

    async def delete_label(self, account_id: int, label: str | int) -> None:
        target = await self.label(account_id, label)
        await self._apply_one(account_id, DeleteLabel(target.id))

    async def _apply(self, account_id: int, mutations: list[Mutation]) -> list[Outcome]:
        return await self.mailboxes.apply(account_id, mutations)

    async def _apply_one(self, account_id: int, mutation: Mutation) -> Outcome:
        return (await self._apply(account_id, [mutation]))[0]

    # --------------------------------------------------------- delivery

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
        if len(raw) > self.config.limits.max_message_size:
            from mailcore.errors import MessageTooLarge

            raise MessageTooLarge(f"message is {len(raw)} bytes; the limit is {self.config.limits.max_message_size}")
        accounts: dict[int, str] = {}
        for rcpt in recipients:
            account = await self.resolve_recipient(rcpt)
            if account is None:
                raise NotLocalRecipient(rcpt)
            accounts.setdefault(account.id, account.address)
        parsed = parse_message(raw)
        when = internal_date if internal_date is not None else time.time()
        flag_set = frozenset(flags)
        message_ids: dict[str, int] = {}
        async with self._blob_in_flight(raw) as ref:

            async def one(account_id: int, address: str) -> None:
                label_ids = await self._delivery_labels(account_id, labels)
                record = record_from_parsed(
                    parsed, ref, flags=flag_set, label_ids=label_ids, internal_date=when
                )
                outcome = (await self._apply(account_id, [AddMessage(record)]))[0]
                mid = outcome.message_ids[0]
                message_ids[address] = mid
                self.indexer.hand_over(
                    search_doc(account_id, mid, outcome.thread_ids[0], parsed, when, label_ids, flag_set)
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

    async def _delivery_labels(self, account_id: int, names: Sequence[str]) -> frozenset[int]:
        roles = await self._roles(account_id)
        if not names:
            return frozenset({roles[LabelRole.INBOX], roles[LabelRole.ALL]})
        ids = {(await self.ensure_label(account_id, n)).id for n in names}
        return frozenset(self._gmail_rules(roles, ids))

    @staticmethod
    def _gmail_rules(roles: dict[LabelRole, int], ids: set[int]) -> set[int]:
        """Trash and Spam are outside All Mail; everything else is in it."""
        if roles[LabelRole.TRASH] in ids or roles[LabelRole.SPAM] in ids:
            ids.discard(roles[LabelRole.ALL])
            ids.discard(roles[LabelRole.INBOX])
        else:
            ids.add(roles[LabelRole.ALL])
        return ids

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
        if len(raw) > self.config.limits.max_message_size:
            from mailcore.errors import MessageTooLarge

            raise MessageTooLarge("message too large")
        target = await self.label(account_id, label)
        roles = await self._roles(account_id)
        flag_set = set(_check_flags(flags))
        ids = {target.id}
        if target.role is LabelRole.STARRED:
            flag_set.add("\\Flagged")
        if target.role is LabelRole.DRAFTS:
            flag_set.add("\\Draft")
        if "\\Flagged" in flag_set:
            ids.add(roles[LabelRole.STARRED])
        ids = self._gmail_rules(roles, ids)
        parsed = parse_message(raw)
        if target.role is LabelRole.SENT and parsed.message_id:
            # A mail client that sent through our submission port also APPENDs
            # its own copy to Sent; like Gmail, keep the one copy we already have.
            found = await self.meta.find_in_label(account_id, target.id, parsed.message_id)
            if found is not None:
                message_id, thread_id, uid = found
                return AppendResult(message_id, thread_id, target.id, uid, target.uidvalidity)
        when = internal_date if internal_date is not None else time.time()
        async with self._blob_in_flight(raw) as ref:
            record = record_from_parsed(
                parsed, ref, flags=frozenset(flag_set), label_ids=frozenset(ids), internal_date=when
            )
            outcome = (await self._apply(account_id, [AddMessage(record)]))[0]
        mid = outcome.message_ids[0]
        self.indexer.hand_over(
            search_doc(account_id, mid, outcome.thread_ids[0], parsed, when, frozenset(ids), frozenset(flag_set))
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
            refs = await self._put_blobs([it.raw for it in chunk])
            mutations: list[Mutation] = []
            docs = []
            for item, ref in zip(chunk, refs, strict=True):
                parsed = parse_message(item.raw)
                ids: set[int] = set()
                for name in item.labels:
                    try:
                        ids.add((await self.ensure_label(account_id, _importable_label(name))).id)
                    except InvalidName as exc:  # one odd label must not stop an import
                        log.warning("import: label %r skipped: %s", name, exc)
                flags = set(item.flags)
                if roles[LabelRole.STARRED] in ids:
                    flags.add("\\Flagged")
                if "\\Flagged" in flags:
                    ids.add(roles[LabelRole.STARRED])
                ids = self._gmail_rules(roles, ids)
                date = item.internal_date or (parsed.date.timestamp() if parsed.date else time.time())
                mutations.append(
                    AddMessage(
                        record_from_parsed(
                            parsed, ref, flags=frozenset(flags), label_ids=frozenset(ids), internal_date=date
                        )
                    )
                )
                docs.append((parsed, date, frozenset(ids), frozenset(flags)))
            outcomes = await self._apply(account_id, mutations)
            for outcome, (parsed, date, ids_, flags_) in zip(outcomes, docs, strict=True):
                mid = outcome.message_ids[0]
                self.indexer.hand_over(search_doc(account_id, mid, outcome.thread_ids[0], parsed, date, ids_, flags_))
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

    # ------------------------------------------------ people and figures

    async def contacts(self, account_id: int, prefix: str = "", *, limit: int = 10) -> list[Contact]:
        """Correspondents for autocomplete, ranked by frequency and recency."""
        if not 1 <= limit <= 100:
            raise InvalidArgument("limit must be between 1 and 100")
        rows = await self.meta.contacts(account_id, prefix, limit, time.time())
        return [Contact(name, address, score) for name, address, score in rows]

    async def insights(self, account_id: int, *, days: int = 90) -> dict[str, object]:
        """Mail received and sent per day, top correspondents, storage by label,
        and the largest conversations."""
        return await self.meta.insights(account_id, time.time() - days * 86400)

    async def attachment(self, account_id: int, message_id: int, section: str) -> tuple[bytes, str, str | None]:
        """A MIME part decoded for download: (bytes, content type, file name)."""
        raw = await self.message_bytes(account_id, message_id)
        found = part_content(raw, section)
        if found is None:
            raise NotFound(f"message has no part {section}")
        return found

    async def changed_since(self, account_id: int, modseq: int, *, limit: int = 1000) -> list[tuple[int, int]]:
        """(message id, modseq) of the account's messages changed after ``modseq``."""
        return await self.meta.account_changes(account_id, modseq, limit)

    # ---------------------------------------------------------- reading

    async def label_uids(self, account_id: int, label: str | int) -> list[tuple[int, int]]:
        """(UID, message id) of every message in a label, by UID."""
        target = await self.label(account_id, label)
        return await self.meta.label_uids(account_id, target.id)

    async def fetch(
        self, account_id: int, label: str | int, uid_min: int = 1, uid_max: int | None = None
    ) -> list[MessageMeta]:
        """Everything IMAP FETCH needs except the bytes, for a UID range of a label."""
        target = await self.label(account_id, label)
        actor = await self.mailboxes.actor(account_id)
        return await actor.fetch_label(target.id, uid_min, uid_max)

    async def messages(self, account_id: int, message_ids: Sequence[int]) -> list[MessageMeta]:
        """The account's messages among ``message_ids`` (others are silently absent)."""
        return await self.meta.fetch_messages(account_id, message_ids)

    async def message(self, account_id: int, message_id: int) -> MessageMeta:
        found = await self.meta.fetch_messages(account_id, [message_id])
        if not found:
            raise MessageNotFound("no such message")
        return found[0]

    async def message_bytes(
        self, account_id: int, message_id: int, byte_range: tuple[int, int] | None = None
    ) -> bytes:
        meta = await self.message(account_id, message_id)
        return await self.stores.blobs.get(meta.blob_ref, byte_range)

    async def read_blob(self, meta: MessageMeta, byte_range: tuple[int, int] | None = None) -> bytes:
        """The bytes of a message already read through this account's calls."""
        return await self.stores.blobs.get(meta.blob_ref, byte_range)

    async def message_section(self, account_id: int, message_id: int, section: str) -> bytes | None:
        """IMAP ``BODY[section]`` of a message: exact bytes, or None if no such part."""
        raw = await self.message_bytes(account_id, message_id)
        return fetch_section(raw, section)

    async def changes_since(self, account_id: int, label: str | int, modseq: int) -> Changes:
        target = await self.label(account_id, label)
        return await self.meta.changes_since(account_id, target.id, modseq)

    async def highest_modseq(self, account_id: int) -> int:
        return await self.meta.highest_modseq(account_id)

    async def threads(
        self, account_id: int, label: str | int | None = "INBOX", *, cursor: str | None = None, limit: int = 50
    ) -> ThreadPage:
        """A label's conversations, newest first (``label=None``: every one)."""
        if not 1 <= limit <= 500:
            raise InvalidArgument("limit must be between 1 and 500")
        label_id = (await self.label(account_id, label)).id if label is not None else None
        return await self.meta.threads(account_id, label_id, cursor, limit)

    async def thread(self, account_id: int, thread_id: int) -> Thread:
        found = await self.meta.thread(account_id, thread_id)
        if found is None:
            raise ThreadNotFound("no such thread")
        return found

    # ---------------------------------------------------------- changes

    async def store_flags(
        self,
        account_id: int,
        message_ids: Sequence[int],
        *,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        replace: Iterable[str] | None = None,
        unchanged_since: int | None = None,
    ) -> FlagResult:
        """Set and clear flags; ``\\Flagged`` and the Starred label move together."""
        add_set = _check_flags(add)
        remove_set = _check_flags(remove)
        replace_set = _check_flags(replace) if replace is not None else None
        roles = await self._roles(account_id)
        ids = tuple(message_ids)
        starred = roles[LabelRole.STARRED]
        star: Mutation | None = None
        if replace_set is not None:
            star = ChangeLabels(ids, **{"add" if "\\Flagged" in replace_set else "remove": frozenset({starred})})
        elif "\\Flagged" in add_set:
            star = ChangeLabels(ids, add=frozenset({starred}))
        elif "\\Flagged" in remove_set:
            star = ChangeLabels(ids, remove=frozenset({starred}))
        flags = SetFlags(ids, add_set, remove_set, replace_set, unchanged_since)
        if star is not None and unchanged_since is not None:
            # the star follows only the messages whose flags the condition let change
            flag_outcome = (await self._apply(account_id, [flags]))[0]
            survivors = tuple(i for i in ids if i not in set(flag_outcome.modified))
            if survivors:
                assert isinstance(star, ChangeLabels)
                await self._apply(account_id, [ChangeLabels(survivors, star.add, star.remove)])
        else:
            flag_outcome = (await self._apply(account_id, [flags] if star is None else [flags, star]))[0]
        changed = await self.meta.fetch_messages(account_id, flag_outcome.message_ids)
        return FlagResult(flag_outcome.modseq, changed, list(flag_outcome.modified))

    async def modify_labels(
        self,
        account_id: int,
        message_ids: Sequence[int],
        *,
        add: Iterable[str | int] = (),
        remove: Iterable[str | int] = (),
    ) -> Outcome:
        """Add and remove labels, keeping Gmail's rules (Starred is ``\\Flagged``,
        Trash and Spam leave All Mail and Inbox, leaving them returns to All Mail)."""
        roles = await self._roles(account_id)
        add_ids = {(await self.label(account_id, x)).id for x in add}
        remove_ids = {(await self.label(account_id, x)).id for x in remove} - add_ids
        trashlike = {roles[LabelRole.TRASH], roles[LabelRole.SPAM]}
        if add_ids & trashlike:
            remove_ids |= {roles[LabelRole.ALL], roles[LabelRole.INBOX]} | (trashlike - add_ids)
        elif remove_ids & trashlike:
            add_ids.add(roles[LabelRole.ALL])  # out of Trash or Spam: back in All Mail
        if roles[LabelRole.ALL] in remove_ids and not add_ids & trashlike:
            raise InvalidArgument("All Mail cannot be removed; delete or trash the message instead")
        ids = tuple(message_ids)
        mutations: list[Mutation] = [ChangeLabels(ids, frozenset(add_ids), frozenset(remove_ids))]
        if roles[LabelRole.STARRED] in add_ids:
            mutations.append(SetFlags(ids, add=frozenset({"\\Flagged"})))
        elif roles[LabelRole.STARRED] in remove_ids:
            mutations.append(SetFlags(ids, remove=frozenset({"\\Flagged"})))
        return (await self._apply(account_id, mutations))[0]

    async def copy(self, account_id: int, message_ids: Sequence[int], to_label: str | int) -> CopyResult:
        """IMAP COPY: the messages gain the label (Gmail stores each message once)."""
        target = await self.label(account_id, to_label)
        outcome = await self.modify_labels(account_id, message_ids, add=[target.id])
        return await self._copy_result(account_id, target, message_ids, outcome)

    async def move(
        self, account_id: int, message_ids: Sequence[int], from_label: str | int, to_label: str | int
    ) -> CopyResult:
        """IMAP MOVE: gain the destination label, lose the source one (All Mail
        is never lost this way; moving to Trash or Spam leaves All Mail)."""
        source = await self.label(account_id, from_label)
        target = await self.label(account_id, to_label)
        remove: list[str | int] = []
        if source.id != target.id and source.role not in (LabelRole.ALL,):
            remove.append(source.id)
        outcome = await self.modify_labels(account_id, message_ids, add=[target.id], remove=remove)
        return await self._copy_result(account_id, target, message_ids, outcome)

    async def _copy_result(
        self, account_id: int, target: Label, message_ids: Sequence[int], outcome: Outcome
    ) -> CopyResult:
        uids = {mid: uid for (mid, lid), uid in outcome.uids.items() if lid == target.id}
        missing = [m for m in message_ids if m not in uids]
        if missing:
            existing = {mid: uid for uid, mid in await self.meta.label_uids(account_id, target.id)}
            for m in missing:
                if m in existing:
                    uids[m] = existing[m]
        return CopyResult(target.id, target.uidvalidity, uids)

    async def expunge(self, account_id: int, label: str | int, message_ids: Sequence[int]) -> Outcome:
        """IMAP EXPUNGE in a label: messages leave that label; expunged from
        All Mail, Trash or Spam they are deleted for good."""
        target = await self.label(account_id, label)
        ids = tuple(message_ids)
        if target.role in (LabelRole.ALL, LabelRole.TRASH, LabelRole.SPAM):
            return await self.delete_messages(account_id, ids)
        mutations: list[Mutation] = [
            ChangeLabels(ids, remove=frozenset({target.id})),
            SetFlags(ids, remove=frozenset({"\\Deleted"})),
        ]
        if target.role is LabelRole.STARRED:
            mutations.append(SetFlags(ids, remove=frozenset({"\\Flagged"})))
        return (await self._apply(account_id, mutations))[0]

    async def delete_messages(self, account_id: int, message_ids: Sequence[int]) -> Outcome:
        """Delete messages for good, from every label."""
        return await self._apply_one(account_id, DeleteMessages(tuple(message_ids)))

    # ----------------------------------------------------------- search

    async def compile_query(self, account_id: int, query: str | Query) -> Query:
        """Parse a Gmail query and resolve its labels for this account.

        Like Gmail, messages in Trash and Spam match only when the query
        names one of those labels (or ``in:anywhere``).
        """
        tree = parse_query(query) if isinstance(query, str) else query
        labels = await self.mailboxes.labels(account_id)
        by_key: dict[str, set[int]] = {}
        for lb in labels:
            by_key.setdefault(_label_key(lb.name), set()).add(lb.id)
            if lb.role is not None:
                by_key.setdefault(lb.role.value, set()).add(lb.id)
        names_used: list[str] = []

        def resolve(name: str) -> frozenset[int]:
            names_used.append(name)
            key = _label_key(name)
            found = set(by_key.get(key, set()))
            # label:work also matches its children, as in Gmail
            for lb in labels:
                if _label_key(lb.name).startswith(key + "-"):
                    found.add(lb.id)
            return frozenset(found)

        resolved = resolve_labels(tree, resolve)
        roles = {lb.role: lb.id for lb in labels if lb.role is not None}
        wants_hidden = any(_label_key(n) in ("trash", "spam", "anywhere") for n in names_used)
        if not wants_hidden and not _mentions_anywhere(query):
            hidden = frozenset({roles[LabelRole.TRASH], roles[LabelRole.SPAM]})
            resolved = And((resolved, Not(LabelIds(hidden))))
        return resolved

    async def search(
        self, account_id: int, query: str | Query, *, cursor: str | None = None, limit: int = 50
    ) -> SearchResult:
        """Messages matching a Gmail query, newest first.

        Waits for the index to take in everything committed before the call.
        Raises :class:`mailcore.errors.QuerySyntaxError` for a malformed query.
        """
        if not 1 <= limit <= 1000:
            raise InvalidArgument("limit must be between 1 and 1000")
        compiled = await self.compile_query(account_id, query)
        await self.indexer.flush()
        page = await self.stores.search.query(account_id, compiled, limit=limit, cursor=cursor, now=time.time())
        metas = await self.meta.fetch_messages(account_id, page.message_ids)
        return SearchResult(metas, page.next_cursor)

    async def search_ids(self, account_id: int, query: str | Query, *, max_results: int = 100_000) -> list[int]:
        """Every matching message id (for IMAP SEARCH X-GM-RAW)."""
        compiled = await self.compile_query(account_id, query)
        await self.indexer.flush()
        out: list[int] = []
        cursor = None
        while len(out) < max_results:
            page = await self.stores.search.query(account_id, compiled, limit=1000, cursor=cursor, now=time.time())
            out.extend(page.message_ids)
            cursor = page.next_cursor
            if cursor is None:
                break
        return out[:max_results]

    async def search_threads(
        self, account_id: int, query: str | Query, *, cursor: str | None = None, limit: int = 50
    ) -> ThreadPage:
        """Conversations with a matching message, newest match first."""
        result = await self.search(account_id, query, cursor=cursor, limit=limit)
        thread_ids = list(dict.fromkeys(m.thread_id for m in result.messages))
        summaries = await self.meta.thread_summaries(account_id, thread_ids)
        return ThreadPage(summaries, result.next_cursor)

    # ------------------------------------------------------------ watch

    def watch(self, account_id: int, *, buffer: int = 1024) -> AbstractAsyncContextManager[Subscription]:
        """Change events of one account, as they are committed.

        ``async with engine.watch(account_id) as events: async for ev in events``.
        A watcher that falls more than ``buffer`` events behind receives a
        ``resync`` event and must re-read what it shows.
        """
        return self.stores.bus.subscribe(account_id, buffer)

    # ----------------------------------------------------------- status

    def stats(self) -> dict[str, int]:
        return {
            "active_mailboxes": self.mailboxes.active,
            "activations": self.mailboxes.activations,
            "indexed": self.indexer.indexed,
        }


def _mentions_anywhere(query: str | Query) -> bool:
    return isinstance(query, str) and "in:anywhere" in query.lower()


def _importable_label(name: str) -> str:
    """A label name from another system made acceptable here (``Work*`` -> ``Work_``)."""
    cleaned = "".join("_" if ch in "*%" or ord(ch) < 32 else ch for ch in name)
    return "/".join(part.strip() for part in cleaned.split("/") if part.strip()) or name


@asynccontextmanager
async def open_engine(config: Config | None = None) -> AsyncIterator[Engine]:
    """Open the engine and its stores; close everything on exit.

    With no config, the embedded default in the data directory
    (``$MAILCORE_DATA_DIR`` or ``~/.local/share/mailcore``).
    """
    config = config or Config.load()
    stores = await open_stores(config)
    try:
        with single_errors():
            async with trio.open_nursery() as nursery:
                engine = Engine(config, stores, nursery)
                await engine._start()
                try:
                    yield engine
                finally:
                    with trio.CancelScope(shield=True):
                        await engine._stop()
                    nursery.cancel_scope.cancel()
    finally:
        with trio.CancelScope(shield=True):
            await stores.aclose()
