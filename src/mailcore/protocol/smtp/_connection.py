"""``SMTPServer``: the server side of one SMTP session, sans I/O.

The object owns every bit of session state and decides everything that is
pure protocol.  The application owns the socket and TLS and decides policy
(who may send, which recipients exist, where a message goes).  The split is
the h11 one: bytes go in with ``receive_data``, events come out of
``next_event``, replies go out through ``send``/``accept``/``reject``.
"""

from __future__ import annotations

import collections
import enum
import re
from collections.abc import Iterable

from . import _replies
from ._commands import (
    ArgumentError,
    AuthCmd,
    BadCmd,
    BdatCmd,
    CrossProtocolCmd,
    DataCmd,
    HeloCmd,
    HelpCmd,
    MailCmd,
    NoopCmd,
    QuitCmd,
    RcptCmd,
    RsetCmd,
    StartTlsCmd,
    UnknownCmd,
    VrfyCmd,
    parse_command,
    parse_mail,
    parse_rcpt,
)
from ._errors import LocalProtocolError
from ._events import (
    NEED_DATA,
    AuthAttempt,
    BodyType,
    CloseConnection,
    Decision,
    Event,
    Helo,
    MailFrom,
    MessageComplete,
    ProtocolReply,
    Quit,
    RcptTo,
    Reset,
    StartTLS,
    _NeedData,
)
from ._limits import SMTPLimits
from ._readers import ChunkedMessage, DotReader, discard_octets
from ._receivebuffer import ReceiveBuffer
from ._replies import Reply
from ._sasl import MECHANISMS, Challenge, SaslExchange

_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")


class SMTPState(enum.Enum):
    """What the engine is reading next."""

    #: Command lines.
    COMMAND = "command"
    #: DATA message text, up to CRLF.CRLF.
    DATA = "data"
    #: The octets of a BDAT chunk (kept, or discarded when refused).
    BDAT = "bdat"
    #: A SASL response line after a 334 challenge.
    SASL = "sasl"
    #: Between the 220 to STARTTLS and ``tls_started()``: input is dropped.
    TLS_HANDSHAKE = "tls-handshake"
    #: The greeting was 554: every command but QUIT gets 503.
    REFUSED = "refused"
    #: The session is over; the application closes the socket.
    CLOSED = "closed"


class SMTPServer:
    """One SMTP server session (one per TCP connection).

    See the package docstring for the calling contract.
    """

    def __init__(
        self,
        hostname: str,
        limits: SMTPLimits | None = None,
        *,
        tls_available: bool = False,
        tls_active: bool = False,
        auth_mechanisms: Iterable[str] = MECHANISMS,
        require_tls_for_auth: bool = True,
        require_auth_for_mail: bool = False,
    ) -> None:
        if not hostname or _CONTROL.search(hostname.encode()) or " " in hostname:
            raise LocalProtocolError(f"bad hostname {hostname!r}")
        mechanisms = tuple(m.upper() for m in auth_mechanisms)
        unknown = set(mechanisms) - set(MECHANISMS)
        if unknown:
            raise LocalProtocolError(f"unsupported SASL mechanisms: {sorted(unknown)}")
        self.hostname = hostname
        self.limits = limits if limits is not None else SMTPLimits()
        self.tls_available = tls_available
        self.auth_mechanisms = mechanisms
        self.require_tls_for_auth = require_tls_for_auth
        self.require_auth_for_mail = require_auth_for_mail

        self._tls_active = tls_active
        self._buf = ReceiveBuffer()
        self._eof = False
        self._state = SMTPState.COMMAND
        self._queue: collections.deque[Event] = collections.deque()
        self._pending: Decision | None = None
        self._discarding_line = False

        self._helo: Helo | None = None
        self._authenticated_as: str | None = None
        self._mail: MailFrom | None = None
        self._rcpts: list[RcptTo] = []
        self._dot: DotReader | None = None
        self._chunks: ChunkedMessage | None = None
        self._chunk_last = False
        self._discard_remaining = 0
        self._discard_reply: Reply | None = None
        self._sasl: SaslExchange | None = None

        self._errors = 0
        self._junk = 0
        self._auth_failures = 0

    # -- what the application may look at --------------------------------

    @property
    def state(self) -> SMTPState:
        return self._state

    @property
    def pending(self) -> Decision | None:
        """The event waiting for ``accept``/``reject``/``send``, if any."""
        return self._pending

    @property
    def tls_active(self) -> bool:
        return self._tls_active

    @property
    def helo(self) -> Helo | None:
        """The accepted HELO/EHLO, forgotten again after STARTTLS."""
        return self._helo

    @property
    def authenticated_as(self) -> str | None:
        """The username of the accepted AUTH, if any."""
        return self._authenticated_as

    @property
    def mail_from(self) -> MailFrom | None:
        """The accepted MAIL of the open transaction, if any."""
        return self._mail

    @property
    def recipients(self) -> tuple[RcptTo, ...]:
        """The accepted RCPTs of the open transaction."""
        return tuple(self._rcpts)

    @property
    def auth_offered(self) -> bool:
        """Whether AUTH is advertised (and allowed) right now."""
        return bool(self.auth_mechanisms) and (self._tls_active or not self.require_tls_for_auth)

    # -- input -----------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Feed bytes read from the peer; ``b""`` means the peer closed."""
        if self._eof:
            raise LocalProtocolError("receive_data after end of file")
        if not data:
            self._eof = True
        elif self._state not in (SMTPState.TLS_HANDSHAKE, SMTPState.CLOSED):
            self._buf.feed(data)

    def next_event(self) -> Event | _NeedData:
        """The next event, or ``NEED_DATA`` when more bytes are needed.

        Raises ``LocalProtocolError`` while a decision is unanswered.
        """
        if self._pending is not None:
            raise LocalProtocolError(f"{self._pending!r} has not been answered")
        if self._queue:
            return self._queue.popleft()
        if self._state is SMTPState.CLOSED:
            return CloseConnection("closed")
        event = self._process()
        if isinstance(event, _NeedData) and self._eof:
            self._state = SMTPState.CLOSED
            self._buf.clear()
            return CloseConnection("peer closed")
        if isinstance(event, Decision):
            self._pending = event
        return event

    # -- output ----------------------------------------------------------

    def greeting(self, reply: Reply | None = None) -> bytes:
        """The connection greeting: 220, or the app's 554 (then only QUIT
        is served, RFC 5321 section 3.1) or 421 (then close)."""
        if reply is None:
            return Reply(220, None, f"{self.hostname} ESMTP ready").to_bytes()
        if reply.code == 554:
            self._state = SMTPState.REFUSED
        elif reply.code == 421:
            self._close("refused at greeting")
        else:
            raise LocalProtocolError("a greeting other than 220 must be 554 or 421")
        return reply.to_bytes()

    def send(self, reply: Reply) -> bytes:
        """Serialize ``reply``; if a decision is pending, it is the answer.

        A 2xx/3xx answer accepts the decision, 4xx/5xx refuses it.  A 421
        at any time ends the session (``CloseConnection`` follows).
        """
        pending = self._pending
        self._pending = None
        if pending is not None:
            self._apply(pending, reply)
        if reply.code == 421 and self._state is not SMTPState.CLOSED:
            self._close("closed by server")
        return reply.to_bytes()

    def accept(self, text: str | None = None) -> bytes:
        """Accept the pending decision with its usual positive reply
        (``text`` replaces the wording, e.g. to carry a queue id)."""
        pending = self._require_pending()
        if isinstance(pending, Helo):
            return self.send(self._helo_reply(pending))
        reply = _ACCEPT[type(pending)]
        if isinstance(pending, Quit):
            reply = Reply(221, "2.0.0", f"{self.hostname} closing connection")
        if text is not None:
            reply = Reply(reply.code, reply.enhanced, text)
        return self.send(reply)

    def reject(self, reply: Reply | None = None) -> bytes:
        """Refuse the pending decision (``reply`` must be 4xx or 5xx)."""
        pending = self._require_pending()
        if isinstance(pending, Quit | Reset):
            raise LocalProtocolError(f"{type(pending).__name__} cannot be refused")
        if reply is None:
            reply = _REJECT[type(pending)]
        if reply.is_positive:
            raise LocalProtocolError("reject() needs a 4xx or 5xx reply")
        return self.send(reply)

    def tls_started(self) -> None:
        """The TLS handshake after STARTTLS succeeded: start afresh (RFC 3207
        section 4.2), forgetting EHLO, AUTH and anything buffered."""
        if self._state is not SMTPState.TLS_HANDSHAKE:
            raise LocalProtocolError("tls_started() without an accepted STARTTLS")
        self._tls_active = True
        self._buf.clear()
        self._discarding_line = False
        self._helo = None
        self._authenticated_as = None
        self._reset_transaction()
        self._junk = 0
        self._state = SMTPState.COMMAND

    # -- internals -------------------------------------------------------

    def _require_pending(self) -> Decision:
        if self._pending is None:
            raise LocalProtocolError("no decision is pending")
        return self._pending

    def _helo_reply(self, helo: Helo) -> Reply:
        greet = f"{self.hostname} Hello {helo.name}"
        if not helo.extended:
            return Reply(250, None, greet)
        lines = [
            greet,
            "PIPELINING",
            f"SIZE {self.limits.max_message_size}",
            "8BITMIME",
            "BINARYMIME",
            "CHUNKING",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
            "DSN",
        ]
        if self.tls_available and not self._tls_active:
            lines.append("STARTTLS")
        if self.auth_offered:
            lines.append("AUTH " + " ".join(self.auth_mechanisms))
        lines.append("HELP")
        return Reply(250, None, tuple(lines))

    def _apply(self, pending: Decision, reply: Reply) -> None:
        ok = reply.is_positive
        match pending:
            case Helo():
                if ok:
                    self._helo = pending
                    self._reset_transaction()
            case MailFrom():
                if ok:
                    self._mail = pending
                    self._junk = 0
            case RcptTo():
                if ok:
                    self._rcpts.append(pending)
            case AuthAttempt():
                if ok:
                    self._authenticated_as = pending.username
                else:
                    self._auth_failures += 1
                    if self._auth_failures >= self.limits.max_auth_failures:
                        self._queue.append(ProtocolReply(_replies.TOO_MANY_AUTH_FAILURES))
                        self._state = SMTPState.CLOSED
                        self._queue.append(CloseConnection("too many authentication failures"))
            case StartTLS():
                if ok:
                    self._state = SMTPState.TLS_HANDSHAKE
                    self._buf.clear()
                    self._discarding_line = False
            case MessageComplete() | Reset():
                self._reset_transaction()
            case Quit():
                self._close("quit")

    def _reset_transaction(self) -> None:
        self._mail = None
        self._rcpts = []
        self._dot = None
        self._chunks = None
        self._chunk_last = False

    def _close(self, reason: str) -> None:
        self._state = SMTPState.CLOSED
        self._buf.clear()
        self._queue.append(CloseConnection(reason))

    def _close_with(self, reply: Reply, reason: str) -> ProtocolReply:
        self._close(reason)
        return ProtocolReply(reply)

    def _error(self, reply: Reply) -> ProtocolReply:
        """A protocol error by the peer; the one reaching the limit closes."""
        self._errors += 1
        if self._errors >= self.limits.max_errors:
            return self._close_with(_replies.TOO_MANY_ERRORS, "too many errors")
        return ProtocolReply(reply)

    def _count_junk(self) -> ProtocolReply | None:
        self._junk += 1
        if self._junk > self.limits.max_commands_before_mail:
            return self._close_with(_replies.TOO_MANY_COMMANDS, "too many commands")
        return None

    def _process(self) -> Event | _NeedData:
        event: Event | _NeedData | None
        while True:
            match self._state:
                case SMTPState.COMMAND | SMTPState.REFUSED:
                    line = self._read_line()
                    if line is None:
                        return NEED_DATA
                    event = self._command(line) if isinstance(line, str) else self._error(line)
                case SMTPState.DATA:
                    event = self._read_data()
                case SMTPState.BDAT:
                    event = self._read_chunk()
                case SMTPState.SASL:
                    line = self._read_line()
                    if line is None:
                        return NEED_DATA
                    event = (
                        self._sasl_response(line) if isinstance(line, str) else self._error(line)
                    )
                case SMTPState.TLS_HANDSHAKE:
                    self._buf.clear()
                    return NEED_DATA
                case SMTPState.CLOSED:
                    return CloseConnection("closed")
            if event is not None:
                return event

    def _line_limit(self) -> int:
        if self._state is SMTPState.SASL or self._buf.peek(5).upper() == b"AUTH ":
            return self.limits.max_auth_line_length
        return self.limits.max_command_length

    def _read_line(self) -> str | Reply | None:
        """One CRLF-terminated line, an error reply, or None (need data)."""
        buf = self._buf
        if self._discarding_line:
            end = buf.find_lf()
            if end < 0:
                buf.skip(len(buf))
                return None
            buf.skip(end + 1)
            self._discarding_line = False
        limit = self._line_limit()
        end = buf.find_lf()
        if end < 0:
            if len(buf) >= limit:
                buf.skip(len(buf))
                self._discarding_line = True
                return _replies.LINE_TOO_LONG
            return None
        raw = buf.take(end + 1)
        if len(raw) > limit:
            return _replies.LINE_TOO_LONG
        if not raw.endswith(b"\r\n"):
            return _replies.BARE_LF_IN_COMMAND
        body = raw[:-2]
        if _CONTROL.search(body):
            return _replies.INVALID_CHARACTERS
        line = body.decode("utf-8", "surrogateescape")
        if not line.isascii() and line[:5].upper() not in ("MAIL ", "RCPT "):
            return _replies.INVALID_CHARACTERS
        return line

    def _command(self, line: str) -> Event | None:
        cmd = parse_command(line)
        if self._state is SMTPState.REFUSED:
            if isinstance(cmd, QuitCmd):
                return Quit()
            return self._error(_replies.NO_SERVICE_ONLY_QUIT)
        match cmd:
            case BadCmd(reply=reply):
                return self._error(reply)
            case CrossProtocolCmd():
                return self._close_with(_replies.CROSS_PROTOCOL, "cross-protocol request")
            case UnknownCmd():
                return self._count_junk() or self._error(_replies.COMMAND_UNRECOGNIZED)
            case HeloCmd(name=name, extended=extended):
                if self._helo is not None and (closing := self._count_junk()):
                    return closing
                return Helo(name, extended)
            case NoopCmd():
                return self._count_junk() or ProtocolReply(_replies.NOOP_OK)
            case HelpCmd():
                return self._count_junk() or ProtocolReply(_replies.HELP_TEXT)
            case VrfyCmd():
                return self._count_junk() or ProtocolReply(_replies.CANNOT_VRFY)
            case RsetCmd():
                return self._count_junk() or Reset()
            case QuitCmd():
                return Quit()
            case MailCmd(argument=argument):
                return self._mail_command(argument)
            case RcptCmd(argument=argument):
                return self._rcpt_command(argument)
            case DataCmd():
                return self._data_command()
            case BdatCmd(size=size, last=last):
                return self._bdat_command(size, last)
            case StartTlsCmd():
                return self._starttls_command()
            case AuthCmd(mechanism=mechanism, initial_response=initial):
                return self._auth_command(mechanism, initial)

    def _mail_command(self, argument: str) -> Event:
        if self._helo is None:
            return self._error(_replies.SEND_HELO_FIRST)
        if self._mail is not None:
            return self._error(_replies.NESTED_MAIL)
        if self.require_auth_for_mail and self._authenticated_as is None:
            return self._error(_replies.AUTH_REQUIRED)
        try:
            mail = parse_mail(argument, extended=self._helo.extended)
        except ArgumentError as exc:
            return self._error(exc.reply)
        size = mail.params.size
        if size is not None and size > self.limits.max_message_size:
            return ProtocolReply(_replies.MESSAGE_TOO_BIG)
        return mail

    def _rcpt_command(self, argument: str) -> Event:
        if self._mail is None or self._helo is None:
            return self._error(_replies.NEED_MAIL)
        if len(self._rcpts) >= self.limits.max_recipients:
            return ProtocolReply(_replies.TOO_MANY_RECIPIENTS)
        try:
            return parse_rcpt(
                argument,
                extended=self._helo.extended,
                smtputf8=self._mail.params.smtputf8,
            )
        except ArgumentError as exc:
            return self._error(exc.reply)

    def _data_command(self) -> Event:
        if self._mail is None:
            return self._error(_replies.NEED_MAIL)
        if self._chunks is not None:
            return self._error(_replies.DATA_AFTER_BDAT)
        if not self._rcpts:
            return self._error(_replies.NO_VALID_RECIPIENTS)
        if self._mail.params.body is BodyType.BINARY_MIME:
            return self._error(_replies.BINARYMIME_NEEDS_BDAT)
        self._dot = DotReader(
            max_line_length=self.limits.max_line_length,
            max_message_size=self.limits.max_message_size,
        )
        self._state = SMTPState.DATA
        return ProtocolReply(_replies.START_MAIL_INPUT)

    def _bdat_command(self, size: int, last: bool) -> Event | None:
        refusal = None
        if self._mail is None:
            refusal = _replies.NEED_MAIL
        elif not self._rcpts:
            refusal = _replies.NEED_RCPT
        if refusal is not None:
            # The chunk's octets are on their way whatever we answer: they
            # must be swallowed, or they would be read as commands.
            self._errors += 1
            if self._errors >= self.limits.max_errors:
                return self._close_with(_replies.TOO_MANY_ERRORS, "too many errors")
            self._discard_remaining = size
            self._discard_reply = refusal
        else:
            if self._chunks is None:
                self._chunks = ChunkedMessage(max_message_size=self.limits.max_message_size)
            self._chunks.start_chunk(size)
            self._chunk_last = last
        self._state = SMTPState.BDAT
        return None

    def _starttls_command(self) -> Event:
        if self._tls_active:
            return self._error(_replies.TLS_ALREADY_ACTIVE)
        if not self.tls_available:
            return self._error(_replies.NOT_IMPLEMENTED)
        if self._helo is None:
            return self._error(_replies.SEND_HELO_FIRST)
        return StartTLS()

    def _auth_command(self, mechanism: str, initial: str | None) -> Event:
        if not self.auth_mechanisms:
            return self._error(_replies.NOT_IMPLEMENTED)
        if self._helo is None or not self._helo.extended:
            return self._error(_replies.SEND_HELO_FIRST)
        if self._authenticated_as is not None:
            return self._error(_replies.ALREADY_AUTHENTICATED)
        if self._mail is not None:
            return self._error(_replies.AUTH_IN_TRANSACTION)
        if self.require_tls_for_auth and not self._tls_active:
            return self._error(_replies.ENCRYPTION_REQUIRED)
        if mechanism not in self.auth_mechanisms:
            return self._error(_replies.AUTH_MECHANISM_UNKNOWN)
        self._sasl = SaslExchange(mechanism)
        return self._sasl_step(self._sasl.start(initial))

    def _sasl_response(self, line: str) -> Event:
        if line == "*":
            self._state = SMTPState.COMMAND
            self._sasl = None
            return self._error(_replies.AUTH_CANCELLED)
        assert self._sasl is not None
        return self._sasl_step(self._sasl.respond(line))

    def _sasl_step(self, step: Challenge | AuthAttempt | Reply) -> Event:
        if isinstance(step, Challenge):
            self._state = SMTPState.SASL
            return ProtocolReply(step.reply())
        self._state = SMTPState.COMMAND
        self._sasl = None
        if isinstance(step, Reply):
            return self._error(step)
        return step

    def _read_data(self) -> Event | _NeedData:
        assert self._dot is not None and self._mail is not None
        if not self._dot.read(self._buf):
            return NEED_DATA
        self._state = SMTPState.COMMAND
        result = self._dot.result()
        if isinstance(result, Reply):
            self._reset_transaction()
            return ProtocolReply(result)
        return MessageComplete(result, self._mail, tuple(self._rcpts), chunked=False)

    def _read_chunk(self) -> Event | _NeedData:
        if self._discard_reply is not None:
            self._discard_remaining = discard_octets(self._buf, self._discard_remaining)
            if self._discard_remaining:
                return NEED_DATA
            reply, self._discard_reply = self._discard_reply, None
            self._state = SMTPState.COMMAND
            return ProtocolReply(reply)
        chunks = self._chunks
        assert chunks is not None and self._mail is not None
        if not chunks.read(self._buf):
            return NEED_DATA
        self._state = SMTPState.COMMAND
        if chunks.too_big:
            self._reset_transaction()
            return ProtocolReply(_replies.MESSAGE_TOO_BIG)
        if self._chunk_last:
            return MessageComplete(chunks.data(), self._mail, tuple(self._rcpts), chunked=True)
        return ProtocolReply(Reply(250, "2.0.0", f"{chunks.chunk_size} octets received"))


_ACCEPT: dict[type, Reply] = {
    MailFrom: _replies.SENDER_OK,
    RcptTo: _replies.RECIPIENT_OK,
    AuthAttempt: _replies.AUTH_SUCCEEDED,
    StartTLS: _replies.READY_FOR_TLS,
    MessageComplete: _replies.MESSAGE_ACCEPTED,
    Reset: _replies.RESET_OK,
    Quit: Reply(221, "2.0.0", "Bye"),
}

_REJECT: dict[type, Reply] = {
    Helo: Reply(550, "5.7.1", "Rejected"),
    MailFrom: Reply(550, "5.7.1", "Sender rejected"),
    RcptTo: Reply(550, "5.1.1", "No such recipient here"),
    AuthAttempt: _replies.AUTH_FAILED,
    StartTLS: _replies.TLS_NOT_AVAILABLE,
    MessageComplete: Reply(550, "5.7.1", "Message rejected"),
}
