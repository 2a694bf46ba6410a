"""Every MetaStore adapter against the meta contract, one test per promise."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from mailcore.store.meta import MetaStore
from mailcore.store.sqlite_meta import SQLiteMetaStore
from mailcore.testing.meta_contract import (
    META_STORE_CHECKS,
    MetaCheck,
    MetaStoreFactory,
    check_meta_store,
)


def sqlite(tmp_path: Path) -> MetaStoreFactory:
    @asynccontextmanager
    async def open_store() -> AsyncIterator[MetaStore]:
        store = SQLiteMetaStore(tmp_path / "meta.db")
        try:
            yield store
        finally:
            await store.aclose()

    return open_store


#: One line per adapter: a name and a builder of a factory bound to a fresh location.
ADAPTERS: list[tuple[str, Callable[[Path], MetaStoreFactory]]] = [
    ("sqlite", sqlite),
]


@pytest.mark.parametrize("build", [build for _, build in ADAPTERS], ids=[n for n, _ in ADAPTERS])
@pytest.mark.parametrize("check", META_STORE_CHECKS, ids=lambda check: check.__name__)
async def test_meta_contract(
    build: Callable[[Path], MetaStoreFactory], check: MetaCheck, tmp_path: Path
) -> None:
    await check(build(tmp_path))


@pytest.mark.parametrize("build", [build for _, build in ADAPTERS], ids=[n for n, _ in ADAPTERS])
async def test_whole_suite_on_shared_storage(
    build: Callable[[Path], MetaStoreFactory], tmp_path: Path
) -> None:
    await check_meta_store(build(tmp_path))
