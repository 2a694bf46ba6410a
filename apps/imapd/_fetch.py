"""FETCH: precomputed metadata streamed out, message bytes read only when asked.

ENVELOPE, BODYSTRUCTURE and BODY are stored as wire bytes at delivery, so a
FETCH of those joins bytes and never parses a message. Body sections read
the blob and cut it with :mod:`mailcore.message`. Messages are read from the
engine in UID runs of bounded size, and responses leave in ~256 KB writes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

import mailcore
from mailcore.message import UnknownTransferEncoding, decode_section, fetch_section
from mailcore.protocol.imap import (
    Fetch,
    FetchAttribute,
    FetchBinarySize,
    FetchBodySection,
    FetchItem,
    astring,
    encode_mutf7,
    fetch_response,
    flag_list,
    imap_datetime,
    literal,
    string,
    vanished,
)

from ._errors import ImapError
from ._selected import sorted_flags

if TYPE_CHECKING:
    from ._session import Session

__all__ = ["fetch_command", "gmail_labels", "uid_runs"]

_RUN = 1000  # messages per engine read
_GAP = 256  # a hole this wide in the UIDs starts a new read
_UTC = datetime.UTC
_SEEN = "\\Seen"
_EMPTY = b'""'


def uid_runs(uids: list[int]) -> Iterable[list[int]]:
    """Ascending UIDs cut into runs that are cheap to read as one UID range."""
    run: list[int] = []
    for uid in uids:
        if run and (len(run) >= _RUN or uid - run[-1] > _GAP):
            yield run
            run = []
        run.append(uid)
    if run:
        yield run


def _section_text(att: FetchBodySection) -> str:
    return str(att.section_spec().decode("ascii"))


def _partial(data: bytes, att: FetchBodySection) -> bytes:
    if att.partial is None:
        return data
    origin, length = att.partial
    return data[origin : origin + length]


def _body_value(raw: bytes, att: FetchBodySection) -> bytes:
    if att.binary:
        section = ".".join(str(p) for p in att.part)
        try:
            decoded = decode_section(raw, section)
        except UnknownTransferEncoding:
            raise ImapError("NO", "Unknown Content-Transfer-Encoding", "UNKNOWN-CTE") from None
        if decoded is None:
            return b"NIL"
        data = _partial(decoded, att)
        return bytes(literal(data, binary=b"\x00" in data))
    if not att.part and att.text is None:
        data = raw
    else:
        found = fetch_section(raw, _section_text(att))
        if found is None:
            return _EMPTY
        data = found
    return bytes(literal(_partial(data, att)))


def gmail_labels(meta: mailcore.MessageMeta, labels: dict[int, mailcore.Label]) -> bytes:
    """X-GM-LABELS: system labels as Gmail names them, user labels by name."""
    names: list[str] = []
    for lid in sorted(meta.label_ids):
        label = labels.get(lid)
        if label is None or label.role is mailcore.LabelRole.ALL:
            continue
        if label.role is not None:
            names.append(_GMAIL_SYSTEM[label.role])
        else:
            names.append(label.name)
    parts = [n.encode("ascii") if n.startswith("\\") else astring(encode_mutf7(n)) for n in names]
    return b"(" + b" ".join(parts) + b")"


_GMAIL_SYSTEM = {
    mailcore.LabelRole.INBOX: "\\Inbox",
    mailcore.LabelRole.SENT: "\\Sent",
    mailcore.LabelRole.DRAFTS: "\\Draft",
    mailcore.LabelRole.TRASH: "\\Trash",
    mailcore.LabelRole.SPAM: "\\Spam",
    mailcore.LabelRole.STARRED: "\\Starred",
    mailcore.LabelRole.IMPORTANT: "\\Important",
    mailcore.LabelRole.ALL: "\\AllMail",
}


class _Renderer:
    """Builds the item list of one message for one FETCH command."""

    def __init__(
        self,
        attributes: tuple[FetchAttribute, ...],
        *,
        uid: bool,
        modseq: bool,
        labels: dict[int, mailcore.Label] | None,
    ) -> None:
        atts = list(attributes)
        names = {a.name for a in atts if isinstance(a, FetchItem)}
        if uid and "UID" not in names:
            atts.insert(0, FetchItem("UID"))
        if modseq and "MODSEQ" not in names:
            atts.append(FetchItem("MODSEQ"))
        self.attributes = tuple(atts)
        self.labels = labels or {}
        self.needs_raw = any(
            isinstance(a, FetchBodySection | FetchBinarySize)
            or (isinstance(a, FetchItem) and a.name in ("RFC822", "RFC822.HEADER", "RFC822.TEXT"))
            for a in atts
        )
        self.sets_seen = any(
            (isinstance(a, FetchBodySection) and not a.peek)
            or (isinstance(a, FetchItem) and a.name in ("RFC822", "RFC822.TEXT"))
            for a in atts
        )
        self.has_flags = "FLAGS" in names

    def items(
        self, meta: mailcore.MessageMeta, uid: int, raw: bytes | None
    ) -> list[tuple[bytes, bytes]]:
        out: list[tuple[bytes, bytes]] = []
        for att in self.attributes:
            match att:
                case FetchItem(name=name):
                    out.append((att.response_name, self._simple(name, meta, uid, raw)))
                case FetchBodySection():
                    assert raw is not None
                    out.append((att.response_name, _body_value(raw, att)))
                case FetchBinarySize(part=part):
                    assert raw is not None
                    try:
                        decoded = decode_section(raw, ".".join(str(p) for p in part))
                    except UnknownTransferEncoding:
                        raise ImapError(
                            "NO", "Unknown Content-Transfer-Encoding", "UNKNOWN-CTE"
                        ) from None
                    out.append((att.response_name, b"%d" % len(decoded or b"")))
        return out

    def _simple(self, name: str, meta: mailcore.MessageMeta, uid: int, raw: bytes | None) -> bytes:
        match name:
            case "UID":
                return b"%d" % uid
            case "FLAGS":
                return bytes(flag_list(sorted_flags(meta.flags)))
            case "ENVELOPE":
                return bytes(meta.envelope)
            case "BODYSTRUCTURE":
                return bytes(meta.bodystructure)
            case "BODY":
                return bytes(meta.body)
            case "RFC822.SIZE":
                return b"%d" % meta.size
            case "INTERNALDATE":
                when = datetime.datetime.fromtimestamp(meta.internal_date, _UTC)
                return bytes(imap_datetime(when))
            case "MODSEQ":
                return b"(%d)" % meta.modseq
            case "X-GM-MSGID":
                return b"%d" % meta.id
            case "X-GM-THRID":
                return b"%d" % meta.thread_id
            case "X-GM-LABELS":
                return gmail_labels(meta, self.labels)
            case "EMAILID":
                return b"(M%d)" % meta.id
            case "THREADID":
                return b"(T%d)" % meta.thread_id
            case "PREVIEW":
                return bytes(string(meta.snippet))
            case "SAVEDATE":
                return b"NIL"
            case "RFC822":
                assert raw is not None
                return bytes(literal(raw))
            case "RFC822.HEADER":
                assert raw is not None
                return bytes(literal(fetch_section(raw, "HEADER") or b""))
            case "RFC822.TEXT":
                assert raw is not None
                return bytes(literal(fetch_section(raw, "TEXT") or b""))
        raise ImapError("BAD", f"Unsupported fetch attribute {name}")


async def fetch_command(s: Session, cmd: Fetch) -> None:
    """Answer FETCH / UID FETCH, streaming the responses."""
    view = s.require_selected()
    if cmd.vanished and not (cmd.uid and s.server.qresync and cmd.changed_since is not None):
        raise ImapError("BAD", "VANISHED needs UID FETCH with CHANGEDSINCE after ENABLE QRESYNC")
    if cmd.changed_since is not None:
        s.server.enable_condstore()
    indexes = view.resolve(s.substitute_saved(cmd.sequence_set, uid=cmd.uid), uid=cmd.uid)
    wants_labels = any(isinstance(a, FetchItem) and a.name == "X-GM-LABELS" for a in cmd.attributes)
    labels = {lb.id: lb for lb in await s.engine.labels(s.account_id)} if wants_labels else None
    renderer = _Renderer(
        cmd.attributes,
        uid=cmd.uid,
        modseq=s.server.condstore and (cmd.changed_since is not None or renderer_has_flags(cmd)),
        labels=labels,
    )
    if cmd.vanished and cmd.changed_since is not None:
        changes = await s.engine.changes_since(s.account_id, view.label_id, cmd.changed_since)
        requested = s.substitute_saved(cmd.sequence_set, uid=True).resolve(
            view.uids[-1] if view.uids else 0
        )
        gone = [u for u in changes.vanished if u in requested]
        if gone:
            await s.write(vanished(gone, earlier=True))
    mark_seen = renderer.sets_seen and not view.readonly
    uids = [view.uids[i] for i in indexes]
    for run in uid_runs(uids):
        metas = await s.engine.fetch(s.account_id, view.label_id, run[0], run[-1])
        wanted = set(run)
        metas = [m for m in metas if m.uid in wanted]
        if cmd.changed_since is not None:
            metas = [m for m in metas if m.modseq > cmd.changed_since]
        if mark_seen:
            metas = await _mark_seen(s, metas, renderer)
        for meta in metas:
            uid = meta.uid
            assert uid is not None
            seq = view.seq_of(uid)
            if seq is None:
                continue
            raw = await s.engine.read_blob(meta) if renderer.needs_raw else None
            items = renderer.items(meta, uid, raw)
            if mark_seen and not renderer.has_flags and meta.id in s.seen_now:
                items.append((b"FLAGS", flag_list(sorted_flags(meta.flags))))
            await s.write(fetch_response(seq, items))
    s.seen_now.clear()


def renderer_has_flags(cmd: Fetch) -> bool:
    return any(isinstance(a, FetchItem) and a.name == "FLAGS" for a in cmd.attributes)


async def _mark_seen(
    s: Session, metas: list[mailcore.MessageMeta], renderer: _Renderer
) -> list[mailcore.MessageMeta]:
    """Set \\Seen on the unseen ones in one engine call; return fresh metas."""
    unseen = [m.id for m in metas if _SEEN not in m.flags]
    if not unseen:
        return metas
    result = await s.engine.store_flags(s.account_id, unseen, add=[_SEEN])
    fresh = {m.id: m for m in result.changed}
    view = s.require_selected()
    out = []
    for m in metas:
        new = fresh.get(m.id)
        if new is not None and m.uid is not None:
            s.seen_now.add(m.id)
            view.note_reported(m.uid, new.modseq)
            out.append(_with_uid(new, m.uid))
        else:
            out.append(m)
    return out


def _with_uid(meta: mailcore.MessageMeta, uid: int) -> mailcore.MessageMeta:
    return attrs.evolve(meta, uid=uid)
