"""schemathesis against the OpenAPI document of a served instance: generated
requests for every operation must never get a 5xx, and every 4xx must be a
problem document."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import trio
from hypothesis import HealthCheck, Phase, given, settings

import mailcore
from mailcore_apps.webapi import door
from tests.conftest import make_config
from tests.mail import message

#: these would end the session the fuzzer uses (logout) or slow it with the
#: login throttle's deliberate delays (login); they are tested directly
SKIP = {("POST", "/auth/logout"), ("POST", "/auth/login")}
EXAMPLES = 25


@pytest.fixture
def served_in_thread(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A served instance on its own trio loop in a thread (schemathesis is sync)."""
    state: dict[str, Any] = {}
    ready = threading.Event()

    async def main() -> None:
        async with mailcore.open_engine(make_config(tmp_path / "data")) as engine:
            await engine.add_domain("example.com")
            await engine.create_account("bob@example.com", "bob-password", "Bob")
            for i in range(3):
                await engine.deliver(message(f"Hello {i}", "body", message_id=f"s{i}@x",
                                             attachment=("a.pdf", b"%PDF")), ["bob@example.com"])
            async with trio.open_nursery() as nursery:
                binds = await nursery.start(door.serve, engine, [mailcore.Listener("http", "127.0.0.1", 0)])
                state.update(base=binds[0], token=trio.lowlevel.current_trio_token(), scope=nursery.cancel_scope)
                ready.set()

    thread = threading.Thread(target=trio.run, args=(main,), daemon=True)
    thread.start()
    assert ready.wait(30)
    try:
        yield state
    finally:
        trio.from_thread.run_sync(state["scope"].cancel, trio_token=state["token"])
        thread.join(30)


def test_no_server_errors(served_in_thread: dict[str, Any]) -> None:
    base = served_in_thread["base"]
    login = httpx.post(f"{base}/api/v1/auth/login", json={"username": "bob@example.com", "password": "bob-password"})
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    spec = httpx.get(f"{base}/api/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(spec)
    failures: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        tried += 1

        @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            response = case.call(base_url=f"{base}/api/v1", headers=auth, timeout=10)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}")
            elif response.status_code >= 400:
                assert response.headers.get("content-type") == ["application/problem+json"], (
                    case.method, case.formatted_path, response.status_code, dict(response.headers), response.text[:300])

        check()
    assert tried >= 30
    assert not failures, "\n".join(failures[:20])
