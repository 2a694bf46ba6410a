"""The Gmail search language, parsed once into a typed tree.

Pure core code: no I/O and no trio. Search adapters compile the tree
(:mod:`mailcore.store._sqlite_search` to FTS5 and SQL, others to their own
language); the engine resolves label names with :func:`resolve_labels`.
"""

from mailcore.search._query import (
    FIELD_NAMES,
    And,
    DateAfter,
    DateBefore,
    Field,
    FieldName,
    Flag,
    HasAttachment,
    Label,
    LabelIds,
    Larger,
    MatchAll,
    MatchNone,
    NewerThan,
    Not,
    OlderThan,
    Or,
    Query,
    Smaller,
    Text,
    and_,
    format_query,
    not_,
    or_,
    parse_query,
    resolve_labels,
)

__all__ = [
    "FIELD_NAMES",
    "And",
    "DateAfter",
    "DateBefore",
    "Field",
    "FieldName",
    "Flag",
    "HasAttachment",
    "Label",
    "LabelIds",
    "Larger",
    "MatchAll",
    "MatchNone",
    "NewerThan",
    "Not",
    "OlderThan",
    "Or",
    "Query",
    "Smaller",
    "Text",
    "and_",
    "format_query",
    "not_",
    "or_",
    "parse_query",
    "resolve_labels",
]
