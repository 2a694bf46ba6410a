"""Uploads: attachments waiting to be put into a draft or a sent message.

An upload's bytes go to the BlobStore role (content-addressed, like every
blob) and its record to the Cache role, under the uploader's account: its id
is 128 random bits and is looked up only there, so another account cannot
reach it by guessing. Every process serving the same stores therefore sees
the same uploads: one made through one process can be sent through another.

Each live upload also holds a job in the Queue role, due when the upload
expires. The job is what keeps the blob from the engine's blob collector
while the upload lives (:meth:`Uploads.pinned`), what counts the account's
uploads against its caps, and what hands the blob back to the collector once
the upload expires, even if the process that took it is gone by then.
Discarding an upload hands its blob back at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import time
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

import attrs
import trio

from mailcore.errors import BlobNotFound, MessageTooLarge, Unavailable
from mailcore.store.base import BlobStore, Cache, Queue, WallClock

log = logging.getLogger("mailcore.uploads")

#: Seconds an upload is kept waiting to be used.
UPLOAD_TTL = 24 * 3600
#: Uploads one account may keep waiting at once (each is also size-limited).
MAX_UPLOADS_PER_ACCOUNT = 100
#: Bytes of waiting uploads per account, as a multiple of the per-upload limit.
SPACE_PER_ACCOUNT_FACTOR = 4
#: The queue kind of the jobs that pin upload blobs and expire uploads.
JOB_KIND = "upload"

_UPLOAD_ID = re.compile(r"up_[A-Za-z0-9_-]{22}")
# Seconds between two looks for expired uploads.
_EXPIRY_PERIOD = 60.0


@attrs.frozen
class Upload:
    """An upload waiting to be used; ``created`` is seconds since the epoch."""

    id: str
    filename: str
    content_type: str
    size: int
    created: float
    blob_ref: str

    @property
    def expires(self) -> float:
        return self.created + UPLOAD_TTL


class UploadTooLarge(MessageTooLarge):
    """An upload exceeds the per-upload size limit."""


class UploadSpaceFull(UploadTooLarge):
    """The account's uploads waiting to be used already fill its space."""


def _key(account_id: int, upload_id: str) -> str:
    return f"upload:{account_id}:{upload_id}"


class Uploads:
    """Uploads of every account, shared by every process on the same stores.

    ``put`` stores blobs the way the engine does (so that its collector and
    the write do not interleave) and ``collect`` hands blobs that may have
    become garbage to the engine's collector.
    """

    TooLarge = UploadTooLarge
    SpaceFull = UploadSpaceFull

    def __init__(
        self,
        cache: Cache,
        queue: Queue,
        blobs: BlobStore,
        *,
        put: Callable[[list[bytes]], Awaitable[list[str]]],
        collect: Callable[[list[str]], None],
        clock: WallClock = time.time,
    ) -> None:
        self._cache = cache
        self._queue = queue
        self._blobs = blobs
        self._put = put
        self._collect = collect
        self._clock = clock

    async def _waiting(self, account_id: int) -> tuple[int, int]:
        """(count, bytes) of the uploads ``account_id`` keeps waiting."""
        count = used = 0
        now = self._clock()
        for job in await self._queue.list(kind=JOB_KIND):
            # an upload past its time no longer counts, even before it is swept
            if job.payload.get("account_id") == account_id and job.not_before > now:
                count += 1
                used += int(job.payload.get("size", 0))
        return count, used

    async def store(
        self,
        account_id: int,
        filename: str,
        content_type: str,
        chunks: AsyncIterable[bytes],
        *,
        limit: int,
        max_uploads: int = MAX_UPLOADS_PER_ACCOUNT,
        max_bytes: int | None = None,
    ) -> Upload:
        """Take the chunks of an upload as they arrive and keep them for :data:`UPLOAD_TTL`.

        Past ``limit`` bytes the upload stops with :class:`UploadTooLarge`.
        When the account already keeps ``max_uploads`` uploads waiting, or
        this one would take its waiting bytes past ``max_bytes`` (default:
        :data:`SPACE_PER_ACCOUNT_FACTOR` times ``limit``), it stops with
        :class:`UploadSpaceFull`. The upload is durable when this returns.
        """
        count, used = await self._waiting(account_id)
        if count >= max_uploads:
            raise UploadSpaceFull("too many uploads waiting")
        space = (SPACE_PER_ACCOUNT_FACTOR * limit if max_bytes is None else max_bytes) - used
        parts: list[bytes] = []
        size = 0
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise UploadTooLarge(f"an upload may be at most {limit} bytes")
            if size > space:
                raise UploadSpaceFull("the uploads waiting fill the account's space")
            parts.append(bytes(chunk))
        data = b"".join(parts)
        del parts
        upload = Upload(
            id="up_" + secrets.token_urlsafe(16),
            filename=filename,
            content_type=content_type,
            size=size,
            created=self._clock(),
            blob_ref=hashlib.sha256(data).hexdigest(),
        )
        # The pin comes first: from then on no collector deletes the blob.
        job_id = await self._queue.enqueue(
            JOB_KIND,
            {"account_id": account_id, "upload_id": upload.id, "blob_ref": upload.blob_ref, "size": size},
            not_before=upload.expires,
        )
        try:
            [ref] = await self._put([data])
            if ref != upload.blob_ref:  # a blob store that does not address by SHA-256
                upload = attrs.evolve(upload, blob_ref=ref)
            record = attrs.asdict(upload) | {"job": job_id}
            await self._cache.set(
                _key(account_id, upload.id), json.dumps(record).encode(), ttl=UPLOAD_TTL
            )
        except BaseException:
            with trio.CancelScope(shield=True):
                await self._queue.cancel(job_id)
                self._collect([upload.blob_ref])
            raise
        return upload

    async def _record(self, account_id: int, upload_id: str) -> dict[str, Any] | None:
        if not _UPLOAD_ID.fullmatch(upload_id):
            return None
        raw = await self._cache.get(_key(account_id, upload_id))
        if raw is None:
            return None
        record: dict[str, Any] = json.loads(raw)
        return record

    async def get(self, account_id: int, upload_id: str) -> Upload | None:
        """The upload, if ``account_id`` made it and it has not expired or been discarded."""
        record = await self._record(account_id, upload_id)
        if record is None:
            return None
        upload = Upload(**{field.name: record[field.name] for field in attrs.fields(Upload)})
        if upload.expires <= self._clock():
            return None
        return upload

    async def read(self, upload: Upload) -> bytes | None:
        """The bytes of an upload, or None if they are gone (it expired meanwhile)."""
        try:
            return await self._blobs.get(upload.blob_ref)
        except BlobNotFound:
            return None

    async def delete(self, account_id: int, upload_id: str) -> bool:
        """Discard an upload of ``account_id``; False when there was none."""
        record = await self._record(account_id, upload_id)
        if record is None:
            return False
        await self._cache.delete(_key(account_id, upload_id))
        job = record.get("job")
        if isinstance(job, str):
            await self._queue.cancel(job)  # a job under lease is an expiry in progress
        ref = record.get("blob_ref")
        if isinstance(ref, str):
            self._collect([ref])
        return True

    async def pinned(self) -> set[str]:
        """The blobs of every live upload, which the blob collector must keep."""
        return {
            ref
            for job in await self._queue.list(kind=JOB_KIND)
            if isinstance(ref := job.payload.get("blob_ref"), str)
        }

    async def expire(self, batch: int = 100) -> int:
        """Forget uploads whose time is up and hand their blobs back; return how many."""
        done = 0
        while True:
            jobs = await self._queue.lease(JOB_KIND, batch, ttl=_EXPIRY_PERIOD)
            if not jobs:
                return done
            refs: list[str] = []
            for job in jobs:
                account_id, upload_id = job.payload.get("account_id"), job.payload.get("upload_id")
                if isinstance(account_id, int) and isinstance(upload_id, str):
                    await self._cache.delete(_key(account_id, upload_id))
                await self._queue.ack(job.id)
                if isinstance(ref := job.payload.get("blob_ref"), str):
                    refs.append(ref)
            self._collect(refs)
            done += len(jobs)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Expire uploads now and then, for as long as the engine runs."""
        task_status.started()
        while True:
            try:
                await self.expire()
            except Unavailable as exc:  # expired uploads wait for the next look
                log.warning("expiring uploads skipped: %s", exc)
            except Exception:
                log.exception("expiring uploads failed")
            await trio.sleep(_EXPIRY_PERIOD)
