"""A running IMAP daemon (both roles, ports chosen by the system) for each test."""

from __future__ import annotations

import functools

import pytest
import trio

import mailcore
from mailcore import tls
from mailcore_apps.imapd import serve
from tests.apps.imapd.client import Server


@pytest.fixture
async def server(
    engine: mailcore.Engine, bob: mailcore.Account, carol: mailcore.Account, nursery: trio.Nursery
) -> Server:
    listeners = [
        mailcore.Listener("imap", "127.0.0.1", 0),
        mailcore.Listener("imaps", "127.0.0.1", 0),
    ]
    bound = await nursery.start(functools.partial(serve, engine, listeners))
    ports = {b.role: b.port for b in bound}
    cert, _ = tls.self_signed_pair(engine.config)
    return Server(ports["imap"], ports["imaps"], str(cert))
