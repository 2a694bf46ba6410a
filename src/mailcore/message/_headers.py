"""Header-level decoding: RFC 2047 encoded-words, RFC 2231 parameters, raw UTF-8
headers (RFC 6532), message ids and dates.

Header bytes are handled as Latin-1 ``str`` wherever the raw octets must be
recoverable (``s.encode("latin-1")`` gives them back exactly); only values meant
for people are decoded into real text.
"""

from __future__ import annotations

import binascii
import codecs
import datetime
import functools
import re
import urllib.parse
from email.utils import parsedate_to_datetime

# Charset labels seen in the wild that Python spells differently or lacks.
_CHARSET_ALIASES = {
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode-2-0-utf-7": "utf-7",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "x-sjis": "shift_jis",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "x-user-defined": "latin-1",
    "utf8": "utf-8",
}


@functools.lru_cache(maxsize=512)
def codec_for(charset: str) -> str | None:
    """Python codec name for a MIME charset label, or None when unknown.

    Only text encodings qualify: labels such as ``base64`` or ``zlib`` that name
    bytes-to-bytes codecs are refused.
    """
    label = charset.strip().strip("\"'").lower()
    if "*" in label:  # RFC 2231 language suffix in encoded-words
        label = label.split("*", 1)[0]
    if not label or len(label) > 40:
        return None
    label = _CHARSET_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode ``data`` in its declared charset, falling back to UTF-8, then
    Latin-1 (or the declared charset with ``errors='replace'``). Never raises."""
    codec = codec_for(charset) if charset else None
    if codec is not None:
        try:
            return data.decode(codec)
        except Exception:
            pass
    if codec != "utf-8":
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if codec is None or codec == "ascii":
        return data.decode("latin-1")
    try:
        return data.decode(codec, errors="replace")
    except Exception:
        return data.decode("latin-1")


def header_text(value: bytes) -> str:
    """Raw header octets as text: UTF-8 when valid (RFC 6532), else Latin-1."""
    if value.isascii():
        return value.decode("ascii")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def latin1_to_text(value: str) -> str:
    """Re-read a Latin-1 carrier string as UTF-8 when it is valid UTF-8."""
    if value.isascii():
        return value
    return header_text(value.encode("latin-1"))


def b64decode_lenient(data: bytes) -> bytes:
    """Base64 decode that skips junk characters and repairs bad padding."""
    try:
        return binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        pass
    cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    rem = len(cleaned) % 4
    if rem == 1:
        cleaned = cleaned[:-1]
    elif rem:
        cleaned += b"=" * (4 - rem)
    try:
        return binascii.a2b_base64(cleaned)
    except (binascii.Error, ValueError):
        return b""


_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,60})\?([QqBb])\?([^?\s]*)\?=")


def decode_rfc2047(text: str) -> str:
    """Decode RFC 2047 encoded-words; whitespace between adjacent words is
    dropped and same-charset neighbours are joined before decoding, so split
    multi-byte characters come out whole."""
    if "=?" not in text:
        return text
    out: list[str] = []
    pos = 0
    pending = b""
    pending_cs = ""
    after_word = False

    def flush() -> None:
        nonlocal pending, pending_cs
        if pending_cs:
            out.append(decode_bytes(pending, pending_cs))
        pending = b""
        pending_cs = ""

    for m in _ENCODED_WORD.finditer(text):
        between = text[pos : m.start()]
        if not (after_word and (not between or between.isspace())):
            flush()
            out.append(between)
        charset, enc, payload = m.group(1), m.group(2), m.group(3)
        octets = payload.encode("latin-1", "replace")
        if enc in "Bb":
            data = b64decode_lenient(octets)
        else:
            data = binascii.a2b_qp(octets, header=True)
        cs = charset.lower()
        if pending_cs and cs != pending_cs:
            flush()
        pending_cs = cs
        pending += data
        pos = m.end()
        after_word = True
    flush()
    out.append(text[pos:])
    return "".join(out)


def decode_header_value(value: bytes) -> str:
    """A header value for people: raw UTF-8 or Latin-1, then RFC 2047."""
    return decode_rfc2047(header_text(value))


_PARAM = re.compile(r'\s*([^\s=;"]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"?|([^;]*))', re.S)
_UNESCAPE = re.compile(r"\\(.)", re.S)


def split_params(value: str) -> tuple[str, list[tuple[str, str]]]:
    """Split ``type/sub; a=b; c="d"`` into the leading token and raw
    ``(name, value)`` pairs, quotes removed; junk between semicolons is skipped."""
    semi = value.find(";")
    if semi < 0:
        return value.strip(), []
    head = value[:semi].strip()
    pairs: list[tuple[str, str]] = []
    pos = semi + 1
    n = len(value)
    while pos < n:
        m = _PARAM.match(value, pos)
        if m is not None:
            name = m.group(1)
            if m.group(3) is not None:
                val = m.group(3).strip()
            else:
                val = m.group(2)
                if "\\" in val:
                    val = _UNESCAPE.sub(r"\1", val)
            pairs.append((name, val))
            pos = m.end()
        nxt = value.find(";", pos)
        if nxt < 0:
            break
        pos = nxt + 1
    return head, pairs


def merge_params(
    pairs: list[tuple[str, str]],
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Apply RFC 2231 to raw parameter pairs.

    Returns ``(wire, decoded)``: ``wire`` keeps parameter order with
    continuations joined (an extended value stays ``name*`` =
    ``charset'lang'pct-encoded`` as RFC 2231 writes it), for BODYSTRUCTURE;
    ``decoded`` maps lowercased names to display text (RFC 2231 and, as many
    mailers need, RFC 2047 inside values), first occurrence winning.
    """
    if not any("*" in name for name, _ in pairs):
        plain_decoded: dict[str, str] = {}
        for name, val in pairs:
            key = name.lower()
            if key not in plain_decoded:
                plain_decoded[key] = decode_rfc2047(latin1_to_text(val))
        return pairs, plain_decoded
    order: list[str] = []
    plain: dict[str, str] = {}
    sections: dict[str, dict[int, tuple[bool, str]]] = {}
    for name, val in pairs:
        key = name.lower()
        base, star, rest = key.partition("*")
        if not star:
            if key not in plain and key not in sections:
                order.append(key)
            plain.setdefault(key, val)
            continue
        extended = rest.endswith("*") or rest == ""
        index_text = rest.rstrip("*")
        if index_text and not index_text.isdigit():
            continue
        index = int(index_text) if index_text and len(index_text) < 6 else 0
        if base not in plain and base not in sections:
            order.append(base)
        sections.setdefault(base, {}).setdefault(index, (extended, val))
    wire: list[tuple[str, str]] = []
    decoded: dict[str, str] = {}
    for key in order:
        if key in sections:
            secs = [sections[key][i] for i in sorted(sections[key])]
            any_ext = any(ext for ext, _ in secs)
            charset = ""
            lang = ""
            chunks: list[bytes] = []
            wire_chunks: list[str] = []
            for i, (ext, val) in enumerate(secs):
                if ext:
                    if i == 0 and val.count("'") >= 2:
                        charset, lang, val = val.split("'", 2)
                    chunks.append(urllib.parse.unquote_to_bytes(val))
                    wire_chunks.append(val)
                else:
                    chunks.append(val.encode("latin-1", "replace"))
                    wire_chunks.append(urllib.parse.quote(val, safe="") if any_ext else val)
            if any_ext:
                wire.append((key + "*", f"{charset}'{lang}'" + "".join(wire_chunks)))
                decoded[key] = decode_bytes(b"".join(chunks), charset or "utf-8")
            else:
                joined = "".join(wire_chunks)
                wire.append((key, joined))
                decoded[key] = decode_rfc2047(latin1_to_text(joined))
        else:
            wire.append((key, plain[key]))
            decoded[key] = decode_rfc2047(latin1_to_text(plain[key]))
    return wire, decoded


_MSG_ID = re.compile(r"<([^<>]*)>")
_WS = re.compile(r"\s+")


def parse_msg_ids(value: str) -> tuple[str, ...]:
    """All ``<msg-id>`` values, brackets and inner whitespace removed; bare
    ``local@domain`` tokens are accepted when no bracketed id is present."""
    ids: list[str] = []
    if "<" in value:
        for inner in _MSG_ID.findall(value):
            ident = _WS.sub("", inner)
            if ident:
                ids.append(ident)
    if not ids:
        for token in re.split(r"[\s,]+", value):
            token = token.strip("<>")
            if "@" in token:
                ids.append(token)
    return tuple(ids)


def parse_date(value: str) -> datetime.datetime | None:
    """An RFC 5322 date as an aware datetime (``-0000`` and zone-less dates
    are taken as UTC); None when unparseable."""
    if not value or len(value) > 200:
        return None
    try:
        dt = parsedate_to_datetime(value)
    except Exception:
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.UTC)
    return dt
