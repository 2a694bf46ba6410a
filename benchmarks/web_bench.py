"""Web app figures, measured in headless Chromium against a real server.

``frontend/e2e/bench.mjs`` does the work (playwright-core driving Debian's
``/usr/bin/chromium``, a fresh ``mailcore serve`` with a 10,000-message
account imported from a generated mbox) and prints one JSON line per
figure; this module runs it and hands the figures on:

- ``web_js_gzip_kb``: first-screen JavaScript, gzipped (target <= 250)
- ``web_inbox_ready_ms``: navigation to 50 rows visible (target <= 500)
- ``web_push_to_row_p99_ms``: SMTP 250 to the row visible (target <= 300)
- ``web_thread_open_ms``: click to a 20-message conversation rendered (target <= 150)

It needs ``frontend/node_modules`` (``npm ci``) and builds ``frontend/dist``
first when it is missing. ``MAILCORE_BENCH_SCALE`` shrinks the account and
the number of push probes for a smoke run (to no fewer than 200 messages and
10 probes; ``WEB_BENCH_MESSAGES`` and ``WEB_BENCH_PUSHES`` set them directly).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"
MESSAGES = 10_000
PUSHES = 60


def _scale() -> float:
    return float(os.environ.get("MAILCORE_BENCH_SCALE", "1"))


def run() -> list[dict[str, Any]]:
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None or npm is None:
        raise RuntimeError("web_bench needs Node.js and npm")
    if not (FRONTEND / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True,
                       env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"})
    if not (FRONTEND / "dist" / "index.html").is_file():
        subprocess.run([npm, "run", "build"], cwd=FRONTEND, check=True)
    env = dict(os.environ)
    env.setdefault("WEB_BENCH_MESSAGES", str(max(200, round(MESSAGES * _scale()))))
    env.setdefault("WEB_BENCH_PUSHES", str(max(10, round(PUSHES * _scale()))))
    done = subprocess.run(
        [node, "e2e/bench.mjs"], cwd=FRONTEND, env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"e2e/bench.mjs exited with {done.returncode}:\n{done.stderr[-4000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


if __name__ == "__main__":
    for figure in run():
        print(json.dumps(figure))
