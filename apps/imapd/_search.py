"""SEARCH keys evaluated over the engine's message metadata.

Flags, dates, sizes, addresses and subjects are all in
:class:`mailcore.MessageMeta`, so most keys never touch message bytes. Full
text keys (TEXT, BODY) and X-GM-RAW go to the engine's search index;
HEADER on an uncommon field reads the message header. Keys naming only
sequence numbers or UIDs are answered from the view without reading at all.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias, cast

import mailcore
from mailcore.message import header_section
from mailcore.protocol.imap import (
    AllKey,
    AndKey,
    DateKey,
    EmailIdKey,
    FlagKey,
    GmailLabelKey,
    GmailMessageIdKey,
    GmailRawKey,
    GmailThreadIdKey,
    HeaderKey,
    ModSeqKey,
    NewKey,
    NotKey,
    OrKey,
    Search,
    SearchKey,
    SequenceKey,
    SizeKey,
    TextKey,
    ThreadIdKey,
    WithinKey,
    code_badcharset,
    esearch_response,
    search_response,
)

from ._errors import ImapError

if TYPE_CHECKING:
    from ._session import Session

__all__ = ["search_command"]

_CHARSETS = frozenset(("UTF-8", "US-ASCII", "UTF8"))
_UTC = datetime.UTC
Meta: TypeAlias = mailcore.MessageMeta
Predicate = Callable[[Meta, int, int], bool]  # meta, uid, sequence number


def _walk(key: SearchKey) -> list[SearchKey]:
    out = [key]
    match key:
        case NotKey(inner):
            out += _walk(inner)
        case OrKey(left, right):
            out += _walk(left) + _walk(right)
        case AndKey(keys):
            for k in keys:
                out += _walk(k)
    return out


def _only_sequences(key: SearchKey) -> bool:
    return all(isinstance(k, SequenceKey | AllKey | NotKey | OrKey | AndKey) for k in _walk(key))


def _addresses(addrs: tuple[mailcore.EmailAddress, ...]) -> str:
    return " ".join(f"{a.name or ''} <{a.address}>" for a in addrs).casefold()


def _day(ts: float | None) -> datetime.date | None:
    if ts is None:
        return None
    return datetime.datetime.fromtimestamp(ts, _UTC).date()


def _gmail_phrase(value: str) -> str:
    """A Gmail query matching ``value`` as a phrase, whatever it holds."""
    cleaned = " ".join(value.replace('"', " ").split())
    return f'"{cleaned}"' if cleaned else ""


class _Compiler:
    """Turns a key tree into a predicate; gathers what must be read first."""

    def __init__(self, s: Session, now: float) -> None:
        self.s = s
        self.now = now
        self.text_queries: dict[str, set[int] | None] = {}
        self.label_ids: dict[str, set[int]] = {}
        self.needs_headers = False
        self.uses_modseq = False
        self.headers: dict[int, bytes] = {}

    async def prepare(self, key: SearchKey) -> None:
        for k in _walk(key):
            match k:
                case TextKey(field=field, value=value) if field in ("TEXT", "BODY"):
                    query = _gmail_phrase(value)
                    if query:
                        self.text_queries[query] = None
                case GmailRawKey(query=query):
                    self.text_queries[query] = None
                case GmailLabelKey(label=name):
                    self.label_ids[name] = await self._label_ids(name)
                case HeaderKey(name=name) if name.casefold() not in _META_HEADERS:
                    self.needs_headers = True
                case ModSeqKey():
                    self.uses_modseq = True
        for query in self.text_queries:
            q = query if "in:anywhere" in query else f"({query}) in:anywhere"
            self.text_queries[query] = set(await self.s.engine.search_ids(self.s.account_id, q))

    async def _label_ids(self, name: str) -> set[int]:
        labels = await self.s.engine.labels(self.s.account_id)
        wanted = name.casefold().lstrip("\\")
        by_gmail = {
            "inbox": mailcore.LabelRole.INBOX,
            "sent": mailcore.LabelRole.SENT,
            "draft": mailcore.LabelRole.DRAFTS,
            "drafts": mailcore.LabelRole.DRAFTS,
            "trash": mailcore.LabelRole.TRASH,
            "spam": mailcore.LabelRole.SPAM,
            "starred": mailcore.LabelRole.STARRED,
            "important": mailcore.LabelRole.IMPORTANT,
        }
        role = by_gmail.get(wanted) if name.startswith("\\") else None
        return {
            lb.id
            for lb in labels
            if (role is not None and lb.role is role) or lb.name.casefold() == wanted
        }

    def compile(self, key: SearchKey) -> Predicate:  # noqa: C901 - one case per key
        match key:
            case AllKey():
                return lambda m, u, n: True
            case AndKey(keys):
                parts = [self.compile(k) for k in keys]
                return lambda m, u, n: all(p(m, u, n) for p in parts)
            case OrKey(left, right):
                lp, rp = self.compile(left), self.compile(right)
                return lambda m, u, n: lp(m, u, n) or rp(m, u, n)
            case NotKey(inner):
                ip = self.compile(inner)
                return lambda m, u, n: not ip(m, u, n)
            case FlagKey(flag="\\Recent", present=present):
                return lambda m, u, n: not present
            case FlagKey(flag=flag, present=present):
                lowered = flag.casefold()
                if flag.startswith("\\"):
                    return lambda m, u, n: any(f.casefold() == lowered for f in m.flags) == present
                return lambda m, u, n: (flag in m.flags) == present
            case NewKey():
                return lambda m, u, n: False
            case SequenceKey(sequence_set=seqs, uid=is_uid):
                view = self.s.require_selected()
                resolved = self.s.substitute_saved(seqs, uid=is_uid)
                if is_uid:
                    top = view.uids[-1] if view.uids else 0
                    rset = resolved.resolve(top)
                    return lambda m, u, n: u in rset
                nset = resolved.resolve(view.exists)
                return lambda m, u, n: n in nset
            case TextKey(field=field, value=value):
                needle = value.casefold()
                match field:
                    case "SUBJECT":
                        return lambda m, u, n: needle in m.subject.casefold()
                    case "FROM":
                        return lambda m, u, n: needle in _addresses(m.from_)
                    case "TO":
                        return lambda m, u, n: needle in _addresses(m.to)
                    case "CC":
                        return lambda m, u, n: needle in _addresses(m.cc)
                    case "BCC":
                        return lambda m, u, n: needle in _addresses(m.bcc)
                query = _gmail_phrase(value)
                if not query:
                    return lambda m, u, n: True
                found = self.text_queries.get(query) or set()
                return lambda m, u, n: m.id in found
            case HeaderKey(name=name, value=value):
                return self._header(name, value)
            case DateKey(field=field, date=day):
                sent = field.startswith("SENT")
                op = field[4:] if sent else field

                def date_of(m: Meta) -> datetime.date | None:
                    return _day(m.date if sent else m.internal_date)

                if op == "BEFORE":
                    return lambda m, u, n: (d := date_of(m)) is not None and d < day
                if op == "ON":
                    return lambda m, u, n: date_of(m) == day
                return lambda m, u, n: (d := date_of(m)) is not None and d >= day
            case SizeKey(larger=larger, size=size):
                if larger:
                    return lambda m, u, n: m.size > size
                return lambda m, u, n: m.size < size
            case WithinKey(older=older, seconds=seconds):
                cutoff = self.now - seconds
                if older:
                    return lambda m, u, n: m.internal_date <= cutoff
                return lambda m, u, n: m.internal_date >= cutoff
            case ModSeqKey(modseq=modseq):
                return lambda m, u, n: m.modseq >= modseq
            case GmailRawKey(query=query):
                raw_found = self.text_queries.get(query) or set()
                return lambda m, u, n: m.id in raw_found
            case GmailMessageIdKey(message_id=mid):
                return lambda m, u, n: m.id == mid
            case GmailThreadIdKey(thread_id=tid):
                return lambda m, u, n: m.thread_id == tid
            case GmailLabelKey(label=name):
                ids = self.label_ids.get(name, set())
                return lambda m, u, n: bool(ids & m.label_ids)
            case EmailIdKey(email_id=email_id):
                return lambda m, u, n: f"M{m.id}" == email_id
            case ThreadIdKey(thread_id=thread_id):
                return lambda m, u, n: f"T{m.thread_id}" == thread_id
        raise ImapError("BAD", "Unsupported search key")

    def _header(self, name: str, value: str) -> Predicate:
        field = name.casefold()
        needle = value.casefold()
        getter = _META_HEADERS.get(field)
        if getter is not None:
            get = getter
            return lambda m, u, n: (text := get(m)) is not None and needle in text.casefold()
        prefix = field.encode("ascii", "replace")

        def match(m: Meta, u: int, n: int) -> bool:
            block = self.headers.get(m.id, b"")
            for line in _unfolded(block):
                key, _, rest = line.partition(b":")
                if key.strip().lower() == prefix:
                    if needle in rest.decode("utf-8", "replace").casefold():
                        return True
            return False

        return match


def _unfolded(block: bytes) -> list[bytes]:
    lines: list[bytes] = []
    for line in block.split(b"\n"):
        line = line.rstrip(b"\r")
        if line[:1] in (b" ", b"\t") and lines:
            lines[-1] += b" " + line.strip()
        elif line:
            lines.append(line)
    return lines


def _join_ids(values: tuple[str, ...]) -> str:
    return " ".join(f"<{v}>" for v in values)


_META_HEADERS: dict[str, Callable[[Meta], str | None]] = {
    "subject": lambda m: m.subject,
    "from": lambda m: _addresses(m.from_),
    "to": lambda m: _addresses(m.to),
    "cc": lambda m: _addresses(m.cc),
    "bcc": lambda m: _addresses(m.bcc),
    "message-id": lambda m: f"<{m.message_id}>" if m.message_id else None,
    "in-reply-to": lambda m: _join_ids(m.in_reply_to) if m.in_reply_to else None,
    "references": lambda m: _join_ids(m.references) if m.references else None,
}


async def search_command(s: Session, cmd: Search) -> None:
    """Answer SEARCH / UID SEARCH, classic or ESEARCH (RFC 4731, 5182)."""
    view = s.require_selected()
    if cmd.charset is not None and cmd.charset.upper() not in _CHARSETS:
        raise ImapError("NO", "Unsupported charset", code_badcharset())
    compiler = _Compiler(s, time.time())
    await compiler.prepare(cmd.key)
    if compiler.uses_modseq:
        s.server.enable_condstore()
    predicate = compiler.compile(cmd.key)
    matched: list[tuple[int, int]] = []  # (uid, seq)
    highest = 0
    if _only_sequences(cmd.key):
        for i, view_uid in enumerate(view.uids):
            if predicate(_NO_META, view_uid, i + 1):
                matched.append((view_uid, i + 1))
    else:
        metas = await s.engine.fetch(s.account_id, view.label_id)
        if compiler.needs_headers:
            for m in metas:
                head = await s.engine.read_blob(m, (0, 16384))
                compiler.headers[m.id] = header_section(head)
        for m in metas:
            if m.uid is None:
                continue
            uid = m.uid
            seq = view.seq_of(uid)
            if seq is None:
                continue
            if predicate(m, uid, seq):
                matched.append((uid, seq))
                highest = max(highest, m.modseq)
    matched.sort()
    numbers = [u if cmd.uid else n for u, n in matched]
    modseq = highest if compiler.uses_modseq and numbers else None
    options = cmd.return_options
    if options is None and not s.server.imap4rev2:
        await s.write(search_response(numbers, modseq))
        return
    if options is None:
        options = ("ALL",)
    if "SAVE" in options:
        s.saved_uids = [u for u, _ in matched]
        if options == ("SAVE",):
            return
    await s.write(
        esearch_response(
            cmd.tag,
            uid=cmd.uid,
            min=min(numbers) if "MIN" in options and numbers else None,
            max=max(numbers) if "MAX" in options and numbers else None,
            count=len(numbers) if "COUNT" in options else None,
            all=numbers if "ALL" in options else None,
            modseq=modseq,
        )
    )


_NO_META: Meta = cast(Meta, None)  # sequence-only keys never look at the message
