"""The indexer: keeps the search index in step with the meta store.

Every committed change leaves an entry in the meta store's index outbox, in
the same transaction. The indexer drains that outbox in batches, so the
index catches up after a crash, and a search can wait for it to catch up
(read-your-writes) with :meth:`Indexer.flush`. Documents built at delivery are
handed over in memory; after a restart they are rebuilt from the blobs.
"""

from __future__ import annotations

import fcntl
import logging
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import IO

import trio

from mailcore.errors import BlobNotFound, Unavailable
from mailcore.model import MessageMeta
from mailcore.store.base import BlobStore, DocState, SearchDoc, SearchIndex
from mailcore.store.meta import MetaStore

log = logging.getLogger("mailcore.indexer")

#: Build a SearchDoc from raw bytes, for documents not handed over in memory.
DocBuilder = Callable[[int, int, int, bytes, float, frozenset[int], frozenset[str]], SearchDoc]
#: Build a SearchDoc from metadata alone, when a message's bytes cannot be read.
MetaDocBuilder = Callable[[MessageMeta], SearchDoc]


class Indexer:
    def __init__(
        self,
        meta: MetaStore,
        blobs: BlobStore,
        index: SearchIndex,
        build_doc: DocBuilder,
        build_from_meta: MetaDocBuilder,
        *,
        batch: int = 500,
        memory_docs: int = 20_000,
        gather: float = 0.02,
        lock_path: Path | None = None,
    ) -> None:
        self.gather = gather
        self._lock_path = lock_path
        self._lock_file: IO[bytes] | None = None
        #: this process indexes; others on the same data only wait for it
        self.leader = lock_path is None
        self.meta = meta
        self.blobs = blobs
        self.index = index
        self.build_doc = build_doc
        self.build_from_meta = build_from_meta
        self.batch = batch
        self._docs: OrderedDict[int, SearchDoc] = OrderedDict()
        self._memory_docs = memory_docs
        self._wake = trio.Event()
        self._passes_started = 0
        self._idle_pass = 0
        self._idle_changed = trio.Event()
        self.indexed = 0

    def hand_over(self, doc: SearchDoc) -> None:
        """Keep a document built at delivery until the outbox names it."""
        self._docs[doc.message_id] = doc
        while len(self._docs) > self._memory_docs:
            self._docs.popitem(last=False)

    def kick(self) -> None:
        self._wake.set()

    async def flush(self, max_wait: float = 10.0) -> None:
        """Wait until everything committed before this call is indexed
        (by this process, or by the process on the same data that indexes)."""
        if not self.leader:
            await self._flush_elsewhere(max_wait)
            return
        # a pass that starts after this call and finds the outbox empty
        target = self._passes_started + 1
        self.kick()
        # bounded: a search under heavy load answers from a slightly stale index
        with trio.move_on_after(max_wait):
            while self._idle_pass < target:
                await self._idle_changed.wait()

    async def _flush_elsewhere(self, max_wait: float) -> None:
        _low, target = await self.meta.index_backlog()
        if target is None:
            return
        with trio.move_on_after(max_wait):
            while True:
                low, _high = await self.meta.index_backlog()
                if low is None or low > target:
                    return
                await trio.sleep(0.02)

    def _try_lead(self) -> bool:
        """Take the data directory's indexer lock: two processes indexing one
        outbox could write an older document over a newer one."""
        if self._lock_path is None:
            return True
        if self._lock_file is None:
            self._lock_path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_file = open(self._lock_path, "ab")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def close(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        self.leader = self._try_lead()
        task_status.started()
        while not self.leader:
            await trio.sleep(2.0)
            self.leader = self._try_lead()
        failures = 0
        while True:
            self._passes_started += 1
            this_pass = self._passes_started
            self._wake = trio.Event()
            try:
                did = await self.step()
            except Exception as exc:
                # search is derived data: never take the engine down for it;
                # back off and try again (the outbox keeps what is pending)
                failures += 1
                if isinstance(exc, Unavailable):
                    log.warning("indexing waits for the store (%s); retry %d", exc, failures)
                else:
                    log.exception("indexing failed (%d in a row); retrying", failures)
                await trio.sleep(min(60.0, 0.5 * 2**min(failures, 7)))
                continue
            failures = 0
            if did:
                continue
            self._idle_pass = this_pass
            self._idle_changed.set()
            self._idle_changed = trio.Event()
            with trio.move_on_after(1.0):
                await self._wake.wait()
            # let a burst of commits gather into one index batch
            await trio.sleep(self.gather)

    async def step(self) -> int:
        """Index one batch from the outbox; return how many entries it took."""
        entries = await self.meta.index_pending(self.batch)
        if not entries:
            return 0
        by_account: dict[int, list[tuple[int, str, int]]] = {}
        for message_id, account_id, kind, seq in entries:
            by_account.setdefault(account_id, []).append((message_id, kind, seq))
        docs: list[SearchDoc] = []
        for account_id, items in by_account.items():
            docs.extend(await self._index_account(account_id, items))
        if docs:  # every account's new documents in one index write
            await self.index.index_many(docs)
        await self.meta.index_done([(mid, seq) for mid, _acc, _kind, seq in entries])
        self.indexed += len(entries)
        return len(entries)

    async def _index_account(self, account_id: int, items: list[tuple[int, str, int]]) -> list[SearchDoc]:
        """Apply one account's state changes and deletions; return its new documents."""
        deletes = [mid for mid, kind, _ in items if kind == "delete"]
        live = [mid for mid, kind, _ in items if kind != "delete"]
        metas = {m.id: m for m in await self.meta.fetch_messages(account_id, live)} if live else {}
        docs: list[SearchDoc] = []
        states: list[DocState] = []
        for mid, kind, _ in items:
            if kind == "delete":
                self._docs.pop(mid, None)
                continue
            meta = metas.get(mid)
            if meta is None:  # deleted since; its delete entry follows
                continue
            if kind == "state":
                states.append(DocState(mid, meta.label_ids, meta.flags))
                continue
            doc = self._docs.pop(mid, None)
            if doc is None:
                try:
                    raw = await self.blobs.get(meta.blob_ref)
                    doc = self.build_doc(
                        account_id, mid, meta.thread_id, raw, meta.internal_date, meta.label_ids, meta.flags
                    )
                except (BlobNotFound, ValueError, UnicodeError) as exc:
                    # index what the meta store knows rather than stall every search
                    log.warning("message %s indexed from its metadata only: %s", mid, exc)
                    doc = self.build_from_meta(meta)
            else:
                doc = _with_state(doc, meta.label_ids, meta.flags)
            docs.append(doc)
        if states:
            await self.index.update_state(account_id, states)
        if deletes:
            await self.index.delete_many(account_id, deletes)
        return docs


def _with_state(doc: SearchDoc, labels: frozenset[int], flags: frozenset[str]) -> SearchDoc:
    import attrs

    return attrs.evolve(doc, labels=labels, flags=flags)


