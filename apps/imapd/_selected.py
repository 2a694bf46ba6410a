"""The selected-mailbox view of one session.

A view is what this session has told its client: the UIDs in sequence-number
order, with the engine message id beside each one, and the highest MODSEQ it
has taken into account. It holds two compact arrays, never copies of
messages, so an idle session costs a few bytes per message.

Changes made elsewhere are folded in by :meth:`SelectedMailbox.apply_changes`
and wait as pending updates until the session may announce them: new
messages (EXISTS) and flag changes (FETCH) at the end of any command,
removals (EXPUNGE) only where RFC 9051 §7.5.1 allows them, or at once as
VANISHED under QRESYNC.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Iterator

import mailcore
from mailcore.protocol.imap import SequenceSet, exists, expunge, flag_list, vanished

__all__ = ["SelectedMailbox", "sorted_flags"]


def sorted_flags(flags: Iterable[str]) -> tuple[str, ...]:
    """Flags in a stable order, so identical sets share one cached wire form."""
    return tuple(sorted(flags))


class SelectedMailbox:
    """Sequence numbers, UIDs and pending updates of the selected label."""

    __slots__ = (
        "label_id",
        "name",
        "uidvalidity",
        "readonly",
        "modseq",
        "uids",
        "ids",
        "_exists_sent",
        "_expunged",
        "_flag_updates",
        "_reported",
    )

    def __init__(
        self,
        label: mailcore.Label,
        pairs: Iterable[tuple[int, int]],
        *,
        readonly: bool,
        modseq: int,
    ) -> None:
        self.label_id = label.id
        self.name = label.name
        self.uidvalidity = label.uidvalidity
        self.readonly = readonly
        self.modseq = modseq
        self.uids = array("I")
        self.ids = array("Q")
        for uid, mid in pairs:
            self.uids.append(uid)
            self.ids.append(mid)
        self._exists_sent = len(self.uids)
        self._expunged: set[int] | None = None
        # uid -> (flags, modseq) waiting to be announced as FETCH
        self._flag_updates: dict[int, tuple[tuple[str, ...], int]] | None = None
        # uid -> modseq this session has already shown (its own STORE)
        self._reported: dict[int, int] | None = None

    # -- lookups ---------------------------------------------------------------

    @property
    def exists(self) -> int:
        return len(self.uids)

    @property
    def uidnext_floor(self) -> int:
        return self.uids[-1] + 1 if self.uids else 1

    def index_of(self, uid: int) -> int | None:
        i = bisect.bisect_left(self.uids, uid)
        if i < len(self.uids) and self.uids[i] == uid:
            return i
        return None

    def seq_of(self, uid: int) -> int | None:
        i = self.index_of(uid)
        return None if i is None else i + 1

    def resolve(self, sequence_set: SequenceSet, *, uid: bool) -> list[int]:
        """Indexes into the view of the messages a set names, ascending.

        A UID set names only UIDs present in the view (``*`` is the highest);
        a sequence set out of range raises ValueError (the caller answers BAD).
        """
        n = len(self.uids)
        out: list[int] = []
        if uid:
            top = self.uids[-1] if n else 0
            resolved = sequence_set.resolve(top)
            for lo, hi in resolved.iter_ranges():
                start = bisect.bisect_left(self.uids, lo)
                stop = bisect.bisect_right(self.uids, hi)
                out.extend(range(start, stop))
            return out
        if n == 0:
            if sequence_set.has_star or not sequence_set.ranges:
                return []
            raise ValueError("No messages in the mailbox")
        resolved = sequence_set.resolve(n)
        for lo, hi in resolved.iter_ranges():
            if hi > n:
                raise ValueError("Sequence number out of range")
            out.extend(range(lo - 1, hi))
        return out

    def iter_pairs(self, indexes: Iterable[int]) -> Iterator[tuple[int, int]]:
        uids, ids = self.uids, self.ids
        for i in indexes:
            yield uids[i], ids[i]

    # -- folding changes in ---------------------------------------------------

    def note_reported(self, uid: int, modseq: int) -> None:
        """This session showed ``uid`` at ``modseq`` itself: do not echo it."""
        if self._reported is None:
            self._reported = {}
        self._reported[uid] = modseq

    def apply_changes(self, changes: mailcore.Changes) -> None:
        """Fold in what changed in the label since :attr:`modseq`."""
        reported, self._reported = self._reported or {}, None
        if changes.vanished:
            for gone_uid in changes.vanished:
                if self.index_of(gone_uid) is not None:
                    self._mark_expunged(gone_uid)
        top = self.uids[-1] if self.uids else 0
        for meta in changes.changed:
            uid = meta.uid
            if uid is None:
                continue
            if uid > top:
                self.uids.append(uid)
                self.ids.append(meta.id)
                top = uid
                continue
            if self.index_of(uid) is None:
                continue
            elif reported.get(uid) == meta.modseq:
                continue
            if self._flag_updates is None:
                self._flag_updates = {}
            self._flag_updates[uid] = (sorted_flags(meta.flags), meta.modseq)
        self.modseq = max(self.modseq, changes.highest_modseq)

    def resync(self, pairs: list[tuple[int, int]]) -> None:
        """Reconcile with the label's full (uid, id) list after missed events."""
        present = {uid for uid, _ in pairs}
        for uid in self.uids:
            if uid not in present:
                self._mark_expunged(uid)
        top = self.uids[-1] if self.uids else 0
        for uid, mid in pairs:
            if uid > top:
                self.uids.append(uid)
                self.ids.append(mid)

    def vanish_all(self) -> None:
        """The label is gone: everything in the view has been expunged."""
        for uid in self.uids:
            self._mark_expunged(uid)

    def _mark_expunged(self, uid: int) -> None:
        if self._expunged is None:
            self._expunged = set()
        self._expunged.add(uid)

    def remove_now(self, uids: Iterable[int]) -> None:
        """Expunged by this session: forget them (the caller announces them)."""
        for uid in uids:
            self._mark_expunged(uid)

    # -- announcing -----------------------------------------------------------

    @property
    def has_pending(self) -> bool:
        return bool(self._expunged or self._flag_updates or self._exists_sent != len(self.uids))

    def take_updates(self, *, allow_expunge: bool, qresync: bool, condstore: bool) -> list[bytes]:
        """Untagged responses for what changed, the view updated to match."""
        out: list[bytes] = []
        if allow_expunge and self._expunged:
            gone = self._expunged
            self._expunged = None
            if qresync:
                kept_uids = array("I")
                kept_ids = array("Q")
                removed = []
                announced = self._exists_sent
                for i, (uid, mid) in enumerate(zip(self.uids, self.ids, strict=True)):
                    if uid in gone:
                        removed.append(uid)
                        if i < announced:
                            self._exists_sent -= 1
                    else:
                        kept_uids.append(uid)
                        kept_ids.append(mid)
                self.uids, self.ids = kept_uids, kept_ids
                if removed:
                    out.append(vanished(removed))
            else:
                # highest first, so each number is right when the client reads it
                for gone_uid in sorted(gone, reverse=True):
                    at = self.index_of(gone_uid)
                    if at is None:
                        continue
                    if at < self._exists_sent:
                        out.append(expunge(at + 1))
                        self._exists_sent -= 1
                    del self.uids[at]
                    del self.ids[at]
            if self._flag_updates:
                for gone_uid in gone:
                    self._flag_updates.pop(gone_uid, None)
        if self._exists_sent != len(self.uids):
            out.append(exists(len(self.uids)))
            self._exists_sent = len(self.uids)
        if self._flag_updates:
            updates, self._flag_updates = self._flag_updates, None
            for uid, (flags, modseq) in sorted(updates.items()):
                at = self.index_of(uid)
                if at is None:
                    continue
                line = b"* %d FETCH (UID %d FLAGS %s" % (at + 1, uid, flag_list(flags))
                if condstore:
                    line += b" MODSEQ (%d)" % modseq
                out.append(line + b")\r\n")
        return out
