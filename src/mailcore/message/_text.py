"""Body text: transfer decoding, HTML to text, and the snippet shown in lists."""

from __future__ import annotations

import binascii
import html as html_lib
import re

from ._headers import b64decode_lenient


class UnknownTransferEncoding(ValueError):
    """A part's Content-Transfer-Encoding is not one we can undo
    (IMAP answers ``NO [UNKNOWN-CTE]``)."""

    def __init__(self, encoding: str) -> None:
        super().__init__(f"unknown Content-Transfer-Encoding: {encoding!r}")
        self.encoding = encoding


_IDENTITY = frozenset({"", "7bit", "8bit", "binary", "7-bit", "8-bit", "none"})


def decode_transfer(data: bytes, cte: str) -> bytes:
    """Undo a Content-Transfer-Encoding (lowercased name). Lenient with broken
    base64 and quoted-printable; raises :class:`UnknownTransferEncoding` for
    any other encoding."""
    if cte in _IDENTITY:
        return data
    if cte == "base64":
        return b64decode_lenient(data)
    if cte == "quoted-printable":
        return binascii.a2b_qp(data)
    raise UnknownTransferEncoding(cte)


def decoded_size_estimate(raw: bytes, start: int, end: int, cte: str) -> int:
    """Decoded size of a body without decoding it (exact for identity
    encodings, close for base64, the encoded size for quoted-printable)."""
    size = end - start
    if cte == "base64":
        payload = size - raw.count(b"\n", start, end) - raw.count(b"\r", start, end)
        tail = raw[max(start, end - 6) : end].rstrip()
        padding = len(tail) - len(tail.rstrip(b"="))
        return max(0, payload - padding) * 3 // 4
    return size


_DROP_OPEN = re.compile(r"<(script|style|head|title|noscript|template)\b|<!--", re.I)
_DROP_CLOSE = {
    name: re.compile(rf"</{name}\s*>", re.I)
    for name in ("script", "style", "head", "title", "noscript", "template")
}
_WS = re.compile(r"\s+")
_BLOCK = re.compile(
    r"<\s*/?\s*(?:p|div|br|tr|li|h[1-6]|blockquote|table|hr|ul|ol|pre|section|article"
    r"|header|footer|dd|dt|dl|address|center|form|fieldset|figure|main|nav|aside)\b[^>]*>",
    re.I,
)
_CELL = re.compile(r"<\s*/?\s*t[dh]\b[^>]*>", re.I)
_TAG = re.compile(r"</?[A-Za-z!?/][^>]*>")
_LINE_WS = re.compile(r"[ \t\f\v\u00a0\u200b]+")
_MANY_NL = re.compile(r"\n(?: ?\n)+")


def _drop_invisible(html: str) -> str:
    """Remove script/style/head/title content and comments in one linear pass;
    an unterminated one swallows the rest of the document."""
    out: list[str] = []
    pos = 0
    while True:
        m = _DROP_OPEN.search(html, pos)
        if m is None:
            out.append(html[pos:])
            break
        out.append(html[pos : m.start()])
        if m.group(1) is None:
            close = html.find("-->", m.end())
            if close < 0:
                break
            pos = close + 3
        else:
            cm = _DROP_CLOSE[m.group(1).lower()].search(html, m.end())
            if cm is None:
                break
            pos = cm.end()
        out.append(" ")
    return "".join(out)


def html_to_text(html: str) -> str:
    """Readable text from HTML: invisible content dropped, block elements as
    line breaks (paragraphs separated by one blank line), tags stripped and
    entities decoded."""
    text = _drop_invisible(html)
    text = _WS.sub(" ", text)
    text = _BLOCK.sub("\n", text)
    text = _CELL.sub(" ", text)
    text = _TAG.sub("", text)
    if "&" in text:
        text = html_lib.unescape(text)
    text = _LINE_WS.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _MANY_NL.sub("\n\n", text)
    return text.strip()


SNIPPET_LENGTH = 200
_SNIPPET_SCAN = 20000


def make_snippet(text: str, limit: int = SNIPPET_LENGTH) -> str:
    """The first ~``limit`` characters of what the author wrote: quoted
    ``>`` lines, the "On ... wrote:" line introducing them, and everything
    after a ``-- `` signature separator are left out; whitespace is
    collapsed."""
    snippet, finished = _snippet(text[:4000], limit)
    if not finished and len(text) > 4000:
        snippet, _ = _snippet(text[:_SNIPPET_SCAN], limit)
    return snippet


def _snippet(text: str, limit: int) -> tuple[str, bool]:
    """The snippet of ``text`` and whether it is final (enough text found or
    a signature reached) rather than limited by the end of ``text``."""
    finished = False
    lines = text.split("\n")
    pieces: list[str] = []
    total = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped == "--" and line.rstrip("\r") in ("-- ", "--"):
            finished = True
            break
        if stripped.startswith(">"):
            continue
        if stripped.endswith(":") and _introduces_quote(lines, index):
            continue
        pieces.append(stripped)
        total += len(stripped) + 1
        if total > limit + 50:
            finished = True
            break
    snippet = " ".join(" ".join(pieces).split())
    if len(snippet) > limit:
        cut = snippet[:limit]
        space = cut.rfind(" ")
        snippet = cut[:space] if space > limit - 30 else cut
    return snippet, finished


def _introduces_quote(lines: list[str], index: int) -> bool:
    for following in lines[index + 1 : index + 4]:
        stripped = following.strip()
        if stripped:
            return stripped.startswith(">")
    return False
