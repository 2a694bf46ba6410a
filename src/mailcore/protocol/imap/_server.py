"""``IMAPServer``: the server side of one IMAP session, sans I/O.

The object owns the session's state and decides everything that is pure
protocol: which command is valid when, the transitions between states, the
capabilities advertised in each, STARTTLS bookkeeping, the SASL PLAIN
exchange, ENABLE, IDLE framing, and the tagged line that ends each command.
The application owns the socket, TLS, time and the mail store: it answers
the decisions that need the store. The split is the h11 one: bytes go in
with ``receive_data``, events come out of ``next_event``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, TypeVar

from ._capabilities import SASL_MECHANISMS, SYSTEM_FLAGS, Extensions, advertised
from ._commands import (
    Authenticate,
    Capability,
    Check,
    Close,
    Command,
    Enable,
    Examine,
    Fetch,
    GetQuota,
    GetQuotaRoot,
    Id,
    Idle,
    Login,
    Logout,
    Namespace,
    Noop,
    Search,
    Select,
    StartTLS,
    Store,
    Unselect,
)
from ._errors import LocalProtocolError
from ._events import (
    NEED_DATA,
    PAUSED,
    AuthLine,
    CommandError,
    CommandEvent,
    ContinuationNeeded,
    Event,
    IdleDone,
    LiteralTooLarge,
    NeedData,
)
from ._receiver import CommandReceiver
from ._responses import (
    Code,
    bye,
    capability_response,
    code_capability,
    code_highestmodseq,
    code_permanentflags,
    code_uidnext,
    code_uidvalidity,
    continuation,
    enabled_response,
    exists,
    flags_response,
    greeting,
    id_response,
    namespace_response,
    recent,
    tagged,
    untagged_condition,
)
from ._sasl import SaslRefusal, decode_plain
from ._server_events import (
    AnnounceUpdates,
    BeginTLS,
    CloseConnection,
    Decision,
    ExecuteCommand,
    IdleEnded,
    IdleStarted,
    LoginAttempt,
    MailboxClosed,
    Output,
    SelectMailbox,
    ServerEvent,
)
from ._state import (
    COMMAND_TYPES,
    READ_ONLY_REFUSED,
    TRANSITIONS,
    VALID_COMMANDS,
    SessionState,
    Transition,
    refusal,
)

__all__ = ["IMAPServer"]

#: RFC 9051 5.4: an authenticated client may stay silent at least 30 minutes.
_AUTOLOGOUT = 30 * 60.0 + 60.0
_IDENTITY: Mapping[str, str | None] = {"name": "mailcore"}
_D = TypeVar("_D", LoginAttempt, SelectMailbox, ExecuteCommand)


class _Reading(enum.Enum):
    """What the next client line is, besides a command."""

    COMMANDS = enum.auto()
    SASL_RESPONSE = enum.auto()
    IDLE_DONE = enum.auto()
    TLS_HANDSHAKE = enum.auto()


class IMAPServer:
    """One IMAP server session (one per connection).

    ``max_literal_size`` bounds a command's literals once logged in; before
    that ``unauthenticated_literal_size`` does, so nobody unauthenticated can
    make the server hold megabytes. ``max_message_size`` is the APPENDLIMIT:
    an APPEND announcing a bigger message is refused before it is sent.
    ``tls_available`` offers STARTTLS on a clear connection;
    ``require_tls_for_login`` refuses LOGIN and AUTHENTICATE in clear text
    (advertising LOGINDISABLED). ``identity`` answers ID (RFC 2971).

    The application's loop::

        server = IMAPServer(max_literal_size=..., tls_available=True)
        write(server.greeting())
        while True:
            match server.next_event():
                case NeedData():
                    flush(); server.receive_data(read())  # b"" at end of input
                case Output(data=data):
                    write(data)
                case AnnounceUpdates(allow_expunge=allow):
                    write(pending_mailbox_updates(allow))
                case LoginAttempt(username=u, password=p):
                    server.logged_in() if check(u, p) else server.fail("NO", ...)
                case SelectMailbox() as select:
                    write(server.selected(messages=..., uidvalidity=..., ...))
                    server.complete()
                case ExecuteCommand(command=command):
                    run(command); server.complete()  # or server.fail(...)
                case MailboxClosed():
                    drop_view()
                case IdleStarted() | IdleEnded():
                    ...  # push changes while idling; stop before what follows
                case BeginTLS():
                    flush(); handshake(); server.tls_started()
                case CloseConnection():
                    flush(); close(); break
    """

    __slots__ = (
        "max_literal_size",
        "max_message_size",
        "tls_available",
        "require_tls_for_login",
        "unauthenticated_literal_size",
        "unauthenticated_timeout",
        "identity",
        "hierarchy_delimiter",
        "_receiver",
        "_state",
        "_reading",
        "_tls_active",
        "_eof",
        "_queue",
        "_pending",
        "_pending_command",
        "_opened",
        "_readonly",
        "_idle_tag",
        "_sasl_command",
        "_username",
        "_extensions",
    )

    def __init__(
        self,
        *,
        max_literal_size: int,
        max_message_size: int | None = None,
        tls_active: bool = False,
        tls_available: bool = False,
        require_tls_for_login: bool = True,
        unauthenticated_literal_size: int = 8192,
        unauthenticated_timeout: float = 60.0,
        identity: Mapping[str, str | None] | None = None,
        hierarchy_delimiter: str = "/",
        max_line_length: int = 65536,
    ) -> None:
        self.max_literal_size = max_literal_size
        self.max_message_size = max_message_size
        self.tls_available = tls_available
        self.require_tls_for_login = require_tls_for_login
        self.unauthenticated_literal_size = unauthenticated_literal_size
        self.unauthenticated_timeout = unauthenticated_timeout
        self.identity = identity if identity is not None else _IDENTITY
        self.hierarchy_delimiter = hierarchy_delimiter

        self._receiver = CommandReceiver(
            max_literal_size=min(unauthenticated_literal_size, max_literal_size),
            max_line_length=max_line_length,
        )
        self._state = SessionState.NOT_AUTHENTICATED
        self._reading = _Reading.COMMANDS
        self._tls_active = tls_active
        self._eof = False
        # a few events at most (a command's output and its decision): a list
        # is smaller than a deque, which counts with thousands of idle sessions
        self._queue: list[ServerEvent] = []
        self._pending: Decision | None = None
        self._pending_command: Command | None = None
        self._opened = False  # selected() was called for the pending SelectMailbox
        self._readonly = False
        self._idle_tag: str | None = None
        self._sasl_command: Authenticate | None = None
        self._username: str | None = None
        self._extensions = Extensions()

    # -- what the application may look at --------------------------------

    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def pending(self) -> Decision | None:
        """The decision waiting for its answer, if any."""
        return self._pending

    @property
    def tls_active(self) -> bool:
        return self._tls_active

    @property
    def username(self) -> str | None:
        """Who logged in, once the login was accepted."""
        return self._username

    @property
    def readonly(self) -> bool:
        """The selected mailbox was opened by EXAMINE."""
        return self._state is SessionState.SELECTED and self._readonly

    @property
    def idling(self) -> bool:
        """Between :class:`IdleStarted` and :class:`IdleEnded`."""
        return self._reading is _Reading.IDLE_DONE

    @property
    def condstore(self) -> bool:
        """CONDSTORE is on (RFC 7162 3.1): MODSEQ goes with flag changes."""
        return self._extensions.condstore

    @property
    def qresync(self) -> bool:
        """QRESYNC was enabled: VANISHED instead of EXPUNGE, SELECT (QRESYNC ...)."""
        return self._extensions.qresync

    @property
    def imap4rev2(self) -> bool:
        """IMAP4rev2 was enabled: UTF-8 mailbox names, no RECENT, ESEARCH replies."""
        return self._extensions.imap4rev2

    @property
    def between_commands(self) -> bool:
        """No command is running and none has begun to arrive (IDLE counts
        as waiting): a server that is shutting down may say BYE now."""
        return (
            self._pending_command is None
            and not self._queue
            and self._receiver.between_commands
        )

    @property
    def autologout_timeout(self) -> float:
        """How long the client may stay silent in this state before autologout."""
        if self._state is SessionState.NOT_AUTHENTICATED:
            return self.unauthenticated_timeout
        return _AUTOLOGOUT

    def capabilities(self) -> list[str]:
        """What is advertised now: login methods only before login."""
        return advertised(
            self._state,
            starttls=self.tls_available and not self._tls_active,
            login_disabled=self._login_disabled(),
            max_message_size=self.max_message_size,
        )

    def enable_condstore(self) -> None:
        """A CONDSTORE-enabling command was used (RFC 7162 3.1): FETCH
        CHANGEDSINCE or MODSEQ, SEARCH MODSEQ, STATUS HIGHESTMODSEQ, STORE
        UNCHANGEDSINCE."""
        self._extensions.condstore = True

    # -- input -----------------------------------------------------------

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Feed bytes read from the client; ``b""`` means the client closed."""
        if self._reading is _Reading.TLS_HANDSHAKE:
            raise LocalProtocolError("no reading during the TLS handshake")
        if not data:
            self._eof = True
        elif self._state is not SessionState.LOGOUT:
            self._receiver.receive_data(data)

    def next_event(self) -> ServerEvent:
        """The next thing to do; :data:`NEED_DATA` when more input is needed.

        Raises :class:`LocalProtocolError` while a decision is unanswered or
        a TLS handshake is awaited.
        """
        if self._pending is not None:
            raise LocalProtocolError(f"{self._pending!r} has not been answered")
        while True:
            if self._queue:
                event = self._queue.pop(0)
                if isinstance(event, LoginAttempt | SelectMailbox | ExecuteCommand):
                    self._pending = event
                return event
            if self._reading is _Reading.TLS_HANDSHAKE:
                raise LocalProtocolError("tls_started() has not been called")
            if self._state is SessionState.LOGOUT:
                return CloseConnection("logged out")
            received = self._receiver.next_event()
            if isinstance(received, NeedData):
                if not self._eof:
                    return NEED_DATA
                self._move(Transition.LOGGED_OUT)
                self._reading = _Reading.COMMANDS
                return CloseConnection("end of input")
            self._handle(received)

    # -- answers from the application --------------------------------------

    def logged_in(self) -> None:
        """The :class:`LoginAttempt` succeeded: the session is authenticated."""
        attempt = self._answer(LoginAttempt)
        self._move(Transition.LOGGED_IN)
        self._username = attempt.username
        self._receiver.max_literal_size = self.max_literal_size
        command = self._pending_command
        assert command is not None
        self._finish(command, code_capability(self.capabilities()))

    def selected(
        self,
        *,
        messages: int,
        uidvalidity: int,
        uidnext: int,
        highest_modseq: int,
        flags: Sequence[str] = SYSTEM_FLAGS,
    ) -> bytes:
        """The pending :class:`SelectMailbox` opened: the session is in the
        selected state. Returns the untagged responses SELECT requires (RFC
        9051 6.3.2, RFC 7162 3.1.2); the application writes them, then calls
        ``complete()``."""
        select = self._require(SelectMailbox)
        if self._opened:
            raise LocalProtocolError("selected() was already called")
        self._move(Transition.MAILBOX_SELECTED)
        self._opened = True
        self._readonly = select.readonly
        permanent = () if select.readonly else flags
        lines = [
            flags_response(flags),
            untagged_condition(
                "OK",
                "Flags permitted",
                code_permanentflags(permanent, allow_new_keywords=not select.readonly),
            ),
            exists(messages),
        ]
        if not self._extensions.imap4rev2:
            lines.append(recent(0))
        lines += [
            untagged_condition("OK", "UIDs valid", code_uidvalidity(uidvalidity)),
            untagged_condition("OK", "Predicted next UID", code_uidnext(uidnext)),
            untagged_condition("OK", "Highest", code_highestmodseq(highest_modseq)),
        ]
        return b"".join(lines)

    def complete(self, code: Code = None) -> None:
        """The pending command succeeded; its tagged OK follows (with ``code``).

        Before it, in the selected state, comes :class:`AnnounceUpdates`.
        """
        pending = self._pending
        if isinstance(pending, SelectMailbox):
            if not self._opened:
                raise LocalProtocolError("call selected() before complete()")
            self._answer(SelectMailbox)
            self._opened = False
            if code is None:
                code = "READ-ONLY" if pending.readonly else "READ-WRITE"
            self._finish(pending.command, code)
        elif isinstance(pending, ExecuteCommand):
            self._answer(ExecuteCommand)
            if isinstance(pending.command, Close):
                self._close_mailbox()
            self._finish(pending.command, code)
        elif isinstance(pending, LoginAttempt):
            raise LocalProtocolError("answer a LoginAttempt with logged_in() or fail()")
        else:
            raise LocalProtocolError("no decision is pending")

    def fail(self, status: Literal["NO", "BAD"], text: str, code: Code = None) -> None:
        """The pending decision failed: ``tag NO|BAD [code] text`` follows.

        A SELECT that fails leaves no mailbox selected (RFC 9051 6.3.2).
        """
        pending = self._pending
        if pending is None:
            raise LocalProtocolError("no decision is pending")
        self._pending = None
        self._pending_command = None
        if isinstance(pending, SelectMailbox) and self._opened:
            self._opened = False
            self._close_mailbox()
        self._queue.append(Output(tagged(pending.tag, status, text, code)))

    def tls_started(self) -> int:
        """The TLS handshake after STARTTLS succeeded.

        Whatever the client sent in clear text after STARTTLS is dropped
        (the STARTTLS injection attack); returns how many bytes that was.
        """
        if self._reading is not _Reading.TLS_HANDSHAKE:
            raise LocalProtocolError("tls_started() without an accepted STARTTLS")
        self._reading = _Reading.COMMANDS
        self._tls_active = True
        return self._receiver.start_tls()

    # -- output outside a command ------------------------------------------

    def greeting(self, text: str = "mailcore IMAP ready") -> bytes:
        """``* OK [CAPABILITY ...] text``, the first thing a client reads."""
        return greeting(text, capabilities=self.capabilities())

    def idle_keepalive(self) -> bytes:
        """``* OK Still here``, for NATs that forget a silent connection."""
        if not self.idling:
            raise LocalProtocolError("not in IDLE")
        return untagged_condition("OK", "Still here")

    def autologout(self, text: str = "Autologout; idle for too long") -> bytes:
        """The client was silent too long: ``* BYE``, then close."""
        if self._state is not SessionState.LOGOUT:
            self._move(Transition.LOGGED_OUT)
        self._reading = _Reading.COMMANDS
        self._pending = None
        self._queue.clear()
        return bye(text)

    # -- internals ---------------------------------------------------------

    def _login_disabled(self) -> bool:
        return self.require_tls_for_login and not self._tls_active

    def _move(self, transition: Transition) -> None:
        target = TRANSITIONS.get((self._state, transition))
        if target is None:
            raise LocalProtocolError(f"cannot go from {self._state.name} by {transition.name}")
        self._state = target

    def _require(self, kind: type[_D]) -> _D:
        pending = self._pending
        if not isinstance(pending, kind):
            raise LocalProtocolError(f"no {kind.__name__} is pending")
        return pending

    def _answer(self, kind: type[_D]) -> _D:
        pending = self._require(kind)
        self._pending = None
        return pending

    def _output(self, data: bytes) -> None:
        self._queue.append(Output(data))

    def _decide(self, decision: Decision, command: Command) -> None:
        self._pending_command = command
        self._queue.append(decision)

    def _finish(self, command: Command, code: Code = None) -> None:
        """The tagged OK of ``command``, after the mailbox's news if one is selected."""
        self._pending_command = None
        if self._state is SessionState.SELECTED:
            self._queue.append(AnnounceUpdates(_allows_expunge(command)))
        self._output(tagged(command.tag, "OK", f"{_wire_name(command)} completed", code))

    def _refuse(self, tag: str, status: Literal["NO", "BAD"], text: str, code: Code = None) -> None:
        if self._receiver.paused:
            self._receiver.resume()
        self._output(tagged(tag, status, text, code))

    def _close_mailbox(self) -> None:
        self._move(Transition.MAILBOX_CLOSED)
        self._readonly = False
        self._queue.append(MailboxClosed())

    def _handle(self, event: Event) -> None:
        if self._reading is _Reading.IDLE_DONE:
            self._idle_line(event)
        elif self._reading is _Reading.SASL_RESPONSE:
            self._sasl_line(event)
        else:
            match event:
                case CommandEvent(command=command):
                    self._command(command)
                case ContinuationNeeded():
                    self._continuation(event)
                case LiteralTooLarge(tag=tag):
                    if tag:
                        self._output(tagged(tag, "NO", "Literal too large", "TOOBIG"))
                    else:
                        self._output(untagged_condition("BAD", "Literal too large", "TOOBIG"))
                case CommandError(tag=None, message=message):
                    self._output(untagged_condition("BAD", message))
                case CommandError(tag=tag, message=message, kind=kind, code=code):
                    assert tag is not None
                    self._output(tagged(tag, kind, message, code))
                case IdleDone() | AuthLine():
                    self._output(untagged_condition("BAD", "Unexpected line"))
                case _:
                    if event is PAUSED:
                        self._receiver.resume()

    def _continuation(self, event: ContinuationNeeded) -> None:
        """A synchronizing literal was announced: go ahead, or refuse it unsent."""
        tag = event.tag or "*"
        name = event.command.removeprefix("UID ")
        # A literal over the state's size limit never gets here: the receiver
        # refuses it as LiteralTooLarge.
        kind = COMMAND_TYPES.get(name)
        if kind is not None and kind not in VALID_COMMANDS[self._state]:
            status, text = refusal(self._state, kind)
            self._output(tagged(tag, status, text))
        elif (
            name == "APPEND"
            and self.max_message_size is not None
            and event.size > self.max_message_size
        ):
            self._output(tagged(tag, "NO", "Message too large", "TOOBIG"))
        else:
            self._output(continuation("Ready"))
            return
        self._receiver.reject_literal()

    def _command(self, command: Command) -> None:  # noqa: C901
        kind = type(command)
        tag = command.tag
        if kind not in VALID_COMMANDS[self._state]:
            status, text = refusal(self._state, kind)
            self._refuse(tag, status, text)
            return
        if self._readonly and self._state is SessionState.SELECTED and kind in READ_ONLY_REFUSED:
            self._refuse(tag, "NO", "Mailbox is read-only (EXAMINE)", "READ-ONLY")
            return
        match command:
            case Capability():
                self._output(capability_response(self.capabilities()))
                self._finish(command)
            case Noop() | Check():
                self._finish(command)
            case Logout():
                self._output(bye("mailcore logging out"))
                self._move(Transition.LOGGED_OUT)
                self._output(tagged(tag, "OK", "LOGOUT completed"))
                self._queue.append(CloseConnection("logged out"))
            case Id():
                self._output(id_response(self.identity))
                self._finish(command)
            case Namespace():
                self._output(namespace_response([("", self.hierarchy_delimiter)]))
                self._finish(command)
            case StartTLS():
                self._starttls(command)
            case Login(username=username, password=password):
                if self._login_disabled():
                    self._refuse_in_clear(tag)
                else:
                    self._decide(LoginAttempt(tag, username, password), command)
            case Authenticate():
                self._authenticate(command)
            case Enable(capabilities=names):
                self._enable(names)
                self._finish(command)
            case Select() | Examine():
                self._select(command)
            case Idle():
                self._idle(command)
            case Close() if self._readonly:
                self._close_mailbox()
                self._finish(command)
            case Unselect():
                self._close_mailbox()
                self._finish(command)
            case GetQuota() | GetQuotaRoot():
                self._refuse(tag, "BAD", "QUOTA is not supported")
            case _:
                self._decide(ExecuteCommand(command), command)

    def _refuse_in_clear(self, tag: str) -> None:
        self._refuse(tag, "NO", "Use STARTTLS first (LOGINDISABLED)", "PRIVACYREQUIRED")

    def _starttls(self, command: StartTLS) -> None:
        if self._tls_active or not self.tls_available:
            self._refuse(command.tag, "BAD", "STARTTLS not available now")
            return
        self._output(tagged(command.tag, "OK", "Begin TLS negotiation now"))
        self._queue.append(BeginTLS())
        self._reading = _Reading.TLS_HANDSHAKE  # the receiver stays paused until then

    # -- AUTHENTICATE (RFC 9051 6.2.2, SASL PLAIN of RFC 4616, SASL-IR of RFC 4959)

    def _authenticate(self, command: Authenticate) -> None:
        if command.mechanism.upper() not in SASL_MECHANISMS:
            self._refuse(command.tag, "NO", "Unsupported mechanism (use PLAIN)", "CANNOT")
        elif self._login_disabled():
            self._refuse_in_clear(command.tag)
        elif command.initial_response is not None:
            self._receiver.resume()
            self._plain(command, command.initial_response)
        else:
            self._output(continuation(""))
            self._receiver.expect_auth_line()
            self._reading = _Reading.SASL_RESPONSE
            self._sasl_command = command

    def _sasl_line(self, event: Event) -> None:
        command = self._sasl_command
        assert command is not None
        self._sasl_command = None
        self._reading = _Reading.COMMANDS
        self._receiver.resume()
        if not isinstance(event, AuthLine):
            self._refuse(command.tag, "BAD", "Expected a SASL response")
        elif event.cancelled:
            self._refuse(command.tag, "BAD", "Authentication cancelled")
        else:
            try:
                response = event.decode()
            except ValueError:
                self._refuse(command.tag, "BAD", "Invalid base64")
            else:
                self._plain(command, response)

    def _plain(self, command: Authenticate, response: bytes) -> None:
        match decode_plain(response):
            case SaslRefusal(status=status, text=text, code=code):
                self._refuse(command.tag, status, text, code)
            case credentials:
                self._decide(
                    LoginAttempt(command.tag, credentials.username, credentials.password), command
                )

    # -- ENABLE (RFC 5161) -------------------------------------------------

    def _enable(self, names: Iterable[str]) -> None:
        enabled = self._extensions.enable(names)
        if "IMAP4rev2" in enabled:
            self._receiver.enable_utf8()
        self._output(enabled_response(enabled))

    # -- SELECT / EXAMINE ------------------------------------------------------

    def _select(self, command: Select | Examine) -> None:
        """A SELECT closes the mailbox selected before, even if it fails
        (RFC 9051 6.3.2; ``[CLOSED]`` from RFC 7162 3.2.11)."""
        if self._state is SessionState.SELECTED:
            self._output(untagged_condition("OK", "Previous mailbox closed", "CLOSED"))
            self._close_mailbox()
        if command.qresync is not None and not self._extensions.qresync:
            self._refuse(command.tag, "BAD", "ENABLE QRESYNC first")
            return
        if command.condstore:
            self._extensions.condstore = True
        self._decide(SelectMailbox(command), command)

    # -- IDLE (RFC 2177) ---------------------------------------------------------

    def _idle(self, command: Idle) -> None:
        self._output(continuation("idling"))
        if self._state is SessionState.SELECTED:
            self._queue.append(AnnounceUpdates(allow_expunge=True))
        self._receiver.expect_idle_done()
        self._reading = _Reading.IDLE_DONE
        self._idle_tag = command.tag
        self._queue.append(IdleStarted(command.tag))

    def _idle_line(self, event: Event) -> None:
        tag = self._idle_tag
        assert tag is not None
        self._idle_tag = None
        self._reading = _Reading.COMMANDS
        self._queue.append(IdleEnded(tag))
        match event:
            case IdleDone():
                self._output(tagged(tag, "OK", "IDLE terminated"))
            case CommandError(message=message):
                self._output(tagged(tag, "BAD", message))
            case _:
                self._receiver.resume()
                self._output(tagged(tag, "BAD", "IDLE ended unexpectedly"))


def _wire_name(command: Command) -> str:
    name = type(command).__name__.upper()
    if getattr(command, "uid", False):
        return "UID " + name
    return name


def _allows_expunge(command: Command) -> bool:
    """RFC 9051 7.5.1: no EXPUNGE while answering FETCH, STORE or SEARCH by number."""
    return not (isinstance(command, Fetch | Store | Search) and not command.uid)
