"""The MetaStore on PostgreSQL: migrations, the write path, and the store."""

from mailcore.store._postgres_meta._schema import META_SCHEMA, MIGRATIONS
from mailcore.store._postgres_meta._store import PostgresMetaStore

__all__ = ["META_SCHEMA", "MIGRATIONS", "PostgresMetaStore"]
