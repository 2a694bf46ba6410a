"""Versioned schema migrations for the PostgreSQL adapters.

Each adapter that keeps tables in PostgreSQL ships a :class:`Schema`: its
component name (``meta``, ``search``...) and its numbered migrations. Several
components may share one database and one PostgreSQL schema; each has its
own version, kept in the ``mailcore_migrations`` table. ``mailcore migrate``
applies what is pending for every component the configuration uses; with
``[store] migrate = "auto"`` (the default) the adapters do it themselves when
they open, and with ``"manual"`` they refuse to open a schema that is behind
(:class:`~mailcore.errors.SchemaOutdated`).

All migrations of one run happen under one advisory lock, each in its own
transaction with its version row, so a run interrupted half-way leaves the
schema at the last version it completed and several processes starting at
once apply each migration exactly once.

A migration is never edited once shipped: a change of schema is a new entry.
Its first line, if it is an SQL comment (``-- what it does``), names it in
``mailcore migrate``'s output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from mailcore.errors import SchemaOutdated
from mailcore.store._postgres import PgConn, PgDatabase

#: The advisory lock every migration run of an installation takes.
ADVISORY_LOCK = 4242001
#: Seconds one migration may run (rewriting a large table takes long).
MIGRATION_TIMEOUT = 6 * 3600.0

_TABLE = """
CREATE TABLE IF NOT EXISTS mailcore_migrations(
  component TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  applied DOUBLE PRECISION NOT NULL,
  PRIMARY KEY(component, version)
)
"""


@attrs.frozen
class Schema:
    """One component's tables, as numbered migrations (version n is ``migrations[n-1]``)."""

    component: str
    migrations: tuple[str, ...]

    @property
    def latest(self) -> int:
        return len(self.migrations)

    def name_of(self, version: int) -> str:
        """The migration's leading ``-- comment``, or ``""``."""
        first = self.migrations[version - 1].strip().splitlines()[0].strip()
        return first[2:].strip() if first.startswith("--") else ""


@attrs.frozen
class SchemaStatus:
    """Where one component's tables stand against what this release needs."""

    component: str
    current: int
    latest: int

    @property
    def pending(self) -> int:
        return max(0, self.latest - self.current)

    def outdated(self) -> SchemaOutdated:
        return SchemaOutdated(
            f"the PostgreSQL {self.component} schema is at version {self.current}, "
            f"this release needs {self.latest}; run `mailcore migrate`"
        )


@attrs.frozen
class Applied:
    """One migration just applied."""

    component: str
    version: int
    name: str


async def _versions(conn: PgConn) -> dict[str, int]:
    """Each component's version, read without writing anything."""
    tables = await conn.fetchone(
        "SELECT to_regclass('mailcore_migrations') IS NOT NULL, to_regclass('mailcore_schema') IS NOT NULL"
    )
    versions: dict[str, int] = {}
    if tables[0]:
        for component, version in await conn.fetchall(
            "SELECT component, max(version) FROM mailcore_migrations GROUP BY component"
        ):
            versions[component] = int(version)
    if tables[1] and "meta" not in versions:
        # the bookkeeping of releases before components: the meta store's alone
        row = await conn.fetchone("SELECT max(version) FROM mailcore_schema")
        if row[0] is not None:
            versions["meta"] = int(row[0])
    return versions


async def status(db: PgDatabase, schemas: Sequence[Schema]) -> list[SchemaStatus]:
    """Each schema's current and needed version (nothing is changed)."""
    versions = await db.read(_versions)
    return [SchemaStatus(s.component, versions.get(s.component, 0), s.latest) for s in schemas]


async def require_current(db: PgDatabase, schemas: Sequence[Schema]) -> None:
    """Raise :class:`SchemaOutdated` for the first schema with migrations pending."""
    for state in await status(db, schemas):
        if state.pending:
            raise state.outdated()


async def apply_pending(
    db: PgDatabase,
    schemas: Sequence[Schema],
    on_applied: Callable[[Applied], None] | None = None,
) -> list[Applied]:
    """Apply every pending migration of ``schemas``, in order, under the advisory lock.

    ``on_applied`` hears of each one as soon as it has committed.
    """
    applied: list[Applied] = []

    async def prepare(conn: PgConn) -> None:
        await conn.raw.execute("SELECT pg_advisory_xact_lock($1)", ADVISORY_LOCK)
        await conn.raw.execute(_TABLE)
        legacy = await conn.fetchone("SELECT to_regclass('mailcore_schema') IS NOT NULL")
        if legacy[0]:
            await conn.execute(
                "INSERT INTO mailcore_migrations(component, version, applied)"
                " SELECT 'meta', version, applied FROM mailcore_schema ON CONFLICT DO NOTHING"
            )
            await conn.raw.execute("DROP TABLE mailcore_schema")

    await db.write(prepare)
    versions = await db.read(_versions)
    for schema in schemas:
        for version in range(versions.get(schema.component, 0) + 1, schema.latest + 1):

            async def step(conn: PgConn, schema: Schema = schema, version: int = version) -> bool:
                await conn.raw.execute("SELECT pg_advisory_xact_lock($1)", ADVISORY_LOCK)
                done = await conn.fetchone(
                    "SELECT 1 FROM mailcore_migrations WHERE component=? AND version=?",
                    (schema.component, version),
                )
                if done:
                    return False
                await conn.raw.execute(schema.migrations[version - 1], timeout=MIGRATION_TIMEOUT)
                await conn.execute(
                    "INSERT INTO mailcore_migrations(component, version, name, applied)"
                    " VALUES (?, ?, ?, extract(epoch from now()))",
                    (schema.component, version, schema.name_of(version)),
                )
                return True

            if await db.write(step):
                done = Applied(schema.component, version, schema.name_of(version))
                applied.append(done)
                if on_applied is not None:
                    on_applied(done)
    return applied


async def bring_up_to_date(db: PgDatabase, schemas: Sequence[Schema], migrate: str = "auto") -> None:
    """What an adapter does when it opens: apply what is pending (``"auto"``),
    or refuse a schema that is behind (``"manual"``)."""
    if migrate == "manual":
        await require_current(db, schemas)
    else:
        await apply_pending(db, schemas)
