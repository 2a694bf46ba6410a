"""Uploads on the Blob, Cache and Queue roles, over every embedded cache adapter.

Ownership, caps, expiry, and the promise to the blob collector: an upload's
blob is kept while the upload lives and handed back once it is gone.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

import attrs
import pytest

import mailcore
from mailcore._uploads import JOB_KIND, UPLOAD_TTL, Upload, Uploads, UploadSpaceFull, UploadTooLarge
from mailcore.store import FilesystemBlobStore, InProcessCache, SQLiteCache, SQLiteQueue
from mailcore.store.base import Cache
from mailcore.testing import FakeClock, engine_internals


@attrs.define
class Rig:
    uploads: Uploads
    clock: FakeClock
    blobs: FilesystemBlobStore
    queue: SQLiteQueue
    collected: list[str]


def _cache(kind: str, tmp_path: Path, clock: FakeClock) -> Cache:
    return InProcessCache(clock) if kind == "in-process" else SQLiteCache(tmp_path / "cache.db", clock)


@pytest.fixture(params=["in-process", "sqlite"])
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    clock = FakeClock()
    cache = _cache(request.param, tmp_path, clock)
    queue = SQLiteQueue(tmp_path / "queue.db", clock)
    blobs = FilesystemBlobStore(tmp_path / "blobs")
    collected: list[str] = []
    uploads = Uploads(cache, queue, blobs, put=blobs.put_many, collect=collected.extend, clock=clock)
    try:
        yield Rig(uploads, clock, blobs, queue, collected)
    finally:
        for store in (cache, queue, blobs):
            await store.aclose()


async def chunks(*parts: bytes) -> AsyncIterable[bytes]:
    for part in parts:
        yield part


async def store(rig: Rig, account_id: int, *parts: bytes, limit: int = 1000, **caps: int) -> Upload:
    return await rig.uploads.store(account_id, "a.pdf", "application/pdf", chunks(*parts), limit=limit, **caps)


async def test_an_upload_is_kept_for_its_uploader_only(rig: Rig) -> None:
    upload = await store(rig, 1, b"%PDF-", b"1.4 plan")
    assert upload.size == 13 and upload.filename == "a.pdf" and upload.content_type == "application/pdf"
    assert upload.id.startswith("up_") and len(upload.id) == 25
    got = await rig.uploads.get(1, upload.id)
    assert got == upload
    assert await rig.uploads.read(got) == b"%PDF-1.4 plan"
    # another account cannot see or discard it, and malformed ids are nobody's
    assert await rig.uploads.get(2, upload.id) is None
    assert not await rig.uploads.delete(2, upload.id)
    assert await rig.uploads.get(1, "up_" + "A" * 22) is None
    assert await rig.uploads.get(1, "../" + upload.id) is None
    assert await rig.uploads.get(1, upload.id) == upload


async def test_size_and_account_caps(rig: Rig) -> None:
    with pytest.raises(UploadTooLarge) as caught:
        await store(rig, 1, b"x" * 600, b"x" * 600, limit=1000)
    assert not isinstance(caught.value, UploadSpaceFull)
    assert isinstance(caught.value, mailcore.MessageTooLarge)
    await store(rig, 1, b"a" * 10, max_uploads=2)
    await store(rig, 1, b"b" * 10, max_uploads=2)
    with pytest.raises(UploadSpaceFull):
        await store(rig, 1, b"c" * 10, max_uploads=2)
    await store(rig, 2, b"c" * 10, max_uploads=2)  # caps are per account
    # bytes: 20 are waiting, 30 more would pass 45
    with pytest.raises(UploadSpaceFull):
        await store(rig, 1, b"d" * 30, max_bytes=45)
    await store(rig, 1, b"d" * 25, max_bytes=45)
    # nothing refused holds a pin
    assert len(await rig.queue.list(kind=JOB_KIND)) == 4


async def test_a_discarded_upload_hands_its_blob_back(rig: Rig) -> None:
    upload = await store(rig, 1, b"contract draft")
    assert upload.blob_ref in await rig.uploads.pinned()
    assert rig.collected == []
    assert await rig.uploads.delete(1, upload.id)
    assert await rig.uploads.get(1, upload.id) is None
    assert not await rig.uploads.delete(1, upload.id)
    assert upload.blob_ref not in await rig.uploads.pinned()
    assert rig.collected == [upload.blob_ref]


async def test_the_same_bytes_uploaded_twice_stay_pinned_until_both_are_gone(rig: Rig) -> None:
    first = await store(rig, 1, b"same report")
    second = await store(rig, 1, b"same report")
    assert first.blob_ref == second.blob_ref and first.id != second.id
    await rig.uploads.delete(1, first.id)
    assert second.blob_ref in await rig.uploads.pinned()
    assert await rig.uploads.read(second) == b"same report"
    await rig.uploads.delete(1, second.id)
    assert second.blob_ref not in await rig.uploads.pinned()


async def test_an_upload_expires_after_a_day_and_hands_its_blob_back(rig: Rig) -> None:
    upload = await store(rig, 1, b"holiday.jpg bytes")
    rig.clock.advance(UPLOAD_TTL - 60)
    assert await rig.uploads.expire() == 0
    assert await rig.uploads.get(1, upload.id) == upload
    assert upload.blob_ref in await rig.uploads.pinned()
    rig.clock.advance(61)
    assert await rig.uploads.get(1, upload.id) is None
    assert await rig.uploads.expire() == 1
    assert rig.collected == [upload.blob_ref]
    assert upload.blob_ref not in await rig.uploads.pinned()
    assert await rig.uploads.expire() == 0


async def test_a_failed_store_leaves_no_pin(rig: Rig) -> None:
    async def broken(blobs: list[bytes]) -> list[str]:
        raise mailcore.StoreError("disk full")

    uploads = Uploads(
        rig.uploads._cache, rig.queue, rig.blobs, put=broken, collect=rig.collected.extend, clock=rig.clock
    )
    with pytest.raises(mailcore.StoreError):
        await uploads.store(1, "a.txt", "text/plain", chunks(b"data"), limit=100)
    assert await uploads.pinned() == set()


async def test_the_engine_keeps_a_live_upload_blob_and_collects_it_after(
    engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    upload = await engine.uploads.store(bob.id, "a.txt", "text/plain", chunks(b"only in an upload"), limit=1000)
    ref = upload.blob_ref
    inside = engine_internals(engine)
    inside.blobs.release([ref])  # as if a message holding the same bytes had just been deleted
    assert await engine.collect_blobs(grace=0) == 0
    assert await inside.stores.blobs.exists_many([ref]) == [True]
    assert await engine.uploads.delete(bob.id, upload.id)
    assert await engine.collect_blobs(grace=0) == 1
    assert await inside.stores.blobs.exists_many([ref]) == [False]


async def test_expired_uploads_free_the_account_space_at_once(rig: Rig) -> None:
    await store(rig, 1, b"a" * 10, max_uploads=1)
    with pytest.raises(UploadSpaceFull):
        await store(rig, 1, b"b" * 10, max_uploads=1)
    rig.clock.advance(UPLOAD_TTL)  # expired, not yet swept
    await store(rig, 1, b"b" * 10, max_uploads=1)
