"""The Quart-trio application: routes, problems, security headers, CORS,
the OpenAPI document and its browsable page, and the front end."""

from __future__ import annotations

import html
import json
import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from quart import Quart, Response, g, request, send_from_directory
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException

import mailcore

from . import _routes_account, _routes_auth, _routes_compose, _routes_labels, _routes_mail  # noqa: F401
from ._auth import TokenService
from ._problems import Problem
from ._routing import (
    JSON_BODY_LIMIT,
    PREFIX,
    api,
    json_response,
    openapi_document,
    problem_response,
)
from ._ws import serve_websocket

log = logging.getLogger("mailcore.webapi")
access_log = logging.getLogger("mailcore.webapi.access")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
DOCS_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
FRONTEND_CSP = (
    "default-src 'self'; img-src 'self' data: blob: https:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self' ws: wss:; frame-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
_HTTP_PROBLEMS = {400: "validation", 401: "unauthorized", 403: "forbidden", 404: "not-found",
                  405: "method-not-allowed", 413: "too-large", 415: "unsupported-media-type", 429: "too-many-attempts"}


def create_app(
    engine: mailcore.Engine,
    *,
    frontend_dir: Path | str | None = None,
    cors_origins: Iterable[str] = (),
) -> Quart:
    """The web API over ``engine``; serves ``frontend_dir`` at ``/`` when given
    and present. CORS is off unless ``cors_origins`` names allowed origins."""
    app = QuartTrio("mailcore.webapi")
    state_dir = Path(engine.config.data_dir) / "webapi"
    tokens = TokenService(state_dir, engine)
    limits = engine.config.limits
    app.config.update(
        MAX_CONTENT_LENGTH=max(limits.upload_max_size, JSON_BODY_LIMIT) + 65536,
        BODY_TIMEOUT=120,
        RESPONSE_TIMEOUT=300,
        JSON_SORT_KEYS=False,
    )
    origins = frozenset(o.rstrip("/") for o in cors_origins)
    api.install(app, engine, tokens)
    spec = openapi_document(api)
    spec_bytes = json.dumps(spec, indent=1).encode()

    @app.before_request
    async def before() -> Response | None:
        g.started = time.perf_counter()
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS" and origin and request.headers.get("Access-Control-Request-Method"):
            if origin.rstrip("/") not in origins:
                return problem_response(Problem("forbidden", "Cross-origin requests are not allowed"))
            return Response("", status=204, headers={
                "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
                "Access-Control-Allow-Headers": "Authorization, Content-Type",
                "Access-Control-Max-Age": "600",
            })
        return None

    @app.after_request
    async def after(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith(PREFIX):
            response.headers.setdefault("Content-Security-Policy", API_CSP)
            response.headers.setdefault("Cache-Control", "no-store")
        else:
            response.headers.setdefault("Content-Security-Policy", FRONTEND_CSP)
        if request.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        origin = request.headers.get("Origin")
        if origin and origin.rstrip("/") in origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = "Retry-After, Content-Disposition"
            response.headers["Vary"] = "Origin"
        started = getattr(g, "started", None)
        elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
        # the path only: query strings may carry tokens (signed URLs, ws)
        access_log.info("%s %s %d %.1fms", request.method, request.path, response.status_code, elapsed)
        return response

    @app.errorhandler(Problem)
    async def on_problem(exc: Problem) -> Response:
        return problem_response(exc)

    @app.errorhandler(HTTPException)
    async def on_http(exc: HTTPException) -> Response:
        status = exc.code or 500
        kind = _HTTP_PROBLEMS.get(status, "internal" if status >= 500 else "validation")
        problem = Problem(kind)
        response = problem_response(problem)
        response.status_code = status
        if status == 405 and exc.get_headers():
            for name, value in exc.get_headers():
                if name.lower() == "allow":
                    response.headers["Allow"] = value
        return response

    @app.errorhandler(mailcore.MailcoreError)
    async def on_mailcore(exc: mailcore.MailcoreError) -> Response:
        from ._problems import from_mailcore

        return problem_response(from_mailcore(exc))

    @app.errorhandler(Exception)
    async def on_error(exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
        return problem_response(Problem("internal"))

    @app.get(PREFIX + "/openapi.json")
    async def openapi_json() -> Response:
        return Response(spec_bytes, content_type="application/json", headers={"Cache-Control": "no-cache"})

    @app.get(PREFIX + "/docs")
    async def docs() -> Response:
        return Response(render_docs(spec), content_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": DOCS_CSP})

    @app.get(PREFIX + "/health")
    async def health() -> Response:
        return json_response({"status": "ok", "version": mailcore.__version__})

    @app.websocket(PREFIX + "/ws")
    async def ws() -> Response | None:
        return await serve_websocket(engine, tokens)

    if frontend_dir is not None and Path(frontend_dir).is_dir():
        _serve_frontend(app, Path(frontend_dir).resolve())
    return app


def _serve_frontend(app: Quart, root: Path) -> None:
    """The single-page app: real files as they are, any other path gets
    index.html so the client-side router can take it (history fallback)."""

    @app.get("/")
    @app.get("/<path:path>")
    async def frontend(path: str = "") -> Response:
        if path == "api" or path.startswith("api/"):
            return problem_response(Problem("not-found"))
        candidate = (root / path).resolve()
        if path and candidate.is_relative_to(root) and candidate.is_file():
            response = await send_from_directory(root, path)
            if path.startswith("assets/"):
                response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            return response
        response = await send_from_directory(root, "index.html")
        response.headers["Cache-Control"] = "no-cache"
        return response


def render_docs(spec: dict[str, Any]) -> str:
    """A self-contained reference page from the OpenAPI document (no scripts,
    nothing fetched from elsewhere)."""
    esc = html.escape
    out = [
        "<!doctype html><html><head><meta charset='utf-8'><title>mailcore API</title><style>",
        "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}",
        "code,pre{font:13px ui-monospace,monospace;background:#f4f4f4;padding:.1rem .3rem}",
        ".op{border-top:1px solid #ddd;padding:.6rem 0}.m{font-weight:700;display:inline-block;width:4.5rem}",
        "pre{padding:.6rem;overflow:auto}</style></head><body>",
        f"<h1>{esc(spec['info']['title'])} <small>{esc(spec['info']['version'])}</small></h1>",
        f"<p>{esc(spec['info']['description'])}</p>",
        f"<p>Base URL <code>{esc(spec['servers'][0]['url'])}</code>. Machine-readable: ",
        "<a href='openapi.json'>openapi.json</a>.</p>",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            by_tag.setdefault(op["tags"][0], []).append((method.upper(), path, op))
    for tag, ops in by_tag.items():
        out.append(f"<h2>{esc(tag)}</h2>")
        for method, path, op in ops:
            out.append(f"<div class='op'><span class='m'>{method}</span><code>{esc(path)}</code> — {esc(op['summary'])}")
            if op.get("description"):
                out.append(f"<p>{esc(op['description'])}</p>")
            params = op.get("parameters", [])
            if params:
                out.append("<p>Parameters: " + ", ".join(
                    f"<code>{esc(p['name'])}</code> ({esc(p['in'])})" for p in params) + "</p>")
            body = op.get("requestBody", {}).get("content", {})
            for ctype, media in body.items():
                out.append(f"<p>Body ({esc(ctype)}): <code>{esc(_ref_name(media['schema']))}</code></p>")
            codes = ", ".join(esc(c) for c in op["responses"])
            out.append(f"<p>Responses: {codes}</p></div>")
    out.append("<h2>Schemas</h2>")
    for name, schema in spec["components"]["schemas"].items():
        out.append(f"<h3 id='{esc(name)}'>{esc(name)}</h3><pre>{esc(json.dumps(schema, indent=1))}</pre>")
    out.append("</body></html>")
    return "".join(out)


def _ref_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else json.dumps(schema)
