"""Operations: one declaration gives the Quart route, its validation and its
OpenAPI entry.

A handler is declared with :meth:`Api.operation`, naming its query type,
body type and response type. The wrapper authenticates the caller, reads
the body under a size limit, validates query and body into the attrs types
and serializes what the handler returns; :func:`openapi_document` reads the
same declarations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
from quart import Quart, Response, request

import mailcore

from ._auth import InvalidToken, TokenService
from ._problems import CONTENT_TYPE as PROBLEM_CONTENT_TYPE
from ._problems import PROBLEM_TYPES, Problem, not_found
from ._schemas import ProblemOut
from ._wire import SchemaRegistry, structure, structure_query, unstructure

PREFIX = "/api/v1"
PATH_PATTERNS = {"part": r"^[0-9]{1,4}(\.[0-9]{1,4}){0,15}$", "send_id": r"^[A-Za-z0-9_-]{1,64}$", "upload_id": r"^[A-Za-z0-9_-]{1,64}$"}
JSON_BODY_LIMIT = 12 * 1024 * 1024

_ID = re.compile(r"[0-9]{1,18}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PART = re.compile(r"[0-9]{1,4}(\.[0-9]{1,4}){0,15}")


@attrs.frozen
class Context:
    """What a handler knows about the request it serves."""

    engine: mailcore.Engine
    tokens: TokenService
    account_id: int
    session_id: str | None
    path: dict[str, str]
    body_keys: frozenset[str]

    def id(self, name: str) -> int:
        """A path id as an engine integer; a malformed one is simply not found."""
        value = self.path[name]
        if not _ID.fullmatch(value):
            raise not_found()
        return int(value)

    def token(self, name: str) -> str:
        """A path token (send ids, upload ids); a malformed one is not found."""
        value = self.path[name]
        if not _TOKEN.fullmatch(value):
            raise not_found()
        return value

    def part(self, name: str) -> str:
        value = self.path[name]
        if not _PART.fullmatch(value):
            raise not_found()
        return value


Handler = Callable[..., Awaitable[Any]]


@attrs.frozen
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    query: type | None
    body: type | None
    response: type | None
    status: int
    auth: bool
    errors: tuple[int, ...]
    content: str | None  # a non-JSON response type (raw bytes)
    raw_body: bool
    description: str


class Api:
    """The registry of operations, installed on a Quart app by :meth:`install`."""

    def __init__(self) -> None:
        self.operations: list[Operation] = []

    def operation(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        tag: str,
        query: type | None = None,
        body: type | None = None,
        response: type | None = None,
        status: int = 200,
        auth: bool = True,
        errors: tuple[int, ...] = (),
        content: str | None = None,
        raw_body: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            doc = " ".join((fn.__doc__ or "").split())
            self.operations.append(
                Operation(
                    method, path, fn, summary, tag, query, body, response, status, auth, errors, content, raw_body, doc
                )
            )
            return fn

        return register

    def install(self, app: Quart, engine: mailcore.Engine, tokens: TokenService) -> None:
        by_path: dict[str, list[Operation]] = {}
        for op in self.operations:
            by_path.setdefault(op.path, []).append(op)
        for path, ops in by_path.items():
            rule = PREFIX + re.sub(r"\{(\w+)\}", r"<\1>", path)
            view = _make_view({op.method: op for op in ops}, engine, tokens)
            view.__name__ = "op_" + re.sub(r"\W", "_", path)
            app.add_url_rule(rule, view_func=view, methods=[op.method for op in ops])


async def bearer(tokens: TokenService) -> tuple[int, str]:
    """The account and session of the request's access token, or a 401 problem."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem("unauthorized", "An access token is required", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = await tokens.verify(token.strip())
    except InvalidToken:
        raise Problem(
            "invalid-token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from None
    return claims.account_id, claims.session_id


async def read_body(limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (checked while
    it streams in, whatever Content-Length claims)."""
    length = request.content_length
    if length is not None and length > limit:
        raise Problem("too-large", f"The body may be at most {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.body:
        size += len(chunk)
        if size > limit:
            raise Problem("too-large", f"The body may be at most {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _json_body(cls: type) -> tuple[Any, frozenset[str]]:
    raw = await read_body(JSON_BODY_LIMIT)
    ctype = request.headers.get("Content-Type", "")
    if raw and ctype.split(";")[0].strip().lower() not in ("application/json", ""):
        raise Problem("unsupported-media-type", "Send the body as application/json")
    if not raw.strip():
        raw = b"{}"
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise Problem("malformed-json") from None
    keys = frozenset(data) if isinstance(data, dict) else frozenset()
    return structure(data, cls), keys


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, headers=headers, content_type="application/json")


def problem_response(problem: Problem) -> Response:
    body = json.dumps(problem.to_json(), ensure_ascii=False)
    return Response(body, status=problem.status, headers=problem.headers, content_type=PROBLEM_CONTENT_TYPE)


def _make_view(ops: dict[str, Operation], engine: mailcore.Engine, tokens: TokenService) -> Handler:
    async def view(**path: str) -> Response:
        op = ops[request.method]
        account_id, session_id = 0, None
        if op.auth:
            account_id, session_id = await bearer(tokens)
        query: Any = None
        if op.query is not None:
            query = structure_query(dict(request.args.items()), op.query)
        body: Any = None
        keys: frozenset[str] = frozenset()
        if op.body is not None:
            body, keys = await _json_body(op.body)
        ctx = Context(engine, tokens, account_id, session_id, path, keys)
        args: list[Any] = [ctx]
        if op.query is not None:
            args.append(query)
        if op.body is not None:
            args.append(body)
        try:
            result = await op.handler(*args)
        except mailcore.MailcoreError as exc:
            from ._problems import from_mailcore

            raise from_mailcore(exc) from None
        if isinstance(result, Response):
            return result
        if result is None:
            return Response("", status=204)
        return json_response(unstructure(result), op.status)

    return view


# ------------------------------------------------------------------ OpenAPI


def openapi_document(api: Api, *, server_url: str = PREFIX) -> dict[str, Any]:
    """The OpenAPI 3.1 description of every operation, from their types."""
    reg = SchemaRegistry()
    problem_ref = reg.ref(ProblemOut)
    paths: dict[str, dict[str, Any]] = {}
    used_statuses: set[int] = set()
    for op in api.operations:
        item: dict[str, Any] = {
            "operationId": op.handler.__name__,
            "summary": op.summary,
            "tags": [op.tag],
        }
        if op.description:
            item["description"] = op.description
        params: list[dict[str, Any]] = []
        for name in re.findall(r"\{(\w+)\}", op.path):
            pattern = PATH_PATTERNS.get(name, r"^[0-9]{1,18}$")
            params.append(
                {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": pattern}}
            )
        if op.query is not None:
            reg.of(op.query)
            obj = reg.components[op.query.__name__]
            for pname, pschema in obj["properties"].items():
                params.append(
                    {
                        "name": pname,
                        "in": "query",
                        "required": pname in obj.get("required", []),
                        "schema": pschema,
                        **({"description": pschema["description"]} if "description" in pschema else {}),
                    }
                )
            reg.components.pop(op.query.__name__, None)
        if params:
            item["parameters"] = params
        if op.body is not None:
            item["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": reg.of(op.body)}},
            }
        elif op.raw_body:
            item["requestBody"] = {
                "required": True,
                "content": {"application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}},
            }
        responses: dict[str, Any] = {}
        if op.content is not None:
            responses[str(op.status)] = {
                "description": "The bytes",
                "content": {op.content: {"schema": {"type": "string", "contentMediaType": op.content}}},
            }
        elif op.response is None:
            responses[str(op.status)] = {"description": "Done"}
        else:
            responses[str(op.status)] = {
                "description": "Success",
                "content": {"application/json": {"schema": reg.of(op.response)}},
            }
        statuses = set(op.errors)
        if op.auth:
            statuses.add(401)
        if op.body is not None or op.query is not None:
            statuses |= {400}
        if op.body is not None or op.raw_body:
            statuses |= {413}
        if "{" in op.path:
            statuses.add(404)
        for status in sorted(statuses):
            used_statuses.add(status)
            responses[str(status)] = {"$ref": f"#/components/responses/Problem{status}"}
        item["responses"] = responses
        if op.auth:
            item["security"] = [{"bearer": []}]
        else:
            item["security"] = []
        paths.setdefault(op.path, {})[op.method.lower()] = item
    problem_responses = {
        f"Problem{status}": {
            "description": next(t for s, t in PROBLEM_TYPES.values() if s == status),
            "content": {PROBLEM_CONTENT_TYPE: {"schema": problem_ref}},
        }
        for status in sorted(used_statuses)
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mailcore web API",
            "version": mailcore.__version__,
            "description": (
                "The JSON API of the mailcore web app. Authenticate with POST /auth/login and send "
                "`Authorization: Bearer <access_token>`. Errors are RFC 9457 problem documents whose "
                "`type` is stable. Lists that can grow are paged with `cursor`/`next_cursor`. "
                "Change events stream over the websocket GET /ws?access_token=...&since=<modseq>."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": reg.components,
            "responses": problem_responses,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


#: every operation of the API; the ``_routes_*`` modules register on it
api = Api()
