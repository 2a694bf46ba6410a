"""The embedded MetaStore on SQLite: tables and codecs, the write path, and the store."""

from mailcore.store._sqlite_meta._store import SQLiteMetaStore

__all__ = ["SQLiteMetaStore"]
