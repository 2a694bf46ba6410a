"""A small JSON client over Quart's test client, holding a bearer token."""

from __future__ import annotations

from typing import Any

import attrs
from quart import Quart
from quart.typing import TestClientProtocol

PREFIX = "/api/v1"


@attrs.define
class Reply:
    status: int
    headers: Any
    body: bytes

    @property
    def json(self) -> Any:
        import json

        return json.loads(self.body)


@attrs.define
class ApiClient:
    app: Quart
    client: TestClientProtocol
    access_token: str | None = None
    refresh_token: str | None = None

    @classmethod
    async def login(cls, app: Quart, username: str, password: str) -> ApiClient:
        client = cls(app, app.test_client())
        reply = await client.post("/auth/login", {"username": username, "password": password})
        assert reply.status == 200, reply.body
        client.access_token = reply.json["access_token"]
        client.refresh_token = reply.json["refresh_token"]
        return client

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.access_token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.access_token}"
        return headers

    async def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> Reply:
        kwargs: dict[str, Any] = {"headers": self._headers(headers)}
        if json is not None:
            kwargs["json"] = json
        if data is not None:
            kwargs["data"] = data
        if query is not None:
            kwargs["query_string"] = query
        response = await self.client.open(PREFIX + path, method=method, **kwargs)
        return Reply(response.status_code, response.headers, await response.get_data())

    async def get(self, path: str, **kw: Any) -> Reply:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, json: Any = None, **kw: Any) -> Reply:
        return await self.request("POST", path, json, **kw)

    async def patch(self, path: str, json: Any = None, **kw: Any) -> Reply:
        return await self.request("PATCH", path, json, **kw)

    async def put(self, path: str, json: Any = None, **kw: Any) -> Reply:
        return await self.request("PUT", path, json, **kw)

    async def delete(self, path: str, **kw: Any) -> Reply:
        return await self.request("DELETE", path, **kw)
