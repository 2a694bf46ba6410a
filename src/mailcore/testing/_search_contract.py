"""The promises every :class:`~mailcore.store.base.SearchIndex` adapter keeps.

Like trio's ``check_*`` stream suites: an adapter's test module runs
``await check_search_index(factory)``, where ``factory()`` opens a fresh,
empty index as an async context manager; or it parametrizes over
``SEARCH_INDEX_CHECKS`` (each a coroutine function taking an open, empty
index) to see which promise failed.

Queries are always built with :func:`mailcore.search.parse_query` or the
node constructors, never in an adapter's own language, and labels are
given as resolved :class:`~mailcore.search.LabelIds`.

Semantics pinned here, so that every adapter agrees:

* words and phrases match whole words, case- and accent-insensitively; a
  word is not a prefix (``budg`` does not find ``budget``); an address
  matches whole (``alice@example.com``) and by its parts (``alice``,
  ``example.com``);
* a bare word searches subject, body, from, to, cc and attachment names,
  not bcc;
* ``before:`` is exclusive and ``after:`` inclusive; ``older_than:`` is
  ``date < now - n`` and ``newer_than:`` is ``date >= now - n``;
  ``larger:`` and ``smaller:`` are strict;
* results are message ids, newest date first, ties by message id
  descending; cursors page through every match exactly once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager

import attrs

from mailcore.search import (
    And,
    DateAfter,
    DateBefore,
    Field,
    Flag,
    HasAttachment,
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
    parse_query,
    resolve_labels,
)
from mailcore.store.base import DocState, SearchDoc, SearchIndex

__all__ = ["SEARCH_INDEX_CHECKS", "SearchIndexFactory", "check_search_index"]

SearchIndexFactory = Callable[[], AbstractAsyncContextManager[SearchIndex]]
SearchIndexCheck = Callable[[SearchIndex], Awaitable[None]]

ACCOUNT = 1
OTHER_ACCOUNT = 2
DAY = 86400.0
#: 2023-11-14 22:13:20 UTC; documents are dated relative to it.
NOW = 1_700_000_000.0
#: Label ids used by the checks (as an engine would have resolved them).
INBOX, WORK, TRAVEL = 11, 12, 13
_LABELS = {"INBOX": INBOX, "work": WORK, "travel": TRAVEL}


def _doc(message_id: int, **fields: object) -> SearchDoc:
    values: dict[str, object] = {
        "account_id": ACCOUNT,
        "message_id": message_id,
        "thread_id": message_id,
        "date": NOW - message_id * 3600.0,
        "size": 1000,
        "from_": "",
        "to": "",
        "cc": "",
        "bcc": "",
        "subject": "",
        "body": "",
        "filenames": (),
        "has_attachment": False,
        "labels": frozenset(),
        "flags": frozenset(),
    }
    values.update(fields)
    return SearchDoc(**values)  # type: ignore[arg-type]


def _query(text: str) -> Query:
    return resolve_labels(
        parse_query(text), lambda name: frozenset({_LABELS[name]} if name in _LABELS else ())
    )


async def _all_ids(
    index: SearchIndex,
    query: Query | str,
    *,
    account_id: int = ACCOUNT,
    now: float = NOW,
    limit: int = 50,
) -> list[int]:
    """Every matching id, following cursors, checking each page on the way."""
    tree = _query(query) if isinstance(query, str) else query
    ids: list[int] = []
    cursor: str | None = None
    for _ in range(10_000):
        page = await index.query(account_id, tree, limit=limit, cursor=cursor, now=now)
        assert len(page.message_ids) <= limit, (query, page)
        if page.next_cursor is not None:
            assert len(page.message_ids) == limit, (query, page)
        ids.extend(page.message_ids)
        cursor = page.next_cursor
        if cursor is None:
            return ids
    raise AssertionError(f"{query!r}: paging did not end")


async def _expect(
    index: SearchIndex,
    query: Query | str,
    expected: Iterable[int],
    *,
    account_id: int = ACCOUNT,
    now: float = NOW,
    docs: Sequence[SearchDoc] | None = None,
) -> None:
    """``query`` matches exactly ``expected``; with ``docs``, in their order."""
    got = await _all_ids(index, query, account_id=account_id, now=now)
    wanted = list(expected)
    if docs is not None:
        by_id = {d.message_id: d for d in docs}
        wanted.sort(key=lambda i: (by_id[i].date, i), reverse=True)
        assert got == wanted, f"{query!r}: got {got}, expected {wanted}"
    else:
        assert sorted(got) == sorted(wanted), f"{query!r}: got {got}, expected {wanted}"
        assert len(got) == len(set(got)), f"{query!r}: duplicates in {got}"


# ------------------------------------------------------------------------ text


async def check_words(index: SearchIndex) -> None:
    """Bare words: whole words, anywhere but bcc, every word required."""
    docs = [
        _doc(1, subject="Quarterly budget review", body="Please find the numbers attached."),
        _doc(2, subject="Lunch", body="The budget meeting is tomorrow"),
        _doc(3, subject="Café crème", body="Rendez-vous au café", from_="Zoé <zoe@example.fr>"),
        _doc(4, subject="Hello", to="Budgetary Office <office@example.com>"),
        _doc(5, subject="x", cc="numbers@example.com", bcc="secretword@example.com"),
        _doc(6, subject="y", filenames=("itinerary.pdf",), has_attachment=True),
    ]
    await index.index_many(docs)
    await _expect(index, "budget", [1, 2], docs=docs)
    await _expect(index, "BUDGET", [1, 2])
    await _expect(index, "budg", [])  # whole words, not prefixes
    await _expect(index, "budgetary", [4])  # found in To
    await _expect(index, "budget numbers", [1])
    await _expect(index, "numbers", [1, 5])  # body and Cc
    await _expect(index, "cafe", [3])  # accents fold
    await _expect(index, "CAFÉ", [3])
    await _expect(index, "zoe", [3])  # From
    await _expect(index, "itinerary", [6])  # attachment names
    await _expect(index, "secretword", [])  # bare words do not search Bcc
    await _expect(index, "nothinglikethis", [])
    await _expect(index, Text("rendez-vous"), [3])


async def check_phrases(index: SearchIndex) -> None:
    """Quoted phrases: the words adjacent and in order."""
    docs = [
        _doc(1, body="the quarterly report is late"),
        _doc(2, body="report quarterly then numbers"),
        _doc(3, subject="Quarterly Report", body="see subject"),
    ]
    await index.index_many(docs)
    await _expect(index, '"quarterly report"', [1, 3])
    await _expect(index, '"report quarterly"', [2])
    await _expect(index, '"quarterly numbers"', [])
    await _expect(index, '"the quarterly report is late"', [1])
    await _expect(index, Text("quarterly report", phrase=True), [1, 3])


async def check_field_operators(index: SearchIndex) -> None:
    """from:, to:, cc:, bcc: and subject: look only in their field."""
    docs = [
        _doc(
            1,
            from_="Alice Smith <alice@example.com>",
            to="Bob <bob@example.org>",
            cc="Carol <carol@example.net>",
            bcc="Dave <dave@example.com>",
            subject="Planning offsite",
            body="mention of eve and frank",
        ),
        _doc(
            2,
            from_="Bob <bob@example.org>",
            to="Alice Smith <alice@example.com>",
            subject="Re: planning",
            body="alice wrote something",
        ),
        _doc(3, from_="alice@other.org", subject="offsite photos"),
    ]
    await index.index_many(docs)
    await _expect(index, "from:alice@example.com", [1])
    await _expect(index, "from:alice", [1, 3])
    await _expect(index, "from:example.com", [1])
    await _expect(index, "from:smith", [1])
    await _expect(index, 'from:"alice smith"', [1])
    await _expect(index, "from:ali", [])
    await _expect(index, "FROM:Alice@Example.COM", [1])
    await _expect(index, "to:alice", [2])
    await _expect(index, "to:bob@example.org", [1])
    await _expect(index, "cc:carol", [1])
    await _expect(index, "cc:alice", [])
    await _expect(index, "bcc:dave", [1])
    await _expect(index, "bcc:dave@example.com", [1])
    await _expect(index, "subject:planning", [1, 2])
    await _expect(index, "subject:offsite", [1, 3])
    await _expect(index, 'subject:"planning offsite"', [1])
    await _expect(index, "subject:eve", [])
    await _expect(index, "from:(bob OR alice@other.org)", [2, 3])
    await _expect(index, Field("from", "bob", False), [2])


async def check_attachments(index: SearchIndex) -> None:
    """has:attachment and filename: (whole names and their parts)."""
    docs = [
        _doc(1, filenames=("report-2024.pdf",), has_attachment=True),
        _doc(2, filenames=("photo.jpg", "notes.txt"), has_attachment=True),
        _doc(3, body="I will send the pdf tomorrow"),
    ]
    await index.index_many(docs)
    await _expect(index, "has:attachment", [1, 2], docs=docs)
    await _expect(index, "-has:attachment", [3])
    await _expect(index, "filename:pdf", [1])
    await _expect(index, "filename:report-2024.pdf", [1])
    await _expect(index, 'filename:"notes.txt"', [2])
    await _expect(index, "filename:jpg", [2])
    await _expect(index, "filename:photo.pdf", [])
    await _expect(index, "pdf", [1, 3])
    await _expect(index, HasAttachment(), [1, 2])


# ------------------------------------------------------------------ state


async def check_flags(index: SearchIndex) -> None:
    """is:unread, is:read, is:starred and any flag by name."""
    docs = [
        _doc(1, flags=frozenset({"\\Seen"})),
        _doc(2, flags=frozenset({"\\Seen", "\\Flagged"})),
        _doc(3, flags=frozenset()),
        _doc(4, flags=frozenset({"\\Flagged", "$Work"})),
    ]
    await index.index_many(docs)
    await _expect(index, "is:unread", [3, 4], docs=docs)
    await _expect(index, "is:read", [1, 2])
    await _expect(index, "is:starred", [2, 4])
    await _expect(index, "is:starred is:unread", [4])
    await _expect(index, Flag("$Work"), [4])
    await _expect(index, Flag("\\Answered"), [])


async def check_labels(index: SearchIndex) -> None:
    """LabelIds: any of the ids; the empty set matches nothing."""
    docs = [
        _doc(1, labels=frozenset({INBOX})),
        _doc(2, labels=frozenset({INBOX, WORK})),
        _doc(3, labels=frozenset({TRAVEL})),
        _doc(4, labels=frozenset()),
    ]
    await index.index_many(docs)
    await _expect(index, LabelIds(frozenset({INBOX})), [1, 2], docs=docs)
    await _expect(index, LabelIds(frozenset({WORK, TRAVEL})), [2, 3])
    await _expect(index, LabelIds(frozenset()), [])
    await _expect(index, LabelIds(frozenset({999})), [])
    await _expect(index, "in:inbox", [1, 2])
    await _expect(index, "label:work", [2])
    await _expect(index, "-in:inbox", [3, 4])
    await _expect(index, "label:nosuchlabel", [])
    await _expect(index, "-label:nosuchlabel", [1, 2, 3, 4])


# ------------------------------------------------------------------ dates, sizes


async def check_dates_absolute(index: SearchIndex) -> None:
    """before: is exclusive, after: inclusive, at UTC midnight of the date given."""
    jan31 = 1_706_659_200.0  # 2024-01-31T00:00:00Z
    docs = [
        _doc(1, date=jan31 - 1),
        _doc(2, date=jan31),
        _doc(3, date=jan31 + DAY - 1),
        _doc(4, date=jan31 + DAY),
    ]
    await index.index_many(docs)
    await _expect(index, "before:2024/01/31", [1])
    await _expect(index, "after:2024/01/31", [2, 3, 4], docs=docs)
    await _expect(index, "after:2024/01/31 before:2024/02/01", [2, 3])
    await _expect(index, "after:2024-1-31 before:2024-02-01", [2, 3])
    await _expect(index, f"before:{int(jan31) + 1}", [1, 2])
    await _expect(index, DateAfter(jan31 + DAY), [4])
    await _expect(index, DateBefore(0.0), [])


async def check_dates_relative(index: SearchIndex) -> None:
    """older_than: and newer_than: count back from the ``now`` given to query."""
    docs = [
        _doc(1, date=NOW - 1 * DAY),
        _doc(2, date=NOW - 3 * DAY),
        _doc(3, date=NOW - 10 * DAY),
        _doc(4, date=NOW - 400 * DAY),
    ]
    await index.index_many(docs)
    await _expect(index, "newer_than:2d", [1])
    await _expect(index, "older_than:2d", [2, 3, 4], docs=docs)
    await _expect(index, "newer_than:1w older_than:2d", [2])
    await _expect(index, "older_than:1y", [4])
    await _expect(index, "newer_than:1m", [1, 2, 3])
    await _expect(index, NewerThan(3 * DAY), [1, 2])  # inclusive at the boundary
    await _expect(index, OlderThan(3 * DAY), [3, 4])
    # The same query, asked later, finds fewer new messages.
    await _expect(index, "newer_than:2d", [], now=NOW + 5 * DAY)


async def check_sizes(index: SearchIndex) -> None:
    """larger: and smaller: are strict; K and M are 1024-based."""
    docs = [
        _doc(1, size=500),
        _doc(2, size=1024),
        _doc(3, size=2 * 1024 * 1024),
        _doc(4, size=20 * 1024 * 1024),
    ]
    await index.index_many(docs)
    await _expect(index, "larger:1K", [3, 4])
    await _expect(index, "larger:1023", [2, 3, 4])
    await _expect(index, "smaller:1K", [1])
    await _expect(index, "larger:1M smaller:10M", [3])
    await _expect(index, "larger:10M", [4])
    await _expect(index, Smaller(0), [])
    await _expect(index, Larger(2**70), [])  # beyond any integer column


# ---------------------------------------------------------------- boolean structure


async def _boolean_corpus(index: SearchIndex) -> list[SearchDoc]:
    docs = [
        _doc(1, body="apple banana", labels=frozenset({WORK})),
        _doc(2, body="apple cherry", flags=frozenset({"\\Seen"})),
        _doc(3, body="banana cherry", labels=frozenset({WORK})),
        _doc(4, body="durian", flags=frozenset({"\\Seen"})),
    ]
    await index.index_many(docs)
    return docs


async def check_or(index: SearchIndex) -> None:
    """OR binds tighter than the implicit AND; {a b} is OR too."""
    docs = await _boolean_corpus(index)
    await _expect(index, "apple OR durian", [1, 2, 4], docs=docs)
    await _expect(index, "banana apple OR durian", [1])
    await _expect(index, "{apple durian}", [1, 2, 4])
    await _expect(index, "durian OR label:work", [1, 3, 4])
    await _expect(index, "is:unread OR durian", [1, 3, 4])
    await _expect(index, Or((Text("nothing"), Text("cherry"))), [2, 3])


async def check_not(index: SearchIndex) -> None:
    """-term excludes, for text, fields, labels and flags alike."""
    docs = await _boolean_corpus(index)
    await _expect(index, "-apple", [3, 4], docs=docs)
    await _expect(index, "apple -banana", [2])
    await _expect(index, "-apple -banana", [4])
    await _expect(index, "-label:work", [2, 4])
    await _expect(index, "cherry -is:read", [3])
    await _expect(index, "-(apple OR banana)", [4])
    await _expect(index, Not(MatchAll()), [])
    await _expect(index, Not(Text("zzz")), [1, 2, 3, 4])


async def check_parentheses(index: SearchIndex) -> None:
    """Groups nest; AND is accepted; MatchAll and MatchNone are whole queries."""
    docs = await _boolean_corpus(index)
    await _expect(index, "(apple OR banana) cherry", [2, 3])
    await _expect(index, "(apple cherry) OR (banana label:work)", [1, 2, 3])
    await _expect(index, "apple AND (banana OR cherry) AND -is:read", [1])
    await _expect(index, "-(-apple)", [1, 2])
    await _expect(index, "", [1, 2, 3, 4], docs=docs)
    await _expect(index, MatchAll(), [1, 2, 3, 4])
    await _expect(index, MatchNone(), [])
    await _expect(
        index,
        And((Or((Text("apple"), Text("durian"))), Not(LabelIds(frozenset({WORK}))))),
        [2, 4],
    )


# ------------------------------------------------------------ isolation, changes


async def check_account_isolation(index: SearchIndex) -> None:
    """An account never sees, changes or deletes another account's documents."""
    mine = _doc(1, body="shared secret", labels=frozenset({INBOX}), from_="x@example.com")
    theirs = attrs.evolve(mine, account_id=OTHER_ACCOUNT, message_id=2)
    await index.index_many([mine, theirs])
    for text in ["shared", '"shared secret"', "from:x@example.com", "in:inbox", "", "-zzz"]:
        await _expect(index, text, [1])
        await _expect(index, text, [2], account_id=OTHER_ACCOUNT)
    await _expect(index, "shared", [], account_id=3)
    # Changes named with the wrong account are ignored.
    await index.update_state(ACCOUNT, [DocState(2, frozenset(), frozenset({"\\Seen"}))])
    await _expect(index, "in:inbox is:unread", [2], account_id=OTHER_ACCOUNT)
    await index.delete_many(ACCOUNT, [2])
    await _expect(index, "shared", [2], account_id=OTHER_ACCOUNT)
    await index.delete_account(ACCOUNT)
    await _expect(index, "shared", [])
    await _expect(index, "shared", [2], account_id=OTHER_ACCOUNT)


async def check_update_state(index: SearchIndex) -> None:
    """update_state replaces labels and flags; text is untouched; unknown ids are ignored."""
    docs = [
        _doc(1, body="alpha", labels=frozenset({INBOX}), flags=frozenset()),
        _doc(2, body="alpha", labels=frozenset({INBOX}), flags=frozenset({"\\Seen"})),
    ]
    await index.index_many(docs)
    await _expect(index, "in:inbox is:unread", [1])
    await index.update_state(
        ACCOUNT,
        [
            DocState(1, frozenset({WORK}), frozenset({"\\Seen", "\\Flagged"})),
            DocState(2, frozenset({INBOX, TRAVEL}), frozenset()),
            DocState(999, frozenset({INBOX}), frozenset()),
        ],
    )
    await _expect(index, "in:inbox", [2])
    await _expect(index, "label:work", [1])
    await _expect(index, "label:travel is:unread", [2])
    await _expect(index, "is:starred", [1])
    await _expect(index, "alpha", [1, 2])
    await _expect(index, "", [1, 2])  # 999 was not created
    await index.update_state(ACCOUNT, [DocState(1, frozenset(), frozenset())])
    await _expect(index, "label:work", [])
    await _expect(index, "is:unread", [1, 2])


async def check_delete(index: SearchIndex) -> None:
    """delete_many and delete_account remove documents from every kind of query."""
    docs = [
        _doc(i, body=f"common word{i}", labels=frozenset({INBOX}), flags=frozenset({"\\Seen"}))
        for i in range(1, 6)
    ]
    other = _doc(6, account_id=OTHER_ACCOUNT, body="common")
    await index.index_many([*docs, other])
    await index.delete_many(ACCOUNT, [2, 4, 12345])
    for text in ["common", "word2", "in:inbox", "is:read", ""]:
        got = await _all_ids(index, text)
        assert not {2, 4} & set(got), (text, got)
    await _expect(index, "common", [1, 3, 5])
    await index.delete_many(ACCOUNT, [])
    await index.delete_account(ACCOUNT)
    await _expect(index, "", [])
    await _expect(index, "common", [6], account_id=OTHER_ACCOUNT)
    # Re-indexing after deletion works.
    await index.index_many([docs[0]])
    await _expect(index, "word1", [1])


async def check_reindex_replaces(index: SearchIndex) -> None:
    """Indexing a message id again replaces its text, fields, labels and flags."""
    first = _doc(1, subject="old subject", body="obsolete", labels=frozenset({INBOX}))
    await index.index_many([first])
    second = attrs.evolve(
        first,
        subject="new subject",
        body="fresh",
        date=NOW - 10 * DAY,
        labels=frozenset({WORK}),
        flags=frozenset({"\\Seen"}),
        size=5000,
    )
    await index.index_many([second])
    await _expect(index, "obsolete", [])
    await _expect(index, "fresh", [1])
    await _expect(index, "subject:old", [])
    await _expect(index, "subject:subject", [1])
    await _expect(index, "in:inbox", [])
    await _expect(index, "label:work is:read larger:4000 older_than:9d", [1])
    # The last of two versions in one batch wins.
    third = attrs.evolve(second, body="third")
    await index.index_many([attrs.evolve(second, body="discarded"), third])
    await _expect(index, "discarded", [])
    await _expect(index, "third", [1])
    await _expect(index, "", [1])


# ----------------------------------------------------------------------- paging


async def check_paging(index: SearchIndex) -> None:
    """Cursors page through every match exactly once, newest first, ties by id."""
    docs = [
        _doc(
            i,
            date=NOW - (i // 3) * DAY,  # three documents share each date
            body="page" + (" even" if i % 2 == 0 else ""),
            labels=frozenset({INBOX}) if i % 3 else frozenset(),
        )
        for i in range(1, 38)
    ]
    await index.index_many(docs)
    by_id = {d.message_id: d for d in docs}
    for text in ["page", "even", "in:inbox", "", "page -even in:inbox"]:
        expected = await _all_ids(index, text, limit=1000)
        assert expected == sorted(expected, key=lambda i: (by_id[i].date, i), reverse=True)
        for limit in (1, 5, 7, len(expected)):
            assert await _all_ids(index, text, limit=limit) == expected, (text, limit)
    first = await index.query(ACCOUNT, _query("page"), limit=10, now=NOW)
    assert first.message_ids == [2, 1, 5, 4, 3, 8, 7, 6, 11, 10]
    assert first.next_cursor is not None
    # A cursor stays valid when newer documents arrive.
    await index.index_many([_doc(100, date=NOW + DAY, body="page")])
    second = await index.query(ACCOUNT, _query("page"), limit=3, cursor=first.next_cursor, now=NOW)
    assert second.message_ids == [9, 14, 13]
    everything = await index.query(ACCOUNT, _query("page"), limit=1000, now=NOW)
    assert everything.message_ids[0] == 100 and everything.next_cursor is None
    assert len(everything.message_ids) == 38


async def check_larger_corpus(index: SearchIndex) -> None:
    """A few thousand documents: common and rare words, labels, flags and paging agree.

    Large enough for an adapter's planner to take its different routes
    (common words, rare labels, ...); each answer is checked against the
    obvious one.
    """
    docs = [
        _doc(
            i,
            date=NOW - ((i * 7919) % 3001) * 600.0,  # dates shuffled against ids
            body=f"everywhere tag{i % 50}" + (" dozen" if i % 12 == 0 else ""),
            subject=f"subject {i % 7}",
            labels=frozenset({INBOX} if i % 2 else {TRAVEL} if i % 97 == 0 else ()),
            flags=frozenset({"\\Seen"} if i % 3 else ()),
            size=i,
        )
        for i in range(1, 3001)
    ]
    for start in range(0, len(docs), 1000):
        await index.index_many(docs[start : start + 1000])

    def where(pred: Callable[[SearchDoc], bool]) -> list[int]:
        return [d.message_id for d in docs if pred(d)]

    cases: list[tuple[str, list[int]]] = [
        ("everywhere", where(lambda d: True)),
        ("everywhere in:inbox", where(lambda d: INBOX in d.labels)),
        ("everywhere label:travel", where(lambda d: TRAVEL in d.labels)),
        ("tag7", where(lambda d: d.message_id % 50 == 7)),
        ("tag7 is:unread", where(lambda d: d.message_id % 50 == 7 and d.message_id % 3 == 0)),
        ("dozen label:travel", where(lambda d: d.message_id % 12 == 0 and TRAVEL in d.labels)),
        ("is:unread in:inbox", where(lambda d: d.message_id % 3 == 0 and d.message_id % 2 == 1)),
        ("label:travel", where(lambda d: TRAVEL in d.labels)),
        ("-everywhere", []),
        ("everywhere -dozen larger:2900", where(lambda d: d.size > 2900 and d.size % 12 != 0)),
        ("dozen OR tag3", where(lambda d: d.message_id % 12 == 0 or d.message_id % 50 == 3)),
        ("subject:3 -in:inbox", where(lambda d: d.message_id % 7 == 3 and d.message_id % 2 == 0)),
    ]
    for text, expected in cases:
        await _expect(index, text, expected, docs=docs)
    page = await index.query(ACCOUNT, _query("everywhere"), limit=20, now=NOW)
    newest = sorted(docs, key=lambda d: (d.date, d.message_id), reverse=True)[:20]
    assert page.message_ids == [d.message_id for d in newest]


# -------------------------------------------------------------------- safety


async def check_special_characters(index: SearchIndex) -> None:
    """Quotes, operators and syntax of any query language are only ever words."""
    docs = [
        _doc(1, body="it's a NEAR miss AND more OR less", subject="O'Brien said: hi"),
        _doc(2, body="foobar baz", subject="100% (sure) * star"),
        _doc(3, body="robert'); DROP TABLE docs; -- x", subject='say "hello"'),
    ]
    await index.index_many(docs)
    await _expect(index, "NEAR", [1])
    await _expect(index, '"NEAR miss"', [1])
    await _expect(index, '"miss AND more"', [1])
    await _expect(index, "O'Brien", [1])
    await _expect(index, "it's", [1])
    await _expect(index, "said:", [1])
    await _expect(index, "foo*", [])  # no prefix matching
    await _expect(index, "foobar*", [2])
    await _expect(index, '"(sure)"', [2])
    await _expect(index, "'", [])
    await _expect(index, '"robert\'); DROP TABLE docs; --"', [3])
    await _expect(index, "DROP", [3])
    await _expect(index, '"hello"', [3])
    hostile: list[Query] = [
        Text('"'),
        Text('""'),
        Text("*"),
        Text("NEAR(a b)"),
        Text("a:b"),
        Text("'; DROP TABLE docs; --"),
        Text('miss" OR "foobar'),
        Text("^baz"),
        Text("-baz"),
        Text("+baz"),
        Text("\x00baz"),
        Field("from", 'x" OR body:"foobar', False),
        Field("subject", "{body}: foobar", True),
        Field("bcc", "*) OR (1=1", False),
    ]
    for tree in hostile:
        got = await _all_ids(index, tree)
        assert set(got) <= {1, 2, 3}
    await _expect(index, Text('miss" OR "foobar'), [])
    await _expect(index, Field("from", 'x" OR body:"foobar', False), [])
    # The index is intact.
    await _expect(index, "", [1, 2, 3])


async def check_unknown_operator_is_text(index: SearchIndex) -> None:
    """foo:bar is searched as words, like Gmail does."""
    docs = [_doc(1, body="see foo:bar here"), _doc(2, body="foo and bar apart")]
    await index.index_many(docs)
    await _expect(index, "foo:bar", [1])
    await _expect(index, "foo bar", [1, 2])


SEARCH_INDEX_CHECKS: list[SearchIndexCheck] = [
    check_words,
    check_phrases,
    check_field_operators,
    check_attachments,
    check_flags,
    check_labels,
    check_dates_absolute,
    check_dates_relative,
    check_sizes,
    check_or,
    check_not,
    check_parentheses,
    check_account_isolation,
    check_update_state,
    check_delete,
    check_reindex_replaces,
    check_paging,
    check_larger_corpus,
    check_special_characters,
    check_unknown_operator_is_text,
]


async def check_search_index(factory: SearchIndexFactory) -> None:
    """Run every promise of ``SEARCH_INDEX_CHECKS``, each on a fresh index."""
    for check in SEARCH_INDEX_CHECKS:
        async with factory() as index:
            await check(index)
