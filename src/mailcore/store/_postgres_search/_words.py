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
    if words and max(map(len, words)) > MAX_TOKEN:
        words = [w[:MAX_TOKEN] for w in words]
    return words


def pairs(words: Sequence[str]) -> list[str]:
    """The adjacent pairs of ``words`` that are indexed (``"quarterly report"``).

    A pair longer than :data:`MAX_TOKEN` is left out, of documents and
    queries alike.
    """
    return [
        f"{a} {b}" for a, b in zip(words, words[1:], strict=False) if len(a) + len(b) < MAX_TOKEN
    ]


class _Budget:
    """Bytes a document's vectors may still take, together."""

    def __init__(self) -> None:
        self.left = VECTOR_BUDGET

    def take(self, cost: int) -> bool:
        if cost > self.left:
            return False
        self.left -= cost
        return True


class VectorBuilder:
    """Accumulates lexemes with their positions, and pairs, as ``tsvector`` input."""

    def __init__(self, pairs: set[str], budget: _Budget) -> None:
        self._positions: dict[str, list[int]] = {}
        self._pairs = pairs
        self._budget = budget
        self._afford = budget.take

    def add(self, words: Sequence[str], *, prefix: str = "", start: int = 1) -> int:
        """Record ``words`` at positions from ``start``, and their pairs.

        Returns the next free position. Pairs never span two calls.
        """
        if not words:
            return start
        # Most documents are far from the budget and from the last position:
        # record them without counting word by word.
        bound = 4 * (len(prefix) + 8) * len(words) + 8 * sum(map(len, words))
        if bound <= self._budget.left and start + len(words) < MAX_POSITION:
            self._budget.left -= bound
            return self._add_all(words, prefix, start)
        positions = self._positions
        pairs = self._pairs
        pos = start
        previous: str | None = None
        for word in words:
            lexeme = prefix + word if prefix else word
            at = pos if pos < MAX_POSITION else MAX_POSITION
            pos += 1
            seen = positions.get(lexeme)
            if seen is None:
                if not self._afford(_cost(lexeme)):
                    break
                positions[lexeme] = [at]
            elif len(seen) < MAX_POSITIONS and seen[-1] != at:
                if not self._afford(2):
                    break
                seen.append(at)
            if previous is not None and len(previous) + len(word) < MAX_TOKEN:
                pair = f"{prefix}{previous} {word}"
                if pair not in pairs:
                    if not self._afford(_cost(pair)):
                        break
                    pairs.add(pair)
            previous = word
        return pos

    def _add_all(self, words: Sequence[str], prefix: str, start: int) -> int:
        positions = self._positions
        lexemes = [prefix + word for word in words] if prefix else words
        for at, lexeme in enumerate(lexemes, start):
            seen = positions.get(lexeme)
            if seen is None:
                positions[lexeme] = [at]
            elif len(seen) < MAX_POSITIONS:
                seen.append(at)
        if max(map(len, words)) * 2 < MAX_TOKEN:
            joined = map(" ".join, zip(words, words[1:], strict=False))
            self._pairs.update(map(prefix.__add__, joined) if prefix else joined)
        else:
            self._pairs.update(prefix + pair for pair in pairs(words))
        return start + len(words)

    def text(self) -> str:
        """The ``tsvector`` input text of the lexemes.

        Lexemes are letters and digits (after a prefix of a letter and a
        colon), so they are quoted but never need escaping.
        """
        return " ".join(f"'{lexeme}':{','.join(map(str, at))}" for lexeme, at in self._positions.items())


def _cost(lexeme: str) -> int:
    """Bytes a lexeme takes in a ``tsvector``, with room for its first position."""
    return 8 + (len(lexeme) if lexeme.isascii() else len(lexeme.encode()))


def vectors(words: Iterable[str], fields: Iterable[tuple[str, str]]) -> tuple[str, str, str]:
    """A document's three ``tsvector`` inputs: ``words``, ``fields`` and ``pairs``.

    ``words`` holds what a bare word searches, a position left empty between
    two fields so that a phrase never runs from one into the next, and
    ``pairs`` the adjacent pairs of those words, without positions.
    ``fields`` holds each lexeme prefixed by its field (``f:alice``), with its
    pairs (``f:alice smith``): headers are small, and a phrase checked there
    reads one small vector. Together they stay within :data:`VECTOR_BUDGET`.
    """
    budget = _Budget()
    pairs: set[str] = set()
    bare = VectorBuilder(pairs, budget)
    pos = 1
    for part in words:
        pos = bare.add(tokens(part), start=pos) + 1
    field_pairs: set[str] = set()
    prefixed = VectorBuilder(field_pairs, budget)
    for field, text in fields:
        prefixed.add(tokens(text), prefix=FIELD_PREFIX[field])
    return bare.text(), " ".join([prefixed.text(), *_quoted(field_pairs)]), " ".join(_quoted(pairs))


def _quoted(lexemes: Iterable[str]) -> list[str]:
    return [f"'{lexeme}'" for lexeme in lexemes]


def phrase(words: Sequence[str], *, prefix: str = "") -> tuple[str, str | None]:
    """``tsquery`` texts matching ``words`` adjacent and in order (``words`` is not empty).

    GIN indexes keep no positions, so every document holding all the words
    of a phrase would have its positions checked; requiring the phrase's
    pairs first (which the index answers exactly) leaves only the documents
    holding them. The first text is for the ``words`` or ``fields`` vector;
    for bare words, the pairs are the second, for the ``pairs`` vector
    (None for a single word); field pairs are in the ``fields`` vector.
    """
    exact = " <-> ".join(f"'{prefix}{word}'" for word in words)
    needed = [f"'{prefix}{pair}'" for pair in pairs(words)]
    if not needed:
        return exact, None
    if prefix:
        return " & ".join([*needed, f"({exact})"]), None
    return exact, " & ".join(needed)
