"""Uploaded attachments as the web door offers them.

The uploads themselves are the engine's (:attr:`mailcore.Engine.uploads`):
their bytes in the blob store and their records in the cache, so every
process serving the same stores sees them. This module holds the door's
caps on what one account may keep waiting.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any

import mailcore

#: uploads one account may keep waiting at once (each is also size-limited)
MAX_UPLOADS_PER_ACCOUNT = 100
#: bytes of waiting uploads per account, as a multiple of the per-upload limit
SPACE_PER_ACCOUNT_FACTOR = 4


async def store(
    engine: mailcore.Engine,
    account_id: int,
    filename: str,
    content_type: str,
    chunks: AsyncIterable[bytes],
    limit: int,
) -> Any:
    """Take an upload as it arrives, within the per-upload ``limit`` and the
    account's caps; raises ``engine.uploads.TooLarge`` or its subclass
    ``engine.uploads.SpaceFull``."""
    return await engine.uploads.store(
        account_id,
        filename,
        content_type,
        chunks,
        limit=limit,
        max_uploads=MAX_UPLOADS_PER_ACCOUNT,
        max_bytes=SPACE_PER_ACCOUNT_FACTOR * limit,
    )
