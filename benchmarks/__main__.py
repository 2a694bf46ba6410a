"""Run benchmarks: ``python -m benchmarks [NAME...]``.

A benchmark is a module exposing ``run()``, sync or async. It either returns
its figures (a list of dicts) or prints them itself; if its ``run`` takes an
``emit`` argument, it is handed a callback that prints each figure as soon as
it is measured. A failing benchmark is reported on stderr and the others
still run; the exit status then says something failed.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import sys
import time
import traceback
from typing import Any

if __package__ in (None, ""):  # ``python benchmarks/__main__.py`` from a checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import trio

#: Benchmark name -> module, in the order ``make bench`` runs them.
REGISTRY: dict[str, str] = {
    "parse_message": "benchmarks.parse_message",
    "engine_bench": "benchmarks.engine_bench",
    "search_bench": "benchmarks.search_bench",
    "api_bench": "benchmarks.api_bench",
    "smtp_bench": "benchmarks.smtp_bench",
    "imap_bench": "benchmarks.imap_bench",
    "web_bench": "benchmarks.web_bench",
    "scaleout_bench": "benchmarks.scaleout_bench",
}


def emit(figure: dict[str, Any]) -> None:
    print(json.dumps(figure), flush=True)


def run_one(name: str) -> None:
    module = importlib.import_module(REGISTRY[name])
    fn = module.run
    kwargs: dict[str, Any] = {}
    if "emit" in inspect.signature(fn).parameters:
        kwargs["emit"] = emit
    if inspect.iscoroutinefunction(fn):
        result = trio.run(lambda: fn(**kwargs))
    else:
        result = fn(**kwargs)
    if result is not None and not kwargs:
        for figure in result:
            emit(figure)
    sys.stdout.flush()


def available() -> list[str]:
    """Registered benchmarks whose module exists in this checkout."""
    names = []
    for name, module in REGISTRY.items():
        if importlib.util.find_spec(module) is not None:
            names.append(name)
        else:
            print(f"benchmarks: {name} is not in this checkout; skipped", file=sys.stderr)
    return names


def main(argv: list[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__.strip() + "\n\nbenchmarks: " + ", ".join(REGISTRY))
        return 0
    unknown = [a for a in argv if a not in REGISTRY]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(REGISTRY)}",
            file=sys.stderr,
        )
        return 2
    failed = []
    for name in argv or available():
        started = time.perf_counter()
        try:
            run_one(name)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            print(f"benchmarks: {name} failed", file=sys.stderr)
        print(f"benchmarks: {name} took {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
