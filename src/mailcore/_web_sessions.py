"""Web sessions: rotating refresh tokens and revocations, on the Cache role.

A login opens a *session* (a family of refresh tokens). Each refresh spends
the token presented and hands out the next one of the session; a spent token
presented again means it was stolen or replayed, and the whole session is
revoked. Logging out revokes the session too.

Everything lives in the Cache role, so every process serving the same stores
agrees at once: a token spent in one process is spent for all (the spend is
an ``incr``, atomic in the cache: only the first spender counts 1), and a
revocation made by one process is what the others read on their next check.
Only SHA-256 digests of refresh tokens are stored.

Signing access tokens is the door's business; it names the session in them
and asks :meth:`WebSessions.is_revoked` when it checks one.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

import attrs
import trio

from mailcore._actors._batch import Reply
from mailcore.errors import MailcoreError
from mailcore.store.base import Cache

#: Seconds a refresh token stays usable after it was handed out.
REFRESH_TTL = 30 * 24 * 3600

_PREFIX = "websession:"


@attrs.frozen
class Refreshed:
    """A refresh token was spent: the session and the token that replaces it."""

    account_id: int
    session_id: str
    refresh_token: str


class RefreshRefused(MailcoreError):
    """A refresh token that does not work.

    ``reason`` is ``unknown`` (never issued, or expired), ``revoked`` (its
    session was logged out or revoked) or ``reused`` (it was spent before:
    its session is now revoked).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"refresh token refused: {reason}")
        self.reason = reason


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return "rt_" + secrets.token_urlsafe(32)


class _CoalescedReads:
    """Cache reads of many concurrent callers answered by one ``get_many``.

    Every API request asks whether its session was revoked. Asked one by one,
    each costs a trip to the cache (a thread hop for SQLite, a round trip for
    Redis); the first caller of a moment instead waits one scheduling tick,
    then reads every key asked meanwhile at once, and again while more arrive.
    """

    def __init__(self, cache: Cache) -> None:
        self._cache = cache
        self._pending: dict[str, list[Reply[bytes | None]]] = {}
        self._leading = False

    async def get(self, key: str) -> bytes | None:
        reply: Reply[bytes | None] = Reply()
        self._pending.setdefault(key, []).append(reply)
        if not self._leading:
            self._leading = True
            try:
                await trio.lowlevel.checkpoint()  # let the callers of this moment join
                rounds = 0
                while self._pending and rounds < _LEADER_ROUNDS:
                    rounds += 1
                    batch, self._pending = self._pending, {}
                    try:
                        values = await self._cache.get_many(list(batch))
                    except BaseException as exc:
                        for replies in batch.values():
                            for waiting in replies:
                                waiting.fail(exc if isinstance(exc, Exception) else _Retry())
                        raise
                    for replies, value in zip(batch.values(), values, strict=True):
                        for waiting in replies:
                            waiting.set(value)
            finally:
                self._leading = False
                # a leader that was cancelled leaves the rest to read for themselves
                for replies in self._pending.values():
                    for waiting in replies:
                        waiting.fail(_Retry())
                self._pending = {}
        try:
            return await reply.wait()
        except _Retry:
            return await self._cache.get(key)


#: Batches one leader reads before leaving whoever came later to read alone.
_LEADER_ROUNDS = 4


class _Retry(Exception):
    """The read this caller joined did not happen; it reads for itself."""


class WebSessions:
    """Sessions of the web door, shared by every process on the same Cache."""

    REFRESH_TTL = REFRESH_TTL
    Refused = RefreshRefused

    def __init__(self, cache: Cache, *, refresh_ttl: float = REFRESH_TTL) -> None:
        self._cache = cache
        self._refresh_ttl = refresh_ttl
        self._reads = _CoalescedReads(cache)

    def _token_key(self, token: str) -> str:
        return f"{_PREFIX}token:{_digest(token)}"

    def _spent_key(self, token: str) -> str:
        return f"{_PREFIX}spent:{_digest(token)}"

    def _revoked_key(self, session_id: str) -> str:
        return f"{_PREFIX}revoked:{session_id}"

    async def _issue(self, account_id: int, session_id: str) -> str:
        token = _new_token()
        await self._cache.set(self._token_key(token), f"{account_id}:{session_id}".encode(), ttl=self._refresh_ttl)
        return token

    async def _lookup(self, token: str) -> tuple[int, str] | None:
        if not token or len(token) > 512:
            return None
        raw = await self._cache.get(self._token_key(token))
        if raw is None:
            return None
        account_text, _, session_id = raw.decode().partition(":")
        return int(account_text), session_id

    async def open(self, account_id: int) -> tuple[str, str]:
        """Open a session for ``account_id``; return its id and first refresh token."""
        session_id = uuid.uuid4().hex
        return session_id, await self._issue(account_id, session_id)

    async def rotate(self, refresh_token: str) -> Refreshed:
        """Spend ``refresh_token`` and hand out the next token of its session.

        A token is spent once, whichever process sees it first; presenting it
        again revokes its session (reuse detection). Raises
        :class:`RefreshRefused`.
        """
        found = await self._lookup(refresh_token)
        if found is None:
            raise RefreshRefused("unknown")
        account_id, session_id = found
        if await self._cache.incr(self._spent_key(refresh_token), self._refresh_ttl) != 1:
            await self.revoke(session_id)
            raise RefreshRefused("reused")
        if await self.is_revoked(session_id):
            raise RefreshRefused("revoked")
        token = await self._issue(account_id, session_id)
        # A revocation that raced with this refresh also refuses the new token:
        # is_revoked is checked again on every use of the session.
        return Refreshed(account_id, session_id, token)

    async def session_of(self, refresh_token: str) -> str | None:
        """The session a refresh token belongs to (spent or not), while it lives."""
        found = await self._lookup(refresh_token)
        return None if found is None else found[1]

    async def revoke(self, session_id: str) -> None:
        """End a session: its refresh tokens and access tokens stop working everywhere.

        The mark outlives every token the session could have handed out.
        """
        await self._cache.set(self._revoked_key(session_id), b"1", ttl=self._refresh_ttl)

    async def is_revoked(self, session_id: str) -> bool:
        """Whether the session was revoked (by logout or reuse), in any process."""
        return await self._reads.get(self._revoked_key(session_id)) is not None
