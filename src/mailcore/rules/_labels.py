"""Label names and the label tree: what may be created, renamed and deleted.

Labels nest with ``/`` (``Work/Clients``); a child follows its parent when the
parent is renamed or deleted. Names are unique per account without regard to
case. System labels (those with a role) are neither renamed nor deleted.
"""

from __future__ import annotations

from collections.abc import Sequence

from mailcore.errors import AlreadyExists, InvalidName, LabelNotFound, PermissionDenied
from mailcore.model import Label, LabelRole


def validate_label_name(name: str) -> str:
    """Normalize a user label name, or raise :class:`InvalidName`."""
    cleaned = "/".join(part.strip() for part in name.split("/"))
    if not cleaned or any(not part for part in cleaned.split("/")):
        raise InvalidName(f"label name {name!r}: empty hierarchy level")
    if len(cleaned) > 255:
        raise InvalidName("label name is longer than 255 characters")
    if any(ch in cleaned for ch in "\r\n\x00*%") or any(ord(ch) < 32 for ch in cleaned):
        raise InvalidName(f"label name {name!r}: forbidden character")
    if cleaned.upper() == "INBOX" or cleaned.upper().startswith("INBOX/"):
        raise InvalidName("INBOX is a system label")
    return cleaned


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def _find(labels: Sequence[Label], label_id: int) -> Label:
    for label in labels:
        if label.id == label_id:
            return label
    raise LabelNotFound("no such label")


def _subtree(labels: Sequence[Label], root: Label) -> list[Label]:
    prefix = root.name.casefold() + "/"
    return [lb for lb in labels if lb.id == root.id or lb.name.casefold().startswith(prefix)]


def check_new_label(labels: Sequence[Label], name: str, role: LabelRole | None) -> str:
    """The name a new label gets (validated unless it is a system label), or
    :class:`AlreadyExists` when the account has it in any case."""
    cleaned = name if role is not None else validate_label_name(name)
    if any(_same(lb.name, cleaned) for lb in labels):
        raise AlreadyExists(f"label {cleaned} exists")
    return cleaned


def labels_to_rename(labels: Sequence[Label], label_id: int, new_name: str) -> list[tuple[int, str]]:
    """(label id, new name) for a label and each of its children, or an error:
    a system label, an invalid name, a move under itself, or a name (of the
    label or of any child) that another label already has."""
    label = _find(labels, label_id)
    if label.role is not None:
        raise PermissionDenied(f"{label.name} is a system label and cannot be renamed")
    cleaned = validate_label_name(new_name)
    if cleaned.casefold().startswith(label.name.casefold() + "/"):
        raise InvalidName("a label cannot be moved under itself")
    moving = _subtree(labels, label)
    moving_ids = {lb.id for lb in moving}
    plan = [(lb.id, cleaned + lb.name[len(label.name) :]) for lb in moving]
    for _, renamed in plan:
        if any(_same(other.name, renamed) and other.id not in moving_ids for other in labels):
            raise AlreadyExists(f"label {renamed} exists")
    return sorted(plan)


def labels_to_delete(labels: Sequence[Label], label_id: int) -> list[int]:
    """The ids of a label and its children, or :class:`PermissionDenied` for a system label."""
    label = _find(labels, label_id)
    if label.role is not None:
        raise PermissionDenied(f"{label.name} is a system label and cannot be deleted")
    return sorted(lb.id for lb in _subtree(labels, label))
