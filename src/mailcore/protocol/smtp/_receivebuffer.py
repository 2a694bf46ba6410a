"""The receive buffer: bytes in, lines and chunks out, in O(n).

Two things keep it linear however the peer slices its bytes: consumed
bytes are dropped lazily (an offset, compacted when it passes half the
buffer) and the search for a line end remembers how far it already looked,
so a long line arriving one byte at a time is scanned once, not once per
byte.  What the buffer may hold is bounded by its caller, which takes or
discards a partial line as soon as it passes the line limit.
"""

from __future__ import annotations


class ReceiveBuffer:
    def __init__(self) -> None:
        self._data = bytearray()
        self._start = 0
        # Bytes in [_start, _start + _scanned) are known to hold no LF.
        self._scanned = 0

    def __len__(self) -> int:
        return len(self._data) - self._start

    def __bool__(self) -> bool:
        return len(self) > 0

    def feed(self, data: bytes) -> None:
        self._data += data

    def clear(self) -> None:
        self._data.clear()
        self._start = 0
        self._scanned = 0

    def find_lf(self) -> int:
        """Offset of the first LF from the start of the pending bytes, or -1."""
        pos = self._data.find(b"\n", self._start + self._scanned)
        if pos < 0:
            self._scanned = len(self)
            return -1
        return pos - self._start

    def rfind_lf(self) -> int:
        """Offset of the last LF in the pending bytes, or -1."""
        pos = self._data.rfind(b"\n", self._start + self._scanned)
        if pos < 0:
            self._scanned = len(self)
            return -1
        return pos - self._start

    def startswith(self, prefix: bytes) -> bool:
        return self._data.startswith(prefix, self._start)

    def endswith(self, suffix: bytes) -> bool:
        return len(self) >= len(suffix) and self._data.endswith(suffix)

    def find(self, needle: bytes, end: int) -> int:
        """Offset of ``needle`` within the first ``end`` pending bytes, or -1."""
        pos = self._data.find(needle, self._start, self._start + end)
        return pos - self._start if pos >= 0 else -1

    def peek(self, n: int) -> bytes:
        return bytes(self._data[self._start : self._start + n])

    def take(self, n: int) -> bytes:
        """Remove and return the first ``n`` pending bytes (fewer if short)."""
        n = min(n, len(self))
        out = bytes(self._data[self._start : self._start + n])
        self.skip(n)
        return out

    def skip(self, n: int) -> None:
        n = min(n, len(self))
        self._start += n
        self._scanned = max(0, self._scanned - n)
        if self._start == len(self._data):
            self.clear()
        elif self._start > 65536 and self._start * 2 > len(self._data):
            del self._data[: self._start]
            self._start = 0
