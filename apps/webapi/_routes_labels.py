"""Labels: list with counts, create, rename, recolor, delete."""

from __future__ import annotations

import mailcore

from ._present import label_out
from ._problems import FieldError, Problem, from_mailcore, invalid
from ._routing import Context, api
from ._schemas import LabelIn, LabelListOut, LabelOut, LabelPatch


async def resolve_label(ctx: Context, ref: str, field: str) -> mailcore.Label:
    """A label by id or by name; an unknown one is a problem naming ``field``."""
    try:
        if ref.isdigit() and len(ref) <= 18:
            try:
                return await ctx.engine.label(ctx.account_id, int(ref))
            except mailcore.LabelNotFound:
                pass
        return await ctx.engine.label(ctx.account_id, ref)
    except mailcore.LabelNotFound:
        raise invalid(field, "no such label") from None


@api.operation("GET", "/labels", summary="List labels", tag="labels", response=LabelListOut)
async def list_labels(ctx: Context) -> LabelListOut:
    """Every label with its total and unread counts and color. System labels
    have a ``role``; user labels nest with ``/``."""
    return LabelListOut([label_out(lb) for lb in await ctx.engine.labels(ctx.account_id)])


@api.operation("POST", "/labels", summary="Create a label", tag="labels", body=LabelIn, response=LabelOut,
               status=201, errors=(409,))
async def create_label(ctx: Context, body: LabelIn) -> LabelOut:
    try:
        label = await ctx.engine.create_label(ctx.account_id, body.name.strip(), color=body.color)
    except mailcore.InvalidName as exc:
        raise invalid("name", str(exc)) from None
    return label_out(label)


async def _own_label(ctx: Context) -> mailcore.Label:
    return await ctx.engine.label(ctx.account_id, ctx.id("label_id"))


@api.operation("PATCH", "/labels/{label_id}", summary="Rename or recolor a label", tag="labels",
               body=LabelPatch, response=LabelOut, errors=(403, 409))
async def patch_label(ctx: Context, body: LabelPatch) -> LabelOut:
    label = await _own_label(ctx)
    if body.name is not None and body.name.strip() != label.name:
        try:
            label = await ctx.engine.rename_label(ctx.account_id, label.id, body.name.strip())
        except mailcore.InvalidName as exc:
            raise invalid("name", str(exc)) from None
        except mailcore.PermissionDenied as exc:
            raise Problem("forbidden", str(exc) or "System labels cannot be renamed",
                          errors=[FieldError("name", "system labels cannot be renamed")]) from None
    if "color" in ctx.body_keys:
        try:
            label = await ctx.engine.update_label(
                ctx.account_id, label.id, color=body.color, clear_color=body.color is None
            )
        except mailcore.MailcoreError as exc:
            raise from_mailcore(exc, field="color") from None
    return label_out(label)


@api.operation("DELETE", "/labels/{label_id}", summary="Delete a label", tag="labels", status=204, errors=(403,))
async def delete_label(ctx: Context) -> None:
    """The messages stay; they lose the label. System labels cannot be deleted."""
    label = await _own_label(ctx)
    await ctx.engine.delete_label(ctx.account_id, label.id)
