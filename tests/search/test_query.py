"""The Gmail query language: parsing, errors with positions, printing, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailcore.errors import QuerySyntaxError
from mailcore.search import (
    FIELD_NAMES,
    And,
    DateAfter,
    DateBefore,
    Field,
    Flag,
    HasAttachment,
    Label,
    LabelIds,
    Larger,
    MatchAll,
    MatchNone,
    NewerThan,
    Not,
    OlderThan,
    Or,
    Query,
    Smaller,
    Text,
    and_,
    format_query,
    not_,
    or_,
    parse_query,
    resolve_labels,
)

DAY = 86400.0
JAN31 = 1_706_659_200.0  # 2024-01-31T00:00:00Z


def w(value: str) -> Text:
    return Text(value, False)


def p(value: str) -> Text:
    return Text(value, True)


UNREAD = Not(Flag("\\Seen"))

CASES: list[tuple[str, Query]] = [
    ("", MatchAll()),
    ("   ", MatchAll()),
    ("hello", w("hello")),
    ("hello world", And((w("hello"), w("world")))),
    ('"quarterly report"', p("quarterly report")),
    ('budget "quarterly report"', And((w("budget"), p("quarterly report")))),
    ("alice@example.com", w("alice@example.com")),
    ("from:alice", Field("from", "alice", False)),
    ("FROM:alice", Field("from", "alice", False)),
    ("to:bob@example.org", Field("to", "bob@example.org", False)),
    ("cc:carol bcc:dave", And((Field("cc", "carol", False), Field("bcc", "dave", False)))),
    ('subject:"quarterly report"', Field("subject", "quarterly report", True)),
    ("filename:report.pdf", Field("filename", "report.pdf", False)),
    ("from:-alice", Field("from", "-alice", False)),
    ("from:OR", Field("from", "OR", False)),
    ("from:a:b", Field("from", "a:b", False)),
    (
        "from:(alice OR bob)",
        Or((Field("from", "alice", False), Field("from", "bob", False))),
    ),
    (
        'subject:(quarterly "big report")',
        And((Field("subject", "quarterly", False), Field("subject", "big report", True))),
    ),
    (
        "from:(alice -bob)",
        And((Field("from", "alice", False), Not(Field("from", "bob", False)))),
    ),
    ("from:{alice bob}", Or((Field("from", "alice", False), Field("from", "bob", False)))),
    ("has:attachment", HasAttachment()),
    ("HAS:Attachment", HasAttachment()),
    ("is:unread", UNREAD),
    ("is:read", Flag("\\Seen")),
    ("is:starred", Flag("\\Flagged")),
    ("is:important", Label("Important")),
    ("IS:UNREAD", UNREAD),
    ("-is:unread", Flag("\\Seen")),
    ("label:work", Label("work")),
    ("label:Work/Projects", Label("Work/Projects")),
    ('label:"my label"', Label("my label")),
    ("in:work", Label("work")),
    ("in:inbox", Label("INBOX")),
    ("in:Inbox", Label("INBOX")),
    ("in:sent", Label("Sent")),
    ("in:trash", Label("Trash")),
    ("in:spam", Label("Spam")),
    ("in:drafts", Label("Drafts")),
    ("in:starred", Label("Starred")),
    ("in:anywhere", MatchAll()),
    ("in:anywhere budget", w("budget")),
    ("-in:anywhere", MatchNone()),
    ("label:(a OR b)", Or((Label("a"), Label("b")))),
    ("before:2024/01/31", DateBefore(JAN31)),
    ("before:2024-01-31", DateBefore(JAN31)),
    ("before:2024/1/31", DateBefore(JAN31)),
    ("after:2024/02/01", DateAfter(JAN31 + DAY)),
    ("after:1706659200", DateAfter(JAN31)),
    ("older:2024/01/31", DateBefore(JAN31)),
    ("newer:2024/01/31", DateAfter(JAN31)),
    ("older_than:2d", OlderThan(2 * DAY)),
    ("older_than:3w", OlderThan(21 * DAY)),
    ("newer_than:1m", NewerThan(30 * DAY)),
    ("newer_than:2y", NewerThan(730 * DAY)),
    ("newer_than:2D", NewerThan(2 * DAY)),
    ("larger:10M", Larger(10 * 1024 * 1024)),
    ("larger:500K", Larger(500 * 1024)),
    ("larger:1000", Larger(1000)),
    ("larger:10mb", Larger(10 * 1024 * 1024)),
    ("size:1000", Larger(1000)),
    ("smaller:1G", Smaller(1024**3)),
    ("a OR b", Or((w("a"), w("b")))),
    ("a OR b OR c", Or((w("a"), w("b"), w("c")))),
    ("a b OR c d", And((w("a"), Or((w("b"), w("c"))), w("d")))),
    ("a or b", And((w("a"), w("or"), w("b")))),  # only uppercase OR is a keyword
    ("a AND b", And((w("a"), w("b")))),
    ("a and b", And((w("a"), w("and"), w("b")))),
    ("{a b c}", Or((w("a"), w("b"), w("c")))),
    ("{a}", w("a")),
    ("-a", Not(w("a"))),
    ("--a", w("a")),
    ("a -b", And((w("a"), Not(w("b"))))),
    ("a-b", w("a-b")),
    ("-(a b)", Not(And((w("a"), w("b"))))),
    ('-"a b"', Not(p("a b"))),
    ("-from:alice", Not(Field("from", "alice", False))),
    ("(a OR b) c", And((Or((w("a"), w("b"))), w("c")))),
    ("(a b) OR c", Or((And((w("a"), w("b"))), w("c")))),
    ("((a))", w("a")),
    ("a (b c)", And((w("a"), w("b"), w("c")))),
    ("a OR (b OR c)", Or((w("a"), w("b"), w("c")))),
    ("foo:bar", w("foo:bar")),
    ("foo:", w("foo:")),
    (":foo", w(":foo")),
    ("said:", w("said:")),
    ("it's", w("it's")),
    ("foo*", w("foo*")),
    ("NEAR", w("NEAR")),
    ('"OR"', p("OR")),
    ('a"b c"', And((w("a"), p("b c")))),
    ("from:a\tb", And((Field("from", "a", False), w("b")))),
    (
        "is:unread label:work has:attachment",
        And((UNREAD, Label("work"), HasAttachment())),
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_parse(text: str, expected: Query) -> None:
    assert parse_query(text) == expected
    assert parse_query(format_query(expected)) == expected


ERRORS: list[tuple[str, int, str]] = [
    ("(a", 0, "not closed"),
    ("a (b (c)", 2, "not closed"),
    ("a)", 1, "nothing to close"),
    ("a}", 1, "nothing to close"),
    ("(a}", 2, "nothing to close"),
    ('"abc', 0, "unterminated quote"),
    ('a "b" "c', 6, "unterminated quote"),
    ('from:"abc', 5, "unterminated quote"),
    ("OR a", 0, "OR with nothing before"),
    ("a OR", 2, "OR with nothing after"),
    ("a OR OR b", 2, "OR with nothing after"),
    ("(a OR) b", 3, "OR with nothing after"),
    ("a OR )", 2, "OR with nothing after"),
    ("AND a", 0, "AND with nothing before"),
    ("a AND", 2, "AND with nothing after"),
    ("-", 0, "'-' with nothing after"),
    ("a -", 2, "'-' with nothing after"),
    ("a - b", 2, "'-' with nothing after"),
    ("(a -)", 3, "'-' with nothing after"),
    ("-OR", 1, "OR with nothing before"),
    ("from:", 5, "empty value for 'from:'"),
    ("a from: b", 7, "empty value for 'from:'"),
    ('subject:""', 8, "empty value for 'subject:'"),
    ("label:)", 6, "empty value for 'label:'"),
    ('""', 0, "empty quoted phrase"),
    ("()", 0, "empty group"),
    ("from:()", 5, "empty group"),
    ("{}", 0, "empty group"),
    ("before:2024/13/45", 7, "no such date"),
    ("after:2024/02/30", 6, "no such date"),
    ("before:yesterday", 7, "bad date"),
    ("before:2024/01", 7, "bad date"),
    ("larger:abc", 7, "bad size"),
    ("smaller:10X", 8, "bad size"),
    ("older_than:5x", 11, "bad relative date"),
    ("newer_than:d", 11, "bad relative date"),
    ("has:unknownthing", 4, "unknown has: value"),
    ("is:unknownthing", 3, "unknown is: value"),
    ("x is:(unread OR bogus)", 16, "unknown is: value"),
]


@pytest.mark.parametrize(("text", "position", "reason"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_name_the_problem_and_where(text: str, position: int, reason: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert info.value.position == position, info.value
    assert reason in info.value.reason
    assert info.value.query == text


def test_limits() -> None:
    with pytest.raises(QuerySyntaxError, match="too long"):
        parse_query("a " * 5000)
    with pytest.raises(QuerySyntaxError, match="nested") as info:
        parse_query("(" * 40 + "a" + ")" * 40)
    assert info.value.position == 32
    assert parse_query("(" * 32 + "a" + ")" * 32) == w("a")
    assert parse_query("-" * 1001 + "a") == Not(w("a"))  # no recursion per '-'


def test_resolve_labels() -> None:
    tree = parse_query("in:inbox (label:work OR -label:gone) budget")
    ids = {"INBOX": frozenset({1}), "work": frozenset({2, 3})}
    resolved = resolve_labels(tree, lambda name: ids.get(name, frozenset()))
    assert resolved == And(
        (
            LabelIds(frozenset({1})),
            Or((LabelIds(frozenset({2, 3})), Not(LabelIds(frozenset())))),
            w("budget"),
        )
    )
    assert resolve_labels(w("x"), lambda name: frozenset()) == w("x")


def test_format_examples() -> None:
    assert format_query(MatchAll()) == ""
    assert format_query(parse_query("from:(a OR b) is:unread")) == "from:a OR from:b is:unread"
    assert format_query(parse_query("before:2024-1-31")) == "before:2024/01/31"
    assert format_query(parse_query("newer_than:14d")) == "newer_than:2w"
    assert format_query(parse_query("larger:2048")) == "larger:2K"
    assert format_query(And((w("a"), Or((w("b"), And((w("c"), w("d")))))))) == "a b OR (c d)"
    # Values that cannot be written bare are quoted.
    assert format_query(w("OR")) == '"OR"'
    assert format_query(w("from:x")) == '"from:x"'
    assert format_query(Label("my label")) == 'label:"my label"'
    with pytest.raises(ValueError):
        format_query(LabelIds(frozenset({1})))
    with pytest.raises(ValueError):
        format_query(Flag("$Junk"))


def test_normalizers() -> None:
    assert and_([]) == MatchAll()
    assert or_([]) == MatchNone()
    assert and_([w("a"), MatchNone()]) == MatchNone()
    assert or_([w("a"), MatchAll()]) == MatchAll()
    assert not_(not_(w("a"))) == w("a")
    assert and_([And((w("a"), w("b"))), w("c")]) == And((w("a"), w("b"), w("c")))


def test_field_names_are_validated() -> None:
    assert set(FIELD_NAMES) == {"from", "to", "cc", "bcc", "subject", "filename"}
    with pytest.raises(ValueError):
        Field("body", "x", False)  # type: ignore[arg-type]


# ------------------------------------------------------------------- hypothesis

QUERYISH = st.lists(
    st.sampled_from(
        [*'abcOR AND-(){}":', "from:", "is:", "in:", "has:", "before:", "larger:", "\t"]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=60), QUERYISH))
def test_arbitrary_text_parses_or_raises_query_syntax_error(text: str) -> None:
    try:
        tree = parse_query(text)
    except QuerySyntaxError as exc:
        assert 0 <= exc.position <= len(text)
        return
    # Whatever parses prints back to the same tree.
    assert parse_query(format_query(tree)) == tree


WORDS = st.from_regex(r"[a-zA-Z0-9éß][a-zA-Z0-9.@_'é-]{0,8}", fullmatch=True).filter(
    lambda v: v not in ("OR", "AND")
)
PHRASES = st.text(
    alphabet=st.characters(blacklist_characters='"', blacklist_categories=("Cs",)),
    min_size=1,
    max_size=12,
).filter(lambda v: v.strip() != "")
VALUES = st.one_of(
    WORDS.map(lambda v: (v, False)),
    PHRASES.map(lambda v: (v, True)),
    WORDS.map(lambda v: ("-" + v, False)),
)
FIELDS = st.sampled_from(FIELD_NAMES)
TIMES = st.one_of(
    st.integers(-(10**10), 10**11).map(float),
    st.integers(0, 3000 * 365).map(lambda d: d * DAY),
    st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False),
)
SPANS = st.one_of(
    st.integers(0, 10**9).map(float),
    st.floats(0, 1e9, allow_nan=False, allow_infinity=False),
)
SIZES = st.integers(0, 2**70)

LEAVES: st.SearchStrategy[Query] = st.one_of(
    WORDS.map(w),
    PHRASES.map(p),
    st.builds(lambda f, v: Field(f, v[0], v[1]), FIELDS, VALUES),
    st.just(HasAttachment()),
    st.sampled_from([Flag("\\Seen"), Flag("\\Flagged"), UNREAD]),
    st.one_of(WORDS, PHRASES).map(Label),
    TIMES.map(DateBefore),
    TIMES.map(DateAfter),
    SPANS.map(OlderThan),
    SPANS.map(NewerThan),
    SIZES.map(Larger),
    SIZES.map(Smaller),
)

TREES: st.SearchStrategy[Query] = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=4).map(and_),
        st.lists(inner, min_size=2, max_size=4).map(or_),
        inner.map(not_),
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(TREES, st.just(MatchAll()), st.just(MatchNone())))
def test_generated_trees_round_trip(tree: Query) -> None:
    assert parse_query(format_query(tree)) == tree
