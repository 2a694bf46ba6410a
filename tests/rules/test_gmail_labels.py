"""Gmail's label semantics: Starred is \\Flagged, Trash and Spam are outside All Mail."""

from __future__ import annotations

import pytest

from mailcore import rules
from mailcore.errors import InvalidArgument
from mailcore.model import LabelRole

ROLES = {role: i for i, role in enumerate(LabelRole, start=1)}
INBOX, SENT, DRAFTS, TRASH, SPAM, STARRED, IMPORTANT, ALL = (ROLES[r] for r in LabelRole)
WORK = 100


def test_a_delivery_lands_in_inbox_and_all_mail_and_no_label_means_archived() -> None:
    assert rules.new_message_labels(ROLES, [INBOX], []) == (frozenset({INBOX, ALL}), frozenset())
    assert rules.new_message_labels(ROLES, [], ["\\Seen"]) == (frozenset({ALL}), frozenset({"\\Seen"}))


def test_a_stored_message_is_in_all_mail_unless_trashed_or_spam() -> None:
    assert rules.new_message_labels(ROLES, [WORK], [])[0] == {WORK, ALL}
    for trashlike in (TRASH, SPAM):
        ids, _ = rules.new_message_labels(ROLES, [trashlike, INBOX, ALL], [])
        assert ids == {trashlike}


def test_starred_and_flagged_travel_together_and_drafts_are_drafts() -> None:
    ids, flags = rules.new_message_labels(ROLES, [STARRED], [])
    assert ids == {STARRED, ALL} and flags == {"\\Flagged"}
    ids, flags = rules.new_message_labels(ROLES, [SENT], ["\\Flagged", "\\Seen"])
    assert ids == {SENT, STARRED, ALL} and flags == {"\\Flagged", "\\Seen"}
    assert rules.new_message_labels(ROLES, [DRAFTS], [])[1] == {"\\Draft"}


def test_trashing_leaves_all_mail_inbox_and_spam() -> None:
    change = rules.label_change(ROLES, [TRASH], [])
    assert change.add == {TRASH} and change.remove == {ALL, INBOX, SPAM}
    back = rules.label_change(ROLES, [INBOX], [TRASH])
    assert back.add == {INBOX, ALL} and back.remove == {TRASH}


def test_all_mail_is_left_only_for_trash_or_spam() -> None:
    with pytest.raises(InvalidArgument):
        rules.label_change(ROLES, [], [ALL])
    assert rules.label_change(ROLES, [SPAM], [ALL]).remove >= {ALL}


def test_labels_added_and_removed_at_once_are_added() -> None:
    change = rules.label_change(ROLES, [WORK], [WORK, INBOX])
    assert change.add == {WORK} and change.remove == {INBOX}


def test_starring_through_labels_sets_the_flag() -> None:
    assert rules.label_change(ROLES, [STARRED], []).add_flags == {"\\Flagged"}
    unstar = rules.label_change(ROLES, [], [STARRED])
    assert unstar.remove_flags == {"\\Flagged"} and not unstar.add_flags


def test_flagging_stars() -> None:
    star = frozenset({STARRED})
    assert rules.star_change(ROLES, frozenset({"\\Flagged"}), frozenset(), None) == (star, frozenset())
    assert rules.star_change(ROLES, frozenset(), frozenset({"\\Flagged"}), None) == (frozenset(), star)
    assert rules.star_change(ROLES, frozenset(), frozenset(), frozenset({"\\Seen"})) == (frozenset(), star)
    assert rules.star_change(ROLES, frozenset({"\\Seen"}), frozenset(), None) is None


def test_expunge_deletes_only_from_all_mail_trash_and_spam() -> None:
    assert [r for r in LabelRole if rules.expunge_deletes(r)] == [LabelRole.TRASH, LabelRole.SPAM, LabelRole.ALL]
    assert not rules.expunge_deletes(None)
    assert rules.expunge_flags(LabelRole.STARRED) == {"\\Deleted", "\\Flagged"}
    assert rules.expunge_flags(None) == {"\\Deleted"}
