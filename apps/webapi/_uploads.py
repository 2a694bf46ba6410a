"""Uploaded attachments, waiting to be put into a draft or a sent message.

Each upload is a file under ``data_dir/webapi/uploads/<account id>/`` with a
JSON sidecar; its id is 128 random bits and is looked up only in the
uploader's own folder, so another account cannot reach it by guessing.
Uploads expire after :data:`UPLOAD_TTL`.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

import attrs
import trio

UPLOAD_TTL = 24 * 3600
_UPLOAD_ID = re.compile(r"up_[A-Za-z0-9_-]{22}")


@attrs.frozen
class Upload:
    id: str
    filename: str
    content_type: str
    size: int
    created: float

    @property
    def expires(self) -> float:
        return self.created + UPLOAD_TTL


class UploadTooLarge(Exception):
    pass


class UploadSpaceFull(UploadTooLarge):
    """The account's uploads waiting to be sent already fill its space."""


#: uploads one account may keep waiting at once (each is also size-limited)
MAX_UPLOADS_PER_ACCOUNT = 100
#: bytes of waiting uploads per account, as a multiple of the per-upload limit
SPACE_PER_ACCOUNT_FACTOR = 4


class Uploads:
    def __init__(self, directory: Path) -> None:
        self._root = directory

    def _folder(self, account_id: int) -> trio.Path:
        return trio.Path(self._root / str(account_id))

    async def store(
        self, account_id: int, filename: str, content_type: str, chunks: object, limit: int
    ) -> Upload:
        """Write the chunks of an async iterator to disk as they arrive;
        past ``limit`` bytes, stop and raise :class:`UploadTooLarge`."""
        folder = self._folder(account_id)
        await folder.mkdir(parents=True, exist_ok=True)
        count, used = await trio.to_thread.run_sync(_usage, Path(str(folder)))
        if count >= MAX_UPLOADS_PER_ACCOUNT:
            raise UploadSpaceFull()
        space = SPACE_PER_ACCOUNT_FACTOR * limit - used
        upload_id = "up_" + secrets.token_urlsafe(16)
        data_path = folder / f"{upload_id}.bin"
        size = 0
        try:
            async with await data_path.open("wb") as out:
                async for chunk in chunks:  # type: ignore[attr-defined]
                    size += len(chunk)
                    if size > limit:
                        raise UploadTooLarge()
                    if size > space:
                        raise UploadSpaceFull()
                    await out.write(chunk)
        except BaseException:
            with trio.CancelScope(shield=True):
                await data_path.unlink(missing_ok=True)
            raise
        upload = Upload(upload_id, filename, content_type, size, time.time())
        await (folder / f"{upload_id}.json").write_text(json.dumps(attrs.asdict(upload)))
        return upload

    async def get(self, account_id: int, upload_id: str) -> Upload | None:
        if not _UPLOAD_ID.fullmatch(upload_id):
            return None
        try:
            data = json.loads(await (self._folder(account_id) / f"{upload_id}.json").read_text())
        except (FileNotFoundError, ValueError):
            return None
        upload = Upload(**data)
        if upload.expires < time.time():
            await self.delete(account_id, upload_id)
            return None
        return upload

    async def read(self, account_id: int, upload: Upload) -> bytes:
        return await (self._folder(account_id) / f"{upload.id}.bin").read_bytes()

    async def delete(self, account_id: int, upload_id: str) -> bool:
        if not _UPLOAD_ID.fullmatch(upload_id):
            return False
        folder = self._folder(account_id)
        found = await (folder / f"{upload_id}.json").exists()
        await (folder / f"{upload_id}.json").unlink(missing_ok=True)
        await (folder / f"{upload_id}.bin").unlink(missing_ok=True)
        return found

    async def sweep(self) -> None:
        """Remove expired uploads of every account."""

        def sweep_sync() -> None:
            if not self._root.exists():
                return
            horizon = time.time() - UPLOAD_TTL
            for path in self._root.glob("*/up_*"):
                try:
                    if path.stat().st_mtime < horizon:
                        path.unlink()
                except OSError:
                    pass

        await trio.to_thread.run_sync(sweep_sync)


def _usage(folder: Path) -> tuple[int, int]:
    """(count, bytes) of the uploads an account keeps waiting."""
    count = used = 0
    horizon = time.time() - UPLOAD_TTL
    for path in folder.glob("up_*.bin"):
        try:
            st = path.stat()
        except OSError:
            continue
        if st.st_mtime >= horizon:
            count += 1
            used += st.st_size
    return count, used
