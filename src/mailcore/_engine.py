"""The engine facade: the one object every door talks to.

Open it with ``async with mailcore.open_engine(config) as engine:``. Every
operation that reads or changes an account's mail takes the account id and
checks that what it names belongs to that account, so no door can reach
another account's data by guessing ids.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

import trio
from argon2 import PasswordHasher

from mailcore._accounts import Accounts
from mailcore._actors._batch import Batcher
from mailcore._actors.indexer import Indexer
from mailcore._actors.mailbox import Committer, MailboxDirectory
from mailcore._actors.supervisor import Supervisor, single_errors
from mailcore._blobs import BlobKeeper
from mailcore._config import Config
from mailcore._connections import ConnectionLimit, ConnectionTable
from mailcore._delivery import Delivery
from mailcore._labels import Labels
from mailcore._messages import Messages
from mailcore._records import _doc_from_raw, search_doc_from_meta
from mailcore._searching import Search
from mailcore._submission import Sending
from mailcore._uploads import Uploads
from mailcore._watching import Watch
from mailcore._web_sessions import WebSessions
from mailcore.store import Stores, open_stores
from mailcore.store.meta import Mutation, Outcome

P = ParamSpec("P")
R = TypeVar("R")


def _forward(part: str, method: Callable[Concatenate[Any, P], R]) -> Callable[Concatenate[Engine, P], R]:
    """An :class:`Engine` method that calls ``method`` on the engine's ``part``.

    It keeps the part's name, signature and docstring (for ``help`` and
    ``inspect.signature``), and type checkers see the part's parameters.
    """
    name = method.__name__

    @functools.wraps(method)
    def forward(self: Engine, /, *args: P.args, **kwargs: P.kwargs) -> R:
        bound: Callable[P, R] = getattr(getattr(self, part), name)
        return bound(*args, **kwargs)

    forward.__module__ = __name__
    forward.__qualname__ = f"Engine.{name}"
    return forward


class Engine:
    """Accounts, delivery, labels, messages, threads, search and watch.

    One facade over the engine's parts (accounts, delivery, labels,
    messages, sending, search, watch), each of which is given only the stores
    and parts it needs. Open it with :func:`open_engine`; its stores, actors
    and indexer are its own (tests look inside with
    :func:`mailcore.testing.engine_internals`).
    """

    def __init__(
        self,
        config: Config,
        *,
        stores: Stores,
        supervisor: Supervisor,
        committer: Committer,
        indexer: Indexer,
        mailboxes: MailboxDirectory,
        keeper: BlobKeeper,
        accounts: Accounts,
        labels: Labels,
        messages: Messages,
        delivery: Delivery,
        sending: Sending,
        search: Search,
        watch: Watch,
        web_sessions: WebSessions,
        uploads: Uploads,
    ) -> None:
        self.config = config
        self._stores = stores
        self._supervisor = supervisor
        self._committer = committer
        self._indexer = indexer
        self._mailboxes = mailboxes
        self._keeper = keeper
        self._accounts = accounts
        self._labels = labels
        self._messages = messages
        self._delivery = delivery
        self._sending = sending
        self._search = search
        self._watch = watch
        #: the web door's sessions and uploads, shared by every process on the stores
        self.web_sessions = web_sessions
        self.uploads = uploads
        self._draining = trio.Event()
        #: set by ``mailcore serve`` in a worker: the counts of every worker
        self._connection_table: ConnectionTable | None = None

    def connection_limit(self, door: str) -> ConnectionLimit:
        """A count of ``door``'s open connections per client address against
        ``limits.max_connections_per_ip``. Under ``mailcore serve --workers
        N`` it counts the connections of every worker, so an address holds
        at most that many on the whole server."""
        return ConnectionLimit(door, self.config.limits.max_connections_per_ip, self._connection_table)

    # ------------------------------------------------------------ drain

    @property
    def draining(self) -> trio.Event:
        """Set when the service is asked to stop (``mailcore serve`` got
        SIGTERM): doors stop accepting connections, let each session finish
        what it is in the middle of (an SMTP transaction, an IMAP command, an
        HTTP request), then close it. The engine itself keeps working until
        it is closed."""
        return self._draining

    def drain(self) -> None:
        """Ask every door to stop taking work; see :attr:`draining`."""
        self._draining.set()

    async def _start(self) -> None:
        await self._supervisor.start("committer", self._committer.run)
        await self._supervisor.start("blob-writer", self._keeper.run_writer)
        await self._supervisor.start("indexer", self._indexer.run)
        await self._supervisor.start("sender", self._sending.send_scheduled)
        await self._supervisor.start("blob-collector", self._keeper.run_collector)
        await self._supervisor.start("upload-expiry", self.uploads.run)

    async def _stop(self) -> None:
        await self._indexer.flush(max_wait=5.0)
        self._indexer.close()
        self._committer.close()
        self._keeper.close()

    # --------------------------------------------------------- accounts

    add_domain = _forward("_accounts", Accounts.add_domain)
    list_domains = _forward("_accounts", Accounts.list_domains)
    remove_domain = _forward("_accounts", Accounts.remove_domain)
    create_account = _forward("_accounts", Accounts.create_account)
    list_accounts = _forward("_accounts", Accounts.list_accounts)
    get_account = _forward("_accounts", Accounts.get_account)
    get_account_by_id = _forward("_accounts", Accounts.get_account_by_id)
    authenticate = _forward("_accounts", Accounts.authenticate)
    change_password = _forward("_accounts", Accounts.change_password)
    update_account = _forward("_accounts", Accounts.update_account)
    delete_account = _forward("_accounts", Accounts.delete_account)
    add_alias = _forward("_accounts", Accounts.add_alias)
    remove_alias = _forward("_accounts", Accounts.remove_alias)
    list_aliases = _forward("_accounts", Accounts.list_aliases)
    resolve_recipient = _forward("_accounts", Accounts.resolve_recipient)
    is_local_domain = _forward("_accounts", Accounts.is_local_domain)

    # ------------------------------------------------------------ blobs

    collect_blobs = _forward("_keeper", BlobKeeper.collect_blobs)

    # ----------------------------------------------------------- labels

    labels = _forward("_labels", Labels.labels)
    label = _forward("_labels", Labels.label)
    role_label = _forward("_labels", Labels.role_label)
    create_label = _forward("_labels", Labels.create_label)
    ensure_label = _forward("_labels", Labels.ensure_label)
    rename_label = _forward("_labels", Labels.rename_label)
    update_label = _forward("_labels", Labels.update_label)
    delete_label = _forward("_labels", Labels.delete_label)

    # --------------------------------------------------------- delivery

    deliver = _forward("_delivery", Delivery.deliver)
    append = _forward("_delivery", Delivery.append)
    import_messages = _forward("_delivery", Delivery.import_messages)

    # ---------------------------------------------------------- messages

    contacts = _forward("_messages", Messages.contacts)
    insights = _forward("_messages", Messages.insights)
    attachment = _forward("_messages", Messages.attachment)
    changed_since = _forward("_messages", Messages.changed_since)
    label_uids = _forward("_messages", Messages.label_uids)
    fetch = _forward("_messages", Messages.fetch)
    messages = _forward("_messages", Messages.messages)
    message = _forward("_messages", Messages.message)
    message_bytes = _forward("_messages", Messages.message_bytes)
    read_blob = _forward("_messages", Messages.read_blob)
    message_section = _forward("_messages", Messages.message_section)
    changes_since = _forward("_messages", Messages.changes_since)
    highest_modseq = _forward("_messages", Messages.highest_modseq)
    threads = _forward("_messages", Messages.threads)
    thread = _forward("_messages", Messages.thread)
    store_flags = _forward("_messages", Messages.store_flags)
    modify_labels = _forward("_messages", Messages.modify_labels)
    copy = _forward("_messages", Messages.copy)
    move = _forward("_messages", Messages.move)
    expunge = _forward("_messages", Messages.expunge)
    delete_messages = _forward("_messages", Messages.delete_messages)

    # ---------------------------------------------------------- sending

    sender_addresses = _forward("_sending", Sending.sender_addresses)
    check_sender = _forward("_sending", Sending.check_sender)
    check_message_senders = _forward("_sending", Sending.check_message_senders)
    submit = _forward("_sending", Sending.submit)
    outbound = _forward("_sending", Sending.outbound)
    schedule_submission = _forward("_sending", Sending.schedule_submission)
    scheduled = _forward("_sending", Sending.scheduled)
    cancel_submission = _forward("_sending", Sending.cancel_submission)
    save_draft = _forward("_sending", Sending.save_draft)
    delete_draft = _forward("_sending", Sending.delete_draft)

    # ----------------------------------------------------------- search

    compile_query = _forward("_search", Search.compile_query)
    search = _forward("_search", Search.search)
    search_ids = _forward("_search", Search.search_ids)
    search_threads = _forward("_search", Search.search_threads)

    # ------------------------------------------------------------ watch

    watch = _forward("_watch", Watch.watch)
    stats = _forward("_watch", Watch.stats)


def _compose(config: Config, stores: Stores, supervisor: Supervisor) -> Engine:
    """The engine's parts, each given the stores and parts it needs."""
    committer: Committer = Batcher(
        stores.meta.apply_many, max_batch=128, concurrency=stores.meta.write_concurrency
    )
    keeper = BlobKeeper(stores.blobs, stores.meta, stores.queue)
    hasher = PasswordHasher(
        time_cost=config.argon2_time_cost, memory_cost=config.argon2_memory_cost, parallelism=1
    )
    accounts = Accounts(stores.meta, stores.cache, stores.search, keeper, hasher)
    indexer = Indexer(
        stores.meta,
        stores.blobs,
        stores.search,
        _doc_from_raw,
        search_doc_from_meta,
        lock_path=config.data_dir / "indexer.lock",
    )

    async def after_commit(account_id: int, mutations: Sequence[Mutation], outcomes: Sequence[Outcome]) -> None:
        indexer.kick()
        freed = [ref for o in outcomes for ref in o.freed_blobs]
        if freed:
            keeper.release(freed)

    mailboxes = MailboxDirectory(
        supervisor,
        stores.meta,
        committer,
        stores.bus,
        after_commit,
        config.actor_idle_seconds,
    )
    labels = Labels(mailboxes)
    messages = Messages(stores.meta, stores.blobs, mailboxes, labels)
    delivery = Delivery(config.limits, stores.meta, mailboxes, indexer, keeper, accounts, labels)
    sending = Sending(
        config.limits, stores.meta, stores.queue, stores.blobs, keeper, accounts, delivery, labels, messages
    )
    return Engine(
        config,
        stores=stores,
        supervisor=supervisor,
        committer=committer,
        indexer=indexer,
        mailboxes=mailboxes,
        keeper=keeper,
        accounts=accounts,
        labels=labels,
        messages=messages,
        delivery=delivery,
        sending=sending,
        search=Search(stores.meta, stores.search, indexer, mailboxes),
        watch=Watch(stores.bus, mailboxes, indexer),
        web_sessions=WebSessions(stores.cache),
        uploads=Uploads(stores.cache, stores.queue, stores.blobs, put=keeper.put_blobs, collect=keeper.release),
    )


@asynccontextmanager
async def open_engine(config: Config | None = None) -> AsyncIterator[Engine]:
    """Open the engine and its stores; close everything on exit.

    With no config, the embedded default in the data directory
    (``$MAILCORE_DATA_DIR`` or ``~/.local/share/mailcore``).
    """
    config = config or Config.load()
    async with open_stores(config) as stores:
        with single_errors():
            async with trio.open_nursery() as nursery:
                engine = _compose(config, stores, Supervisor(nursery, "engine"))
                await engine._start()
                try:
                    yield engine
                finally:
                    with trio.CancelScope(shield=True):
                        await engine._stop()
                    nursery.cancel_scope.cancel()
