"""Fixtures: the daemon on loopback port 0, and swaks (installed if missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator

import pytest
import trio

import mailcore
from tests.apps.smtpd.client import Ports, start_smtpd


@pytest.fixture(scope="session")
def swaks() -> str:
    """The swaks binary; installs the Debian package when it is missing.

    Skips when it cannot be installed, except under CI (``CI`` set), where
    a missing swaks is a failure: the interop tests must run there.
    """
    path = shutil.which("swaks")
    if path is None and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "-q", "swaks"]
        update = ["apt-get", "update", "-q"]
        for attempt in ([install], [update, install]):  # stale package lists: update, retry
            for command in attempt:
                subprocess.run(command, env=env, capture_output=True, check=False, timeout=600)
            path = shutil.which("swaks")
            if path is not None:
                break
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("swaks is not installed and `apt-get install swaks` failed")
        pytest.skip("swaks is not installed and could not be installed")
    return path


@pytest.fixture
async def smtpd(engine: mailcore.Engine, bob: mailcore.Account) -> AsyncIterator[Ports]:
    """The daemon's three roles on the shared ``engine`` (bob exists)."""
    async with trio.open_nursery() as nursery:
        yield await start_smtpd(nursery, engine)
        nursery.cancel_scope.cancel()
