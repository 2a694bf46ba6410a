"""Watching: an account's changes as they are committed, and the engine's
figures for monitoring. The engine's watch part."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from mailcore._actors.indexer import Indexer
from mailcore._actors.mailbox import MailboxDirectory
from mailcore.store.base import Bus, Subscription


class Watch:
    """Change events per account, and how busy the engine is."""

    def __init__(self, bus: Bus, mailboxes: MailboxDirectory, indexer: Indexer) -> None:
        self._bus = bus
        self._mailboxes = mailboxes
        self._indexer = indexer

    def watch(self, account_id: int, *, buffer: int = 1024) -> AbstractAsyncContextManager[Subscription]:
        """Change events of one account, as they are committed.

        ``async with engine.watch(account_id) as events: async for ev in events``.
        A watcher that falls more than ``buffer`` events behind receives a
        ``resync`` event and must re-read what it shows.
        """
        return self._bus.subscribe(account_id, buffer)

    def stats(self) -> dict[str, int]:
        """Figures for monitoring: mailbox actors active now and activated so
        far, and messages indexed by this process."""
        return {
            "active_mailboxes": self._mailboxes.active,
            "activations": self._mailboxes.activations,
            "indexed": self._indexer.indexed,
        }
