"""Words as the index and its queries see them, tokenized here in Python.

PostgreSQL's own parser recognises e-mail addresses, host names, hyphenated
words and numbers with dots as single tokens, and what counts as a letter
depends on the server's locale. The promises of the search contract (an
address matches whole and by its parts, ``rendez-vous`` is two words,
accents fold) are those of SQLite FTS5's ``unicode61`` tokenizer, so both
documents and queries are tokenized here, the same way, and PostgreSQL only
ever receives finished lexemes: ``tsvector`` and ``tsquery`` values written
in their input syntax, passed as bound parameters.

A token is a run of Unicode letters and digits, lowercased, with the
diacritics of Latin letters removed. A lexeme
therefore never holds a quote, a backslash, a space or an operator of the
``tsquery`` syntax, whatever the user typed.

PostgreSQL's limits, and how they are met:

* a lexeme holds at most 2047 bytes: tokens are cut to :data:`MAX_TOKEN`
  characters, in documents and queries alike;
* a position is at most 16383 and a lexeme keeps 256 positions: later
  occurrences are not recorded, so a word deep in a very long body is still
  found, but a phrase there may not be;
* a ``tsvector`` holds about 1 MB: words past :data:`VECTOR_BUDGET` bytes are
  not indexed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

#: Characters kept of a token (four bytes each at most, so a lexeme with its
#: field prefix stays under PostgreSQL's 2047 bytes).
MAX_TOKEN = 500
#: The last position PostgreSQL records, and how many positions a lexeme keeps.
MAX_POSITION = 16383
MAX_POSITIONS = 256
#: Bytes of ``tsvector`` storage a document may use (PostgreSQL refuses 1 MB).
VECTOR_BUDGET = 900_000

#: Field prefixes of the lexemes in the ``fields`` vector.
FIELD_PREFIX = {
    "subject": "s:",
    "from": "f:",
    "to": "t:",
    "cc": "c:",
    "bcc": "b:",
    "filename": "n:",
}

_TOKEN = re.compile(r"[^\W_]+")
#: Combining diacritical marks on a Latin letter (once decomposed): removed,
#: as SQLite's ``remove_diacritics 2`` removes them. Marks on letters of
#: other scripts stay (``καλημέρα`` is not ``καλημερα`` there either).
_LATIN_DIACRITICS = re.compile("([a-z\u00c0-\u024f\u1e00-\u1eff])[\u0300-\u036f]+")


def tokens(text: str) -> list[str]:
    """The words of ``text``, as the index stores them."""
    text = text.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFD", text)
        text = unicodedata.normalize("NFC", _LATIN_DIACRITICS.sub(r"\1", text))
    words = _TOKEN.findall(text)
    if any(len(w) > MAX_TOKEN for w in words):
        words = [w[:MAX_TOKEN] for w in words]
    return words


class VectorBuilder:
    """Accumulates positioned lexemes and writes them as ``tsvector`` input."""

    def __init__(self) -> None:
        self._positions: dict[str, list[int]] = {}
        self._size = 0

    def add(self, words: Sequence[str], *, prefix: str = "", start: int = 1) -> int:
        """Record ``words`` at positions from ``start``; returns the next free position."""
        positions = self._positions
        pos = start
        for word in words:
            lexeme = prefix + word if prefix else word
            at = pos if pos < MAX_POSITION else MAX_POSITION
            pos += 1
            seen = positions.get(lexeme)
            if seen is None:
                cost = 8 + len(lexeme.encode()) if not lexeme.isascii() else 8 + len(lexeme)
                if self._size + cost > VECTOR_BUDGET:
                    break
                self._size += cost
                positions[lexeme] = [at]
            elif len(seen) < MAX_POSITIONS and seen[-1] != at:
                if self._size + 2 > VECTOR_BUDGET:
                    break
                self._size += 2
                seen.append(at)
        return pos

    def text(self) -> str:
        """The ``tsvector`` input text (lexemes are letters and digits: no quoting needed)."""
        return " ".join(
            f"'{lexeme}':{','.join(map(str, at))}" for lexeme, at in self._positions.items()
        )


def words_vector(parts: Iterable[str]) -> str:
    """The ``tsvector`` of the fields a bare word searches.

    A position is left empty between two fields, so a phrase never runs from
    the end of one into the start of the next.
    """
    builder = VectorBuilder()
    pos = 1
    for part in parts:
        pos = builder.add(tokens(part), start=pos) + 1
    return builder.text()


def fields_vector(fields: Iterable[tuple[str, str]]) -> str:
    """The ``tsvector`` of the field operators: each lexeme prefixed by its field."""
    builder = VectorBuilder()
    for field, text in fields:
        builder.add(tokens(text), prefix=FIELD_PREFIX[field])
    return builder.text()


def phrase(words: Sequence[str], *, prefix: str = "") -> str:
    """A ``tsquery`` matching ``words`` adjacent and in order (``words`` is not empty)."""
    return " <-> ".join(f"'{prefix}{word}'" for word in words)
