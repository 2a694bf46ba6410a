"""Gmail's label semantics over IMAP's flags.

* Starred is the ``\\Flagged`` flag: setting one sets the other.
* Trash and Spam are outside All Mail (and Inbox); every other message is in
  All Mail. Leaving Trash or Spam brings a message back to All Mail.
* A message arriving in Drafts is a ``\\Draft``.

The functions take the account's system labels as ``roles`` (role -> label id)
and return what to change; the engine turns that into mutations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from mailcore.errors import InvalidArgument
from mailcore.model import LabelRole

Roles = Mapping[LabelRole, int]

FLAGGED = "\\Flagged"
DRAFT = "\\Draft"


def _outside_all_mail(roles: Roles) -> set[int]:
    return {roles[LabelRole.TRASH], roles[LabelRole.SPAM]}


def new_message_labels(
    roles: Roles, label_ids: Iterable[int], flags: Iterable[str]
) -> tuple[frozenset[int], frozenset[str]]:
    """Labels and flags of a message as it is stored (delivered, appended or imported).

    A message with no label at all is archived: in All Mail only.
    """
    ids = set(label_ids)
    flag_set = set(flags)
    if roles[LabelRole.STARRED] in ids:
        flag_set.add(FLAGGED)
    if roles[LabelRole.DRAFTS] in ids:
        flag_set.add(DRAFT)
    if FLAGGED in flag_set:
        ids.add(roles[LabelRole.STARRED])
    if ids & _outside_all_mail(roles):
        ids.discard(roles[LabelRole.ALL])
        ids.discard(roles[LabelRole.INBOX])
    else:
        ids.add(roles[LabelRole.ALL])
    return frozenset(ids), frozenset(flag_set)


@attrs.frozen
class LabelChange:
    """What adding and removing labels on messages means under Gmail's rules."""

    add: frozenset[int]
    remove: frozenset[int]
    add_flags: frozenset[str] = frozenset()
    remove_flags: frozenset[str] = frozenset()


def label_change(roles: Roles, add: Iterable[int], remove: Iterable[int]) -> LabelChange:
    """Add and remove labels: into Trash or Spam leaves All Mail, Inbox and the
    other one of the two; out of them returns to All Mail; Starred carries
    ``\\Flagged``. Removing All Mail otherwise is refused (delete or trash instead)."""
    add_ids = set(add)
    remove_ids = set(remove) - add_ids
    trashlike = _outside_all_mail(roles)
    if add_ids & trashlike:
        remove_ids |= {roles[LabelRole.ALL], roles[LabelRole.INBOX]} | (trashlike - add_ids)
    elif remove_ids & trashlike:
        add_ids.add(roles[LabelRole.ALL])
    if roles[LabelRole.ALL] in remove_ids and not add_ids & trashlike:
        raise InvalidArgument("All Mail cannot be removed; delete or trash the message instead")
    starred = roles[LabelRole.STARRED]
    add_flags = frozenset({FLAGGED}) if starred in add_ids else frozenset()
    remove_flags = frozenset({FLAGGED}) if starred in remove_ids and starred not in add_ids else frozenset()
    return LabelChange(frozenset(add_ids), frozenset(remove_ids), add_flags, remove_flags)


def star_change(
    roles: Roles, add: frozenset[str], remove: frozenset[str], replace: frozenset[str] | None
) -> tuple[frozenset[int], frozenset[int]] | None:
    """(labels to add, labels to remove) that follow a flag change, or None:
    ``\\Flagged`` set or cleared stars or unstars the messages."""
    starred = frozenset({roles[LabelRole.STARRED]})
    if replace is not None:
        return (starred, frozenset()) if FLAGGED in replace else (frozenset(), starred)
    if FLAGGED in add:
        return starred, frozenset()
    if FLAGGED in remove:
        return frozenset(), starred
    return None


def expunge_deletes(role: LabelRole | None) -> bool:
    """Expunged from All Mail, Trash or Spam a message is deleted for good;
    from any other label it only loses that label."""
    return role in (LabelRole.ALL, LabelRole.TRASH, LabelRole.SPAM)


def expunge_flags(role: LabelRole | None) -> frozenset[str]:
    """Flags a message loses when expunged from a label: ``\\Deleted``, and
    ``\\Flagged`` when the label is Starred."""
    return frozenset({"\\Deleted", FLAGGED}) if role is LabelRole.STARRED else frozenset({"\\Deleted"})
