"""Message readers: DATA (dot-stuffed text) and BDAT (counted chunks).

The DATA reader is where SMTP smuggling is stopped.  The rules:

* The only end of data is ``CR LF . CR LF`` where the first CR LF ends the
  previous line (or is the implicit line start before the first byte).
  ``LF . LF``, ``CR . CR``, ``LF . CR LF`` and ``CR LF . LF`` are ordinary
  content and never end the message.
* Any bare CR or bare LF anywhere in the data marks the message bad: it is
  read to its real end and then refused with 550 5.6.11, and nothing is
  delivered.  A line longer than the limit is refused with 550 5.6.0; a
  message larger than the limit with 552 5.3.4.  The session goes on.
* Once a message is marked bad, or passes the size limit, its bytes are
  only scanned for the end marker, not kept: memory stays bounded by the
  size limit plus one line.

Complete lines are processed in bulk (C-speed ``bytes`` methods); a
partial line waits in the buffer until it ends or passes the line limit.
"""

from __future__ import annotations

from . import _replies
from ._receivebuffer import ReceiveBuffer
from ._replies import Reply

_END_OF_DATA = b"\r\n.\r\n"


class DotReader:
    """Reads one DATA message from a ``ReceiveBuffer``."""

    def __init__(self, *, max_line_length: int, max_message_size: int) -> None:
        self._max_line = max_line_length
        self._max_size = max_message_size
        self._chunks: list[bytes] = []
        self._size = 0
        # True when the bytes consumed so far end with CRLF (or none yet):
        # only then can a "." line be the end of data.
        self._line_start = True
        self._refusal: Reply | None = None

    def read(self, buf: ReceiveBuffer) -> bool:
        """Consume what ``buf`` holds; True once the end of data was read."""
        last_lf = buf.rfind_lf()
        if last_lf < 0:
            self._check_partial(buf)
            return False
        if self._line_start and buf.startswith(b".\r\n"):
            buf.skip(3)
            return True
        region = last_lf + 1
        end = buf.find(_END_OF_DATA, region)
        if end >= 0:
            self._consume(buf.take(end + 2))
            buf.skip(3)
            return True
        self._consume(buf.take(region))
        self._check_partial(buf)
        return False

    def result(self) -> bytes | Reply:
        """The unstuffed message, or the refusal to send instead."""
        if self._refusal is not None:
            return self._refusal
        return b"".join(self._chunks)

    def _refuse(self, reply: Reply) -> None:
        if self._refusal is None:
            self._refusal = reply
            self._chunks = []

    def _check_partial(self, buf: ReceiveBuffer) -> None:
        # A partial line that is already too long can never be the end
        # marker: drop it, keeping a final CR that may pair with the next LF.
        if len(buf) >= max(self._max_line, 3):
            self._refuse(_replies.MESSAGE_LINE_TOO_LONG)
            buf.skip(len(buf) - (1 if buf.endswith(b"\r") else 0))
            self._line_start = False

    def _consume(self, segment: bytes) -> None:
        """Take complete lines (``segment`` ends with LF)."""
        at_line_start = self._line_start
        self._line_start = segment.endswith(b"\r\n")
        if self._refusal is not None:
            return
        crlf = segment.count(b"\r\n")
        if segment.count(b"\n") != crlf or segment.count(b"\r") != crlf:
            self._refuse(_replies.BARE_LINE_ENDING_IN_DATA)
            return
        if max(map(len, segment.split(b"\n"))) + 1 > self._max_line:
            self._refuse(_replies.MESSAGE_LINE_TOO_LONG)
            return
        if at_line_start and segment.startswith(b"."):
            segment = segment[1:]
        segment = segment.replace(b"\n.", b"\n")
        self._size += len(segment)
        if self._size > self._max_size:
            self._refuse(_replies.MESSAGE_TOO_BIG)
            return
        self._chunks.append(segment)


class ChunkedMessage:
    """The BDAT chunks of one transaction (RFC 3030), read octet-exact.

    Chunks are binary: no dot-stuffing, no line rules.  Past the size
    limit the remaining octets of every chunk are still read (the peer has
    already sent them) but not kept.
    """

    def __init__(self, *, max_message_size: int) -> None:
        self._max_size = max_message_size
        self._chunks: list[bytes] = []
        self._size = 0
        self._remaining = 0
        self.chunk_size = 0

    @property
    def too_big(self) -> bool:
        return self._size > self._max_size

    @property
    def size(self) -> int:
        return self._size

    def start_chunk(self, size: int) -> None:
        self.chunk_size = size
        self._remaining = size

    def read(self, buf: ReceiveBuffer) -> bool:
        """Consume chunk octets from ``buf``; True when the chunk is whole."""
        n = min(self._remaining, len(buf))
        if n:
            self._remaining -= n
            self._size += n
            if self.too_big:
                self._chunks = []
                buf.skip(n)
            else:
                self._chunks.append(buf.take(n))
        return self._remaining == 0

    def data(self) -> bytes:
        return b"".join(self._chunks)


def discard_octets(buf: ReceiveBuffer, remaining: int) -> int:
    """Drop up to ``remaining`` octets of a refused BDAT chunk; return what is left."""
    n = min(remaining, len(buf))
    buf.skip(n)
    return remaining - n
