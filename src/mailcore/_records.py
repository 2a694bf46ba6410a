"""How the engine turns a parsed message into what it stores and indexes.

Pure functions and small values, shared by delivery, append, import and the
indexer: no I/O here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from mailcore.errors import InvalidArgument, InvalidName
from mailcore.message import ParsedMessage, parse_message
from mailcore.model import AttachmentInfo, EmailAddress, MessageMeta
from mailcore.store.base import SearchDoc
from mailcore.store.meta import MessageRecord

SYSTEM_FLAGS = frozenset({"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"})
_REPLY_PREFIXES = ("re:", "re :", "fw:", "fwd:", "aw:", "sv:", "antw:")


@attrs.frozen
class ImportItem:
    """One message to import, with the labels (by name) and flags it carries."""

    raw: bytes
    labels: tuple[str, ...] = ("INBOX",)
    flags: frozenset[str] = frozenset()
    internal_date: float | None = None


@attrs.frozen
class SearchResult:
    messages: list[MessageMeta]
    next_cursor: str | None


def normalize_address(address: str) -> str:
    """Lowercase the domain; keep the local part as given (RFC 5321) but
    compare case-insensitively by lowercasing it too, as every major provider does."""
    address = address.strip().strip("<>").strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise InvalidName(f"{address!r} is not an email address")
    return f"{local.lower()}@{domain.lower().rstrip('.')}"


def _addresses(items: Iterable[Any]) -> tuple[EmailAddress, ...]:
    return tuple(EmailAddress(a.name, a.addr) for a in items)


def _is_reply_like(subject: str) -> bool:
    lowered = subject.strip().lower()
    return lowered.startswith(_REPLY_PREFIXES)


def record_from_parsed(
    parsed: ParsedMessage,
    blob_ref: str,
    *,
    flags: frozenset[str],
    label_ids: frozenset[int],
    internal_date: float,
) -> MessageRecord:
    return MessageRecord(
        blob_ref=blob_ref,
        size=parsed.size,
        internal_date=internal_date,
        flags=flags,
        label_ids=label_ids,
        message_id=parsed.message_id,
        in_reply_to=tuple(parsed.in_reply_to),
        references=tuple(parsed.references),
        subject=parsed.subject,
        thread_subject=parsed.thread_subject,
        date=parsed.date.timestamp() if parsed.date else None,
        from_=_addresses(parsed.from_),
        to=_addresses(parsed.to),
        cc=_addresses(parsed.cc),
        bcc=_addresses(parsed.bcc),
        snippet=parsed.snippet,
        has_attachment=parsed.has_attachment,
        attachments=tuple(
            AttachmentInfo(a.section, a.filename, a.content_type, a.size, a.content_id, a.disposition)
            for a in parsed.attachments
        ),
        envelope=parsed.envelope,
        bodystructure=parsed.bodystructure,
        body=parsed.body,
        reply_like=_is_reply_like(parsed.subject),
    )


def _address_text(addrs: Iterable[EmailAddress]) -> str:
    """Addresses as the search index reads them: names and addresses, space separated."""
    return " ".join(f"{a.name or ''} {a.address}".strip() for a in addrs)


def search_doc_from_meta(meta: MessageMeta) -> SearchDoc:
    """What the index can know of a message from its metadata alone, when its
    bytes cannot be read or parsed: subject, people, snippet and attachments."""
    return SearchDoc(
        account_id=meta.account_id,
        message_id=meta.id,
        thread_id=meta.thread_id,
        date=meta.internal_date,
        size=meta.size,
        from_=_address_text(meta.from_),
        to=_address_text(meta.to),
        cc=_address_text(meta.cc),
        bcc=_address_text(meta.bcc),
        subject=meta.subject,
        body=meta.snippet,
        filenames=tuple(a.filename for a in meta.attachments if a.filename),
        has_attachment=meta.has_attachment,
        labels=meta.label_ids,
        flags=meta.flags,
    )


def search_doc(
    account_id: int,
    message_id: int,
    thread_id: int,
    parsed: ParsedMessage,
    internal_date: float,
    labels: frozenset[int],
    flags: frozenset[str],
) -> SearchDoc:
    return SearchDoc(
        account_id=account_id,
        message_id=message_id,
        thread_id=thread_id,
        date=internal_date,
        size=parsed.size,
        from_=_address_text(_addresses(parsed.from_)),
        to=_address_text(_addresses(parsed.to)),
        cc=_address_text(_addresses(parsed.cc)),
        bcc=_address_text(_addresses(parsed.bcc)),
        subject=parsed.subject,
        body=parsed.text,
        filenames=tuple(a.filename for a in parsed.attachments if a.filename),
        has_attachment=parsed.has_attachment,
        labels=labels,
        flags=flags,
    )


def _doc_from_raw(
    account_id: int,
    message_id: int,
    thread_id: int,
    raw: bytes,
    internal_date: float,
    labels: frozenset[int],
    flags: frozenset[str],
) -> SearchDoc:
    return search_doc(account_id, message_id, thread_id, parse_message(raw), internal_date, labels, flags)




def _check_flags(flags: Iterable[str] | None) -> frozenset[str]:
    out = set()
    for flag in flags or ():
        if flag.startswith("\\"):
            canonical = next((f for f in SYSTEM_FLAGS if f.lower() == flag.lower()), None)
            if canonical is None:
                if flag.lower() == "\\recent":
                    continue
                raise InvalidArgument(f"{flag} is not a flag that can be set")
            out.add(canonical)
        else:
            if not flag or any(ch in flag for ch in ' ()[]{%*"\\') or any(ord(c) < 33 or ord(c) > 126 for c in flag):
                raise InvalidArgument(f"{flag!r} is not a valid keyword")
            out.add(flag)
    return frozenset(out)
