"""Every benchmark runs, at a tiny scale, and prints the figures it promises.

``python -m benchmarks NAME`` is run for each module of ``benchmarks/`` with
``MAILCORE_BENCH_SCALE`` set very low. No timing is asserted: at this scale
the figures mean nothing. What is checked is that the run succeeds, that
stdout is nothing but JSON lines ``{"bench": NAME, "value": number, "unit":
text}``, that the names are exactly those the module documents, in order,
and that no scratch data is left behind. So a benchmark cannot rot while the
code under it changes, and a new module under ``benchmarks/`` fails
:func:`test_every_benchmark_is_registered_and_smoke_tested` until it is
listed in :data:`FIGURES`.

Each benchmark runs its whole workload, peers included: smtp_bench's
aiosmtpd peer starts in well under a second, so it is not left out.
web_bench needs the web app's tools (``frontend/node_modules``, installed by
``npm ci`` or ``make frontend``, and Chromium); without them it is skipped,
saying so.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import REGISTRY

REPO = Path(__file__).resolve().parent.parent.parent
BENCHMARKS = REPO / "benchmarks"
SCRATCH = REPO / ".bench"

#: The scale of a smoke run: every count shrinks to its floor.
SMOKE_SCALE = "0.005"

#: Benchmark -> the figures it prints, in order. A name that carries the
#: corpus size is a pattern.
FIGURES: dict[str, list[str]] = {
    "parse_message": ["parse_msgs_per_s"],
    "engine_bench": [
        "import_msgs_per_s",
        r"fetch_meta_\d+_ms",
        "deliver_msgs_per_s_c64",
        "deliver_msgs_per_s_c1",
        "actor_idle_kb",
    ],
    "search_bench": [
        "search_p50_ms_100k",
        "search_p99_ms_100k",
        "search_index_build_s_100k",
        "search_p50_ms_postgres",
        "search_p99_ms_postgres",
        "search_index_build_s_postgres",
    ],
    "api_bench": [
        "api_inbox_p50_ms_c50",
        "api_inbox_p99_ms_c50",
        "api_search_p50_ms",
        "ws_push_p99_ms",
        "api_inbox_p99_ms_c50_workers2",
    ],
    "smtp_bench": [
        "smtp_msgs_per_s_c16_workers1",
        "smtp_idle_conn_kb",
        "smtp_msgs_per_s_c16_workers2",
        "smtp_msgs_per_s_c16",
        "smtp_vs_aiosmtpd_ratio",
    ],
    "imap_bench": [
        "imap_login_select_ms",
        "imap_fetch_flags_10k_ms",
        "imap_store_range_10k_ms",
        "imap_fetch_all_10k_ms",
        "imap_append_per_s",
        "imap_idle_push_p99_ms",
        "imap_fetch_all_10k_ms_postgres",
        "imap_idle_kb_per_conn",
    ],
    "web_bench": ["web_js_gzip_kb", "web_inbox_ready_ms", "web_push_to_row_p99_ms", "web_thread_open_ms"],
    "scaleout_bench": [
        "deliver_msgs_per_s_c64_sqlite",
        "deliver_msgs_per_s_c64_postgres",
        "fetch_meta_10k_ms_postgres",
        "push_cross_process_p50_ms",
        "push_cross_process_p99_ms",
        "push_cross_node_p50_ms",
        "push_cross_node_p99_ms",
        "push_cross_node_smtp_p50_ms",
        "push_cross_node_smtp_p99_ms",
        "push_cross_node_ws_p99_ms",
    ],
}

#: Modules of ``benchmarks/`` that are not benchmarks: the package, the
#: runner and the shared corpus.
SUPPORT = {"__init__", "__main__", "corpus"}

#: Figures that are a difference of two readings of a process's resident
#: memory, which the allocator may shrink between them: at a smoke scale
#: they can come out below zero. Every other figure is a rate, a latency, a
#: size or a ratio, never negative.
SIGNED = {"smtp_idle_conn_kb", "imap_idle_kb_per_conn"}


def _modules() -> set[str]:
    names = {path.stem for path in BENCHMARKS.glob("*.py")}
    names |= {path.parent.name for path in BENCHMARKS.glob("*/__init__.py")}
    return names


def test_every_benchmark_is_registered_and_smoke_tested() -> None:
    benchmarks = _modules() - SUPPORT
    assert benchmarks == set(FIGURES), "list a new benchmark in FIGURES (or SUPPORT if it is not one)"
    assert REGISTRY == {name: f"benchmarks.{name}" for name in FIGURES}, "make bench must run every benchmark"


def _web_bench_tools() -> str | None:
    """Why web_bench cannot run here, or None when it can."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "Node.js and npm are not installed"
    if not (REPO / "frontend" / "node_modules").is_dir():
        return "frontend/node_modules is missing (npm ci, or make frontend)"
    chromium = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    if not chromium.exists():
        # the end-to-end set-up installs Debian's Chromium when it is missing
        subprocess.run(
            ["node", "-e", "import('./e2e/lib.mjs').then((lib) => lib.ensureChromium())"],
            cwd=REPO / "frontend",
            timeout=900,
            check=False,
        )
    if not chromium.exists():
        return "Chromium is not installed (and apt-get could not install it)"
    return None


def _scratch() -> set[str]:
    return {path.name for path in SCRATCH.iterdir()} if SCRATCH.is_dir() else set()


@pytest.mark.parametrize("name", list(FIGURES))
def test_benchmark_prints_its_figures(name: str) -> None:
    if name == "web_bench" and (missing := _web_bench_tools()) is not None:
        pytest.skip(f"web_bench: {missing}")
    before = _scratch()
    env = dict(os.environ, MAILCORE_BENCH_SCALE=SMOKE_SCALE)
    for knob in ("WEB_BENCH_MESSAGES", "WEB_BENCH_PUSHES"):
        env.pop(knob, None)  # the scale decides
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", name],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    names = []
    for line in proc.stdout.splitlines():
        figure = json.loads(line)
        assert isinstance(figure, dict), line
        bench, value, unit = figure["bench"], figure["value"], figure["unit"]
        assert isinstance(bench, str) and bench, line
        assert isinstance(value, int | float) and not isinstance(value, bool), line
        assert math.isfinite(value) and (value >= 0 or bench in SIGNED), line
        assert isinstance(unit, str) and unit, line
        names.append(bench)
    expected = FIGURES[name]
    assert len(names) == len(expected), (names, expected)
    for got, pattern in zip(names, expected, strict=True):
        assert re.fullmatch(pattern, got), (names, expected)
    assert _scratch() <= before, f"left behind in {SCRATCH}: {_scratch() - before}"


def test_runner_rejects_unknown_names() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "no_such_bench"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "no_such_bench" in proc.stderr
