"""The engine benchmarks run, at a tiny scale, and print well-formed JSON lines.

No timing is asserted: at this scale the figures mean nothing. This only
keeps ``make bench`` from rotting while the engine changes under it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trio

from benchmarks import engine_bench

REPO = Path(__file__).resolve().parent.parent


def _check(figure: dict[str, Any], name: str | None = None) -> None:
    line = json.dumps(figure)
    parsed = json.loads(line)
    assert isinstance(parsed["bench"], str) and parsed["bench"]
    assert isinstance(parsed["value"], int | float) and parsed["value"] >= 0
    assert isinstance(parsed["unit"], str) and parsed["unit"]
    if name is not None:
        assert parsed["bench"] == name


@pytest.fixture(scope="module")
def corpus() -> engine_bench.Corpus:
    return engine_bench.Corpus()


@pytest.mark.parametrize("concurrency", [64, 1])
async def test_deliver(corpus: engine_bench.Corpus, tmp_path: Path, concurrency: int) -> None:
    with trio.fail_after(60):
        fig = await engine_bench.bench_deliver(corpus, concurrency, 20, root=tmp_path)
    _check(fig, f"deliver_msgs_per_s_c{concurrency}")
    assert fig["messages"] == 20
    left = await trio.to_thread.run_sync(lambda: list(tmp_path.iterdir()))
    assert left == []  # the data directory is cleaned up


async def test_import_and_fetch(corpus: engine_bench.Corpus, tmp_path: Path) -> None:
    emitted: list[dict[str, Any]] = []
    with trio.fail_after(60):
        figs = await engine_bench.bench_import_and_fetch(
            corpus, 30, 2, emitted.append, root=tmp_path
        )
    assert figs == emitted
    assert [f["bench"] for f in figs] == ["import_msgs_per_s", "fetch_meta_30_ms"]
    for fig in figs:
        _check(fig)


async def test_actor_idle(tmp_path: Path) -> None:
    with trio.fail_after(60):
        fig = await engine_bench.bench_actor_idle(8, root=tmp_path)
    _check(fig, "actor_idle_kb")


def test_runner_prints_json_lines() -> None:
    env = dict(os.environ, MAILCORE_BENCH_SCALE="0.005")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "engine_bench"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    names = []
    for line in lines:
        fig = json.loads(line)
        _check(fig)
        names.append(fig["bench"])
    assert names[0] == "import_msgs_per_s"
    assert {"deliver_msgs_per_s_c64", "deliver_msgs_per_s_c1", "actor_idle_kb"} <= set(names)


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
