"""Labels: Gmail's folders, found by name or id and kept by each account's
mailbox actor. The engine's labels part."""

from __future__ import annotations

from mailcore._actors.mailbox import MailboxDirectory
from mailcore.errors import AlreadyExists, LabelNotFound
from mailcore.model import Label, LabelRole
from mailcore.store.meta import (
    CreateLabel,
    DeleteLabel,
    Mutation,
    Outcome,
    RenameLabel,
    UpdateLabel,
)


class Labels:
    """An account's labels: listed, looked up, created, renamed, recoloured and deleted."""

    def __init__(self, mailboxes: MailboxDirectory) -> None:
        self._mailboxes = mailboxes

    async def labels(self, account_id: int) -> list[Label]:
        return list(await self._mailboxes.labels(account_id))

    async def label(self, account_id: int, name_or_id: str | int) -> Label:
        labels = await self._mailboxes.labels(account_id)
        if isinstance(name_or_id, int):
            for label in labels:
                if label.id == name_or_id:
                    return label
            raise LabelNotFound("no such label")
        name = name_or_id.strip()
        if name.upper() == "INBOX":
            name = "INBOX"
        for label in labels:
            if label.name == name:
                return label
        for label in labels:
            if label.name.casefold() == name.casefold():
                return label
        raise LabelNotFound(f"no such label: {name_or_id}")

    async def role_label(self, account_id: int, role: LabelRole) -> Label:
        for label in await self._mailboxes.labels(account_id):
            if label.role is role:
                return label
        raise LabelNotFound(f"account has no {role.value} label")

    async def create_label(self, account_id: int, name: str, *, color: str | None = None) -> Label:
        outcome = await self._apply_one(account_id, CreateLabel(name, None, color))
        assert outcome.label is not None
        return outcome.label

    async def ensure_label(self, account_id: int, name: str) -> Label:
        try:
            return await self.label(account_id, name)
        except LabelNotFound:
            try:
                return await self.create_label(account_id, name)
            except AlreadyExists:
                return await self.label(account_id, name)

    async def rename_label(self, account_id: int, label: str | int, new_name: str) -> Label:
        target = await self.label(account_id, label)
        await self._apply_one(account_id, RenameLabel(target.id, new_name))
        return await self.label(account_id, target.id)

    async def update_label(
        self,
        account_id: int,
        label: str | int,
        *,
        color: str | None = None,
        clear_color: bool = False,
        subscribed: bool | None = None,
    ) -> Label:
        target = await self.label(account_id, label)
        await self._apply_one(account_id, UpdateLabel(target.id, color, clear_color, subscribed))
        return await self.label(account_id, target.id)

    async def delete_label(self, account_id: int, label: str | int) -> None:
        target = await self.label(account_id, label)
        await self._apply_one(account_id, DeleteLabel(target.id))

    async def _apply_one(self, account_id: int, mutation: Mutation) -> Outcome:
        return (await self._mailboxes.apply(account_id, [mutation]))[0]
