"""Tokens: short-lived signed access tokens and rotating refresh tokens.

The access token is a JWT signed with an Ed25519 key (JWS alg ``Ed25519``,
RFC 9864) that is generated into ``data_dir/webapi/jwt-key.pem`` (mode 0600)
on first start. It lives :data:`ACCESS_TTL` seconds and names the account
(``sub``) and the session it belongs to (``sid``).

A refresh token is an opaque random string handed out by the engine's web
sessions (:attr:`mailcore.Engine.web_sessions`), which keep only its SHA-256
in the Cache role. Tokens of one login form a *family* (a session). Each
refresh spends the token and hands out the next one of the family;
presenting a spent token again means it was stolen or replayed, and the
whole family is revoked. Logging out revokes the family too. Access tokens
of a revoked family stop working at once, in every process serving the same
stores: each check asks the engine whether the session was revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections import OrderedDict
from pathlib import Path

import attrs
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

import mailcore

ACCESS_TTL = 15 * 60
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


class TokenService:
    """Issues, checks, rotates and revokes tokens for the web API.

    Sessions (refresh-token families, spent tokens and revocations) are the
    engine's :attr:`mailcore.Engine.web_sessions`, shared by every process
    serving the same stores; this class only signs and checks access tokens.
    """

    CACHE_SIZE = 4096

    def __init__(self, directory: Path, engine: mailcore.Engine) -> None:
        self._key = load_or_create_key(directory)
        self._sessions = engine.web_sessions
        self._url_key = hashlib.sha256(b"mailcore signed urls\0" + self._key.as_pem(private=True)).digest()
        # verified access tokens -> claims: signature checks cost ~0.3 ms
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()

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
        session_id, refresh = await self._sessions.open(account_id)
        return IssuedTokens(self._access_token(account_id, session_id, time.time()), refresh, ACCESS_TTL, account_id)

    async def refresh(self, token: str) -> IssuedTokens:
        """Spend a refresh token for new tokens; raise :class:`InvalidToken`
        (``reused`` when it had been spent before: its session is revoked)."""
        try:
            spent = await self._sessions.rotate(token)
        except self._sessions.Refused as exc:
            raise InvalidToken(exc.reason) from None
        access = self._access_token(spent.account_id, spent.session_id, time.time())
        return IssuedTokens(access, spent.refresh_token, ACCESS_TTL, spent.account_id)

    async def logout(self, *, refresh_token: str | None = None, session_id: str | None = None) -> bool:
        family = session_id
        if refresh_token is not None:
            family = await self._sessions.session_of(refresh_token)
        if family is None:
            return False
        await self._sessions.revoke(family)
        return True

    async def verify(self, token: str) -> AccessClaims:
        """Check an access token; raise :class:`InvalidToken`.

        The signature is checked once per token and process; whether its
        session was revoked is asked of the engine every time, so a logout in
        any process is seen here at once.
        """
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
        if await self._sessions.is_revoked(claims.session_id):
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
