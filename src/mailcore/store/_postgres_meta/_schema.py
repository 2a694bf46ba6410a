"""Tables of the PostgreSQL MetaStore, as numbered migrations.

The columns match the SQLite adapter's (so both share :mod:`mailcore.store._rows`).
A migration is never edited once shipped: a change of schema is a new entry.
"""

from __future__ import annotations

from mailcore.store._postgres_migrations import Schema

MIGRATIONS: tuple[str, ...] = (
    """
-- accounts, labels, messages, threads and contacts
CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO settings(key, value) VALUES ('uidvalidity', '0');
CREATE SEQUENCE index_seq;
CREATE TABLE domains(name TEXT PRIMARY KEY, created DOUBLE PRECISION NOT NULL);
CREATE TABLE accounts(
  id BIGSERIAL PRIMARY KEY,
  address TEXT NOT NULL UNIQUE,
  domain TEXT NOT NULL REFERENCES domains(name),
  password_hash TEXT NOT NULL,
  display_name TEXT,
  settings TEXT NOT NULL DEFAULT '{}',
  modseq BIGINT NOT NULL DEFAULT 1,
  created DOUBLE PRECISION NOT NULL
);
CREATE TABLE aliases(
  address TEXT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE
);
CREATE TABLE labels(
  id BIGSERIAL PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  role TEXT,
  uidvalidity BIGINT NOT NULL,
  uidnext BIGINT NOT NULL DEFAULT 1,
  highest_modseq BIGINT NOT NULL DEFAULT 1,
  messages BIGINT NOT NULL DEFAULT 0,
  unseen BIGINT NOT NULL DEFAULT 0,
  size BIGINT NOT NULL DEFAULT 0,
  color TEXT,
  subscribed INTEGER NOT NULL DEFAULT 1,
  UNIQUE(account_id, name)
);
CREATE TABLE threads(
  id BIGSERIAL PRIMARY KEY,
  account_id BIGINT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  thread_subject TEXT NOT NULL DEFAULT '',
  last_date DOUBLE PRECISION NOT NULL DEFAULT 0,
  message_count BIGINT NOT NULL DEFAULT 0,
  unread_count BIGINT NOT NULL DEFAULT 0,
  flagged INTEGER NOT NULL DEFAULT 0,
  has_attachment INTEGER NOT NULL DEFAULT 0,
  snippet TEXT NOT NULL DEFAULT '',
  participants TEXT NOT NULL DEFAULT '[]',
  label_ids TEXT NOT NULL DEFAULT '[]',
  modseq BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX threads_subject ON threads(account_id, thread_subject, last_date);
CREATE TABLE thread_labels(
  label_id BIGINT NOT NULL,
  last_date DOUBLE PRECISION NOT NULL,
  thread_id BIGINT NOT NULL,
  PRIMARY KEY(label_id, last_date, thread_id)
);
CREATE INDEX thread_labels_thread ON thread_labels(thread_id);
CREATE TABLE thread_all(
  account_id BIGINT NOT NULL,
  last_date DOUBLE PRECISION NOT NULL,
  thread_id BIGINT NOT NULL,
  PRIMARY KEY(account_id, last_date, thread_id)
);
CREATE TABLE messages(
  id BIGSERIAL PRIMARY KEY,
  account_id BIGINT NOT NULL,
  thread_id BIGINT NOT NULL,
  blob TEXT NOT NULL,
  size BIGINT NOT NULL,
  internal_date DOUBLE PRECISION NOT NULL,
  flags TEXT NOT NULL DEFAULT '',
  labels TEXT NOT NULL DEFAULT '',
  seen INTEGER NOT NULL DEFAULT 0,
  modseq BIGINT NOT NULL,
  message_id TEXT,
  in_reply_to TEXT NOT NULL DEFAULT '[]',
  refs TEXT NOT NULL DEFAULT '[]',
  subject TEXT NOT NULL DEFAULT '',
  date DOUBLE PRECISION,
  addrs TEXT NOT NULL DEFAULT '{}',
  snippet TEXT NOT NULL DEFAULT '',
  has_attachment INTEGER NOT NULL DEFAULT 0,
  attachments TEXT NOT NULL DEFAULT '[]',
  envelope BYTEA NOT NULL,
  bodystructure BYTEA NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX messages_thread ON messages(thread_id, internal_date);
CREATE INDEX messages_blob ON messages(blob);
CREATE INDEX messages_modseq ON messages(account_id, modseq);
CREATE INDEX messages_header_id ON messages(account_id, message_id);
CREATE TABLE memberships(
  label_id BIGINT NOT NULL,
  uid BIGINT NOT NULL,
  message_id BIGINT NOT NULL,
  PRIMARY KEY(label_id, uid)
);
CREATE UNIQUE INDEX memberships_message ON memberships(message_id, label_id);
CREATE TABLE vanished(
  label_id BIGINT NOT NULL,
  uid BIGINT NOT NULL,
  modseq BIGINT NOT NULL,
  PRIMARY KEY(label_id, uid)
);
CREATE INDEX vanished_modseq ON vanished(label_id, modseq);
CREATE TABLE msgids(
  account_id BIGINT NOT NULL,
  msgid TEXT NOT NULL,
  thread_id BIGINT NOT NULL,
  PRIMARY KEY(account_id, msgid)
);
CREATE INDEX msgids_thread ON msgids(thread_id);
CREATE TABLE index_pending(
  message_id BIGINT PRIMARY KEY,
  account_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  seq BIGINT NOT NULL
);
CREATE INDEX index_pending_seq ON index_pending(seq);
CREATE TABLE contacts(
  account_id BIGINT NOT NULL,
  address TEXT NOT NULL,
  name TEXT,
  sent BIGINT NOT NULL DEFAULT 0,
  received BIGINT NOT NULL DEFAULT 0,
  last_date DOUBLE PRECISION NOT NULL DEFAULT 0,
  PRIMARY KEY(account_id, address)
);
""",
)

#: The meta store's component in ``mailcore_migrations``.
META_SCHEMA = Schema("meta", MIGRATIONS)
