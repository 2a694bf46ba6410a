"""Tables of the PostgreSQL SearchIndex, as numbered migrations.

They live beside the MetaStore's tables when both share a schema, so every
name starts with ``search_``; the migrations are the ``search`` component's
(:mod:`mailcore.store._postgres_migrations`). A migration is never edited
once shipped.
"""

from __future__ import annotations

from mailcore.store._postgres_migrations import Schema

MIGRATIONS: tuple[str, ...] = (
    """
CREATE TABLE search_docs(
  message_id BIGINT PRIMARY KEY,
  account_id BIGINT NOT NULL,
  thread_id BIGINT NOT NULL,
  date DOUBLE PRECISION NOT NULL,
  size BIGINT NOT NULL,
  has_attachment BOOLEAN NOT NULL,
  labels BIGINT[] NOT NULL,
  flags TEXT[] NOT NULL,
  words TSVECTOR NOT NULL,
  fields TSVECTOR NOT NULL,
  pairs TSVECTOR NOT NULL
);
CREATE INDEX search_docs_account_date ON search_docs(account_id, date, message_id);
CREATE INDEX search_docs_words ON search_docs USING GIN(words);
CREATE INDEX search_docs_fields ON search_docs USING GIN(fields);
CREATE INDEX search_docs_pairs ON search_docs USING GIN(pairs);
CREATE INDEX search_docs_labels ON search_docs USING GIN(labels);
CREATE INDEX search_docs_flags ON search_docs USING GIN(flags);
""",
)

SEARCH_SCHEMA = Schema("search", MIGRATIONS)
