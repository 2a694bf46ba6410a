"""A look inside a running engine, for tests and benchmarks only; not a stable API.

The engine keeps its stores, indexer and mailbox actors to itself: every door
uses its public methods. A test that must watch an actor passivate, or a
benchmark that must wait for the index, asks :func:`engine_internals` for
them instead of reaching into private attributes, so that the engine's
insides can change with one place to follow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from mailcore._accounts import Accounts
    from mailcore._actors.indexer import Indexer
    from mailcore._actors.mailbox import MailboxDirectory
    from mailcore._blobs import BlobKeeper
    from mailcore._engine import Engine
    from mailcore.store import Stores


@attrs.frozen
class EngineInternals:
    """The parts of one engine that tests and benchmarks may look at.

    For tests and benchmarks only; not a stable API.
    """

    #: the storage adapters the engine was opened on
    stores: Stores
    #: the search indexer (``flush`` waits for everything committed so far)
    indexer: Indexer
    #: the directory of per-account mailbox actors (``active`` counts them)
    mailboxes: MailboxDirectory
    #: the accounts part (password checks and login throttling)
    accounts: Accounts
    #: the blob keeper (``release`` queues blobs for collection)
    blobs: BlobKeeper


def engine_internals(engine: Engine) -> EngineInternals:
    """The stores, indexer, mailbox actors, accounts part and blob keeper of ``engine``.

    For tests and benchmarks only; not a stable API.
    """
    return EngineInternals(engine._stores, engine._indexer, engine._mailboxes, engine._accounts, engine._keeper)
