"""Shared fixtures: an engine on a fresh data directory, with cheap password hashing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import mailcore


def make_config(data_dir: Path, **kwargs: object) -> mailcore.Config:
    return mailcore.Config(data_dir=data_dir, argon2_time_cost=1, argon2_memory_cost=8192, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def config(tmp_path: Path) -> mailcore.Config:
    return make_config(tmp_path / "data")


@pytest.fixture
async def engine(config: mailcore.Config) -> AsyncIterator[mailcore.Engine]:
    async with mailcore.open_engine(config) as engine:
        await engine.add_domain("example.com")
        yield engine


@pytest.fixture
async def bob(engine: mailcore.Engine) -> mailcore.Account:
    return await engine.create_account("bob@example.com", "bob-password", "Bob")


@pytest.fixture
async def carol(engine: mailcore.Engine) -> mailcore.Account:
    return await engine.create_account("carol@example.com", "carol-password", "Carol")
