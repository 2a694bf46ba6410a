"""Tables of the embedded MetaStore and the codecs between their rows and the model."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS domains(name TEXT PRIMARY KEY, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS accounts(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  address TEXT NOT NULL UNIQUE,
  domain TEXT NOT NULL REFERENCES domains(name),
  password_hash TEXT NOT NULL,
  display_name TEXT,
  settings TEXT NOT NULL DEFAULT '{}',
  modseq INTEGER NOT NULL DEFAULT 1,
  created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases(
  address TEXT PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS labels(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  role TEXT,
  uidvalidity INTEGER NOT NULL,
  uidnext INTEGER NOT NULL DEFAULT 1,
  highest_modseq INTEGER NOT NULL DEFAULT 1,
  messages INTEGER NOT NULL DEFAULT 0,
  unseen INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL DEFAULT 0,
  color TEXT,
  subscribed INTEGER NOT NULL DEFAULT 1,
  UNIQUE(account_id, name)
);
CREATE TABLE IF NOT EXISTS threads(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  thread_subject TEXT NOT NULL DEFAULT '',
  last_date REAL NOT NULL DEFAULT 0,
  message_count INTEGER NOT NULL DEFAULT 0,
  unread_count INTEGER NOT NULL DEFAULT 0,
  flagged INTEGER NOT NULL DEFAULT 0,
  has_attachment INTEGER NOT NULL DEFAULT 0,
  snippet TEXT NOT NULL DEFAULT '',
  participants TEXT NOT NULL DEFAULT '[]',
  label_ids TEXT NOT NULL DEFAULT '[]',
  modseq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS threads_subject ON threads(account_id, thread_subject, last_date);
CREATE TABLE IF NOT EXISTS thread_labels(
  label_id INTEGER NOT NULL,
  last_date REAL NOT NULL,
  thread_id INTEGER NOT NULL,
  PRIMARY KEY(label_id, last_date, thread_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS thread_labels_thread ON thread_labels(thread_id);
CREATE TABLE IF NOT EXISTS thread_all(
  account_id INTEGER NOT NULL,
  last_date REAL NOT NULL,
  thread_id INTEGER NOT NULL,
  PRIMARY KEY(account_id, last_date, thread_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  thread_id INTEGER NOT NULL,
  blob TEXT NOT NULL,
  size INTEGER NOT NULL,
  internal_date REAL NOT NULL,
  flags TEXT NOT NULL DEFAULT '',
  labels TEXT NOT NULL DEFAULT '',
  seen INTEGER NOT NULL DEFAULT 0,
  modseq INTEGER NOT NULL,
  message_id TEXT,
  in_reply_to TEXT NOT NULL DEFAULT '[]',
  refs TEXT NOT NULL DEFAULT '[]',
  subject TEXT NOT NULL DEFAULT '',
  date REAL,
  addrs TEXT NOT NULL DEFAULT '{}',
  snippet TEXT NOT NULL DEFAULT '',
  has_attachment INTEGER NOT NULL DEFAULT 0,
  attachments TEXT NOT NULL DEFAULT '[]',
  envelope BLOB NOT NULL,
  bodystructure BLOB NOT NULL,
  body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_thread ON messages(thread_id, internal_date);
CREATE INDEX IF NOT EXISTS messages_blob ON messages(blob);
CREATE INDEX IF NOT EXISTS messages_modseq ON messages(account_id, modseq);
CREATE INDEX IF NOT EXISTS messages_header_id ON messages(account_id, message_id);
CREATE TABLE IF NOT EXISTS memberships(
  label_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  message_id INTEGER NOT NULL,
  PRIMARY KEY(label_id, uid)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS memberships_message ON memberships(message_id, label_id);
CREATE TABLE IF NOT EXISTS vanished(
  label_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  PRIMARY KEY(label_id, uid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vanished_modseq ON vanished(label_id, modseq);
CREATE TABLE IF NOT EXISTS msgids(
  account_id INTEGER NOT NULL,
  msgid TEXT NOT NULL,
  thread_id INTEGER NOT NULL,
  PRIMARY KEY(account_id, msgid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS index_pending(
  message_id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS index_pending_seq ON index_pending(seq);
CREATE TABLE IF NOT EXISTS contacts(
  account_id INTEGER NOT NULL,
  address TEXT NOT NULL,
  name TEXT,
  sent INTEGER NOT NULL DEFAULT 0,
  received INTEGER NOT NULL DEFAULT 0,
  last_date REAL NOT NULL DEFAULT 0,
  PRIMARY KEY(account_id, address)
) WITHOUT ROWID;
"""
