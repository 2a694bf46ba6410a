"""Token reader for one complete (or prefix of a) IMAP command.

The receiver hands the grammar a buffer holding a command exactly as it came
off the wire, lines with their CRLF and literals inline after their
``{n}\\r\\n`` announcement. A :class:`Reader` walks it with a position; the
named regexes below follow the ABNF of RFC 9051 section 9.

Two failures are distinct: :class:`ParseError` means the command is wrong,
:class:`Incomplete` means the buffer ended early (the grammar ran into a
literal whose bytes have not arrived), which is how the receiver checks a
command's prefix before inviting a synchronizing literal.
"""

from __future__ import annotations

import datetime
import re

from ._sequence import SequenceSet
from ._utf7 import decode_mutf7

__all__ = ["Incomplete", "ParseError", "Reader"]


class ParseError(Exception):
    """A syntax (``BAD``) or semantic (``NO``) error in a client command."""

    def __init__(self, message: str, *, kind: str = "BAD", code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.code = code


class Incomplete(Exception):
    """The buffer ended before the command did."""


# atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
_ATOM = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\\]]+')
_ASTRING_ATOM = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\]+')  # ASTRING-CHAR adds "]"
_LIST_MAILBOX_ATOM = re.compile(rb'[^\x00-\x20\x7f-\xff(){"\\]+')  # list-char adds % *
TAG = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\+]+')
_QUOTED = re.compile(rb'"((?:[^"\\\r\n\x00]|\\["\\])*)"')
_QUOTED_ESCAPE = re.compile(rb'\\(["\\])')
_NUMBER = re.compile(rb"[0-9]+")
_LITERAL = re.compile(rb"(~?)\{([0-9]{1,19})(\+?)\}\r\n")
_FLAG = re.compile(rb'\\?[^\x00-\x20\x7f-\xff(){%*"\\\]]+')
_SEQUENCE_SET = re.compile(rb"[0-9*:,$]+")
_DATE = re.compile(rb"([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})")
_DATE_TIME = re.compile(
    rb'"([ 0-9]?[0-9])-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})"'
)
_MONTHS = {
    m: i + 1 for i, m in enumerate(b"JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())
}
MAX_NUMBER = 0xFFFFFFFF
MAX_NUMBER64 = 0x7FFFFFFFFFFFFFFF


class Reader:
    """Cursor over a command buffer; every method consumes or raises."""

    __slots__ = ("buf", "pos", "utf8")

    def __init__(self, buf: bytes | bytearray, pos: int = 0, *, utf8: bool = False) -> None:
        self.buf = buf
        self.pos = pos
        self.utf8 = utf8

    # -- low level ------------------------------------------------------------

    def error(self, what: str) -> ParseError:
        if self.pos >= len(self.buf):
            raise Incomplete()
        return ParseError(what)

    def peek(self) -> int:
        """The next byte, or -1 at the end of the buffer."""
        return self.buf[self.pos] if self.pos < len(self.buf) else -1

    def peek_is(self, ch: bytes) -> bool:
        return self.buf[self.pos : self.pos + len(ch)] == ch

    def sp(self) -> None:
        if self.peek() != 0x20:
            raise self.error("Expected a space")
        self.pos += 1

    def try_sp(self) -> bool:
        if self.peek() == 0x20:
            self.pos += 1
            return True
        return False

    def expect(self, ch: bytes) -> None:
        if not self.peek_is(ch):
            raise self.error(f"Expected {ch.decode('ascii')!r}")
        self.pos += len(ch)

    def try_char(self, ch: bytes) -> bool:
        if self.peek_is(ch):
            self.pos += len(ch)
            return True
        return False

    def at_line_end(self) -> bool:
        return self.peek_is(b"\r\n") or self.pos >= len(self.buf)

    def end(self) -> None:
        """The command must end here."""
        if self.pos >= len(self.buf):
            raise Incomplete()
        if self.buf[self.pos :] != b"\r\n":
            raise ParseError("Unexpected characters at end of command")
        self.pos += 2

    def _match(self, regex: re.Pattern[bytes], what: str) -> re.Match[bytes]:
        m = regex.match(self.buf, self.pos)
        if m is None:
            raise self.error(f"Expected {what}")
        self.pos = m.end()
        return m

    # -- tokens ---------------------------------------------------------------

    def atom(self) -> str:
        return self._match(_ATOM, "an atom").group().decode("ascii")

    def keyword(self) -> str:
        """An atom, upper-cased: command names, search keys, options."""
        return self.atom().upper()

    def try_keyword(self, word: str) -> bool:
        """Consume *word* (case-insensitive) if it is the next whole atom."""
        m = _ATOM.match(self.buf, self.pos)
        if m is not None and m.group().upper() == word.encode("ascii"):
            self.pos = m.end()
            return True
        return False

    def number(self, limit: int = MAX_NUMBER) -> int:
        m = self._match(_NUMBER, "a number")
        if len(m.group()) > 20 or int(m.group()) > limit:
            raise ParseError("Number out of range")
        return int(m.group())

    def nz_number(self, limit: int = MAX_NUMBER) -> int:
        n = self.number(limit)
        if n == 0:
            raise ParseError("Expected a non-zero number")
        return n

    def number64(self) -> int:
        return self.number(MAX_NUMBER64)

    def literal(self, *, allow_binary: bool = False) -> tuple[bytes, bool]:
        """A literal; returns (bytes, is_literal8)."""
        m = self._match(_LITERAL, "a literal")
        binary = bool(m.group(1))
        if binary and not allow_binary:
            raise ParseError("literal8 is not allowed here")
        size = int(m.group(2))
        start = self.pos
        if start + size > len(self.buf):
            raise Incomplete()
        self.pos = start + size
        data = bytes(self.buf[start : self.pos])
        if not binary and b"\x00" in data:
            raise ParseError("NUL in literal (use literal8)")
        return data, binary

    def quoted(self) -> bytes:
        m = _QUOTED.match(self.buf, self.pos)
        if m is None:
            if self.peek() == 0x22:
                # Unterminated: more input cannot fix it, the line has ended.
                raise ParseError("Invalid quoted string")
            raise self.error("Expected a quoted string")
        self.pos = m.end()
        body = m.group(1)
        if b"\\" in body:
            body = _QUOTED_ESCAPE.sub(rb"\1", body)
        return body

    def string(self) -> bytes:
        c = self.peek()
        if c == 0x22:
            return self.quoted()
        if c == 0x7B or c == 0x7E:  # "{" or "~"
            return self.literal()[0]
        raise self.error("Expected a string")

    def astring(self) -> bytes:
        c = self.peek()
        if c == 0x22 or c == 0x7B:
            return self.string()
        return self._match(_ASTRING_ATOM, "a string").group()

    def astring_text(self) -> str:
        return _utf8(self.astring())

    def nstring(self) -> bytes | None:
        if self.try_keyword("NIL"):
            return None
        return self.string()

    def mailbox(self) -> str:
        return self.decode_mailbox(self.astring())

    def list_mailbox(self) -> str:
        c = self.peek()
        if c == 0x22 or c == 0x7B:
            raw = self.string()
        else:
            raw = self._match(_LIST_MAILBOX_ATOM, "a mailbox pattern").group()
        return self.decode_mailbox(raw, normalize_inbox=False)

    def decode_mailbox(self, raw: bytes, *, normalize_inbox: bool = True) -> str:
        if normalize_inbox and raw.upper() == b"INBOX":
            return "INBOX"
        if self.utf8 or any(b > 0x7F for b in raw):
            # UTF8=ACCEPT, or an IMAP4rev2 client sending UTF-8 names as such.
            name = _utf8(raw)
        else:
            try:
                name = decode_mutf7(raw)
            except ValueError as exc:
                raise ParseError(f"Mailbox name is not valid modified UTF-7: {exc}") from None
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
            raise ParseError("Control characters are not allowed in mailbox names")
        return name

    def flag(self) -> str:
        return self._match(_FLAG, "a flag").group().decode("ascii")

    def flag_list(self) -> tuple[str, ...]:
        self.expect(b"(")
        flags: list[str] = []
        if not self.try_char(b")"):
            flags.append(self.flag())
            while self.try_sp():
                flags.append(self.flag())
            self.expect(b")")
        return tuple(flags)

    def sequence_set(self) -> SequenceSet:
        m = self._match(_SEQUENCE_SET, "a sequence set")
        try:
            return SequenceSet.parse(m.group().decode("ascii"))
        except ValueError as exc:
            raise ParseError(str(exc)) from None

    def date(self) -> datetime.date:
        """``date``: ``1-Nov-2026`` or ``"1-Nov-2026"``."""
        is_quoted = self.try_char(b'"')
        m = self._match(_DATE, "a date")
        if is_quoted:
            self.expect(b'"')
        return _make_date(m.group(1), m.group(2), m.group(3))

    def date_time(self) -> datetime.datetime:
        """``date-time``: ``"25-Nov-2026 10:00:00 +0000"``, timezone-aware."""
        m = self._match(_DATE_TIME, "a date-time")
        day = _make_date(m.group(1).strip(), m.group(2), m.group(3))
        hour, minute, second = int(m.group(4)), int(m.group(5)), int(m.group(6))
        if hour > 23 or minute > 59 or second > 60:
            raise ParseError("Invalid time")
        offset = datetime.timedelta(hours=int(m.group(8)), minutes=int(m.group(9)))
        if offset >= datetime.timedelta(hours=24) or int(m.group(9)) > 59:
            raise ParseError("Invalid time zone")
        if m.group(7) == b"-":
            offset = -offset
        return datetime.datetime(
            day.year,
            day.month,
            day.day,
            hour,
            minute,
            min(second, 59),
            tzinfo=datetime.timezone(offset),
        )


def _make_date(day: bytes, month: bytes, year: bytes) -> datetime.date:
    mon = _MONTHS.get(month.upper())
    if mon is None:
        raise ParseError("Invalid month")
    try:
        return datetime.date(int(year), mon, int(day))
    except ValueError:
        raise ParseError("Invalid date") from None


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError("String is not valid UTF-8") from None
