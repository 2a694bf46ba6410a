"""Search latency over 100,000 messages: the embedded SQLite FTS5 index, and
the PostgreSQL index (tsvector and GIN) on the same corpus and queries.

The corpus is generated deterministically (``random.Random(42)``): a
vocabulary of a few thousand words drawn with a Zipf-like distribution, 50
senders, 10 labels with skewed sizes, 70 % of messages read. The index is
built through ``index_many`` in a temporary directory, then a mix of about
200 queries a mail user types is timed end to end (``SearchIndex.query``,
thread hop or bridge crossing included, first page of 50).

PostgreSQL (``MAILCORE_TEST_POSTGRES_URL``, the local server by default)
gets a schema of its own, dropped at the end. After the build it is
vacuumed and analyzed, as autovacuum does shortly after a bulk load (the
planner needs the statistics, and the GIN indexes their pending entries
merged); the build figure includes that.

Run ``python -m benchmarks.search_bench``; figures are printed as JSON lines.
``MAILCORE_BENCH_SCALE`` shrinks the corpus for a smoke run (the figures keep
their names and say how many documents they cover).
"""

from __future__ import annotations

import json
import os
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import trio

from mailcore._bridge import open_bridge
from mailcore.search import Query, parse_query, resolve_labels
from mailcore.store import PostgresSearchIndex, SQLiteSearchIndex
from mailcore.store._postgres import PgConn
from mailcore.store.base import SearchDoc, SearchIndex

DOCS = 100_000
VOCABULARY = 4000
SENDERS = 50
ACCOUNT = 1
NOW = 1_750_000_000.0
SPAN = 3 * 365 * 86400.0
BATCH = 2000
POSTGRES_URL = os.environ.get("MAILCORE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

_SYLLABLES = [
    "ba", "ce", "di", "fo", "gu", "ha", "je", "ki", "lo", "mu", "na", "pe", "qui", "ro",
    "su", "ta", "ve", "wi", "xo", "yu", "za", "bri", "cla", "dro", "fle", "gro", "pla",
    "str", "tri", "an", "en", "in", "on", "un", "er", "or", "al", "el", "ic",
]  # fmt: skip
_FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
_LAST = ["smith", "jones", "garcia", "muller", "rossi"]
_DOMAINS = ["example.com", "corp.example", "mail.test", "bigco.example", "lists.example.org"]
#: Label ids 1..10 and the share of messages carrying each (INBOX-like first).
_LABEL_SHARE = [0.6, 0.2, 0.1, 0.08, 0.05, 0.04, 0.03, 0.02, 0.01, 0.005]


def _vocabulary(rng: random.Random) -> list[str]:
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < VOCABULARY:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _senders() -> list[str]:
    people = [(f, last) for f in _FIRST for last in _LAST][:SENDERS]
    return [
        f"{f.title()} {last.title()} <{f}.{last}@{_DOMAINS[i % len(_DOMAINS)]}>"
        for i, (f, last) in enumerate(people)
    ]


class Corpus:
    """The generated documents and what the query mix needs to know of them."""

    def __init__(self, seed: int = 42, docs: int = DOCS) -> None:
        rng = random.Random(seed)
        self.words = _vocabulary(rng)
        self.senders = _senders()
        weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(self.words))]
        cum: list[float] = []
        total = 0.0
        for w in weights:
            total += w
            cum.append(total)
        self._cum = cum
        self.rng = rng
        self.docs = [self._doc(i) for i in range(docs)]

    def sample_words(self, k: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self._cum, k=k)

    def _doc(self, i: int) -> SearchDoc:
        rng = self.rng
        body_words = self.sample_words(rng.randint(30, 150))
        subject = " ".join(self.sample_words(rng.randint(2, 7)))
        attachment = rng.random() < 0.1
        filenames = (
            (f"{rng.choice(self.words)}-{rng.randint(1, 99)}.{rng.choice(['pdf', 'docx'])}",)
            if attachment
            else ()
        )
        labels = frozenset(
            label for label, share in enumerate(_LABEL_SHARE, start=1) if rng.random() < share
        )
        flags = set()
        if rng.random() < 0.7:
            flags.add("\\Seen")
        if rng.random() < 0.05:
            flags.add("\\Flagged")
        return SearchDoc(
            account_id=ACCOUNT,
            message_id=i + 1,
            thread_id=i // 3 + 1,
            date=NOW - rng.random() * SPAN,
            size=int(rng.lognormvariate(9, 1.2)) + 500,
            from_=rng.choice(self.senders),
            to="Me Myself <me@example.com>",
            cc=rng.choice(self.senders) if rng.random() < 0.2 else "",
            bcc="",
            subject=subject,
            body=" ".join(body_words),
            filenames=filenames,
            has_attachment=attachment,
            labels=labels,
            flags=frozenset(flags),
        )

    def queries(self, n: int = 200) -> list[str]:
        """A mix of what people type: words, senders, labels, unread, phrases."""
        rng = random.Random(7)
        words = self.words

        def word() -> str:
            # Users look for distinctive words more than for the commonest ones:
            # ranks drawn log-uniformly over the whole vocabulary.
            return words[int(len(words) ** rng.random()) - 1]

        def label() -> str:
            return f"label:L{rng.randint(1, len(_LABEL_SHARE))}"

        def sender() -> str:
            s = rng.choice(self.senders)
            address = s[s.index("<") + 1 : -1]
            return rng.choice([address, address.split(".")[0], address.split("@")[1]])

        makers = [
            lambda: word(),
            lambda: word(),
            lambda: f"from:{sender()}",
            lambda: f"{word()} {label()}",
            lambda: f"is:unread {label()}",
            lambda: f"{word()} {word()}",
            lambda: f'"{" ".join(rng.choice(self.docs).body.split()[3:5])}"',
            lambda: f"subject:{word()}",
            lambda: f"has:attachment {word()}",
            lambda: f"newer_than:30d {word()}",
            lambda: f"{word()} OR {word()}",
            lambda: f"{word()} -{word()}",
            lambda: f"from:{sender()} is:unread",
            lambda: "in:inbox",
        ]
        return [rng.choice(makers)() for _ in range(n)]


def _scale() -> float:
    return float(os.environ.get("MAILCORE_BENCH_SCALE", "1"))


def _resolve(name: str) -> frozenset[int]:
    if name == "INBOX":
        return frozenset({1})
    if name.startswith("L") and name[1:].isdigit():
        return frozenset({int(name[1:])})
    return frozenset()


def _compile(text: str) -> Query:
    return resolve_labels(parse_query(text), _resolve)


async def _build(index: SearchIndex, docs: Sequence[SearchDoc]) -> None:
    for start in range(0, len(docs), BATCH):
        await index.index_many(docs[start : start + BATCH])


async def _time(index: SearchIndex, queries: Sequence[Query]) -> list[float]:
    """Milliseconds per query, sorted, after a few to warm the caches."""
    for q in queries[:20]:
        await index.query(ACCOUNT, q, now=NOW)
    timings: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        await index.query(ACCOUNT, q, now=NOW)
        timings.append((time.perf_counter() - t0) * 1000)
    return sorted(timings)


async def _sqlite(corpus: Corpus, queries: Sequence[Query]) -> tuple[list[float], float]:
    with tempfile.TemporaryDirectory() as tmp:
        index = SQLiteSearchIndex(Path(tmp) / "search.db")
        try:
            started = time.perf_counter()
            await _build(index, corpus.docs)
            build_s = time.perf_counter() - started
            return await _time(index, queries), build_s
        finally:
            await index.aclose()


async def _postgres(corpus: Corpus, queries: Sequence[Query]) -> tuple[list[float], float]:
    schema = "mc_bench_" + secrets.token_hex(6)

    async def settle(conn: PgConn) -> None:
        await conn.raw.execute("VACUUM ANALYZE search_docs")

    async def drop() -> None:
        import asyncpg

        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()

    async with open_bridge() as bridge:
        try:
            index = await PostgresSearchIndex.open(bridge, POSTGRES_URL, schema=schema)
            try:
                started = time.perf_counter()
                await _build(index, corpus.docs)
                await index.db.read(settle)  # VACUUM runs outside a transaction
                build_s = time.perf_counter() - started
                return await _time(index, queries), build_s
            finally:
                await index.aclose()
        finally:
            await bridge.call(drop)


def _p99(timings: Sequence[float]) -> float:
    return timings[min(len(timings) - 1, int(len(timings) * 0.99))]


async def run() -> list[dict[str, object]]:
    docs = max(500, round(DOCS * _scale()))
    corpus = Corpus(docs=docs)
    queries = [_compile(q) for q in corpus.queries()]
    figures: list[dict[str, object]] = []
    for name, measure in (("100k", _sqlite), ("postgres", _postgres)):
        timings, build_s = await measure(corpus, queries)
        figures += [
            {
                "bench": f"search_p50_ms_{name}",
                "value": round(statistics.median(timings), 3),
                "unit": "ms",
                "docs": docs,
            },
            {"bench": f"search_p99_ms_{name}", "value": round(_p99(timings), 3), "unit": "ms", "docs": docs},
            {
                "bench": f"search_index_build_s_{name}",
                "value": round(build_s, 2),
                "unit": "s",
                "docs": docs,
            },
        ]
    return figures


def main() -> None:
    for line in trio.run(run):
        print(json.dumps(line))


if __name__ == "__main__":
    main()
