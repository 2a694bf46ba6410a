"""The promises every :class:`~mailcore.store.base.BlobStore` keeps, as checks.

Run them all with ``await check_blob_store(factory)``, or one at a time by
parametrizing a test over :data:`BLOB_CHECKS`. ``factory`` is a zero-argument
callable returning an async context manager that opens the store and closes
it on exit; calling it again must reopen the *same* storage, which is how
durability is checked. The checks use only the protocol, never adapter
internals, and leave the storage in an unspecified state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

import trio

from mailcore.errors import BlobNotFound
from mailcore.store.base import BlobStore

BlobStoreFactory = Callable[[], AbstractAsyncContextManager[BlobStore]]
BlobCheck = Callable[[BlobStoreFactory], Awaitable[None]]

# Generous: a slow CI disk must not fail a correctness check.
_DEADLINE = 60.0


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _pattern(size: int, seed: int = 0) -> bytes:
    """Deterministic, non-repeating-looking bytes (so that slices are telling)."""
    out = bytearray()
    block = hashlib.sha256(seed.to_bytes(8, "big")).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


async def check_round_trip(factory: BlobStoreFactory) -> None:
    """put_many returns one sha256 ref per blob, in order; get returns the bytes."""
    blobs = [b"", b"Subject: hi\r\n\r\nhello\r\n", _pattern(5 * 1024 * 1024, seed=1)]
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            refs = await store.put_many(blobs)
            assert refs == [_sha256(blob) for blob in blobs], refs
            for ref, blob in zip(refs, blobs, strict=True):
                assert await store.get(ref) == blob
            assert await store.put_many([]) == []


async def check_refs_are_lowercase_sha256_hex(factory: BlobStoreFactory) -> None:
    """A reference is exactly the 64-character lowercase hex SHA-256 of the content."""
    blob = b"\x00\xff binary \r\n content"
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            [ref] = await store.put_many([blob])
            assert ref == hashlib.sha256(blob).hexdigest()
            assert len(ref) == 64 and ref == ref.lower()
            assert all(c in "0123456789abcdef" for c in ref)


async def check_dedup(factory: BlobStoreFactory) -> None:
    """Same content gives the same ref, within a batch and across batches; one delete removes it."""
    blob = b"the same message delivered to many local recipients"
    other = b"another message"
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            refs = await store.put_many([blob, other, blob])
            assert refs[0] == refs[2] != refs[1]
            again = await store.put_many([blob])
            assert again == [refs[0]]
            assert await store.get(refs[0]) == blob
            # Stored once: a single delete makes it unknown.
            await store.delete_many([refs[0]])
            assert await store.exists_many([refs[0], refs[1]]) == [False, True]


async def check_byte_ranges(factory: BlobStoreFactory) -> None:
    """get(ref, (start, end)) is data[start:end]: start, middle, end, past-end clipped."""
    data = _pattern(100_000, seed=2)
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            [ref] = await store.put_many([data])
            size = len(data)
            for start, end in [
                (0, 0),
                (0, 1),
                (0, 4096),
                (12_345, 23_456),
                (size - 10, size),
                (size - 10, size + 1000),
                (size, size + 10),
                (size + 50, size + 100),
                (0, size),
            ]:
                got = await store.get(ref, (start, end))
                assert got == data[start:end], (start, end, len(got))


async def check_unknown_ref(factory: BlobStoreFactory) -> None:
    """An unknown ref raises BlobNotFound, with or without a range, and does not exist."""
    unknown = _sha256(b"never stored anywhere")
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            for byte_range in (None, (0, 10)):
                try:
                    await store.get(unknown, byte_range)
                except BlobNotFound:
                    pass
                else:
                    raise AssertionError(f"get of unknown ref with range {byte_range} returned")
            assert await store.exists_many([unknown]) == [False]


async def check_exists_many(factory: BlobStoreFactory) -> None:
    """exists_many answers in order, for stored and unknown refs alike."""
    stored = [b"one", b"two", b"three"]
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            refs = await store.put_many(stored)
            unknown = _sha256(b"not stored")
            query = [refs[2], unknown, refs[0], refs[1], unknown]
            assert await store.exists_many(query) == [True, False, True, True, False]
            assert await store.exists_many([]) == []


async def check_delete_many(factory: BlobStoreFactory) -> None:
    """delete_many removes blobs (then BlobNotFound), leaves others, ignores unknown refs."""
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            keep, drop1, drop2 = await store.put_many([b"keep me", b"drop me", b"and me"])
            unknown = _sha256(b"never stored, delete anyway")
            await store.delete_many([drop1, unknown, drop2])
            await store.delete_many([])
            assert await store.exists_many([keep, drop1, drop2]) == [True, False, False]
            for ref in (drop1, drop2):
                try:
                    await store.get(ref)
                except BlobNotFound:
                    pass
                else:
                    raise AssertionError("get of a deleted blob returned")
            assert await store.get(keep) == b"keep me"
            # A deleted blob can be stored again.
            assert await store.put_many([b"drop me"]) == [drop1]
            assert await store.get(drop1) == b"drop me"


async def check_durable_across_reopen(factory: BlobStoreFactory) -> None:
    """What put_many stored (and delete_many deleted) is so after closing and reopening."""
    blobs = [_pattern(10_000, seed=seed) for seed in range(10)]
    with trio.fail_after(_DEADLINE):
        async with factory() as store:
            refs = await store.put_many(blobs)
            await store.delete_many([refs[0]])
        async with factory() as store:
            assert await store.exists_many(refs) == [False] + [True] * 9
            for ref, blob in zip(refs[1:], blobs[1:], strict=True):
                assert await store.get(ref) == blob
            assert await store.get(refs[5], (100, 200)) == blobs[5][100:200]


async def check_concurrent_put_many(factory: BlobStoreFactory) -> None:
    """Many tasks storing overlapping content at once all get correct, readable refs."""
    shared = [_pattern(20_000, seed=100 + i) for i in range(8)]
    results: dict[int, list[str]] = {}

    with trio.fail_after(_DEADLINE):
        async with factory() as store:

            async def writer(task: int) -> None:
                own = _pattern(5_000, seed=1000 + task)
                # Rotate so that tasks write the shared blobs in different orders.
                batch = shared[task % 8 :] + [own] + shared[: task % 8]
                results[task] = await store.put_many(batch)

            async with trio.open_nursery() as nursery:
                for task in range(32):
                    nursery.start_soon(writer, task)

            for task, refs in results.items():
                own = _pattern(5_000, seed=1000 + task)
                batch = shared[task % 8 :] + [own] + shared[: task % 8]
                assert refs == [_sha256(blob) for blob in batch]
            assert len(results) == 32
            for blob in shared:
                assert await store.get(_sha256(blob)) == blob
            own_refs = [_sha256(_pattern(5_000, seed=1000 + task)) for task in range(32)]
            assert await store.exists_many(own_refs) == [True] * 32


BLOB_CHECKS: list[BlobCheck] = [
    check_round_trip,
    check_refs_are_lowercase_sha256_hex,
    check_dedup,
    check_byte_ranges,
    check_unknown_ref,
    check_exists_many,
    check_delete_many,
    check_durable_across_reopen,
    check_concurrent_put_many,
]


async def check_blob_store(factory: BlobStoreFactory) -> None:
    """Run every check of :data:`BLOB_CHECKS` against the store ``factory`` opens.

    The checks share the storage and assume nothing about what earlier ones
    left in it.
    """
    for check in BLOB_CHECKS:
        await check(factory)
