"""Login, refresh rotation with reuse detection, logout, throttling, and
tokens kept out of logs."""

from __future__ import annotations

import logging

import pytest
import trio
from quart import Quart

import mailcore

from .client import ApiClient


async def test_login_and_me(bob_api: ApiClient) -> None:
    with trio.fail_after(10):
        me = await bob_api.get("/me")
    assert me.status == 200
    assert me.json["address"] == "bob@example.com" and me.json["display_name"] == "Bob"
    assert me.json["send_as"] == ["bob@example.com"]


async def test_wrong_password_and_missing_token(app: Quart, bob: mailcore.Account) -> None:
    anonymous = ApiClient(app, app.test_client())
    with trio.fail_after(10):
        bad = await anonymous.post("/auth/login", {"username": "bob@example.com", "password": "nope"})
        assert bad.status == 401 and bad.json["type"].endswith("/invalid-credentials")
        nobody = await anonymous.post("/auth/login", {"username": "who@example.com", "password": "nope"})
        assert nobody.json == bad.json  # says nothing about which part was wrong
        assert (await anonymous.get("/me")).status == 401
        forged = await anonymous.get("/me", headers={"Authorization": "Bearer a.b.c"})
    assert forged.status == 401 and forged.json["type"].endswith("/invalid-token")


async def test_refresh_rotates_and_reuse_revokes_the_family(bob_api: ApiClient) -> None:
    with trio.fail_after(10):
        first = bob_api.refresh_token
        rotated = await bob_api.post("/auth/refresh", {"refresh_token": first})
        assert rotated.status == 200
        second = rotated.json["refresh_token"]
        assert second != first
        new_access = rotated.json["access_token"]
        ok = await bob_api.get("/me", headers={"Authorization": f"Bearer {new_access}"})
        assert ok.status == 200
        # the spent token again: a thief or a replay; the whole session dies
        reused = await bob_api.post("/auth/refresh", {"refresh_token": first})
        assert reused.status == 401
        assert (await bob_api.post("/auth/refresh", {"refresh_token": second})).status == 401
        revoked = await bob_api.get("/me", headers={"Authorization": f"Bearer {new_access}"})
    assert revoked.status == 401


async def test_logout_revokes(app: Quart, bob: mailcore.Account) -> None:
    with trio.fail_after(10):
        api = await ApiClient.login(app, "bob@example.com", "bob-password")
        other = await ApiClient.login(app, "bob@example.com", "bob-password")
        assert (await api.post("/auth/logout", {})).status == 204
        assert (await api.get("/me")).status == 401
        assert (await api.post("/auth/refresh", {"refresh_token": api.refresh_token})).status == 401
        # another session of the same account lives on
        assert (await other.get("/me")).status == 200
        assert (await other.post("/auth/logout", {"refresh_token": other.refresh_token})).status == 204
        assert (await other.get("/me")).status == 401


async def test_throttled_logins_get_429(
    app: Quart, engine: mailcore.Engine, bob: mailcore.Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine counts failures per client address and per account (its own
    tests cover the counting); the API passes its verdict on as 429."""
    seen: list[str | None] = []

    async def refuse(address: str, password: str, *, remote: str | None = None) -> mailcore.Account:
        seen.append(remote)
        raise mailcore.TooManyAttempts(900.0)

    monkeypatch.setattr(engine, "authenticate", refuse)
    anonymous = ApiClient(app, app.test_client())
    with trio.fail_after(10):
        blocked = await anonymous.post("/auth/login", {"username": "bob@example.com", "password": "bob-password"})
    assert blocked.status == 429
    assert blocked.headers["Retry-After"] == "900"
    assert blocked.json["type"].endswith("/too-many-attempts")
    assert seen and seen[0]  # the client address is handed to the engine


async def test_tokens_never_logged(app: Quart, bob: mailcore.Account, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with trio.fail_after(10):
        api = await ApiClient.login(app, "bob@example.com", "bob-password")
        await api.get("/me")
        await api.get("/labels", query={"access_token": api.access_token or ""})
        await api.post("/auth/refresh", {"refresh_token": api.refresh_token})
        await api.post("/auth/refresh", {"refresh_token": api.refresh_token})  # reuse: logged warning
    text = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert "GET /api/v1/me 200" in text  # the access log is there...
    assert api.access_token and api.access_token not in text  # ...without tokens
    assert api.refresh_token and api.refresh_token not in text
    assert "bob-password" not in text


async def test_signing_key_is_private(app: Quart, config: mailcore.Config) -> None:
    key = config.data_dir / "webapi" / "jwt-key.pem"
    assert key.stat().st_mode & 0o777 == 0o600
