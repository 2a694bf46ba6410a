"""Who may send what to whom: the policy of each role, over the engine's API.

* ``MXPolicy`` (role ``smtp``, port 25): anyone may send, but only to local
  recipients. Whatever the address trick, nothing is ever relayed. AUTH is
  not offered there: mail users submit on 587/465, and an MX that accepts
  AUTH is a password-guessing target for the whole internet.
* ``SubmissionPolicy`` (roles ``submission``, ``submissions``): TLS, then
  AUTH, then MAIL. The envelope sender and the From header must be the
  account's own addresses; local recipients are delivered at once and
  remote ones queued, with the DSN parameters, by ``engine.submit``.

Each decision returns ``None`` to accept or the refusal ``Reply``; engine
errors become replies only in ``reply_for``.
"""

from __future__ import annotations

from typing import Any

import attrs

import mailcore
from mailcore.protocol.smtp import AuthAttempt, MailFrom, MessageComplete, Path, RcptTo, Reply

from ._replies import (
    ADDRESS_FORM_REFUSED,
    AUTHZID_REFUSED,
    FROM_HEADER_REFUSED,
    NULL_SENDER_REFUSED,
    RELAY_DENIED,
    USER_UNKNOWN,
    Stage,
    reply_for,
)
from ._trace import Trace


def mailbox(path: Path) -> str:
    """``local@domain`` as the engine wants it: the domain in A-labels."""
    if not path.domain or path.domain.isascii():
        return path.address
    return f"{path.address.rpartition('@')[0]}@{path.domain_ascii}"


@attrs.define
class Submitter:
    """The authenticated account of a submission session."""

    account: mailcore.Account


class MXPolicy:
    """Inbound mail for local recipients only."""

    offers_auth = False
    require_auth_for_mail = False

    def __init__(self, engine: mailcore.Engine) -> None:
        self.engine = engine

    async def authenticate(self, event: AuthAttempt, peer_ip: str) -> Submitter | Reply:
        raise AssertionError("AUTH is not offered on the MX role")

    async def mail(self, event: MailFrom, submitter: Submitter | None) -> Reply | None:
        return None

    async def rcpt(self, event: RcptTo, submitter: Submitter | None) -> Reply | None:
        path = event.path
        if path.relay_trick:
            return RELAY_DENIED
        try:
            if not path.domain:  # <postmaster> (RFC 5321 section 4.5.1)
                return None if await self._postmaster() else USER_UNKNOWN
            if not await self.engine.is_local_domain(path.domain_ascii):
                return RELAY_DENIED
            if await self.engine.resolve_recipient(mailbox(path)) is None:
                return USER_UNKNOWN
        except Exception as exc:
            return reply_for(exc, Stage.RCPT)
        return None

    async def _postmaster(self) -> str | None:
        for domain in await self.engine.list_domains():
            account = await self.engine.resolve_recipient(f"postmaster@{domain}")
            if account is not None:
                return account.address
        return None

    async def message(
        self, event: MessageComplete, submitter: Submitter | None, trace: Trace
    ) -> Reply | None:
        recipients: list[str] = []
        for rcpt in event.recipients:
            address = mailbox(rcpt.path) if rcpt.path.domain else await self._postmaster()
            if address is not None:
                recipients.append(address)
        sender = event.mail_from.path
        return_path = f"Return-Path: <{mailbox(sender) if sender else ''}>\r\n".encode()
        raw = return_path + trace.received(tuple(recipients)) + event.data
        await self.engine.deliver(raw, list(dict.fromkeys(recipients)))
        return None


class SubmissionPolicy:
    """Authenticated submission: the account's own addresses only."""

    offers_auth = True
    require_auth_for_mail = True

    def __init__(self, engine: mailcore.Engine) -> None:
        self.engine = engine

    async def authenticate(self, event: AuthAttempt, peer_ip: str) -> Submitter | Reply:
        if event.authzid and event.authzid.lower() != event.username.lower():
            return AUTHZID_REFUSED
        try:
            account = await self.engine.authenticate(event.username, event.password, remote=peer_ip)
        except Exception as exc:
            return reply_for(exc, Stage.AUTH)
        return Submitter(account)

    async def mail(self, event: MailFrom, submitter: Submitter | None) -> Reply | None:
        assert submitter is not None  # the protocol asks for AUTH first
        if event.path is None:
            return NULL_SENDER_REFUSED
        if event.path.relay_trick:
            return ADDRESS_FORM_REFUSED
        try:
            await self.engine.check_sender(submitter.account.id, mailbox(event.path))
        except Exception as exc:
            return reply_for(exc, Stage.MAIL)
        return None

    async def rcpt(self, event: RcptTo, submitter: Submitter | None) -> Reply | None:
        path = event.path
        if path.relay_trick or not path.domain:
            return ADDRESS_FORM_REFUSED
        try:
            if await self.engine.is_local_domain(path.domain_ascii):
                if await self.engine.resolve_recipient(mailbox(path)) is None:
                    return USER_UNKNOWN
        except Exception as exc:
            return reply_for(exc, Stage.RCPT)
        return None

    async def message(
        self, event: MessageComplete, submitter: Submitter | None, trace: Trace
    ) -> Reply | None:
        assert submitter is not None and event.mail_from.path is not None
        account_id = submitter.account.id
        try:
            # the parser that stores the message decides who it is from
            await self.engine.check_message_senders(account_id, event.data)
        except mailcore.SenderNotAllowed:
            return FROM_HEADER_REFUSED
        recipients = tuple(dict.fromkeys(mailbox(r.path) for r in event.recipients))
        await self.engine.submit(
            account_id,
            trace.received(recipients) + event.data,
            mail_from=mailbox(event.mail_from.path),
            recipients=list(recipients),
            dsn=dsn_parameters(event),
        )
        return None


def dsn_parameters(event: MessageComplete) -> dict[str, Any]:
    """RFC 3461 parameters in a JSON-able form, for the outbound queue."""
    params = event.mail_from.params
    recipients: dict[str, Any] = {}
    for rcpt in event.recipients:
        notify = rcpt.params.notify
        orcpt = rcpt.params.orcpt
        if notify is None and orcpt is None:
            continue
        recipients[mailbox(rcpt.path)] = {
            "notify": sorted(n.value for n in notify) if notify is not None else None,
            "orcpt": f"{orcpt.addr_type};{orcpt.address}" if orcpt is not None else None,
        }
    return {
        "ret": params.ret.value if params.ret is not None else None,
        "envid": params.envid,
        "recipients": recipients,
    }
