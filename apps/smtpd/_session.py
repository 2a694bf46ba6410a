"""One SMTP session: the sans-IO ``SMTPServer`` driven over a trio stream.

The loop is the one in ``mailcore.protocol.smtp``'s docstring. What the
socket side adds:

* Replies are collected and written when the state machine needs more
  input, so a pipelining client gets one segment per batch.
* Every read has the idle timeout; when it passes, 421 4.4.2 and close.
* STARTTLS: everything read so far was fed to the state machine, which
  drops what followed the command; the 220 goes out, the handshake runs on
  the same socket, and nothing read before it survives (CVE-2011-0411).
* 250 for a message is sent only when the engine's ``deliver``/``submit``
  has returned, i.e. when the message is durable.

The session holds no buffer of its own between reads: an idle session is
its ``SMTPServer``, a stream and a task.
"""

from __future__ import annotations

import logging
import ssl

import trio

import mailcore
from mailcore.protocol.smtp import (
    NEED_DATA,
    AuthAttempt,
    CloseConnection,
    Helo,
    MailFrom,
    MessageComplete,
    ProtocolReply,
    Quit,
    RcptTo,
    Reply,
    Reset,
    SMTPLimits,
    SMTPServer,
    SMTPState,
    StartTLS,
)
from mailcore.tls import describe

from ._policy import MXPolicy, SubmissionPolicy, Submitter
from ._replies import IDLE_TIMEOUT, SHUTTING_DOWN, Stage, reply_for
from ._trace import Trace, new_queue_id

log = logging.getLogger("mailcore.smtpd")

RECEIVE_SIZE = 65536
#: Octets kept free under the engine's size limit for the trace headers
#: this daemon prepends; ``SIZE`` advertises the limit minus this.
TRACE_HEADROOM = 2048


def smtp_limits(limits: mailcore.Limits) -> SMTPLimits:
    """The protocol limits for the engine's configured ones."""
    return SMTPLimits(
        max_line_length=limits.smtp_max_line_length,
        max_command_length=limits.smtp_max_command_length,
        max_message_size=max(1, limits.max_message_size - TRACE_HEADROOM),
        max_recipients=limits.max_recipients,
        max_commands_before_mail=limits.smtp_max_commands_before_mail,
        max_errors=limits.smtp_max_errors,
        max_auth_failures=limits.smtp_max_auth_failures,
    )


#: What :meth:`Session._receive` returns when the server began to stop.
_DRAINED = b"<drained>"


def _between_transactions(conn: SMTPServer) -> bool:
    """No transaction is open and no command has begun: stopping now cuts
    nothing (a message being sent is finished first)."""
    return conn.state is SMTPState.COMMAND and conn.mail_from is None


class Session:
    """Serves one connection until it ends; raises only for broken streams
    and bugs, which the server logs."""

    def __init__(
        self,
        engine: mailcore.Engine,
        role: str,
        stream: trio.abc.Stream,
        peer_ip: str,
        tls_context: ssl.SSLContext | None,
    ) -> None:
        self.engine = engine
        self.role = role
        self.stream = stream
        self.peer_ip = peer_ip
        self.tls_context = tls_context
        self.policy: MXPolicy | SubmissionPolicy = (
            MXPolicy(engine) if role == "smtp" else SubmissionPolicy(engine)
        )
        self.idle_timeout = engine.config.limits.idle_timeout
        self.submitter: Submitter | None = None
        self.tls: str | None = None
        self._drain_scope: trio.CancelScope | None = None

    def drain(self) -> None:
        """The server is stopping: a session waiting between transactions
        says 421 now; one in a transaction does once it is over."""
        if self._drain_scope is not None:
            self._drain_scope.cancel()

    async def run(self, greeting: Reply | None = None) -> None:
        """Greet and serve; ``greeting`` (421) refuses the session instead."""
        if self.role == "submissions" and greeting is None:
            if not await self._handshake():
                return
        conn = SMTPServer(
            self.engine.config.hostname,
            smtp_limits(self.engine.config.limits),
            tls_available=self.tls_context is not None,
            tls_active=self.tls is not None,
            auth_mechanisms=("PLAIN", "LOGIN") if self.policy.offers_auth else (),
            require_tls_for_auth=True,
            require_auth_for_mail=self.policy.require_auth_for_mail,
        )
        if not await self._send(conn.greeting(greeting)):
            return
        out = b""
        while True:
            event = conn.next_event()
            if event is NEED_DATA:
                if out and not await self._send(out):
                    return
                out = b""
                drainable = _between_transactions(conn)
                if drainable and self.engine.draining.is_set():
                    await self._send(conn.send(SHUTTING_DOWN))
                    return
                data = await self._receive(drainable)
                if data is None:
                    await self._send(conn.send(IDLE_TIMEOUT))
                    return
                if data is _DRAINED:
                    await self._send(conn.send(SHUTTING_DOWN))
                    return
                conn.receive_data(data)
                continue
            match event:
                case ProtocolReply(reply=reply):
                    out += conn.send(reply)
                case CloseConnection():
                    if out:
                        await self._send(out)
                    return
                case Helo() | Reset() | Quit():
                    out += conn.accept()
                case StartTLS():
                    if not await self._send(out + conn.accept()):
                        return
                    out = b""
                    if not await self._handshake():
                        return
                    conn.tls_started()
                    self.submitter = None
                case AuthAttempt():
                    outcome = await self.policy.authenticate(event, self.peer_ip)
                    if isinstance(outcome, Submitter):
                        self.submitter = outcome
                        out += conn.accept()
                    else:
                        out += conn.reject(outcome)
                case MailFrom():
                    refusal = await self.policy.mail(event, self.submitter)
                    out += conn.accept() if refusal is None else conn.reject(refusal)
                case RcptTo():
                    refusal = await self.policy.rcpt(event, self.submitter)
                    out += conn.accept() if refusal is None else conn.reject(refusal)
                case MessageComplete():
                    # Replies to earlier pipelined commands go out first.
                    if out and not await self._send(out):
                        return
                    out = await self._message(conn, event)

    async def _message(self, conn: SMTPServer, event: MessageComplete) -> bytes:
        helo = conn.helo
        trace = Trace(
            helo=helo.name if helo else "unknown",
            extended=bool(helo and helo.extended),
            peer_ip=self.peer_ip,
            hostname=self.engine.config.hostname,
            queue_id=new_queue_id(),
            tls=self.tls,
            authenticated=self.submitter is not None,
            smtputf8=event.mail_from.params.smtputf8,
        )
        try:
            refusal = await self.policy.message(event, self.submitter, trace)
        except Exception as exc:
            refusal = reply_for(exc, Stage.DATA)
            if isinstance(exc, mailcore.Unavailable):
                log.warning("%s: delivery from %s deferred: %s", trace.queue_id, self.peer_ip, exc)
            elif refusal.code == 451:
                log.exception("%s: delivery from %s failed", trace.queue_id, self.peer_ip)
        if refusal is not None:
            return conn.reject(refusal)
        log.info(
            "%s: accepted %d octets from [%s] for %d recipient(s)",
            trace.queue_id,
            len(event.data),
            self.peer_ip,
            len(event.recipients),
        )
        return conn.accept(f"OK: queued as {trace.queue_id}")

    async def _receive(self, drainable: bool = False) -> bytes | None:
        """The next bytes (``b""`` at end of file), None when idle too long,
        or :data:`_DRAINED` when the server stops while ``drainable``."""
        with trio.move_on_after(self.idle_timeout):
            with trio.CancelScope() as drained:
                self._drain_scope = drained if drainable else None
                try:
                    data = await self.stream.receive_some(RECEIVE_SIZE)
                except trio.BrokenResourceError:
                    return b""
                finally:
                    self._drain_scope = None
                return data if isinstance(data, bytes) else bytes(data)
            return _DRAINED
        return None

    async def _send(self, data: bytes) -> bool:
        """Write ``data``; False when the peer is gone or does not read."""
        with trio.move_on_after(self.idle_timeout):
            try:
                await self.stream.send_all(data)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                return False
            return True
        return False

    async def _handshake(self) -> bool:
        """Put TLS over the stream: for SMTPS at once, after STARTTLS's 220."""
        assert self.tls_context is not None
        tls_stream = trio.SSLStream(self.stream, self.tls_context, server_side=True)
        self.stream = tls_stream
        with trio.move_on_after(self.idle_timeout):
            try:
                await tls_stream.do_handshake()
            except trio.BrokenResourceError as exc:
                log.info("TLS handshake with [%s] failed: %s", self.peer_ip, exc.__cause__ or exc)
                return False
            self.tls = describe(tls_stream)
            return True
        log.info("TLS handshake with [%s] timed out", self.peer_ip)
        return False
