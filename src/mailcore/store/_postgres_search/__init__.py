"""The SearchIndex on PostgreSQL: tsvector documents, GIN indexes, compiled queries."""

from mailcore.store._postgres_search._index import PostgresSearchIndex
from mailcore.store._postgres_search._schema import MIGRATION_TABLE, MIGRATIONS

__all__ = ["MIGRATIONS", "MIGRATION_TABLE", "PostgresSearchIndex"]
