"""Login, token refresh and logout."""

from __future__ import annotations

import logging

from quart import request

import mailcore

from ._auth import InvalidToken
from ._problems import Problem, from_mailcore
from ._routing import Context, api, bearer
from ._schemas import LoginIn, LogoutIn, RefreshIn, TokensOut

log = logging.getLogger("mailcore.webapi.auth")


@api.operation(
    "POST", "/auth/login", summary="Log in", tag="auth", body=LoginIn, response=TokensOut, auth=False, errors=(429,)
)
async def login(ctx: Context, body: LoginIn) -> TokensOut:
    """Exchange a username and password for an access token (15 minutes) and a
    refresh token. Failed attempts are throttled per client address and per
    account: answers slow down, then 429 with Retry-After."""
    try:
        account = await ctx.engine.authenticate(body.username, body.password, remote=request.remote_addr)
    except mailcore.AuthenticationFailed as exc:
        log.info("failed login from %s", request.remote_addr)
        raise from_mailcore(exc) from None
    issued = await ctx.tokens.login(account.id)
    return TokensOut(issued.access_token, issued.refresh_token, issued.expires_in)


@api.operation(
    "POST", "/auth/refresh", summary="Refresh tokens", tag="auth", body=RefreshIn, response=TokensOut, auth=False
)
async def refresh(ctx: Context, body: RefreshIn) -> TokensOut:
    """Spend a refresh token for a new access token and a new refresh token.
    A refresh token works once: presenting a spent one revokes the session."""
    try:
        issued = await ctx.tokens.refresh(body.refresh_token)
    except InvalidToken as exc:
        if str(exc) == "reused":
            log.warning("a spent refresh token was presented again; its session is revoked")
        raise Problem("invalid-token") from None
    try:
        await ctx.engine.get_account_by_id(issued.account_id)
    except mailcore.AccountNotFound:  # the account was deleted since
        await ctx.tokens.logout(refresh_token=issued.refresh_token)
        raise Problem("invalid-token") from None
    return TokensOut(issued.access_token, issued.refresh_token, issued.expires_in)


@api.operation("POST", "/auth/logout", summary="Log out", tag="auth", body=LogoutIn, status=204, auth=False)
async def logout(ctx: Context, body: LogoutIn) -> None:
    """Revoke a session: the one of ``refresh_token``, else the one of the
    access token in the Authorization header. Its access tokens stop working."""
    if body.refresh_token is not None:
        await ctx.tokens.logout(refresh_token=body.refresh_token)
        return
    _, session = await bearer(ctx.tokens)
    await ctx.tokens.logout(session_id=session)
