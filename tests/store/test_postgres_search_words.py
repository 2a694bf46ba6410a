"""How the PostgreSQL search index writes words: tokens as SQLite's
``unicode61`` makes them, and ``tsvector``/``tsquery`` text that no input can
break out of."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mailcore.store._postgres_search import _words
from mailcore.store._postgres_search._words import VectorBuilder, phrase, tokens, vectors


def test_tokens_split_fold_and_keep_letters_and_digits() -> None:
    assert tokens("Alice.Smith@Example.COM") == ["alice", "smith", "example", "com"]
    assert tokens("Rendez-vous au Café, n°5!") == ["rendez", "vous", "au", "cafe", "n", "5"]
    assert tokens("it's O'Brien_x") == ["it", "s", "o", "brien", "x"]
    assert tokens("'; DROP TABLE x; --") == ["drop", "table", "x"]
    assert tokens("\x00 \u200b *") == []


@given(st.text())
def test_lexemes_never_need_escaping(text: str) -> None:
    for token in tokens(text):
        assert token
        assert not set(token) & set("'\\ :&|!<>()*\x00\t\n")
        assert len(token.encode()) + 3 < 2047  # a field prefix and a lexeme fit


def _word_by_word(words: list[str], prefix: str) -> tuple[str, set[str]]:
    pairs: set[str] = set()
    budget = _words._Budget()
    # One byte short of the shortcut's bound: each word is counted, none refused.
    budget.left = 4 * (len(prefix) + 8) * len(words) + 8 * sum(map(len, words)) - 1
    builder = VectorBuilder(pairs, budget)
    builder.add(words, prefix=prefix)
    return builder.text(), pairs


@given(st.lists(st.sampled_from(["a", "b", "c", "dd", "é"]), max_size=40), st.sampled_from(["", "f:"]))
def test_the_shortcut_records_what_the_word_by_word_path_does(words: list[str], prefix: str) -> None:
    pairs: set[str] = set()
    fast = VectorBuilder(pairs, _words._Budget())
    fast.add(words, prefix=prefix)
    assert (fast.text(), pairs) == _word_by_word(words, prefix)


def test_phrases_require_their_pairs() -> None:
    assert phrase(["quarterly"]) == ("'quarterly'", None)
    assert phrase(["quarterly", "report", "is"]) == (
        "'quarterly' <-> 'report' <-> 'is'",
        "'quarterly report' & 'report is'",
    )
    assert phrase(["alice", "example"], prefix="f:") == (
        "'f:alice example' & ('f:alice' <-> 'f:example')",
        None,
    )


def test_vectors_keep_fields_apart() -> None:
    words, fields, pairs = vectors(["Budget review", "alice@example.com"], [("from", "Alice <a@x.org>")])
    assert words == "'budget':1 'review':2 'alice':4 'example':5 'com':6"  # 3 left empty
    assert "'review alice'" not in pairs  # no pair across two fields
    for pair in ("'budget review'", "'alice example'", "'example com'"):
        assert pair in pairs
    assert fields.startswith("'f:alice':1 'f:a':2 'f:x':3 'f:org':4 ")
    assert "'f:alice a'" in fields
