"""Sending for an account: submission, the outbound queue, scheduled and
undoable sends, and drafts. The engine's sending part."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import trio

from mailcore._accounts import Accounts
from mailcore._blobs import BlobKeeper
from mailcore._config import Limits
from mailcore._delivery import Delivery
from mailcore._labels import Labels
from mailcore._messages import Messages
from mailcore._records import normalize_address
from mailcore.errors import (
    AccountNotFound,
    InvalidArgument,
    InvalidName,
    SenderNotAllowed,
    Unavailable,
)
from mailcore.message import parse_message
from mailcore.model import (
    AppendResult,
    LabelRole,
    OutboundMessage,
    ScheduledMessage,
    SubmitResult,
)
from mailcore.store.base import BlobStore, Queue
from mailcore.store.meta import MetaStore

log = logging.getLogger("mailcore.sending")


class Sending:
    """Submission, scheduling and drafts for an account."""

    def __init__(
        self,
        limits: Limits,
        meta: MetaStore,
        queue: Queue,
        blobs: BlobStore,
        keeper: BlobKeeper,
        accounts: Accounts,
        delivery: Delivery,
        labels: Labels,
        messages: Messages,
    ) -> None:
        self._limits = limits
        self._meta = meta
        self._queue = queue
        self._blobs = blobs
        self._keeper = keeper
        self._accounts = accounts
        self._delivery = delivery
        self._labels = labels
        self._messages = messages

    # ------------------------------------------------------- submission

    async def sender_addresses(self, account_id: int) -> list[str]:
        """The addresses an account may send as: its own and its aliases."""
        account = await self._accounts.get_account_by_id(account_id)
        aliases = [a for a, _ in await self._meta.list_aliases(account_id)]
        return [account.address, *aliases]

    async def check_sender(self, account_id: int, address: str) -> None:
        """Raise :class:`SenderNotAllowed` unless ``address`` is the account's own.

        Plus addresses (``ann+tag@``) of an own address are the account's too.
        """
        try:
            normalized = normalize_address(address)
        except InvalidName as exc:
            raise SenderNotAllowed(address) from exc
        own = {normalize_address(a) for a in await self.sender_addresses(account_id)}
        local, _, domain = normalized.rpartition("@")
        if normalized in own or f"{local.split('+', 1)[0]}@{domain}" in own:
            return
        raise SenderNotAllowed(address)

    async def check_message_senders(self, account_id: int, raw: bytes) -> None:
        """Refuse a message whose From or Sender names anyone but the account.

        The message is read with the same parser that stores it, so what is
        checked is exactly what recipients will see; a message with several
        From fields (which readers resolve differently) is refused outright.
        """
        parsed = parse_message(raw)
        from_fields = [value for name, value in parsed.headers if name.strip().lower() == "from"]
        if not from_fields or not parsed.from_:
            raise SenderNotAllowed("(no From header)")
        if len(from_fields) > 1:
            raise SenderNotAllowed("(several From headers)")
        for address in dict.fromkeys(a.addr for a in (*parsed.from_, *parsed.sender)):
            await self.check_sender(account_id, address)

    async def submit(
        self,
        account_id: int,
        raw: bytes,
        *,
        mail_from: str,
        recipients: Sequence[str],
        dsn: dict[str, object] | None = None,
        keep_sent_copy: bool = True,
        sent_copy: bytes | None = None,
    ) -> SubmitResult:
        """Send a message for an authenticated account (SMTP submission, web API).

        Local recipients get it at once; remote ones go into the durable
        outbound queue (one job per recipient domain, with the DSN
        parameters kept); the sender keeps a copy labelled Sent. Returns once
        all of that is committed. ``sent_copy``, when given, is what Sent keeps
        instead of ``raw`` (for example with the Bcc header recipients never see).
        """
        if not recipients:
            raise InvalidArgument("no recipients")
        if len(raw) > self._limits.max_message_size:
            from mailcore.errors import MessageTooLarge

            raise MessageTooLarge("message too large")
        await self.check_message_senders(account_id, raw)
        local: list[str] = []
        remote: dict[str, list[str]] = {}
        for rcpt in dict.fromkeys(recipients):
            if await self._accounts.resolve_recipient(rcpt) is not None:
                local.append(rcpt)
            else:
                domain = rcpt.rpartition("@")[2].lower()
                if not domain:
                    raise InvalidName(f"{rcpt!r} is not an email address")
                remote.setdefault(domain, []).append(rcpt)
        delivered: dict[str, int] = {}
        if local:
            delivered = (await self._delivery.deliver(raw, local)).message_ids
        job_ids: list[str] = []
        sent_id: int | None = None
        async with self._keeper.in_flight(raw) as ref:
            for domain, rcpts in remote.items():
                job_ids.append(
                    await self._queue.enqueue(
                        "outbound",
                        {
                            "account_id": account_id,
                            "mail_from": mail_from,
                            "recipients": rcpts,
                            "domain": domain,
                            "blob_ref": ref,
                            "dsn": dsn or {},
                        },
                    )
                )
            if keep_sent_copy:
                sent = await self._delivery.append(account_id, (await self._labels.role_label(account_id, LabelRole.SENT)).id,
                                         sent_copy if sent_copy is not None else raw, flags=["\\Seen"])
                sent_id = sent.message_id
        return SubmitResult(ref, delivered, tuple(r for rs in remote.values() for r in rs), tuple(job_ids), sent_id)

    async def outbound(self, account_id: int | None = None) -> list[OutboundMessage]:
        """Messages waiting for remote delivery (all, or one account's)."""
        out = []
        for job in await self._queue.list(kind="outbound"):
            p = job.payload
            if account_id is not None and p.get("account_id") != account_id:
                continue
            out.append(
                OutboundMessage(
                    job_id=job.id,
                    account_id=int(p["account_id"]),
                    mail_from=str(p["mail_from"]),
                    recipients=tuple(p["recipients"]),
                    blob_ref=str(p["blob_ref"]),
                    state=job.state,
                    attempts=job.attempts,
                    not_before=job.not_before,
                    last_error=job.last_error,
                    dsn=dict(p.get("dsn") or {}),
                )
            )
        return out

    async def schedule_submission(
        self,
        account_id: int,
        raw: bytes,
        *,
        mail_from: str,
        recipients: Sequence[str],
        send_at: float,
        sent_copy: bytes | None = None,
    ) -> str:
        """Submit later: at ``send_at`` (scheduled send), or after the undo window.

        The message is durable once this returns; :meth:`cancel_submission`
        takes it back until the moment it goes.
        """
        if not recipients:
            raise InvalidArgument("no recipients")
        await self.check_sender(account_id, mail_from)
        await self.check_message_senders(account_id, raw)
        parsed = parse_message(raw)
        async with self._keeper.in_flight(raw) as ref:
            payload: dict[str, Any] = {
                "account_id": account_id,
                "mail_from": mail_from,
                "recipients": list(recipients),
                "blob_ref": ref,
                "subject": parsed.subject,
            }
            if sent_copy is not None:
                async with self._keeper.in_flight(sent_copy) as sent_ref:
                    payload["sent_ref"] = sent_ref
                    return await self._queue.enqueue("send", payload, not_before=send_at)
            return await self._queue.enqueue("send", payload, not_before=send_at)

    async def scheduled(self, account_id: int) -> list[ScheduledMessage]:
        """The account's messages waiting to be sent, soonest first."""
        out = []
        for job in await self._queue.list(kind="send"):
            p = job.payload
            if p.get("account_id") != account_id or job.state == "dead":
                continue
            out.append(
                ScheduledMessage(
                    job_id=job.id,
                    account_id=account_id,
                    mail_from=str(p["mail_from"]),
                    recipients=tuple(p["recipients"]),
                    send_at=job.not_before,
                    state=job.state,
                    subject=str(p.get("subject", "")),
                )
            )
        return sorted(out, key=lambda m: m.send_at)

    async def cancel_submission(self, account_id: int, job_id: str) -> bool:
        """Take back a scheduled message; False when it is gone or already going."""
        job = await self._queue.get(job_id)
        if job is None or job.kind != "send" or job.payload.get("account_id") != account_id:
            return False
        return await self._queue.cancel(job_id)

    #: how often the sender looks for due scheduled messages (seconds)
    SEND_POLL = 0.25

    async def send_scheduled(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Submit scheduled messages when they fall due."""
        task_status.started()
        queue = self._queue
        while True:
            for job in await queue.lease("send", 16, ttl=120.0):
                p = job.payload
                try:
                    raw = await self._blobs.get(str(p["blob_ref"]))
                    copy = await self._blobs.get(str(p["sent_ref"])) if p.get("sent_ref") else None
                    await self.submit(
                        int(p["account_id"]),
                        raw,
                        mail_from=str(p["mail_from"]),
                        recipients=list(p["recipients"]),
                        sent_copy=copy,
                    )
                except (AccountNotFound, InvalidArgument, InvalidName) as exc:
                    await queue.dead_letter(job.id, str(exc))
                except Unavailable as exc:  # an outage is not the message's fault
                    log.warning("scheduled message %s waits for the store: %s", job.id, exc)
                    await queue.retry(job.id, time.time() + self.SEND_POLL * 40, str(exc))
                except Exception as exc:
                    if job.attempts >= 5:
                        await queue.dead_letter(job.id, str(exc))
                    else:
                        await queue.retry(job.id, time.time() + 30 * 2**job.attempts, str(exc))
                else:
                    await queue.ack(job.id)
            await trio.sleep(self.SEND_POLL)

    # ----------------------------------------------------------- drafts

    async def save_draft(self, account_id: int, raw: bytes, *, replaces: int | None = None) -> AppendResult:
        """Store a draft (in Drafts, ``\\Draft \\Seen``), replacing an older version."""
        drafts = await self._labels.role_label(account_id, LabelRole.DRAFTS)
        if replaces is not None:
            old = await self._messages.message(account_id, replaces)
            if drafts.id not in old.label_ids:
                raise InvalidArgument("the message to replace is not a draft")
        result = await self._delivery.append(account_id, drafts.id, raw, flags=["\\Draft", "\\Seen"])
        if replaces is not None:
            await self._messages.delete_messages(account_id, [replaces])
        return result

    async def delete_draft(self, account_id: int, message_id: int) -> None:
        drafts = await self._labels.role_label(account_id, LabelRole.DRAFTS)
        meta = await self._messages.message(account_id, message_id)
        if drafts.id not in meta.label_ids:
            raise InvalidArgument("the message is not a draft")
        await self._messages.delete_messages(account_id, [message_id])
