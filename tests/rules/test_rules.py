"""The mail rules every MetaStore adapter relies on, tested as plain functions."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcore import rules
from mailcore.errors import AlreadyExists, InvalidName, LabelNotFound, PermissionDenied
from mailcore.model import EmailAddress, Label, LabelRole

DAY = 86400.0


@attrs.frozen
class Msg:
    message_id: str | None = None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    thread_subject: str = "lisbon"
    reply_like: bool = False
    internal_date: float = 100 * DAY
    from_: tuple[EmailAddress, ...] = ()
    to: tuple[EmailAddress, ...] = ()
    cc: tuple[EmailAddress, ...] = ()
    bcc: tuple[EmailAddress, ...] = ()


def test_thread_keys_are_references_parent_and_own_id_once() -> None:
    msg = Msg(message_id="c@x", in_reply_to=("b@x",), references=("a@x", "b@x", ""))
    assert rules.thread_keys(msg) == ["a@x", "b@x", "c@x"]
    assert rules.thread_keys(Msg()) == []


def test_newest_candidate_with_the_same_subject_wins() -> None:
    older = rules.ThreadCandidate(1, "lisbon", 10.0)
    newer = rules.ThreadCandidate(2, "lisbon", 20.0)
    renamed = rules.ThreadCandidate(3, "hotel booking", 30.0)
    assert rules.choose_thread(Msg(), [older, renamed, newer]) == 2
    # Gmail splits a conversation whose subject changed
    assert rules.choose_thread(Msg(thread_subject="invoice"), [older, newer]) is None
    # an empty subject on either side matches
    assert rules.choose_thread(Msg(thread_subject=""), [renamed]) == 3
    assert rules.choose_thread(Msg(), [rules.ThreadCandidate(4, "", 1.0)]) == 4
    assert rules.choose_thread(Msg(), []) is None


def test_only_replies_join_by_subject_within_the_window() -> None:
    assert rules.subject_window_start(Msg(reply_like=False)) is None
    assert rules.subject_window_start(Msg(reply_like=True, thread_subject="")) is None
    start = rules.subject_window_start(Msg(reply_like=True, internal_date=100 * DAY))
    assert start == 100 * DAY - rules.SUBJECT_THREAD_WINDOW


def _member(date: float, sender: str, **kw: object) -> rules.ThreadMember:
    fields: dict[str, object] = {
        "subject": f"subject at {date}",
        "internal_date": date,
        "seen": False,
        "flagged": False,
        "has_attachment": False,
        "snippet": f"snippet at {date}",
        "from_": (EmailAddress(None, sender),),
        "label_ids": frozenset({1}),
    }
    fields.update(kw)
    return rules.ThreadMember(**fields)  # type: ignore[arg-type]


def test_thread_summary_reads_like_a_gmail_row() -> None:
    row = rules.summarize_thread(
        [
            _member(1, "alice@x", seen=True),
            _member(2, "BOB@x", has_attachment=True, label_ids=frozenset({2})),
            _member(3, "Alice@X", flagged=True),
        ]
    )
    assert row is not None
    assert (row.subject, row.snippet, row.last_date) == ("subject at 1", "snippet at 3", 3)
    assert (row.message_count, row.unread_count, row.flagged, row.has_attachment) == (3, 2, True, True)
    assert [p.address for p in row.participants] == ["alice@x", "BOB@x"]
    assert row.label_ids == frozenset({1, 2})
    assert rules.summarize_thread([]) is None


def test_participants_keep_the_most_recent_eight() -> None:
    row = rules.summarize_thread([_member(i, f"p{i}@x") for i in range(12)])
    assert row is not None
    assert [p.address for p in row.participants] == [f"p{i}@x" for i in range(4, 12)]


def _label(id_: int, name: str, role: LabelRole | None, *, messages: int = 0, size: int = 0) -> Label:
    return Label(id_, 1, name, role, id_, 1, 1, messages, 0, size=size)


def _labels(*names: str) -> list[Label]:
    out = [_label(1, "INBOX", LabelRole.INBOX)]
    for name in names:
        out.append(_label(len(out) + 1, name, None))
    return out


def _id(labels: list[Label], name: str) -> int:
    return next(lb.id for lb in labels if lb.name == name)


def test_label_names_are_validated_and_unique_without_case() -> None:
    labels = _labels("Work")
    assert rules.check_new_label(labels, " Travel / 2026 ", None) == "Travel/2026"
    for taken in ("work", "WORK", "inbox"):
        with pytest.raises((AlreadyExists, InvalidName)):
            rules.check_new_label(labels, taken, None)
    for bad in ("", "a//b", "a*", "x%", "line\nbreak", "INBOX/child", "x" * 256):
        with pytest.raises(InvalidName):
            rules.check_new_label(labels, bad, None)
    # system labels are created with the name they are given
    assert rules.check_new_label([], "All Mail", LabelRole.ALL) == "All Mail"


def test_rename_moves_the_children_and_refuses_clashes() -> None:
    labels = _labels("Work", "Work/Clients", "Work/Clients/Acme", "Workshop", "Team/clients")
    plan = dict(rules.labels_to_rename(labels, _id(labels, "Work"), "Job"))
    assert sorted(plan.values()) == ["Job", "Job/Clients", "Job/Clients/Acme"]
    assert _id(labels, "Workshop") not in plan
    assert rules.labels_to_rename(labels, _id(labels, "Work"), "work") == [
        (_id(labels, "Work"), "work"),
        (_id(labels, "Work/Clients"), "work/Clients"),
        (_id(labels, "Work/Clients/Acme"), "work/Clients/Acme"),
    ]
    with pytest.raises(AlreadyExists):  # a child would land on Team/clients
        rules.labels_to_rename(labels, _id(labels, "Work"), "Team")
    with pytest.raises(AlreadyExists):
        rules.labels_to_rename(labels, _id(labels, "Workshop"), "team/CLIENTS")
    with pytest.raises(InvalidName):
        rules.labels_to_rename(labels, _id(labels, "Work"), "Work/Inner")
    with pytest.raises(PermissionDenied):
        rules.labels_to_rename(labels, _id(labels, "INBOX"), "Renamed")
    with pytest.raises(LabelNotFound):
        rules.labels_to_rename(labels, 999, "Renamed")


def test_delete_takes_the_children_and_spares_system_labels() -> None:
    labels = _labels("Work", "Work/Clients", "Workshop")
    assert rules.labels_to_delete(labels, _id(labels, "Work")) == [_id(labels, "Work"), _id(labels, "Work/Clients")]
    with pytest.raises(PermissionDenied):
        rules.labels_to_delete(labels, _id(labels, "INBOX"))
    with pytest.raises(LabelNotFound):
        rules.labels_to_delete(labels, 999)


def test_written_mail_counts_its_recipients_read_mail_its_senders() -> None:
    msg = Msg(
        from_=(EmailAddress("Ann", "Ann@Example.org"),),
        to=(EmailAddress("Bob", "bob@example.net"), EmailAddress(None, "undisclosed-recipients")),
        bcc=(EmailAddress(None, "carol@example.com"),),
    )
    read = rules.contact_hits(msg, ["inbox"])
    assert [(h.address, h.name, h.sent, h.received) for h in read] == [("ann@example.org", "Ann", 0, 1)]
    written = rules.contact_hits(msg, [None, "sent"])
    assert [(h.address, h.sent, h.received) for h in written] == [
        ("bob@example.net", 1, 0),
        ("carol@example.com", 1, 0),
    ]
    assert rules.contact_hits(msg, ["drafts"])[0].sent == 1


def test_contacts_rank_by_writing_then_recency() -> None:
    now = 1000 * DAY
    rows = [
        rules.ContactRow("Often read", "read@x", 0, 4, now),
        rules.ContactRow("Written", "written@x", 3, 0, now),
        rules.ContactRow("Long ago", "old@x", 3, 0, now - 300 * DAY),
    ]
    ranked = rules.rank_contacts(rows, now, 10)
    assert [address for _, address, _ in ranked] == ["written@x", "read@x", "old@x"]
    assert ranked[0][2] == pytest.approx(6.0)
    assert len(rules.rank_contacts(rows, now, 1)) == 1


def test_insights_count_days_correspondents_storage_and_largest_threads() -> None:
    labels = [
        _label(1, "INBOX", LabelRole.INBOX, messages=2, size=300),
        _label(2, "Sent", LabelRole.SENT, messages=1, size=900),
    ]
    stats = [
        rules.MessageStat(7, 2 * DAY + 10, 100, frozenset({1})),
        rules.MessageStat(7, 2 * DAY + 20, 200, frozenset({1})),
        rules.MessageStat(8, 3 * DAY, 900, frozenset({2})),
        rules.MessageStat(9, 0.5 * DAY, 50, frozenset()),  # before the window
    ]
    contacts = [rules.ContactRow("A", "a@x", 1, 1, 5.0), rules.ContactRow("B", "b@x", 0, 5, 1.0)]
    figures = rules.insights(stats, labels, contacts, {7: "Lisbon", 8: "Invoice"}, since=DAY)
    assert figures["per_day"] == [
        {"day": "1970-01-03", "received": 2, "sent": 0},
        {"day": "1970-01-04", "received": 0, "sent": 1},
    ]
    assert [c["address"] for c in figures["top_correspondents"]] == ["b@x", "a@x"]  # type: ignore[attr-defined]
    assert [s["label"] for s in figures["storage_by_label"]] == ["Sent", "INBOX"]  # type: ignore[attr-defined]
    assert figures["largest_threads"][0] == {"thread_id": 7, "subject": "Lisbon", "messages": 2, "bytes": 300}  # type: ignore[index]
    assert (figures["total_messages"], figures["total_bytes"]) == (4, 1250)


@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0, 1e9), st.text(max_size=5)), max_size=20))
def test_choose_thread_picks_a_candidate_or_none(cands: list[tuple[int, float, str]]) -> None:
    candidates = [rules.ThreadCandidate(i, subj, date) for i, date, subj in cands]
    chosen = rules.choose_thread(Msg(thread_subject="abc"), candidates)
    matching = [c for c in candidates if not c.thread_subject or c.thread_subject == "abc"]
    if not matching:
        assert chosen is None
    else:
        best = max(matching, key=lambda c: (c.last_date, c.id))
        assert chosen == best.id
