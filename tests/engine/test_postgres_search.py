"""An engine whose metadata and search index are both on PostgreSQL (no
second search server): what is delivered is found by Gmail queries, whatever
the transfer encoding of its body."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import trio

import mailcore
from mailcore import StoreConfig
from mailcore._bridge import open_bridge
from mailcore.store import PostgresMetaStore, PostgresSearchIndex
from mailcore.testing import engine_internals
from tests.conftest import make_config
from tests.servers import new_schema, require_postgres

QUOTED_PRINTABLE = (
    b"From: Alice <alice@example.net>\r\nTo: bob@example.com\r\n"
    b"Subject: =?utf-8?q?R=C3=A9sum=C3=A9_attached?=\r\nMessage-ID: <qp-1@example.net>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"The caf=C3=A9 on the corner serves a marvel=\r\nlous breakfast.\r\n"
)

BASE64_BODY = b"Our quarterly zanzibar expedition leaves at dawn.\r\n"
BASE64 = (
    b"From: Carol <carol@example.org>\r\nTo: bob@example.com\r\n"
    b"Subject: Travel plans\r\nMessage-ID: <b64-1@example.org>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(BASE64_BODY).replace(b"\n", b"\r\n")
)


async def _drop(url: str, schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


async def test_quoted_printable_and_base64_bodies_are_found(tmp_path: Path) -> None:
    url = require_postgres()
    schema = new_schema()
    stores = StoreConfig(meta="postgres", search="postgres", options={"postgres": {"url": url, "schema": schema}})
    try:
        with trio.fail_after(60):
            async with mailcore.open_engine(make_config(tmp_path / "data", stores=stores)) as engine:
                inside = engine_internals(engine).stores
                assert isinstance(inside.meta, PostgresMetaStore)
                assert isinstance(inside.search, PostgresSearchIndex)
                await engine.add_domain("example.com")
                bob = await engine.create_account("bob@example.com", "bob-password")
                qp = (await engine.deliver(QUOTED_PRINTABLE, ["bob@example.com"])).message_ids
                b64 = (await engine.deliver(BASE64, ["bob@example.com"])).message_ids
                [qp_id], [b64_id] = qp.values(), b64.values()

                async def found(query: str) -> list[int]:
                    return [m.id for m in (await engine.search(bob.id, query)).messages]

                # Words decoded from quoted-printable, soft line break joined.
                assert await found("marvellous") == [qp_id]
                assert await found("cafe") == [qp_id]
                assert await found('"café on the corner"') == [qp_id]
                assert await found("subject:resume") == [qp_id]
                # Words decoded from base64, never the encoded text.
                assert await found("zanzibar") == [b64_id]
                assert await found('"quarterly zanzibar expedition"') == [b64_id]
                assert await found(base64.b64encode(BASE64_BODY).decode()[:12]) == []
                # Both, with fields, labels and flags.
                assert sorted(await found("in:inbox is:unread")) == sorted([qp_id, b64_id])
                assert await found("from:carol@example.org zanzibar") == [b64_id]
                assert sorted(await found("marvellous OR zanzibar")) == sorted([qp_id, b64_id])
                await engine.store_flags(bob.id, [qp_id], add=["\\Seen"])
                assert await found("is:unread") == [b64_id]
    finally:
        async with open_bridge() as bridge:
            await bridge.call(_drop, url, schema)


def test_the_environment_chooses_postgres_search(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILCORE_STORE_SEARCH", "postgres")
    monkeypatch.setenv("MAILCORE_POSTGRES_URL", "postgresql://db.example/mail")
    config = mailcore.Config.from_mapping({})
    assert config.stores.search == "postgres"
    assert config.stores.options["postgres"]["url"] == "postgresql://db.example/mail"


async def test_postgres_search_needs_a_url(tmp_path: Path) -> None:
    stores = StoreConfig(search="postgres")
    with pytest.raises(mailcore.ConfigError, match=r"\[store.postgres\] url"):
        async with mailcore.open_engine(make_config(tmp_path / "data", stores=stores)):
            pass
