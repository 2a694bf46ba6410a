"""Modified UTF-7 for IMAP mailbox names (RFC 3501 section 5.1.3).

Printable ASCII stands for itself except ``&``, which is written ``&-``.
Everything else is UTF-16BE, base64 with ``,`` in place of ``/``, unpadded,
between ``&`` and ``-``. Decoding is strict: a name that a conforming client
could not have produced (an unterminated shift, an empty shift, printable
ASCII inside a shift, two adjacent shifts, stray padding bits) is rejected,
so that each mailbox has exactly one spelling on the wire.
"""

from __future__ import annotations

import binascii

__all__ = ["decode_mutf7", "encode_mutf7"]


def _is_direct(ch: str) -> bool:
    return 0x20 <= ord(ch) <= 0x7E


def encode_mutf7(name: str) -> bytes:
    """Encode *name*; raises ValueError for lone surrogates."""
    if name.isascii() and name.isprintable() and "&" not in name:
        return name.encode("ascii")
    out = bytearray()
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            b64 = binascii.b2a_base64(raw, newline=False).rstrip(b"=")
            out.extend(b"&" + b64.replace(b"/", b",") + b"-")
            pending.clear()

    for ch in name:
        if _is_direct(ch):
            flush()
            out.extend(b"&-" if ch == "&" else ch.encode("ascii"))
        else:
            pending.append(ch)
    flush()
    return bytes(out)


def decode_mutf7(data: bytes) -> str:
    """Decode a modified UTF-7 mailbox name; raises ValueError if malformed."""
    if b"&" not in data:
        if any(b < 0x20 or b > 0x7E for b in data):
            raise ValueError("mailbox name is not 7-bit printable")
        return data.decode("ascii")
    parts: list[str] = []
    i = 0
    n = len(data)
    previous_shift_end = -1
    while i < n:
        b = data[i]
        if b < 0x20 or b > 0x7E:
            raise ValueError("mailbox name is not 7-bit printable")
        if b != 0x26:  # "&"
            j = data.find(b"&", i)
            if j < 0:
                j = n
            chunk = data[i:j]
            if any(c < 0x20 or c > 0x7E for c in chunk):
                raise ValueError("mailbox name is not 7-bit printable")
            parts.append(chunk.decode("ascii"))
            i = j
            continue
        end = data.find(b"-", i + 1)
        if end < 0:
            raise ValueError("unterminated modified UTF-7 shift")
        if end == i + 1:
            parts.append("&")
            i = end + 1
            continue
        if previous_shift_end == i:
            raise ValueError("adjacent modified UTF-7 shifts")
        parts.append(_decode_shift(data[i + 1 : end]))
        i = end + 1
        previous_shift_end = i
    return "".join(parts)


_B64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,")


def _decode_shift(b64: bytes) -> str:
    if any(c not in _B64_ALPHABET for c in b64):
        raise ValueError("invalid character in modified UTF-7 shift")
    if len(b64) % 4 == 1:
        raise ValueError("truncated modified UTF-7 shift")
    padded = b64.replace(b",", b"/") + b"=" * (-len(b64) % 4)
    try:
        raw = binascii.a2b_base64(padded, strict_mode=True)
    except binascii.Error as exc:
        raise ValueError(f"invalid modified UTF-7 shift: {exc}") from None
    if len(raw) % 2:
        raise ValueError("modified UTF-7 shift is not whole UTF-16 units")
    # Re-encoding must give the same text: this rejects non-zero padding bits.
    if binascii.b2a_base64(raw, newline=False).rstrip(b"=").replace(b"/", b",") != b64:
        raise ValueError("non-canonical modified UTF-7 shift")
    try:
        text = raw.decode("utf-16-be")
    except UnicodeDecodeError:
        raise ValueError("modified UTF-7 shift is not valid UTF-16") from None
    if any(_is_direct(ch) for ch in text):
        raise ValueError("printable ASCII must not be encoded in modified UTF-7")
    return text
