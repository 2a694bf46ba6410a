"""Every BlobStore adapter against the blob contract, one test per promise."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from mailcore.errors import BlobNotFound
from mailcore.store import FilesystemBlobStore
from mailcore.store.base import BlobStore
from mailcore.testing import (
    BLOB_CHECKS,
    BlobCheck,
    BlobStoreFactory,
    check_blob_store,
)


def filesystem(tmp_path: Path, **options: int) -> BlobStoreFactory:
    @asynccontextmanager
    async def open_store() -> AsyncIterator[BlobStore]:
        async with FilesystemBlobStore(tmp_path / "blobs", **options) as store:
            yield store

    return open_store


#: One line per adapter: a name and a builder of a factory bound to a fresh location.
ADAPTERS: list[tuple[str, Callable[[Path], BlobStoreFactory]]] = [
    ("filesystem", filesystem),
    # Every blob a file: the default packs most test blobs into small.db.
    ("filesystem-files-only", lambda tmp_path: filesystem(tmp_path, small_limit=0)),
]


@pytest.mark.parametrize("build", [build for _, build in ADAPTERS], ids=[n for n, _ in ADAPTERS])
@pytest.mark.parametrize("check", BLOB_CHECKS, ids=lambda check: check.__name__)
async def test_blob_contract(
    build: Callable[[Path], BlobStoreFactory], check: BlobCheck, tmp_path: Path
) -> None:
    await check(build(tmp_path))


@pytest.mark.parametrize("build", [build for _, build in ADAPTERS], ids=[n for n, _ in ADAPTERS])
async def test_whole_suite_on_shared_storage(
    build: Callable[[Path], BlobStoreFactory], tmp_path: Path
) -> None:
    await check_blob_store(build(tmp_path))


async def test_filesystem_store_is_a_blob_store(tmp_path: Path) -> None:
    async with FilesystemBlobStore(tmp_path) as store:
        assert isinstance(store, BlobStore)


@pytest.mark.parametrize("ref", ["../../etc/passwd", "AB" * 32, "ab" * 31, "", "zz" * 32])
async def test_filesystem_store_never_turns_a_malformed_ref_into_a_path(
    ref: str, tmp_path: Path
) -> None:
    async with FilesystemBlobStore(tmp_path / "blobs") as store:
        with pytest.raises(BlobNotFound):
            await store.get(ref)
        assert await store.exists_many([ref]) == [False]
        await store.delete_many([ref])


async def test_filesystem_layout_and_no_temp_files_left(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    async with FilesystemBlobStore(root, small_limit=0) as store:
        refs = await store.put_many([b"a", b"b", b"a"])
    files = sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and not p.name.startswith("small.db")
    )
    assert files == sorted({f"{r[:2]}/{r[2:4]}/{r}" for r in refs})


async def test_small_blobs_are_packed_and_large_ones_are_files(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    small, large = b"x" * 100, b"y" * 5000
    async with FilesystemBlobStore(root, small_limit=1000) as store:
        small_ref, large_ref = await store.put_many([small, large])
    files = [p.name for p in root.rglob("*") if p.is_file() and not p.name.startswith("small.db")]
    assert files == [large_ref]
    async with FilesystemBlobStore(root, small_limit=1000) as store:
        assert await store.get(small_ref) == small
        assert await store.get(small_ref, (10, 20)) == small[10:20]
        assert await store.get(large_ref, (4990, 6000)) == large[4990:]
