"""One IMAP session: the socket, the engine, and the sans-IO core between them.

The protocol state (which command is valid when, LOGIN, SELECT, IDLE and
STARTTLS framing, capabilities) lives in :class:`mailcore.protocol.imap.IMAPServer`.
This session reads bytes into it, performs the engine calls its events ask
for, feeds the answers back and writes the bytes that come out. Responses are
buffered and leave in large writes; a changes watcher (one task per
authenticated session, in the connection's nursery) marks the selected view
dirty, and the view's pending updates are announced when the core says so,
or at once during IDLE.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Awaitable
from typing import NoReturn

import attrs
import trio

import mailcore
from mailcore.protocol.imap import (
    AnnounceUpdates,
    Append,
    BeginTLS,
    Close,
    CloseConnection,
    Command,
    Copy,
    Create,
    Delete,
    ExecuteCommand,
    Expunge,
    Fetch,
    IdleEnded,
    IdleStarted,
    IMAPServer,
    List,
    LoginAttempt,
    Lsub,
    MailboxClosed,
    Move,
    NeedData,
    Output,
    Rename,
    Search,
    SelectMailbox,
    SequenceSet,
    Status,
    Store,
    Subscribe,
    Unsubscribe,
)

from ._errors import ImapError, failure
from ._fetch import fetch_command
from ._mailboxes import (
    DELIMITER,
    create_command,
    delete_command,
    list_command,
    lsub_command,
    rename_command,
    status_command,
    subscribe_command,
)
from ._messages import (
    append_command,
    close_command,
    copy_command,
    expunge_command,
    qresync_answers,
    store_command,
)
from ._search import search_command
from ._selected import SelectedMailbox

__all__ = ["Session", "SessionConfig"]

log = logging.getLogger("mailcore.imapd")

_FLUSH_AT = 256 * 1024
_RECEIVE = 65536
_PRE_AUTH_LITERAL = 8192
_IDLE_KEEPALIVE = 10 * 60.0
_HANDSHAKE_TIMEOUT = 30.0
_IDENTITY = {"name": "mailcore", "version": mailcore.__version__}


@attrs.frozen
class SessionConfig:
    """What a session needs to know about the door it came through."""

    role: str
    remote: str
    tls: bool
    ssl_context: ssl.SSLContext | None


class _Closed(Exception):
    """The client went away or timed out; end the session quietly."""


class Session:
    """The I/O and engine calls of one connection."""

    __slots__ = (
        "engine",
        "stream",
        "config",
        "nursery",
        "server",
        "account_id",
        "selected",
        "saved_uids",
        "seen_now",
        "_out",
        "_out_size",
        "_dirty",
        "_resync",
        "_push_lock",
        "_idling",
        "_idle_deadline",
        "_drain_scope",
    )

    def __init__(
        self,
        engine: mailcore.Engine,
        stream: trio.abc.Stream,
        config: SessionConfig,
        nursery: trio.Nursery,
    ) -> None:
        self.engine = engine
        self.stream = stream
        self.config = config
        self.nursery = nursery
        limits = engine.config.limits
        self.server = IMAPServer(
            max_literal_size=limits.max_literal_size,
            max_message_size=limits.max_message_size,
            tls_active=config.tls,
            tls_available=config.ssl_context is not None,
            unauthenticated_literal_size=_PRE_AUTH_LITERAL,
            unauthenticated_timeout=max(float(limits.idle_timeout), 60.0),
            identity=_IDENTITY,
            hierarchy_delimiter=DELIMITER,
        )
        self.account_id = 0
        self.selected: SelectedMailbox | None = None
        self.saved_uids: list[int] | None = None
        self.seen_now: set[int] = set()
        self._out: list[bytes] = []
        self._out_size = 0
        self._dirty = False
        self._resync = False
        self._push_lock = trio.Lock()
        self._idling = False
        self._idle_deadline = 0.0
        self._drain_scope: trio.CancelScope | None = None

    # -- output ---------------------------------------------------------------------

    async def write(self, data: bytes) -> None:
        self._out.append(data)
        self._out_size += len(data)
        if self._out_size >= _FLUSH_AT:
            await self.flush()

    async def flush(self) -> None:
        if not self._out:
            return
        data = b"".join(self._out) if len(self._out) > 1 else self._out[0]
        self._out.clear()
        self._out_size = 0
        # One writer at a time: the reader task, or the watcher under
        # ``_push_lock`` while the reader waits in IDLE.
        await self.stream.send_all(data)

    async def _send_quietly(self, data: bytes) -> None:
        with trio.move_on_after(5):
            try:
                await self.write(data)
                await self.flush()
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                pass

    # -- reading --------------------------------------------------------------------

    async def _receive(self) -> None:
        if self.server.between_commands and self.engine.draining.is_set():
            await self._shutting_down()
        if self.server.idling:
            await self._receive_idling()
            return
        await self.flush()
        with trio.move_on_after(self.server.autologout_timeout):
            with self._drainable() as drained:
                self.server.receive_data(await self.stream.receive_some(_RECEIVE))
                return
            if drained.cancelled_caught:
                await self._shutting_down()
            return
        await self._send_quietly(self.server.autologout())
        raise _Closed

    async def _receive_idling(self) -> None:
        """Wait for DONE, saying ``* OK Still here`` now and then for NATs."""
        while True:
            with trio.move_on_after(_IDLE_KEEPALIVE):
                with self._drainable() as drained:
                    self.server.receive_data(await self.stream.receive_some(_RECEIVE))
                    return
                if drained.cancelled_caught:
                    await self._shutting_down()
            if trio.current_time() > self._idle_deadline:
                await self._stop_pushing()
                await self._send_quietly(self.server.autologout())
                raise _Closed
            async with self._push_lock:
                await self.write(self.server.idle_keepalive())
                await self.flush()

    def _drainable(self) -> trio.CancelScope:
        """A scope around a wait for the client's next command, which
        :meth:`drain` cancels; a wait inside a command is never cut."""
        scope = trio.CancelScope()
        if self.server.between_commands:
            self._drain_scope = scope
        return scope

    def drain(self) -> None:
        """The server is stopping: a session waiting for a command (or in
        IDLE) says BYE now; one running a command does after it."""
        if self._drain_scope is not None:
            self._drain_scope.cancel()

    async def _shutting_down(self) -> NoReturn:
        self._drain_scope = None
        await self._stop_pushing()
        await self._send_quietly(self.server.autologout("Server shutting down; please reconnect"))
        raise _Closed

    # -- the loop -------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the connection until LOGOUT, end of input or autologout."""
        await self.write(self.server.greeting())
        try:
            while True:
                event = self.server.next_event()
                match event:
                    case NeedData():
                        await self._receive()
                    case Output(data=data):
                        await self.write(data)
                    case AnnounceUpdates(allow_expunge=allow_expunge):
                        await self.announce(allow_expunge=allow_expunge)
                    case ExecuteCommand(command=command):
                        await self._answer(self._dispatch(command))
                    case SelectMailbox():
                        await self._answer(self._select(event))
                    case LoginAttempt():
                        await self._login(event)
                    case MailboxClosed():
                        self.selected = None
                        self._dirty = False
                    case IdleStarted():
                        await self._start_pushing()
                    case IdleEnded():
                        await self._stop_pushing()
                    case BeginTLS():
                        await self._starttls()
                    case CloseConnection():
                        break
            await self._stop_pushing()
            await self.flush()
        except _Closed:
            pass

    async def _answer(self, work: Awaitable[bytes | None]) -> None:
        """Run one command's engine work and tell the core how it ended."""
        try:
            code = await work
        except _Closed:
            raise
        except Exception as exc:
            self.seen_now.clear()
            self.server.fail(*failure(exc))  # re-raises anything unexpected
            return
        self.server.complete(code)

    async def _login(self, attempt: LoginAttempt) -> None:
        try:
            account = await self.engine.authenticate(
                attempt.username, attempt.password, remote=self.config.remote
            )
        except Exception as exc:
            self.server.fail(*failure(exc))
            return
        self.account_id = account.id
        self.server.logged_in()
        self.nursery.start_soon(self.watch, account.id)

    async def _starttls(self) -> None:
        context = self.config.ssl_context
        assert context is not None  # the core offers STARTTLS only with one
        await self.flush()
        tls_stream = trio.SSLStream(self.stream, context, server_side=True)
        with trio.move_on_after(_HANDSHAKE_TIMEOUT) as scope:
            try:
                await tls_stream.do_handshake()
            except trio.BrokenResourceError:
                raise _Closed from None
        if scope.cancelled_caught:
            raise _Closed
        self.stream = tls_stream
        self.server.tls_started()

    # -- pending updates -------------------------------------------------------------

    def mark_dirty(self) -> None:
        self._dirty = True

    async def refresh(self) -> None:
        view = self.selected
        if view is None or not self._dirty:
            return
        self._dirty = False
        resync, self._resync = self._resync, False
        try:
            if resync:
                view.resync(await self.engine.label_uids(self.account_id, view.label_id))
            changes = await self.engine.changes_since(self.account_id, view.label_id, view.modseq)
        except mailcore.LabelNotFound:
            view.vanish_all()
            return
        except mailcore.Unavailable:
            # the store is lost for now: the updates wait for a later command
            self._dirty = True
            self._resync = self._resync or resync
            raise
        view.apply_changes(changes)

    async def announce(self, *, allow_expunge: bool) -> None:
        """Send what changed in the selected mailbox since the client last heard."""
        view = self.selected
        if view is None:
            return
        try:
            await self.refresh()
        except mailcore.Unavailable:
            return  # the command itself answers NO [UNAVAILABLE] if it needs the store
        for line in view.take_updates(
            allow_expunge=allow_expunge,
            qresync=self.server.qresync,
            condstore=self.server.condstore,
        ):
            await self.write(line)

    async def watch(self, account_id: int) -> None:
        """Follow the account's changes for as long as the connection lives."""
        async with self.engine.watch(account_id, buffer=64) as events:
            async for event in events:
                view = self.selected
                if event.kind is mailcore.ChangeKind.RESYNC:
                    self._resync = True
                    self.mark_dirty()
                elif view is not None and (
                    view.label_id in event.label_ids
                    or event.kind in (mailcore.ChangeKind.EXPUNGED, mailcore.ChangeKind.LABEL_LIST)
                ):
                    self.mark_dirty()
                else:
                    continue
                if self._idling:
                    try:
                        await self._push()
                    except (trio.BrokenResourceError, trio.ClosedResourceError):
                        return

    # -- IDLE (RFC 2177) ------------------------------------------------------------
    #
    # No extra task per IDLE: the watcher announces under ``_push_lock``, which
    # the reader takes to leave IDLE, so nothing is sent after the tagged OK
    # that RFC 9051 forbids outside a command (EXPUNGE).

    async def _start_pushing(self) -> None:
        async with self._push_lock:
            self._idling = True
            self._idle_deadline = trio.current_time() + self.server.autologout_timeout
            if self._dirty:  # a change that came in while IDLE was starting
                await self.announce(allow_expunge=True)
            await self.flush()

    async def _stop_pushing(self) -> None:
        if not self._idling:
            return
        async with self._push_lock:
            self._idling = False

    async def _push(self) -> None:
        """Announce changes at once to a session in IDLE (watcher task)."""
        async with self._push_lock:
            if self._idling:
                await self.announce(allow_expunge=True)
                await self.flush()

    # -- helpers for command modules ------------------------------------------------

    def require_selected(self) -> SelectedMailbox:
        if self.selected is None:
            raise ImapError("BAD", "No mailbox selected")
        return self.selected

    def require_writable(self) -> SelectedMailbox:
        view = self.require_selected()
        if view.readonly:
            raise ImapError("NO", "Mailbox is read-only (EXAMINE)", "READ-ONLY")
        return view

    def substitute_saved(self, sequence_set: SequenceSet, *, uid: bool) -> SequenceSet:
        """Replace ``$`` (RFC 5182) by the saved search result."""
        if not sequence_set.saved:
            return sequence_set
        saved = self.saved_uids or []
        if uid:
            return SequenceSet.from_ids(saved) if saved else SequenceSet(())
        view = self.require_selected()
        seqs = [seq for u in saved if (seq := view.seq_of(u)) is not None]
        return SequenceSet.from_ids(seqs) if seqs else SequenceSet(())

    def pairs(self, sequence_set: SequenceSet, *, uid: bool) -> list[tuple[int, int]]:
        view = self.require_selected()
        resolved = self.substitute_saved(sequence_set, uid=uid)
        return list(view.iter_pairs(view.resolve(resolved, uid=uid)))

    # -- commands that need the engine ----------------------------------------------

    async def _dispatch(self, command: Command) -> bytes | None:  # noqa: C901
        match command:
            case Create():
                await create_command(self, command)
            case Delete():
                await delete_command(self, command)
            case Rename():
                await rename_command(self, command)
            case Subscribe(mailbox=mailbox):
                await subscribe_command(self, mailbox, True)
            case Unsubscribe(mailbox=mailbox):
                await subscribe_command(self, mailbox, False)
            case List():
                await list_command(self, command)
            case Lsub():
                await lsub_command(self, command)
            case Status():
                await status_command(self, command)
            case Append():
                return await append_command(self, command)
            case Close():
                await close_command(self)
            case Expunge():
                await expunge_command(self, command)
            case Search():
                await search_command(self, command)
            case Fetch():
                await fetch_command(self, command)
            case Store():
                return await store_command(self, command)
            case Copy() | Move():
                return await copy_command(self, command)
            case _:
                raise ImapError("BAD", "Command not supported")
        return None

    # -- selecting --------------------------------------------------------------------

    async def _select(self, event: SelectMailbox) -> None:
        self._dirty = False
        label = await self.engine.label(self.account_id, event.mailbox)
        pairs = await self.engine.label_uids(self.account_id, label.id)
        view = SelectedMailbox(label, pairs, readonly=event.readonly, modseq=label.highest_modseq)
        await self.write(
            self.server.selected(
                messages=view.exists,
                uidvalidity=label.uidvalidity,
                uidnext=max(label.uidnext, view.uidnext_floor),
                highest_modseq=label.highest_modseq,
            )
        )
        self.selected = view
        qresync = event.qresync
        if qresync is not None and qresync.uidvalidity == label.uidvalidity:
            await qresync_answers(self, view, qresync)


def unwrap(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The one exception inside a nursery's group, or the group itself."""
    leaves: list[BaseException] = []

    def collect(exc: BaseException) -> None:
        if isinstance(exc, BaseExceptionGroup):
            for inner in exc.exceptions:
                collect(inner)
        else:
            leaves.append(exc)

    collect(group)
    return leaves[0] if len(leaves) == 1 else group
