"""Delivery-time parse throughput: ``mailcore.message.parse_message`` over the
deterministic corpus (2-50 KB, a fifth with attachments).

Run from the repository root: ``python benchmarks/parse_message.py`` or
``python -m benchmarks.parse_message``. Prints one JSON line.
``MAILCORE_BENCH_SCALE`` shrinks the corpus for a smoke run.
"""

from __future__ import annotations

import json
import os
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))

try:
    from mailcore.message import parse_message
except ImportError:  # running from a checkout without an installed package
    sys.path.insert(0, os.path.join(os.path.dirname(_HERE), "src"))
    from mailcore.message import parse_message

try:
    from benchmarks.corpus import generate_corpus
except ImportError:
    sys.path.insert(0, _HERE)
    from corpus import generate_corpus  # type: ignore[no-redef]

CORPUS_SIZE = 2000
ROUNDS = 5


def _scale() -> float:
    return float(os.environ.get("MAILCORE_BENCH_SCALE", "1"))


def run() -> None:
    """Parse the corpus ``ROUNDS`` times and print the best round's rate."""
    corpus = generate_corpus(max(20, round(CORPUS_SIZE * _scale())), seed=42)
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for raw in corpus:
            parse_message(raw)
        best = min(best, time.perf_counter() - start)
    print(
        json.dumps(
            {
                "bench": "parse_msgs_per_s",
                "value": round(len(corpus) / best, 1),
                "unit": "msg/s",
                "messages": len(corpus),
            }
        )
    )


if __name__ == "__main__":
    run()
