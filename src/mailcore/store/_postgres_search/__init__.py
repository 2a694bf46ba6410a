"""The SearchIndex on PostgreSQL: tsvector documents, GIN indexes, compiled queries."""

from mailcore.store._postgres_search._index import PostgresSearchIndex
from mailcore.store._postgres_search._schema import MIGRATIONS, SEARCH_SCHEMA

__all__ = ["MIGRATIONS", "SEARCH_SCHEMA", "PostgresSearchIndex"]
