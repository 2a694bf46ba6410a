"""Gmail's mail rules, written once, as pure functions over what storage returns.

A MetaStore adapter stores; it decides nothing about mail. Where a decision
must be taken inside the store's write transaction (so that two engines on one
database stay correct), the adapter gathers the rows the rule needs, calls the
rule from here, and writes what it returns. Everything else (insights, contact
ranking) is computed by the engine from storage-shaped reads.

Nothing here does I/O or imports trio.
"""

from mailcore.rules._contacts import (
    ContactHit,
    ContactRow,
    contact_hits,
    contact_score,
    rank_contacts,
)
from mailcore.rules._gmail import (
    LabelChange,
    expunge_deletes,
    expunge_flags,
    label_change,
    new_message_labels,
    star_change,
)
from mailcore.rules._insights import MessageStat, insights, largest_threads
from mailcore.rules._labels import (
    check_new_label,
    labels_to_delete,
    labels_to_rename,
    validate_label_name,
)
from mailcore.rules._threads import (
    MAX_PARTICIPANTS,
    SUBJECT_THREAD_WINDOW,
    ThreadCandidate,
    ThreadMember,
    ThreadRow,
    choose_thread,
    subject_window_start,
    summarize_thread,
    thread_keys,
)

__all__ = [
    "MAX_PARTICIPANTS",
    "SUBJECT_THREAD_WINDOW",
    "ContactHit",
    "ContactRow",
    "LabelChange",
    "MessageStat",
    "ThreadCandidate",
    "ThreadMember",
    "ThreadRow",
    "check_new_label",
    "choose_thread",
    "contact_hits",
    "contact_score",
    "expunge_deletes",
    "expunge_flags",
    "insights",
    "labels_to_delete",
    "label_change",
    "labels_to_rename",
    "largest_threads",
    "new_message_labels",
    "rank_contacts",
    "star_change",
    "subject_window_start",
    "summarize_thread",
    "thread_keys",
    "validate_label_name",
]
