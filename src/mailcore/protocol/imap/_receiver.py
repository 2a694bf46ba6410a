"""The resumable command receiver (sans-IO).

Bytes go in with :meth:`CommandReceiver.receive_data`; typed events come out
of :meth:`CommandReceiver.next_event`. A command is assembled line by line:
when a line ends with a literal announcement the receiver reads exactly that
many bytes and carries on with the next line, so nothing is ever re-parsed
from the start (unlike abort-and-retry parsers). Only the first synchronizing
literal of a command triggers a check of what came before it, so a client is
not invited to upload a message into a command that is already wrong.

Memory is bounded: a command holds at most ``max_line_length`` bytes of lines
plus ``max_literal_size`` bytes of literals (the sum over a MULTIAPPEND), and
literals over the limit are discarded as they arrive, never buffered. The
caller drains ``next_event()`` until :data:`NEED_DATA` (or :data:`PAUSED`)
before feeding more data; that keeps unconsumed input bounded too.
"""

from __future__ import annotations

import enum
import re

from ._commands import Authenticate, Idle, StartTLS
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
)
from ._grammar import check_prefix, extract_tag, parse_command
from ._lexer import Incomplete, ParseError

__all__ = ["CommandReceiver"]

_LITERAL_AT_END = re.compile(rb"(~?)\{([0-9]+)(\+?)\}\Z")
_COMMAND_NAME = re.compile(rb"[^ ]+ ([A-Za-z]+)(?: ([A-Za-z]+))?")
_TAIL = 40  # enough to see "~{<20 digits>+}" at the end of a skipped line
_LITERAL_MINUS_MAX = 4096


class _State(enum.Enum):
    LINE = enum.auto()
    LITERAL = enum.auto()
    SKIP_LITERAL = enum.auto()
    SKIP_LINE = enum.auto()
    PAUSED = enum.auto()
    IDLE = enum.auto()
    AUTH = enum.auto()


class CommandReceiver:
    """Turns client bytes into IMAP command events.

    ``max_literal_size`` bounds the literal bytes of one command (APPEND
    messages, and strings sent as literals); ``max_line_length`` bounds the
    rest. ``literal_minus`` applies RFC 7888 LITERAL-: non-synchronizing
    literals above 4096 bytes are refused. ``utf8_enabled`` (or a later
    :meth:`enable_utf8`) switches mailbox names from modified UTF-7 to UTF-8.
    """

    def __init__(
        self,
        max_literal_size: int,
        max_line_length: int = 65536,
        utf8_enabled: bool = False,
        *,
        literal_minus: bool = False,
    ) -> None:
        if max_literal_size < 0 or max_line_length < 16:
            raise ValueError("limits too small")
        self.max_literal_size = max_literal_size
        self.max_line_length = max_line_length
        self.literal_minus = literal_minus
        self._utf8 = utf8_enabled
        self._buf = bytearray()
        self._scan = 0
        self._state = _State.LINE
        self._cmd = bytearray()
        self._tag: str | None = None
        self._line_bytes = 0
        self._literal_bytes = 0
        self._prefix_checked = False
        self._remaining = 0
        self._skip_tail = b""
        self._after_skip: Event | None = None
        self._awaiting_continuation = False

    # -- control by the server -------------------------------------------------

    @property
    def utf8_enabled(self) -> bool:
        return self._utf8

    def enable_utf8(self) -> None:
        """After ``ENABLE UTF8=ACCEPT``: mailbox names are UTF-8 from now on."""
        self._utf8 = True

    @property
    def paused(self) -> bool:
        return self._state is _State.PAUSED

    @property
    def between_commands(self) -> bool:
        """Nothing of a command has arrived yet (or the client is in IDLE):
        a server that is shutting down may say BYE now without cutting one."""
        return self._state in (_State.LINE, _State.IDLE) and not self._buf and not self._cmd

    def expect_idle_done(self) -> None:
        """After sending ``+ idling``: the next line must be ``DONE``."""
        self._require_paused()
        self._state = _State.IDLE

    def expect_auth_line(self) -> None:
        """After sending a SASL continuation: the next line is an :class:`AuthLine`."""
        self._require_paused()
        self._state = _State.AUTH

    def resume(self) -> None:
        """Go back to reading commands (IDLE refused, AUTHENTICATE finished...)."""
        if self._state in (_State.PAUSED, _State.IDLE, _State.AUTH):
            self._state = _State.LINE

    def start_tls(self) -> int:
        """TLS is up: drop whatever was pipelined in clear text and resume.

        Returns the number of discarded bytes (RFC 9051 and the STARTTLS
        injection lesson: nothing sent before the handshake is trusted).
        """
        dropped = len(self._buf)
        self._buf.clear()
        self._scan = 0
        self._reset_command()
        self._remaining = 0
        self._state = _State.LINE
        return dropped

    def reject_literal(self) -> None:
        """Refuse the literal just announced by :class:`ContinuationNeeded`.

        The server has answered the tag with NO/BAD instead of ``+``; the client
        abandons the command, so the receiver forgets it.
        """
        if not self._awaiting_continuation:
            raise RuntimeError("no synchronizing literal is waiting for a continuation")
        self._reset_command()
        self._remaining = 0
        self._state = _State.LINE

    def _require_paused(self) -> None:
        if self._state is not _State.PAUSED:
            raise RuntimeError(f"receiver is not paused (state {self._state.name})")

    # -- input ------------------------------------------------------------------

    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Add bytes from the client; literal bytes go straight where they belong."""
        if not data:
            return
        if (
            self._remaining
            and not self._buf
            and self._state
            in (
                _State.LITERAL,
                _State.SKIP_LITERAL,
            )
        ):
            with memoryview(data) as view:
                take = min(self._remaining, len(view))
                if self._state is _State.LITERAL:
                    self._cmd += view[:take]
                self._remaining -= take
                self._buf += view[take:]
            return
        self._buf += data

    def next_event(self) -> Event:
        while True:
            state = self._state
            if state is _State.LINE:
                event = self._read_command_line()
            elif state is _State.LITERAL:
                event = self._read_literal()
            elif state is _State.SKIP_LITERAL:
                event = self._skip_literal()
            elif state is _State.SKIP_LINE:
                event = self._skip_line()
            elif state is _State.PAUSED:
                return PAUSED
            else:
                event = self._read_special_line()
            if event is not None:
                return event

    # -- states -------------------------------------------------------------------

    def _take_line(self, limit: int) -> bytearray | None | Event:
        """A complete line without its line end, None if incomplete, or an
        overflow error (the receiver then skips to the end of that line)."""
        buf = self._buf
        idx = buf.find(b"\n", self._scan)
        if idx < 0:
            if len(buf) > limit:
                error = self._overflow(buf)
                self._skip_tail = bytes(buf[-_TAIL:])
                buf.clear()
                self._scan = 0
                self._state = _State.SKIP_LINE
                return error
            self._scan = len(buf)
            return None
        end = idx - 1 if idx and buf[idx - 1] == 0x0D else idx
        self._scan = 0
        if end > limit:
            error = self._overflow(buf)
            self._skip_tail = bytes(buf[max(0, end - _TAIL) : end])
            del buf[: idx + 1]
            self._after_skipped_line()
            return error
        line = buf[:end]
        del buf[: idx + 1]
        return line

    def _overflow(self, buf: bytearray) -> CommandError:
        if self._state is not _State.LINE:
            return CommandError(None, "Line too long", "BAD", "TOOBIG")
        tag = self._tag if self._cmd else extract_tag(buf[:200])
        self._reset_command()
        return CommandError(tag, "Command line too long", "BAD", "TOOBIG")

    def _read_command_line(self) -> Event | None:
        taken = self._take_line(self.max_line_length - self._line_bytes)
        if taken is None:
            return NEED_DATA
        if not isinstance(taken, bytearray):
            return taken
        line = taken
        if not self._cmd:
            if not line.strip():
                return None  # blank lines between commands are ignored
            self._tag = extract_tag(line)
            self._prefix_checked = False
        self._line_bytes += len(line) + 2
        self._cmd += line
        self._cmd += b"\r\n"
        m = _LITERAL_AT_END.search(line) if line.endswith(b"}") else None
        if m is None:
            return self._finish()
        digits = m.group(2)
        size = int(digits) if len(digits) <= 20 else 1 << 70
        sync = not m.group(3)
        tag = self._tag
        if size > self.max_literal_size - self._literal_bytes or (
            not sync and self.literal_minus and size > _LITERAL_MINUS_MAX
        ):
            self._reset_command()
            if sync:
                return LiteralTooLarge(tag, size, True)
            self._remaining = size
            self._state = _State.SKIP_LITERAL
            self._after_skip = LiteralTooLarge(tag, size, False)
            return None
        if sync and not self._prefix_checked:
            self._prefix_checked = True
            try:
                check_prefix(self._cmd, utf8=self._utf8)
            except ParseError as exc:
                self._reset_command()
                return CommandError(tag, exc.message, exc.kind, exc.code)  # type: ignore[arg-type]
        self._literal_bytes += size
        self._remaining = size
        self._state = _State.LITERAL
        if sync:
            self._awaiting_continuation = True
            return ContinuationNeeded(tag, size, self._command_name(), bool(m.group(1)))
        return None

    def _command_name(self) -> str:
        m = _COMMAND_NAME.match(self._cmd)
        if m is None:
            return ""
        name = m.group(1).upper().decode("ascii")
        if name == "UID" and m.group(2):
            name += " " + m.group(2).upper().decode("ascii")
        return name

    def _read_literal(self) -> Event | None:
        buf = self._buf
        if self._remaining and buf:
            take = min(self._remaining, len(buf))
            with memoryview(buf) as view, view[:take] as part:
                self._cmd += part
            del buf[:take]
            self._remaining -= take
        if self._remaining:
            return NEED_DATA
        self._awaiting_continuation = False
        self._state = _State.LINE
        return None

    def _skip_literal(self) -> Event | None:
        if self._remaining and self._buf:
            take = min(self._remaining, len(self._buf))
            del self._buf[:take]
            self._remaining -= take
        if self._remaining:
            return NEED_DATA
        self._state = _State.SKIP_LINE
        self._skip_tail = b""
        event, self._after_skip = self._after_skip, None
        return event

    def _skip_line(self) -> Event | None:
        buf = self._buf
        idx = buf.find(b"\n")
        if idx < 0:
            self._skip_tail = (self._skip_tail + bytes(buf[-_TAIL:]))[-_TAIL:]
            buf.clear()
            return NEED_DATA
        end = idx - 1 if idx and buf[idx - 1] == 0x0D else idx
        self._skip_tail = (self._skip_tail + bytes(buf[max(0, end - _TAIL) : end]))[-_TAIL:]
        del buf[: idx + 1]
        self._after_skipped_line()
        return None

    def _after_skipped_line(self) -> None:
        """A discarded line ended: skip an announced non-synchronizing literal too."""
        tail, self._skip_tail = self._skip_tail, b""
        m = _LITERAL_AT_END.search(tail)
        if m is not None and m.group(3):
            digits = m.group(2)
            self._remaining = int(digits) if len(digits) <= 20 else 1 << 70
            self._state = _State.SKIP_LITERAL
        else:
            # No literal, or a synchronizing one the client will not send
            # since it got its tagged answer instead of a continuation.
            self._state = _State.LINE

    def _read_special_line(self) -> Event | None:
        state = self._state
        taken = self._take_line(self.max_line_length)
        if taken is None:
            return NEED_DATA
        if not isinstance(taken, bytearray):
            return taken
        if state is _State.AUTH:
            self._state = _State.PAUSED
            return AuthLine(bytes(taken))
        if not taken.strip():
            return None
        self._state = _State.LINE
        if taken.strip().upper() == b"DONE":
            return IdleDone()
        return CommandError(None, "Expected DONE to end IDLE")

    def _finish(self) -> Event:
        cmd, tag = self._cmd, self._tag
        self._reset_command()
        try:
            command = parse_command(cmd, utf8=self._utf8)
        except ParseError as exc:
            return CommandError(tag, exc.message, exc.kind, exc.code)  # type: ignore[arg-type]
        except Incomplete:
            return CommandError(tag, "Unexpected end of command")
        if isinstance(command, Idle | Authenticate | StartTLS):
            self._state = _State.PAUSED
        return CommandEvent(command)

    def _reset_command(self) -> None:
        self._cmd = bytearray()
        self._line_bytes = 0
        self._literal_bytes = 0
        self._awaiting_continuation = False
