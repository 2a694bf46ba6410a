"""The HTTP surface: validation problems naming fields, 413, security
headers, CORS, unknown routes, the OpenAPI document and its page."""

from __future__ import annotations

import trio
from quart import Quart

import mailcore
from mailcore_apps.webapi import create_app

from .client import ApiClient


async def test_validation_names_fields(bob_api: ApiClient) -> None:
    with trio.fail_after(10):
        wrong_type = await bob_api.post("/labels", {"name": 5})
        extra = await bob_api.post("/labels", {"name": "x", "colour": "#fff"})
        missing = await bob_api.post("/labels", {})
        bad_color = await bob_api.post("/labels", {"name": "x", "color": "red"})
        bad_limit = await bob_api.get("/threads", query={"limit": "many"})
        big_limit = await bob_api.get("/threads", query={"limit": "100000"})
        unknown_param = await bob_api.get("/threads", query={"lable": "INBOX"})
        bad_address = await bob_api.post("/send", {"to": ["ok@example.com", "not an address"]})
        not_a_list = await bob_api.post("/send", {"to": "carol@example.com"})
        not_json = await bob_api.post("/labels", data=b"{nope", headers={"Content-Type": "application/json"})
        bad_cursor = await bob_api.get("/threads", query={"cursor": "garbage!"})
    assert wrong_type.json["errors"] == [{"field": "name", "detail": "expected a string"}]
    assert extra.json["errors"] == [{"field": "colour", "detail": "unknown field"}]
    assert missing.json["errors"] == [{"field": "name", "detail": "is required"}]
    assert bad_color.json["errors"][0]["field"] == "color"
    assert bad_limit.json["errors"][0]["field"] == "limit"
    assert big_limit.json["errors"] == [{"field": "limit", "detail": "must be at most 200"}]
    assert unknown_param.json["errors"][0]["field"] == "lable"
    assert bad_address.json["errors"] == [{"field": "to[1]", "detail": "not an email address"}]
    assert not_a_list.json["errors"][0]["field"] == "to"
    assert not_json.json["type"].endswith("/malformed-json")
    assert bad_cursor.status == 400 and bad_cursor.json["errors"][0]["field"] == "cursor"
    for reply in (wrong_type, extra, missing, bad_color, bad_limit, big_limit, unknown_param, bad_address,
                  not_a_list, not_json):
        assert reply.status == 400
        assert reply.headers["Content-Type"] == "application/problem+json"
        assert {"type", "title", "status", "detail"} <= set(reply.json)


async def test_oversized_bodies_get_413(bob_api: ApiClient, engine: mailcore.Engine) -> None:
    limit = engine.config.limits.upload_max_size
    with trio.fail_after(30):
        huge_json = await bob_api.post("/labels", data=b'{"name": "' + b"x" * (13 * 1024 * 1024) + b'"}',
                                       headers={"Content-Type": "application/json"})
        huge_upload = await bob_api.post("/uploads", data=b"x" * (limit + 1), query={"filename": "big.bin"})
    assert huge_json.status == 413 and huge_json.json["type"].endswith("/too-large")
    assert huge_upload.status == 413


async def test_security_headers_everywhere(app: Quart, bob_api: ApiClient) -> None:
    anonymous = ApiClient(app, app.test_client())
    with trio.fail_after(10):
        replies = [
            await bob_api.get("/labels"),
            await anonymous.get("/me"),
            await anonymous.get("/no/such/route"),
            await anonymous.get("/openapi.json"),
            await anonymous.get("/docs"),
            await anonymous.request("PUT", "/labels"),
        ]
    assert [r.status for r in replies] == [200, 401, 404, 200, 200, 405]
    for reply in replies:
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert reply.headers["X-Frame-Options"] == "DENY"
        assert reply.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]
        assert "Access-Control-Allow-Origin" not in reply.headers
    assert replies[2].json["type"].endswith("/not-found")
    assert replies[5].json["type"].endswith("/method-not-allowed")


async def test_cors_is_off_unless_configured(engine: mailcore.Engine, bob: mailcore.Account) -> None:
    origin = "https://mail.example.com"
    preflight = {"Origin": origin, "Access-Control-Request-Method": "GET"}
    with trio.fail_after(10):
        closed = create_app(engine).test_client()
        refused = await closed.options("/api/v1/labels", headers=preflight)
        assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers
        opened = create_app(engine, cors_origins=[origin]).test_client()
        allowed = await opened.options("/api/v1/labels", headers=preflight)
        assert allowed.status_code == 204 and "Authorization" in allowed.headers["Access-Control-Allow-Headers"]
        simple = await opened.get("/api/v1/openapi.json", headers={"Origin": origin})
        assert simple.headers["Access-Control-Allow-Origin"] == origin
        other = await opened.get("/api/v1/openapi.json", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers


async def test_openapi_document(app: Quart) -> None:
    anonymous = ApiClient(app, app.test_client())
    with trio.fail_after(10):
        doc = (await anonymous.get("/openapi.json")).json
        page = await anonymous.get("/docs")
    assert doc["openapi"] == "3.1.0"
    assert {"/auth/login", "/threads", "/threads/{thread_id}", "/send", "/uploads"} <= set(doc["paths"])
    login = doc["components"]["schemas"]["LoginIn"]
    assert login["required"] == ["username", "password"] and login["additionalProperties"] is False
    limit = next(p for p in doc["paths"]["/threads"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 200
    assert "from" in doc["components"]["schemas"]["MessageOut"]["properties"]
    assert b"/threads/{thread_id}" in page.body and page.headers["Content-Type"].startswith("text/html")


async def test_frontend_served_with_history_fallback(engine: mailcore.Engine, tmp_path: object) -> None:
    from pathlib import Path

    dist = Path(str(tmp_path)) / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root></div>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    client = create_app(engine, frontend_dir=dist).test_client()
    with trio.fail_after(10):
        index = await client.get("/")
        deep = await client.get("/inbox/thread/12")
        asset = await client.get("/assets/app.js")
        escape = await client.get("/../../etc/passwd")
        api = await client.get("/api/v1/nope")
    assert index.status_code == deep.status_code == asset.status_code == 200
    assert b"root" in await deep.get_data()
    assert b"console.log" in await asset.get_data()
    assert b"root:" not in await escape.get_data()
    assert api.status_code == 404
    assert "default-src 'self'" in index.headers["Content-Security-Policy"]
