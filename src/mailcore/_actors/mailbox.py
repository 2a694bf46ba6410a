"""MailboxActor: one per active account, activated on use, passivated when idle.

The actor serialises its account's mutations, batches whatever is waiting
into one store transaction (which the engine's group committer may share
with other accounts), and publishes a change event per committed mutation.
It caches the account's labels between changes. The store stays the source
of truth: UIDs and MODSEQs are allocated inside the store transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import trio

from mailcore._actors._batch import Batcher, Reply
from mailcore._actors.supervisor import Supervisor
from mailcore.errors import Closed, StoreError
from mailcore.model import ChangeEvent, ChangeKind, Label, LabelRole, MessageMeta
from mailcore.store.base import Bus
from mailcore.store.meta import (
    AddMessage,
    ChangeLabels,
    CreateLabel,
    DeleteLabel,
    DeleteMessages,
    MetaStore,
    Mutation,
    Outcome,
    RenameLabel,
    SetFlags,
    UpdateLabel,
)

log = logging.getLogger("mailcore.mailbox")

Committer = Batcher[tuple[int, Sequence[Mutation]], list[Outcome]]
OnCommitted = Callable[[int, Sequence[Mutation], Sequence[Outcome]], Awaitable[None]]

_KIND = {
    AddMessage: ChangeKind.DELIVERED,
    SetFlags: ChangeKind.FLAGS,
    ChangeLabels: ChangeKind.LABELS,
    DeleteMessages: ChangeKind.EXPUNGED,
    CreateLabel: ChangeKind.LABEL_LIST,
    RenameLabel: ChangeKind.LABEL_LIST,
    UpdateLabel: ChangeKind.LABEL_LIST,
    DeleteLabel: ChangeKind.LABEL_LIST,
}


def events_for(account_id: int, mutations: Sequence[Mutation], outcomes: Sequence[Outcome]) -> list[ChangeEvent]:
    """The change events that committed mutations produce (no-ops produce none)."""
    events = []
    for mutation, outcome in zip(mutations, outcomes, strict=True):
        kind = _KIND[type(mutation)]
        if kind is not ChangeKind.LABEL_LIST and not outcome.message_ids:
            continue
        events.append(
            ChangeEvent(
                account_id=account_id,
                kind=kind,
                modseq=outcome.modseq,
                message_ids=outcome.message_ids,
                thread_ids=outcome.thread_ids,
                label_ids=outcome.label_ids,
            )
        )
    return events


class MailboxActor:
    """Serialises and batches one account's writes; caches its labels."""

    def __init__(self, account_id: int, directory: MailboxDirectory, buffer: int = 256) -> None:
        self.account_id = account_id
        self._directory = directory
        self._send, self._receive = trio.open_memory_channel[tuple[list[Mutation], Reply[list[Outcome]]]](buffer)
        self._roles: dict[LabelRole, int] | None = None
        #: label id -> uid -> metadata; an entry is used only while its MODSEQ
        #: is the store's, so changes made by other nodes are never missed
        self._metas: dict[int, dict[int, MessageMeta]] = {}
        self._cached = 0
        self.last_used = trio.current_time()
        self.closed = False

    async def submit(self, mutations: list[Mutation]) -> list[Outcome]:
        reply: Reply[list[Outcome]] = Reply()
        try:
            await self._send.send((mutations, reply))
        except (trio.ClosedResourceError, trio.BrokenResourceError) as exc:
            raise _Passivated() from exc
        return await reply.wait()

    async def labels(self) -> list[Label]:
        """The account's labels with their counts, read from the store each time:
        another process (an SMTP daemon beside an IMAP one) may have changed them."""
        self.last_used = trio.current_time()
        return await self._directory.meta.labels(self.account_id)

    async def roles(self) -> dict[LabelRole, int]:
        """Label id of each system label; kept across commits (they change counts, not roles)."""
        self.last_used = trio.current_time()
        if self._roles is None:
            self._roles = {lb.role: lb.id for lb in await self.labels() if lb.role is not None}
        return self._roles

    #: metadata entries one actor keeps (about 1-2 KB each)
    CACHE_LIMIT = 60_000

    async def fetch_label(self, label_id: int, uid_min: int = 1, uid_max: int | None = None) -> list[MessageMeta]:
        """A label's messages in a UID range, from the cache where still current."""
        self.last_used = trio.current_time()
        meta = self._directory.meta
        versions = await meta.label_versions(self.account_id, label_id, uid_min, uid_max)
        cache = self._metas.setdefault(label_id, {})
        missing = []
        for uid, message_id, modseq in versions:
            hit = cache.get(uid)
            if hit is None or hit.modseq != modseq or hit.id != message_id:
                missing.append(uid)
        fetched: dict[int, MessageMeta] = {}
        if missing:
            for m in await meta.fetch_label_uids(self.account_id, label_id, missing):
                assert m.uid is not None
                fetched[m.uid] = m
        out = []
        for uid, message_id, _modseq in versions:
            hit = fetched.get(uid) or cache.get(uid)
            if hit is not None and hit.id == message_id:
                out.append(hit)
        # remember what was fetched, within the cache's bound
        if fetched:
            if self._cached + len(fetched) > self.CACHE_LIMIT:
                self._metas = {}
                self._cached = 0
                cache = self._metas.setdefault(label_id, {})
            if len(fetched) <= self.CACHE_LIMIT:
                for uid, m in fetched.items():
                    if uid not in cache:
                        self._cached += 1
                    cache[uid] = m
        return out

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        idle = self._directory.idle_seconds
        try:
            while True:
                first = None
                with trio.move_on_after(idle):
                    first = await self._receive.receive()
                if first is not None:
                    # never cancelled mid-batch: a batch commits fully or not at all
                    await self._serve([first, *self._drain()])
                    continue
                if trio.current_time() - self.last_used < idle:
                    continue
                # idle: leave the directory first so no new caller finds us,
                # then serve anything already queued before closing
                self._directory._forget(self)
                while pending := self._drain():
                    await self._serve(pending)
                break
        finally:
            self.closed = True
            self._directory._forget(self)
            for _mutations, reply in self._drain():
                reply.fail(Closed("mailbox actor stopped"))
            self._receive.close()

    def _drain(self) -> list[tuple[list[Mutation], Reply[list[Outcome]]]]:
        items: list[tuple[list[Mutation], Reply[list[Outcome]]]] = []
        while len(items) < 512:
            try:
                items.append(self._receive.receive_nowait())
            except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
                break
        return items

    async def _serve(self, requests: list[tuple[list[Mutation], Reply[list[Outcome]]]]) -> None:
        self.last_used = trio.current_time()
        flat: list[Mutation] = [m for muts, _ in requests for m in muts]
        try:
            outcomes = await self._directory.committer.submit((self.account_id, flat))
        except Exception as exc:
            if len(requests) == 1 or isinstance(exc, (StoreError, Closed)):
                for _muts, reply in requests:
                    reply.fail(exc)
                return
            # one request's bad input must not fail the others: retry alone
            for request in requests:
                await self._serve([request])
            return
        if any(isinstance(m, (CreateLabel, RenameLabel, UpdateLabel, DeleteLabel)) for m in flat):
            self._roles = None
        try:
            await self._directory.committed(self.account_id, flat, outcomes)
        except StoreError as exc:  # the commit stands; watchers resync when the bus is back
            log.warning("publishing changes of account %s failed: %s", self.account_id, exc)
        except Exception:  # the commit stands; watchers resync from the store
            log.exception("publishing changes of account %s failed", self.account_id)
        start = 0
        for muts, reply in requests:
            reply.set(outcomes[start : start + len(muts)])
            start += len(muts)


class _Passivated(Exception):
    """The actor closed between lookup and send; the caller looks again."""


class MailboxDirectory:
    """Finds or activates the MailboxActor of an account."""

    def __init__(
        self,
        supervisor: Supervisor,
        meta: MetaStore,
        committer: Committer,
        bus: Bus,
        on_committed: OnCommitted,
        idle_seconds: float,
    ) -> None:
        self.supervisor = supervisor
        self.meta = meta
        self.committer = committer
        self.bus = bus
        self.idle_seconds = idle_seconds
        self._on_committed = on_committed
        self._actors: dict[int, MailboxActor] = {}
        self.activations = 0

    @property
    def active(self) -> int:
        return len(self._actors)

    def _forget(self, actor: MailboxActor) -> None:
        if self._actors.get(actor.account_id) is actor:
            del self._actors[actor.account_id]

    async def actor(self, account_id: int) -> MailboxActor:
        actor = self._actors.get(account_id)
        if actor is None or actor.closed:
            actor = MailboxActor(account_id, self)
            self._actors[account_id] = actor
            self.activations += 1
            await self.supervisor.start(f"mailbox-{account_id}", actor.run, restart=False)
        actor.last_used = trio.current_time()
        return actor

    async def apply(self, account_id: int, mutations: list[Mutation]) -> list[Outcome]:
        for _ in range(3):
            actor = await self.actor(account_id)
            try:
                return await actor.submit(mutations)
            except _Passivated:
                continue
        raise Closed("mailbox actor unavailable")

    async def labels(self, account_id: int) -> list[Label]:
        return await (await self.actor(account_id)).labels()

    async def roles(self, account_id: int) -> dict[LabelRole, int]:
        return await (await self.actor(account_id)).roles()

    async def committed(self, account_id: int, mutations: Sequence[Mutation], outcomes: Sequence[Outcome]) -> None:
        events = events_for(account_id, mutations, outcomes)
        if events:
            await self.bus.publish(events)
        await self._on_committed(account_id, mutations, outcomes)
