"""The account itself: profile and settings, contacts, insights."""

from __future__ import annotations

from ._routing import Context, api
from ._schemas import (
    ContactListOut,
    ContactOut,
    ContactsQuery,
    InsightsOut,
    InsightsQuery,
    MeOut,
    MePatch,
)

DEFAULT_UNDO_SECONDS = 5


def undo_seconds(settings: dict[str, object]) -> int:
    value = settings.get("undo_send_seconds", DEFAULT_UNDO_SECONDS)
    return value if isinstance(value, int) and not isinstance(value, bool) else DEFAULT_UNDO_SECONDS


async def _me(ctx: Context) -> MeOut:
    account = await ctx.engine.get_account_by_id(ctx.account_id)
    signature = account.settings.get("signature", "")
    return MeOut(
        id=str(account.id),
        address=account.address,
        display_name=account.display_name,
        signature=signature if isinstance(signature, str) else "",
        undo_send_seconds=undo_seconds(account.settings),
        send_as=await ctx.engine.sender_addresses(ctx.account_id),
    )


@api.operation("GET", "/me", summary="The account", tag="account", response=MeOut)
async def get_me(ctx: Context) -> MeOut:
    return await _me(ctx)


@api.operation("PATCH", "/me", summary="Change settings", tag="account", body=MePatch, response=MeOut)
async def patch_me(ctx: Context, body: MePatch) -> MeOut:
    """Display name, signature and undo-send seconds (0 sends at once)."""
    settings: dict[str, object] = {}
    if body.signature is not None:
        settings["signature"] = body.signature
    if body.undo_send_seconds is not None:
        settings["undo_send_seconds"] = body.undo_send_seconds
    await ctx.engine.update_account(ctx.account_id, display_name=body.display_name, settings=settings or None)
    return await _me(ctx)


@api.operation("GET", "/contacts", summary="Autocomplete addresses", tag="account", query=ContactsQuery,
               response=ContactListOut)
async def contacts(ctx: Context, query: ContactsQuery) -> ContactListOut:
    """People the account has corresponded with whose name or address starts
    with ``q``, best first (by frequency and recency)."""
    found = await ctx.engine.contacts(ctx.account_id, query.q.strip(), limit=query.limit)
    return ContactListOut([ContactOut(c.name, c.address, round(c.score, 6)) for c in found])


@api.operation("GET", "/insights", summary="Mail figures", tag="account", query=InsightsQuery,
               response=InsightsOut)
async def insights(ctx: Context, query: InsightsQuery) -> InsightsOut:
    """Mail received and sent per day, top correspondents, storage by label and
    the largest conversations, over the last ``days`` days."""
    return InsightsOut(await ctx.engine.insights(ctx.account_id, days=query.days))
