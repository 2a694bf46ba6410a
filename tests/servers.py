"""The real servers some tests need (PostgreSQL, Redis), found or started.

On a developer's machine a server that cannot be had skips its tests with a
clear reason. With ``CI`` set, it fails them: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get("MAILCORE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _start_postgres() -> None:
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    if not versions:
        return
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name, "main", "start"],
        capture_output=True,
        timeout=60,
        check=False,
    )


def unavailable(what: str) -> None:
    """Skip, or fail under CI, because ``what`` cannot be had."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI and could not be reached", pytrace=False)
    pytest.skip(f"{what} is not reachable here")


def require_postgres() -> str:
    """The URL of a reachable PostgreSQL server, starting the local one if it is stopped."""
    if not _listening("127.0.0.1", 5432) and "127.0.0.1:5432" in POSTGRES_URL:
        _start_postgres()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not _listening("127.0.0.1", 5432):
            time.sleep(0.2)
    host_port = POSTGRES_URL.rsplit("@", 1)[-1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    if not _listening(host, int(port or 5432)):
        unavailable(f"PostgreSQL at {POSTGRES_URL}")
    return POSTGRES_URL


def new_schema() -> str:
    """A fresh schema name for one test's tables."""
    return "mc_test_" + secrets.token_hex(6)


REDIS_URL = os.environ.get("MAILCORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _start_redis() -> None:
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no"],
        capture_output=True,
        timeout=30,
        check=False,
    )


def require_redis() -> str:
    """The URL of a reachable Redis server, starting the local one if it is stopped."""
    if not _listening("127.0.0.1", 6379) and "127.0.0.1:6379" in REDIS_URL:
        _start_redis()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _listening("127.0.0.1", 6379):
            time.sleep(0.1)
    host_port = REDIS_URL.split("//", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = host_port.partition(":")
    if not _listening(host, int(port or 6379)):
        unavailable(f"Redis at {REDIS_URL}")
    return REDIS_URL


def new_prefix() -> str:
    """A fresh key prefix for one test's Redis keys."""
    return "mailcore-test:" + secrets.token_hex(6) + ":"
