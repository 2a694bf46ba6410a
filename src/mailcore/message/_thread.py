"""Subject normalization for conversation threading."""

from __future__ import annotations

import re

# Reply/forward markers in the languages mail clients actually emit, with an
# optional counter ("Re[2]:", "Re(3):", "Re^2:"), ASCII or full-width colon.
_PREFIX = re.compile(
    r"""^\s*(?:
        (?:re|fwd?|aw|sv|vs|wg|tr|antw|ref|rif|odp|enc|res|rv|doorst|vl|atb|bls
          |ynt|rép|رد|回复|回覆|答复|转发|轉寄|返信|転送)
        \s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：]
      |\[[^\]\n]*\]
    )""",
    re.I | re.X,
)
_SUFFIX = re.compile(r"\s*\((?:fwd?|forw(?:arded)?)\)\s*$", re.I)
_WS = re.compile(r"\s+")


def normalize_subject(subject: str) -> str:
    """The thread key of a subject: any number of leading reply/forward
    markers (``Re:``, ``RE :``, ``Fwd:``, ``Fw:``, ``AW:``, ``SV:``, ...) and
    ``[list-tag]`` prefixes removed, trailing ``(fwd)`` removed, casefolded,
    whitespace collapsed."""
    text = subject
    while True:
        m = _PREFIX.match(text)
        if m is None or m.end() == 0:
            break
        text = text[m.end() :]
    while True:
        m = _SUFFIX.search(text)
        if m is None:
            break
        text = text[: m.start()]
    return _WS.sub(" ", text).strip().casefold()
