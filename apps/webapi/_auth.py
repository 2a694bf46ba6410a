"""Tokens: short-lived signed access tokens and rotating refresh tokens.

The access token is a JWT signed with an Ed25519 key (JWS alg ``Ed25519``,
RFC 9864) that is generated into ``data_dir/webapi/jwt-key.pem`` (mode 0600)
on first start. It lives :data:`ACCESS_TTL` seconds and names the account
(``sub``) and the session it belongs to (``sid``).

A refresh token is an opaque random string; only its SHA-256 is stored, in
``data_dir/webapi/sessions.db``. Tokens of one login form a *family* (a
session). Each refresh spends the token and hands out the next one of the
family; presenting a spent token again means it was stolen or replayed, and
the whole family is revoked. Logging out revokes the family too. Access
tokens of a revoked family stop working at once (the revoked sessions are
kept in memory for as long as their access tokens could live).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import time
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any

import attrs
import trio
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

ACCESS_TTL = 15 * 60
REFRESH_TTL = 30 * 24 * 3600
ALG = "Ed25519"
ISSUER = "mailcore"
AUDIENCE = "mailcore-api"


class InvalidToken(Exception):
    """A token is malformed, forged, expired, spent or revoked."""


@attrs.frozen
class AccessClaims:
    account_id: int
    session_id: str
    expires: float


@attrs.frozen
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    account_id: int


def load_or_create_key(directory: Path) -> OKPKey:
    """The signing key, created with mode 0600 on first use."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / "jwt-key.pem"
    try:
        return OKPKey.import_key(path.read_bytes())
    except FileNotFoundError:
        pass
    key = OKPKey.generate_key("Ed25519", private=True)
    pem = key.as_pem(private=True)
    tmp = directory / f".jwt-key.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # first writer wins if two processes race
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return OKPKey.import_key(path.read_bytes())


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class SessionStore:
    """Refresh-token families in SQLite, used from a worker thread.

    One connection, one thread at a time (a capacity limiter of one), so
    sqlite3 never sees concurrent use.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._db: sqlite3.Connection | None = None
        self._limiter = trio.CapacityLimiter(1)

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(
                """
                CREATE TABLE IF NOT EXISTS families (
                    id TEXT PRIMARY KEY, account_id INTEGER NOT NULL,
                    created REAL NOT NULL, revoked REAL);
                CREATE TABLE IF NOT EXISTS refresh_tokens (
                    hash BLOB PRIMARY KEY, family TEXT NOT NULL REFERENCES families(id),
                    expires REAL NOT NULL, used REAL);
                CREATE INDEX IF NOT EXISTS refresh_by_family ON refresh_tokens(family);
                """
            )
            os.chmod(self._path, 0o600)
            self._db = db
        return self._db

    async def _run(self, fn: Any, *args: Any) -> Any:
        def call() -> Any:
            db = self._open()
            db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(db, *args)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return result

        return await trio.to_thread.run_sync(call, limiter=self._limiter)

    async def open_family(self, account_id: int, token: str, now: float) -> str:
        family = uuid.uuid4().hex

        def fn(db: sqlite3.Connection) -> None:
            db.execute("INSERT INTO families VALUES (?, ?, ?, NULL)", (family, account_id, now))
            db.execute("INSERT INTO refresh_tokens VALUES (?, ?, ?, NULL)", (_hash(token), family, now + REFRESH_TTL))
            # housekeeping: forget what expired long ago
            db.execute("DELETE FROM refresh_tokens WHERE expires < ?", (now - 86400,))

        await self._run(fn)
        return family

    async def rotate(self, token: str, new_token: str, now: float) -> tuple[int, str]:
        """Spend ``token`` and store ``new_token`` in its family.

        Returns (account id, family). Raises :class:`InvalidToken`; a spent
        token revokes its family first (reuse detection).
        """

        def fn(db: sqlite3.Connection) -> tuple[int, str] | tuple[None, str | None]:
            row = db.execute(
                "SELECT t.family, t.expires, t.used, f.account_id, f.revoked FROM refresh_tokens t "
                "JOIN families f ON f.id = t.family WHERE t.hash = ?",
                (_hash(token),),
            ).fetchone()
            if row is None:
                return None, None
            family, expires, used, account_id, revoked = row
            if used is not None:
                db.execute("UPDATE families SET revoked = ? WHERE id = ? AND revoked IS NULL", (now, family))
                return None, family
            if revoked is not None or expires < now:
                return None, None
            db.execute("UPDATE refresh_tokens SET used = ? WHERE hash = ?", (now, _hash(token)))
            db.execute("INSERT INTO refresh_tokens VALUES (?, ?, ?, NULL)", (_hash(new_token), family, now + REFRESH_TTL))
            return int(account_id), str(family)

        account_id, family = await self._run(fn)
        if account_id is None:
            raise InvalidToken("reused" if family else "unknown")
        return account_id, family

    async def family_of(self, token: str) -> str | None:
        def fn(db: sqlite3.Connection) -> str | None:
            row = db.execute("SELECT family FROM refresh_tokens WHERE hash = ?", (_hash(token),)).fetchone()
            return str(row[0]) if row else None

        result: str | None = await self._run(fn)
        return result

    async def revoke(self, family: str, now: float) -> None:
        await self._run(
            lambda db: db.execute("UPDATE families SET revoked = ? WHERE id = ? AND revoked IS NULL", (now, family))
        )

    async def revoked_since(self, since: float) -> list[tuple[str, float]]:
        rows = await self._run(lambda db: db.execute("SELECT id, revoked FROM families WHERE revoked >= ?", (since,)).fetchall())
        return [(str(a), float(b)) for a, b in rows]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class TokenService:
    """Issues, checks, rotates and revokes tokens for the web API."""

    CACHE_SIZE = 4096

    def __init__(self, directory: Path) -> None:
        self._key = load_or_create_key(directory)
        self._sessions = SessionStore(directory / "sessions.db")
        self._url_key = hashlib.sha256(b"mailcore signed urls\0" + self._key.as_pem(private=True)).digest()
        # verified access tokens -> claims: signature checks cost ~0.3 ms
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()
        self._revoked: dict[str, float] = {}

    async def start(self) -> None:
        for family, when in await self._sessions.revoked_since(time.time() - ACCESS_TTL):
            self._revoked[family] = when

    def close(self) -> None:
        self._sessions.close()

    def _access_token(self, account_id: int, family: str, now: float) -> str:
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(account_id),
            "sid": family,
            "iat": int(now),
            "exp": int(now) + ACCESS_TTL,
            "jti": secrets.token_urlsafe(9),
        }
        return jwt.encode({"alg": ALG, "typ": "JWT"}, claims, self._key, algorithms=[ALG])

    async def login(self, account_id: int) -> IssuedTokens:
        now = time.time()
        refresh = "rt_" + secrets.token_urlsafe(32)
        family = await self._sessions.open_family(account_id, refresh, now)
        return IssuedTokens(self._access_token(account_id, family, now), refresh, ACCESS_TTL, account_id)

    async def refresh(self, token: str) -> IssuedTokens:
        now = time.time()
        new = "rt_" + secrets.token_urlsafe(32)
        try:
            account_id, family = await self._sessions.rotate(token, new, now)
        except InvalidToken as exc:
            if str(exc) == "reused":
                family_id = await self._sessions.family_of(token)
                if family_id:
                    self._revoke_locally(family_id, now)
            raise
        return IssuedTokens(self._access_token(account_id, family, now), new, ACCESS_TTL, account_id)

    async def logout(self, *, refresh_token: str | None = None, session_id: str | None = None) -> bool:
        now = time.time()
        family = session_id
        if refresh_token is not None:
            family = await self._sessions.family_of(refresh_token)
        if family is None:
            return False
        await self._sessions.revoke(family, now)
        self._revoke_locally(family, now)
        return True

    def _revoke_locally(self, family: str, now: float) -> None:
        self._revoked[family] = now
        horizon = now - ACCESS_TTL
        for fam, when in list(self._revoked.items()):
            if when < horizon:
                del self._revoked[fam]

    def verify(self, token: str) -> AccessClaims:
        """Check an access token; raise :class:`InvalidToken`."""
        now = time.time()
        claims = self._verified.get(token)
        if claims is None:
            claims = self._decode(token)
            self._verified[token] = claims
            if len(self._verified) > self.CACHE_SIZE:
                self._verified.popitem(last=False)
        if claims.expires <= now:
            self._verified.pop(token, None)
            raise InvalidToken("expired")
        if claims.session_id in self._revoked:
            raise InvalidToken("revoked")
        return claims

    def _decode(self, token: str) -> AccessClaims:
        if len(token) > 2048 or token.count(".") != 2:
            raise InvalidToken("malformed")
        try:
            decoded = jwt.decode(token, self._key, algorithms=[ALG])
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise InvalidToken("bad signature") from exc
        c = decoded.claims
        try:
            if c.get("iss") != ISSUER or c.get("aud") != AUDIENCE:
                raise InvalidToken("wrong issuer or audience")
            return AccessClaims(int(c["sub"]), str(c["sid"]), float(c["exp"]))
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidToken("bad claims") from exc

    # -------------------------------------------------------- signed URLs

    def sign_url(self, account_id: int, path: str, expires: int) -> str:
        """A signature that lets ``path`` be fetched without a header until
        ``expires`` (for ``<img src>`` of inline images)."""
        mac = hmac.new(self._url_key, f"{account_id}\0{path}\0{expires}".encode(), hashlib.sha256)
        return f"{account_id}.{mac.hexdigest()[:40]}"

    def check_url(self, path: str, expires: int, sig: str) -> int | None:
        """The account a signed URL was made for, or None."""
        account_text, _, _ = sig.partition(".")
        if not account_text.isdigit() or expires < time.time() or len(account_text) > 18:
            return None
        account_id = int(account_text)
        if hmac.compare_digest(self.sign_url(account_id, path, expires), sig):
            return account_id
        return None
