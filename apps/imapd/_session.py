"""One IMAP session: its state, its reader loop and command dispatch.

The session reads bytes into the sans-IO :class:`CommandReceiver` and
dispatches the typed commands it yields with ``match``. State follows RFC
9051: not authenticated, authenticated, selected, logout. Responses are
buffered and leave in large writes; a changes watcher (one task per
authenticated session, in the connection's nursery) marks the selected view
dirty, and the view's pending updates are announced at the end of each
command, or at once during IDLE.
"""

from __future__ import annotations

import logging
import ssl
from typing import Literal

import attrs
import trio

import mailcore
from mailcore.protocol.imap import (
    PAUSED,
    Append,
    Authenticate,
    AuthLine,
    Capability,
    Check,
    Close,
    Command,
    CommandError,
    CommandEvent,
    CommandReceiver,
    ContinuationNeeded,
    Copy,
    Create,
    Delete,
    Enable,
    Event,
    Examine,
    Expunge,
    Fetch,
    GetQuota,
    GetQuotaRoot,
    Id,
    Idle,
    IdleDone,
    List,
    LiteralTooLarge,
    Login,
    Logout,
    Lsub,
    Move,
    Namespace,
    NeedData,
    Noop,
    QResync,
    Rename,
    Search,
    Select,
    SequenceSet,
    StartTLS,
    Status,
    Store,
    Subscribe,
    Unselect,
    Unsubscribe,
    bye,
    capability_response,
    code_appenduid,
    code_capability,
    code_copyuid,
    code_highestmodseq,
    code_modified,
    code_permanentflags,
    code_uidnext,
    code_uidvalidity,
    continuation,
    enabled_response,
    flag_list,
    flags_response,
    greeting,
    id_response,
    namespace_response,
    recent,
    tagged,
    untagged,
    untagged_condition,
    vanished,
)

from ._errors import ImapError, reply_for
from ._fetch import fetch_command, uid_runs
from ._mailboxes import (
    create_command,
    delete_command,
    list_command,
    lsub_command,
    rename_command,
    status_command,
    subscribe_command,
)
from ._search import search_command
from ._selected import SelectedMailbox, sorted_flags

__all__ = ["Session", "SessionConfig"]

log = logging.getLogger("mailcore.imapd")

State = Literal["not_authenticated", "authenticated", "selected", "logout"]

_SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")
_BASE_CAPABILITIES = (
    "IMAP4rev1",
    "IMAP4rev2",
    "LITERAL+",
    "SASL-IR",
    "ENABLE",
    "IDLE",
    "NAMESPACE",
    "ID",
    "UIDPLUS",
    "MOVE",
    "CONDSTORE",
    "QRESYNC",
    "ESEARCH",
    "SEARCHRES",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "SPECIAL-USE",
    "UNSELECT",
    "CHILDREN",
    "BINARY",
    "X-GM-EXT-1",
)
_FLUSH_AT = 256 * 1024
_RECEIVE = 65536
_PRE_AUTH_LITERAL = 8192
_AUTOLOGOUT = 30 * 60.0
_IDLE_KEEPALIVE = 10 * 60.0
_ENABLEABLE = ("CONDSTORE", "QRESYNC", "IMAP4REV2")


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
    """The state and commands of one connection."""

    __slots__ = (
        "engine",
        "stream",
        "config",
        "tls",
        "nursery",
        "receiver",
        "state",
        "account_id",
        "selected",
        "condstore",
        "qresync",
        "rev2",
        "saved_uids",
        "seen_now",
        "_out",
        "_out_size",
        "_dirty",
        "_resync",
        "_push_lock",
        "_idling",
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
        self.tls = config.tls
        self.nursery = nursery
        # before login a literal of any kind (LITERAL+ too) is at most a few KB:
        # nobody unauthenticated can make the server hold megabytes
        self.receiver = CommandReceiver(max_literal_size=_PRE_AUTH_LITERAL)
        self.state: State = "not_authenticated"
        self.account_id = 0
        self.selected: SelectedMailbox | None = None
        self.condstore = False
        self.qresync = False
        self.rev2 = False
        self.saved_uids: list[int] | None = None
        self.seen_now: set[int] = set()
        self._out: list[bytes] = []
        self._out_size = 0
        self._dirty = False
        self._resync = False
        self._push_lock = trio.Lock()
        self._idling = False

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

    # -- capabilities -----------------------------------------------------------------

    def capabilities(self) -> list[str]:
        caps = list(_BASE_CAPABILITIES)
        caps.append(f"APPENDLIMIT={self.engine.config.limits.max_message_size}")
        if self.state == "not_authenticated":
            if not self.tls:
                caps += ["STARTTLS", "LOGINDISABLED"]
            else:
                caps.append("AUTH=PLAIN")
        return caps

    def enable_condstore(self) -> None:
        self.condstore = True

    # -- reading --------------------------------------------------------------------

    def _timeout(self) -> float:
        if self.state == "not_authenticated":
            return max(float(self.engine.config.limits.idle_timeout), 60.0)
        return _AUTOLOGOUT + 60.0

    async def _receive(self) -> None:
        await self.flush()
        with trio.move_on_after(self._timeout()):
            data = await self.stream.receive_some(_RECEIVE)
            if not data:
                raise _Closed
            self.receiver.receive_data(data)
            return
        await self._send_quietly(bye("Autologout; idle for too long"))
        raise _Closed

    async def _send_quietly(self, data: bytes) -> None:
        with trio.move_on_after(5):
            try:
                await self.write(data)
                await self.flush()
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                pass

    async def _next_event(self) -> Event:
        while True:
            event = self.receiver.next_event()
            if isinstance(event, NeedData):
                await self._receive()
                continue
            return event

    # -- the loop -------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the connection until LOGOUT, end of input or autologout."""
        await self.write(greeting("mailcore IMAP ready", capabilities=self.capabilities()))
        try:
            while self.state != "logout":
                event = await self._next_event()
                await self._handle_event(event)
            await self.flush()
        except _Closed:
            pass

    async def _handle_event(self, event: Event) -> None:
        match event:
            case CommandEvent(command=command):
                await self._run_command(command)
            case ContinuationNeeded(tag=tag, size=size, command=name):
                if self.state == "not_authenticated" and size > _PRE_AUTH_LITERAL:
                    await self.write(tagged(tag or "*", "BAD", "Literal too large before login"))
                    self.receiver.reject_literal()
                elif name == "APPEND" and size > self.engine.config.limits.max_message_size:
                    await self.write(tagged(tag or "*", "NO", "Message too large", "TOOBIG"))
                    self.receiver.reject_literal()
                else:
                    await self.write(continuation("Ready"))
            case LiteralTooLarge(tag=tag):
                if tag:
                    await self.write(tagged(tag, "NO", "Literal too large", "TOOBIG"))
                else:
                    await self.write(untagged_condition("BAD", "Literal too large", "TOOBIG"))
            case CommandError(tag=None, message=message):
                await self.write(untagged_condition("BAD", message))
            case CommandError(tag=tag, message=message, kind=kind, code=code):
                assert tag is not None
                await self.write(tagged(tag, kind, message, code))
            case IdleDone() | AuthLine():
                await self.write(untagged_condition("BAD", "Unexpected line"))
            case _:
                if event is PAUSED:
                    self.receiver.resume()

    async def _run_command(self, command: Command) -> None:
        tag = command.tag
        try:
            code = await self._dispatch(command)
        except _Closed:
            raise
        except Exception as exc:
            self.seen_now.clear()
            if self.receiver.paused:
                self.receiver.resume()
            line = reply_for(tag, exc)  # re-raises anything unexpected
            await self.write(line)
            return
        if isinstance(code, _NoReply):
            return
        await self.announce(command)
        name = type(command).__name__.upper()
        if getattr(command, "uid", False):
            name = "UID " + name
        await self.write(tagged(tag, "OK", f"{name} completed", code))

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
        view.apply_changes(changes)

    async def announce(self, command: Command | None) -> None:
        """Send what changed, with EXPUNGE only where RFC 9051 §7.5.1 allows it."""
        view = self.selected
        if view is None:
            return
        await self.refresh()
        allow_expunge = not (
            isinstance(command, Fetch | Store | Search) and not getattr(command, "uid", False)
        )
        for line in view.take_updates(
            allow_expunge=allow_expunge, qresync=self.qresync, condstore=self.condstore
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

    def _pairs(self, sequence_set: SequenceSet, *, uid: bool) -> list[tuple[int, int]]:
        view = self.require_selected()
        resolved = self.substitute_saved(sequence_set, uid=uid)
        return list(view.iter_pairs(view.resolve(resolved, uid=uid)))

    # -- dispatch -------------------------------------------------------------------

    async def _dispatch(self, command: Command) -> bytes | None | _NoReply:  # noqa: C901
        state = self.state
        match command:
            case Capability():
                await self.write(capability_response(self.capabilities()))
            case Noop() | Check():
                if isinstance(command, Check):
                    self.require_selected()
            case Logout():
                await self.write(bye("mailcore logging out"))
                self.state = "logout"
            case Id():
                await self.write(id_response({"name": "mailcore", "version": mailcore.__version__}))
            case StartTLS(tag=tag):
                await self._starttls(tag)
                return _NO_REPLY
            case Login() | Authenticate() if state != "not_authenticated":
                if self.receiver.paused:
                    self.receiver.resume()
                raise ImapError("BAD", "Already authenticated")
            case Login(username=username, password=password):
                self._require_tls()
                return await self._login(username, password)
            case Authenticate():
                return await self._authenticate(command)
            case _ if state == "not_authenticated":
                if self.receiver.paused:
                    self.receiver.resume()
                raise ImapError("BAD", "Log in first")
            case Enable(capabilities=names):
                await self._enable(names)
            case Select() | Examine():
                return await self._select(command)
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
            case Namespace():
                await self.write(namespace_response([("", "/")]))
            case Status():
                await status_command(self, command)
            case Append():
                return await self._append(command)
            case Idle(tag=tag):
                await self._idle(tag)
                return _NO_REPLY
            case GetQuota() | GetQuotaRoot():
                raise ImapError("BAD", "QUOTA is not supported")
            case Close():
                await self._close(expunge=True)
            case Unselect():
                await self._close(expunge=False)
            case Expunge():
                await self._expunge(command)
            case Search():
                await search_command(self, command)
            case Fetch():
                await fetch_command(self, command)
            case Store():
                return await self._store(command)
            case Copy() | Move():
                return await self._copy(command)
            case _:
                raise ImapError("BAD", "Command not supported")
        return None

    # -- session commands ------------------------------------------------------------

    def _require_tls(self) -> None:
        if not self.tls:
            raise ImapError("NO", "Use STARTTLS first (LOGINDISABLED)", "PRIVACYREQUIRED")

    async def _starttls(self, tag: str) -> None:
        ctx = self.config.ssl_context
        if self.tls or ctx is None or self.state != "not_authenticated":
            self.receiver.resume()
            raise ImapError("BAD", "STARTTLS not available now")
        await self.write(tagged(tag, "OK", "Begin TLS negotiation now"))
        await self.flush()
        tls_stream = trio.SSLStream(self.stream, ctx, server_side=True)
        with trio.move_on_after(30) as scope:
            try:
                await tls_stream.do_handshake()
            except trio.BrokenResourceError:
                raise _Closed from None
        if scope.cancelled_caught:
            raise _Closed
        self.stream = tls_stream
        self.tls = True
        self.receiver.start_tls()

    async def _login(self, username: str, password: str) -> bytes:
        account = await self.engine.authenticate(username, password, remote=self.config.remote)
        await self._logged_in(account)
        return bytes(code_capability(self.capabilities()))

    async def _logged_in(self, account: mailcore.Account) -> None:
        self.account_id = account.id
        self.state = "authenticated"
        self.receiver.max_literal_size = self.engine.config.limits.max_literal_size
        self.nursery.start_soon(self.watch, account.id)

    async def _authenticate(self, command: Authenticate) -> bytes:
        try:
            if command.mechanism.upper() != "PLAIN":
                raise ImapError("NO", "Unsupported mechanism (use PLAIN)", "CANNOT")
            self._require_tls()
            response = command.initial_response
            if response is None:
                await self.write(continuation(""))
                self.receiver.expect_auth_line()
                event = await self._next_event()
                if not isinstance(event, AuthLine):
                    raise ImapError("BAD", "Expected a SASL response")
                if event.cancelled:
                    raise ImapError("BAD", "Authentication cancelled")
                try:
                    response = event.decode()
                except ValueError:
                    raise ImapError("BAD", "Invalid base64") from None
        finally:
            self.receiver.resume()
        parts = response.split(b"\x00")
        if len(parts) != 3:
            raise ImapError("BAD", "Malformed PLAIN response")
        authzid, authcid, password = (p.decode("utf-8", "replace") for p in parts)
        if authzid and authzid.lower() != authcid.lower():
            raise ImapError("NO", "Cannot act as another user", "AUTHORIZATIONFAILED")
        return await self._login(authcid, password)

    async def _enable(self, names: tuple[str, ...]) -> None:
        enabled: list[str] = []
        for name in names:
            upper = name.upper()
            if upper not in _ENABLEABLE:
                continue
            if upper == "CONDSTORE" and not self.condstore:
                self.condstore = True
                enabled.append("CONDSTORE")
            elif upper == "QRESYNC" and not self.qresync:
                self.qresync = self.condstore = True
                enabled.append("QRESYNC")
            elif upper == "IMAP4REV2" and not self.rev2:
                self.rev2 = True
                self.receiver.enable_utf8()
                enabled.append("IMAP4rev2")
        await self.write(enabled_response(enabled))

    # -- selecting --------------------------------------------------------------------

    async def _select(self, command: Select | Examine) -> bytes:
        if self.selected is not None:
            self.selected = None
            await self.write(untagged_condition("OK", "Previous mailbox closed", "CLOSED"))
        self._dirty = False
        if self.state == "selected":
            self.state = "authenticated"
        qresync = command.qresync
        if qresync is not None and not self.qresync:
            raise ImapError("BAD", "ENABLE QRESYNC first")
        if command.condstore:
            self.condstore = True
        label = await self.engine.label(self.account_id, command.mailbox)
        pairs = await self.engine.label_uids(self.account_id, label.id)
        readonly = isinstance(command, Examine)
        view = SelectedMailbox(label, pairs, readonly=readonly, modseq=label.highest_modseq)
        flags = _SYSTEM_FLAGS
        await self.write(flags_response(flags))
        permanent = () if readonly else flags
        await self.write(
            untagged_condition(
                "OK",
                "Flags permitted",
                code_permanentflags(permanent, allow_new_keywords=not readonly),
            )
        )
        await self.write(untagged(b"%d EXISTS" % view.exists))
        if not self.rev2:
            await self.write(recent(0))
        await self.write(
            untagged_condition("OK", "UIDs valid", code_uidvalidity(label.uidvalidity))
        )
        uidnext = max(label.uidnext, view.uidnext_floor)
        await self.write(untagged_condition("OK", "Predicted next UID", code_uidnext(uidnext)))
        await self.write(
            untagged_condition("OK", "Highest", code_highestmodseq(label.highest_modseq))
        )
        self.selected = view
        self.state = "selected"
        if qresync is not None and qresync.uidvalidity == label.uidvalidity:
            await self._qresync(view, qresync)
        return b"READ-ONLY" if readonly else b"READ-WRITE"

    async def _qresync(self, view: SelectedMailbox, qresync: QResync) -> None:
        changes = await self.engine.changes_since(self.account_id, view.label_id, qresync.modseq)
        known = qresync.known_uids
        gone = changes.vanished
        if known is not None:
            top = max(gone) if gone else 0
            resolved = known.resolve(top)
            gone = [u for u in gone if u in resolved]
        if gone:
            await self.write(vanished(gone, earlier=True))
        for meta in changes.changed:
            if meta.uid is None:
                continue
            seq = view.seq_of(meta.uid)
            if seq is None:
                continue
            await self.write(
                b"* %d FETCH (UID %d FLAGS %s MODSEQ (%d))\r\n"
                % (seq, meta.uid, flag_list(sorted_flags(meta.flags)), meta.modseq)
            )

    async def _close(self, *, expunge: bool) -> None:
        view = self.require_selected()
        if expunge and not view.readonly:
            await self._deleted_ids(view, None, expunge_now=True)
        self.selected = None
        self.state = "authenticated"

    # -- messages -----------------------------------------------------------------------

    async def _append(self, command: Append) -> bytes:
        try:
            label = await self.engine.label(self.account_id, command.mailbox)
        except mailcore.LabelNotFound:
            raise ImapError("NO", "No such mailbox", "TRYCREATE") from None
        uids: list[int] = []
        uidvalidity = label.uidvalidity
        for message in command.messages:
            when = message.internal_date.timestamp() if message.internal_date else None
            result = await self.engine.append(
                self.account_id,
                label.id,
                message.data,
                flags=[f for f in message.flags if f.lower() != "\\recent"],
                internal_date=when,
            )
            uids.append(result.uid)
            uidvalidity = result.uidvalidity
        if self.selected is not None and self.selected.label_id == label.id:
            self.mark_dirty()
        return bytes(code_appenduid(uidvalidity, uids))

    async def _deleted_ids(
        self, view: SelectedMailbox, uid_set: SequenceSet | None, *, expunge_now: bool
    ) -> list[int]:
        """Expunge the \\Deleted messages (within ``uid_set``); returns their UIDs."""
        wanted: set[int] | None = None
        if uid_set is not None:
            indexes = view.resolve(self.substitute_saved(uid_set, uid=True), uid=True)
            wanted = {view.uids[i] for i in indexes}
            candidates = sorted(wanted)
        else:
            candidates = list(view.uids)
        ids: list[int] = []
        uids: list[int] = []
        for run in uid_runs(candidates):
            for meta in await self.engine.fetch(self.account_id, view.label_id, run[0], run[-1]):
                if meta.uid is None or (wanted is not None and meta.uid not in wanted):
                    continue
                if "\\Deleted" in meta.flags and view.index_of(meta.uid) is not None:
                    ids.append(meta.id)
                    uids.append(meta.uid)
        if ids and expunge_now:
            await self.engine.expunge(self.account_id, view.label_id, ids)
            view.remove_now(uids)
        return uids

    async def _expunge(self, command: Expunge) -> None:
        view = self.require_writable()
        await self._deleted_ids(view, command.uid_set if command.uid else None, expunge_now=True)
        self.mark_dirty()

    async def _store(self, command: Store) -> bytes | None:
        view = self.require_writable()
        if command.unchanged_since is not None:
            self.condstore = True
        pairs = self._pairs(command.sequence_set, uid=command.uid)
        if not pairs:
            return None
        uid_of = {mid: uid for uid, mid in pairs}
        ids = [mid for _, mid in pairs]
        if command.item == "X-GM-LABELS":
            values = [_gmail_label(v) for v in command.values]
            add: list[str | int] = []
            remove: list[str | int] = []
            if command.mode == "add":
                add = list(values)
            elif command.mode == "remove":
                remove = list(values)
            else:
                raise ImapError("NO", "Replacing X-GM-LABELS is not supported; use +/-", "CANNOT")
            await self.engine.modify_labels(self.account_id, ids, add=add, remove=remove)
            self.mark_dirty()
            return None
        values = [v for v in command.values if v.lower() != "\\recent"]
        if command.mode == "add":
            result = await self.engine.store_flags(
                self.account_id, ids, add=values, unchanged_since=command.unchanged_since
            )
        elif command.mode == "remove":
            result = await self.engine.store_flags(
                self.account_id, ids, remove=values, unchanged_since=command.unchanged_since
            )
        else:
            result = await self.engine.store_flags(
                self.account_id, ids, replace=values, unchanged_since=command.unchanged_since
            )
        modified = set(result.modified)
        for meta in result.changed:
            if meta.id in modified:
                continue
            uid = uid_of.get(meta.id)
            if uid is None:
                continue
            seq = view.seq_of(uid)
            if seq is None:
                continue
            view.note_reported(uid, meta.modseq)
            items = [b"UID %d" % uid] if command.uid else []
            if not command.silent:
                items.append(b"FLAGS " + flag_list(sorted_flags(meta.flags)))
            if self.condstore:
                items.append(b"MODSEQ (%d)" % meta.modseq)
            if not command.silent or self.condstore:
                await self.write(b"* %d FETCH (%s)\r\n" % (seq, b" ".join(items)))
        if modified:
            if command.uid:
                numbers = [uid_of[m] for m in modified if m in uid_of]
            else:
                numbers = [s for m in modified if m in uid_of and (s := view.seq_of(uid_of[m]))]
            return bytes(code_modified(sorted(numbers)))
        return None

    async def _copy(self, command: Copy | Move) -> bytes | None:
        view = self.require_selected()
        is_move = isinstance(command, Move)
        if is_move:
            self.require_writable()
        try:
            target = await self.engine.label(self.account_id, command.mailbox)
        except mailcore.LabelNotFound:
            raise ImapError("NO", "No such mailbox", "TRYCREATE") from None
        pairs = self._pairs(command.sequence_set, uid=command.uid)
        if not pairs:
            return None
        ids = [mid for _, mid in pairs]
        if is_move:
            result = await self.engine.move(self.account_id, ids, view.label_id, target.id)
        else:
            result = await self.engine.copy(self.account_id, ids, target.id)
        source = [uid for uid, mid in pairs if mid in result.uids]
        destination = [result.uids[mid] for _, mid in pairs if mid in result.uids]
        code = code_copyuid(result.uidvalidity, source, destination) if source else None
        self.mark_dirty()
        if is_move:
            if code is not None:
                await self.write(untagged_condition("OK", "Moved", code))
            return None
        return code

    # -- IDLE -----------------------------------------------------------------------------

    async def _idle(self, tag: str) -> None:
        """RFC 2177: changes are pushed by the watcher task while this one reads.

        No extra task per IDLE: the watcher announces under ``_push_lock``,
        which this task takes to leave IDLE, so nothing is sent after the
        tagged OK that RFC 9051 forbids outside a command (EXPUNGE).
        """
        async with self._push_lock:
            await self.write(continuation("idling"))
            await self.announce(None)
            await self.flush()
            self.receiver.expect_idle_done()
            self._idling = True
        try:
            event = await self._idle_read()
        finally:
            async with self._push_lock:
                self._idling = False
        match event:
            case IdleDone():
                await self.write(tagged(tag, "OK", "IDLE terminated"))
            case CommandError(message=message):
                await self.write(tagged(tag, "BAD", message))
            case _:
                self.receiver.resume()
                await self.write(tagged(tag, "BAD", "IDLE ended unexpectedly"))

    async def _idle_read(self) -> Event:
        """Wait for DONE, saying ``* OK Still here`` now and then for NATs."""
        deadline = trio.current_time() + _AUTOLOGOUT + 60.0
        while True:
            event = self.receiver.next_event()
            if not isinstance(event, NeedData):
                return event
            with trio.move_on_after(_IDLE_KEEPALIVE):
                data = await self.stream.receive_some(_RECEIVE)
                if not data:
                    raise _Closed
                self.receiver.receive_data(data)
                continue
            if trio.current_time() > deadline:
                await self._send_quietly(bye("Autologout; idle for too long"))
                raise _Closed
            async with self._push_lock:
                await self.write(untagged_condition("OK", "Still here"))
                await self.flush()

    async def _push(self) -> None:
        """Announce changes at once to a session in IDLE (watcher task)."""
        async with self._push_lock:
            if self._idling:
                await self.announce(None)
                await self.flush()


class _NoReply:
    """A command that wrote its own tagged reply (STARTTLS, IDLE)."""


_NO_REPLY = _NoReply()


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


def _gmail_label(value: str) -> str:
    names = {
        "\\inbox": "INBOX",
        "\\sent": "Sent",
        "\\draft": "Drafts",
        "\\drafts": "Drafts",
        "\\trash": "Trash",
        "\\spam": "Spam",
        "\\starred": "Starred",
        "\\important": "Important",
    }
    return names.get(value.lower(), value)
