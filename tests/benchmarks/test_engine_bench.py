"""The engine benchmark's parts run in-process, at a tiny scale, and clean up.

No timing is asserted: at this scale the figures mean nothing. This only
keeps ``make bench`` from rotting while the engine changes under it; the
run through ``python -m benchmarks`` is in ``test_bench_smoke.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import trio

from benchmarks import engine_bench


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
