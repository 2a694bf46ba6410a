"""An account's messages and conversations: read by label, UID, thread or
change, flagged, labelled, copied, moved and deleted, with Gmail's rules for
how flags and labels go together. The engine's messages part."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from mailcore import rules
from mailcore._actors.mailbox import MailboxDirectory
from mailcore._labels import Labels
from mailcore._records import _check_flags
from mailcore.errors import InvalidArgument, MessageNotFound, NotFound, ThreadNotFound
from mailcore.message import fetch_section, part_content
from mailcore.model import (
    Changes,
    Contact,
    CopyResult,
    FlagResult,
    Label,
    LabelRole,
    MessageMeta,
    Thread,
    ThreadPage,
)
from mailcore.store.base import BlobStore
from mailcore.store.meta import ChangeLabels, DeleteMessages, MetaStore, Mutation, Outcome, SetFlags


class Messages:
    """Reading and changing an account's messages; every id is checked to be the account's."""

    def __init__(self, meta: MetaStore, blobs: BlobStore, mailboxes: MailboxDirectory, labels: Labels) -> None:
        self._meta = meta
        self._blobs = blobs
        self._mailboxes = mailboxes
        self._labels = labels

    # ------------------------------------------------ people and figures

    async def contacts(self, account_id: int, prefix: str = "", *, limit: int = 10) -> list[Contact]:
        """Correspondents for autocomplete, ranked by frequency and recency."""
        if not 1 <= limit <= 100:
            raise InvalidArgument("limit must be between 1 and 100")
        rows = await self._meta.contacts(account_id, prefix)
        return [Contact(name, address, score) for name, address, score in rules.rank_contacts(rows, time.time(), limit)]

    async def insights(self, account_id: int, *, days: int = 90) -> dict[str, object]:
        """Mail received and sent per day, top correspondents, storage by label,
        and the largest conversations."""
        stats = await self._meta.message_stats(account_id)
        largest = [thread_id for thread_id, _, _ in rules.largest_threads(stats)]
        subjects = {s.id: s.subject for s in await self._meta.thread_summaries(account_id, largest)}
        return rules.insights(
            stats,
            await self._meta.labels(account_id),
            await self._meta.contacts(account_id, ""),
            subjects,
            time.time() - days * 86400,
        )

    async def attachment(self, account_id: int, message_id: int, section: str) -> tuple[bytes, str, str | None]:
        """A MIME part decoded for download: (bytes, content type, file name)."""
        raw = await self.message_bytes(account_id, message_id)
        found = part_content(raw, section)
        if found is None:
            raise NotFound(f"message has no part {section}")
        return found

    async def changed_since(self, account_id: int, modseq: int, *, limit: int = 1000) -> list[tuple[int, int]]:
        """(message id, modseq) of the account's messages changed after ``modseq``."""
        return await self._meta.account_changes(account_id, modseq, limit)

    # ---------------------------------------------------------- reading

    async def label_uids(self, account_id: int, label: str | int) -> list[tuple[int, int]]:
        """(UID, message id) of every message in a label, by UID."""
        target = await self._labels.label(account_id, label)
        return await self._meta.label_uids(account_id, target.id)

    async def fetch(
        self, account_id: int, label: str | int, uid_min: int = 1, uid_max: int | None = None
    ) -> list[MessageMeta]:
        """Everything IMAP FETCH needs except the bytes, for a UID range of a label."""
        target = await self._labels.label(account_id, label)
        actor = await self._mailboxes.actor(account_id)
        return await actor.fetch_label(target.id, uid_min, uid_max)

    async def messages(self, account_id: int, message_ids: Sequence[int]) -> list[MessageMeta]:
        """The account's messages among ``message_ids`` (others are silently absent)."""
        return await self._meta.fetch_messages(account_id, message_ids)

    async def message(self, account_id: int, message_id: int) -> MessageMeta:
        found = await self._meta.fetch_messages(account_id, [message_id])
        if not found:
            raise MessageNotFound("no such message")
        return found[0]

    async def message_bytes(
        self, account_id: int, message_id: int, byte_range: tuple[int, int] | None = None
    ) -> bytes:
        meta = await self.message(account_id, message_id)
        return await self._blobs.get(meta.blob_ref, byte_range)

    async def read_blob(self, meta: MessageMeta, byte_range: tuple[int, int] | None = None) -> bytes:
        """The bytes of a message already read through this account's calls."""
        return await self._blobs.get(meta.blob_ref, byte_range)

    async def message_section(self, account_id: int, message_id: int, section: str) -> bytes | None:
        """IMAP ``BODY[section]`` of a message: exact bytes, or None if no such part."""
        raw = await self.message_bytes(account_id, message_id)
        return fetch_section(raw, section)

    async def changes_since(self, account_id: int, label: str | int, modseq: int) -> Changes:
        target = await self._labels.label(account_id, label)
        return await self._meta.changes_since(account_id, target.id, modseq)

    async def highest_modseq(self, account_id: int) -> int:
        return await self._meta.highest_modseq(account_id)

    async def threads(
        self, account_id: int, label: str | int | None = "INBOX", *, cursor: str | None = None, limit: int = 50
    ) -> ThreadPage:
        """A label's conversations, newest first (``label=None``: every one)."""
        if not 1 <= limit <= 500:
            raise InvalidArgument("limit must be between 1 and 500")
        label_id = (await self._labels.label(account_id, label)).id if label is not None else None
        return await self._meta.threads(account_id, label_id, cursor, limit)

    async def thread(self, account_id: int, thread_id: int) -> Thread:
        found = await self._meta.thread(account_id, thread_id)
        if found is None:
            raise ThreadNotFound("no such thread")
        return found

    # ---------------------------------------------------------- changes

    async def store_flags(
        self,
        account_id: int,
        message_ids: Sequence[int],
        *,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        replace: Iterable[str] | None = None,
        unchanged_since: int | None = None,
        report: bool = True,
    ) -> FlagResult:
        """Set and clear flags; ``\\Flagged`` and the Starred label move together.

        ``report=False`` leaves ``FlagResult.changed`` empty, for a caller that
        does not show the new flags (an IMAP ``STORE .SILENT``): over a large
        range, reading them back costs more than the change itself.
        """
        add_set = _check_flags(add)
        remove_set = _check_flags(remove)
        replace_set = _check_flags(replace) if replace is not None else None
        roles = await self._roles(account_id)
        ids = tuple(message_ids)
        follow = rules.star_change(roles, add_set, remove_set, replace_set)
        star = ChangeLabels(ids, *follow) if follow is not None else None
        flags = SetFlags(ids, add_set, remove_set, replace_set, unchanged_since)
        if star is not None and unchanged_since is not None:
            # the star follows only the messages whose flags the condition let change
            outcomes = await self._apply(account_id, [flags])
            flag_outcome = outcomes[0]
            survivors = tuple(i for i in ids if i not in set(flag_outcome.modified))
            if survivors:
                outcomes += await self._apply(account_id, [ChangeLabels(survivors, star.add, star.remove)])
        else:
            outcomes = await self._apply(account_id, [flags] if star is None else [flags, star])
            flag_outcome = outcomes[0]
        changed = await self._meta.fetch_messages(account_id, flag_outcome.message_ids) if report else []
        return FlagResult(
            flag_outcome.modseq,
            changed,
            list(flag_outcome.modified),
            changed_ids=list(flag_outcome.message_ids),
            last_modseq=max(o.modseq for o in outcomes),
        )

    async def modify_labels(
        self,
        account_id: int,
        message_ids: Sequence[int],
        *,
        add: Iterable[str | int] = (),
        remove: Iterable[str | int] = (),
    ) -> Outcome:
        """Add and remove labels, keeping Gmail's rules (Starred is ``\\Flagged``,
        Trash and Spam leave All Mail and Inbox, leaving them returns to All Mail)."""
        roles = await self._roles(account_id)
        change = rules.label_change(
            roles,
            {(await self._labels.label(account_id, x)).id for x in add},
            {(await self._labels.label(account_id, x)).id for x in remove},
        )
        ids = tuple(message_ids)
        mutations: list[Mutation] = [ChangeLabels(ids, change.add, change.remove)]
        if change.add_flags or change.remove_flags:
            mutations.append(SetFlags(ids, add=change.add_flags, remove=change.remove_flags))
        return (await self._apply(account_id, mutations))[0]

    async def copy(self, account_id: int, message_ids: Sequence[int], to_label: str | int) -> CopyResult:
        """IMAP COPY: the messages gain the label (Gmail stores each message once)."""
        target = await self._labels.label(account_id, to_label)
        outcome = await self.modify_labels(account_id, message_ids, add=[target.id])
        return await self._copy_result(account_id, target, message_ids, outcome)

    async def move(
        self, account_id: int, message_ids: Sequence[int], from_label: str | int, to_label: str | int
    ) -> CopyResult:
        """IMAP MOVE: gain the destination label, lose the source one (All Mail
        is never lost this way; moving to Trash or Spam leaves All Mail)."""
        source = await self._labels.label(account_id, from_label)
        target = await self._labels.label(account_id, to_label)
        remove: list[str | int] = []
        if source.id != target.id and source.role not in (LabelRole.ALL,):
            remove.append(source.id)
        outcome = await self.modify_labels(account_id, message_ids, add=[target.id], remove=remove)
        return await self._copy_result(account_id, target, message_ids, outcome)

    async def _copy_result(
        self, account_id: int, target: Label, message_ids: Sequence[int], outcome: Outcome
    ) -> CopyResult:
        uids = {mid: uid for (mid, lid), uid in outcome.uids.items() if lid == target.id}
        missing = [m for m in message_ids if m not in uids]
        if missing:
            existing = {mid: uid for uid, mid in await self._meta.label_uids(account_id, target.id)}
            for m in missing:
                if m in existing:
                    uids[m] = existing[m]
        return CopyResult(target.id, target.uidvalidity, uids)

    async def expunge(self, account_id: int, label: str | int, message_ids: Sequence[int]) -> Outcome:
        """IMAP EXPUNGE in a label: messages leave that label; expunged from
        All Mail, Trash or Spam they are deleted for good."""
        target = await self._labels.label(account_id, label)
        ids = tuple(message_ids)
        if rules.expunge_deletes(target.role):
            return await self.delete_messages(account_id, ids)
        mutations: list[Mutation] = [
            ChangeLabels(ids, remove=frozenset({target.id})),
            SetFlags(ids, remove=rules.expunge_flags(target.role)),
        ]
        return (await self._apply(account_id, mutations))[0]

    async def delete_messages(self, account_id: int, message_ids: Sequence[int]) -> Outcome:
        """Delete messages for good, from every label."""
        return await self._apply_one(account_id, DeleteMessages(tuple(message_ids)))

    async def _roles(self, account_id: int) -> dict[LabelRole, int]:
        return await self._mailboxes.roles(account_id)

    async def _apply(self, account_id: int, mutations: list[Mutation]) -> list[Outcome]:
        return await self._mailboxes.apply(account_id, mutations)

    async def _apply_one(self, account_id: int, mutation: Mutation) -> Outcome:
        return (await self._apply(account_id, [mutation]))[0]
