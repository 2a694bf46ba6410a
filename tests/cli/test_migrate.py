"""``mailcore migrate`` and ``[store] migrate = "manual"``, as an operator runs
them: real processes on a fresh PostgreSQL schema, real exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from mailcore._bridge import open_bridge
from mailcore.store._postgres_meta import MIGRATIONS
from tests.servers import new_schema, require_postgres

LATEST = len(MIGRATIONS)


def run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILCORE_")}
    proc = subprocess.run(
        [sys.executable, "-m", "mailcore", "--config", str(config), *args],
        capture_output=True,
        env=env,
        timeout=60,
    )
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


async def _sql(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def sql(url: str, *statements: str) -> None:
    async def main() -> None:
        async with open_bridge() as bridge:
            await bridge.call(_sql, url, *statements)

    trio.run(main)


@pytest.fixture
def schema() -> Iterator[str]:
    url = require_postgres()
    name = new_schema()
    yield name
    sql(url, f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def write_config(tmp_path: Path, schema: str, mode: str | None = None) -> Path:
    migrate = f'migrate = "{mode}"\n' if mode else ""
    path = tmp_path / "mailcore.toml"
    path.write_text(
        f'data_dir = "{tmp_path / "data"}"\n'
        f'[store]\nmeta = "postgres"\n{migrate}'
        f'[store.postgres]\nurl = "{require_postgres()}"\nschema = "{schema}"\n'
    )
    return path


def test_migrate_applies_every_migration_once_and_check_says_so(tmp_path: Path, schema: str) -> None:
    config = write_config(tmp_path, schema)

    check = run(config, "migrate", "--check")
    assert check.returncode == 1, check.stderr
    assert f"PostgreSQL meta schema: version 0, this release needs {LATEST} ({LATEST} pending)" in check.stdout
    assert "applied" not in check.stdout

    first = run(config, "migrate")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert [ln.split(":")[0] for ln in lines[:-1]] == [
        f"applied PostgreSQL meta migration {v}" for v in range(1, LATEST + 1)
    ]
    assert lines[0] == "applied PostgreSQL meta migration 1: accounts, labels, messages, threads and contacts"
    assert lines[-1] == f"PostgreSQL meta schema: version {LATEST}, up to date"

    again = run(config, "migrate")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [f"PostgreSQL meta schema: version {LATEST}, up to date"]

    status = run(config, "migrate", "--status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines() == [f"PostgreSQL meta schema: version {LATEST}, up to date"]


def test_serve_refuses_a_schema_behind_when_migrations_are_manual(tmp_path: Path, schema: str) -> None:
    config = write_config(tmp_path, schema, "manual")
    proc = run(config, "serve", "--listen", "smtp=127.0.0.1:0")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines == [
        f"mailcore: error: the PostgreSQL meta schema is at version 0, this release needs {LATEST};"
        " run `mailcore migrate`"
    ], proc.stderr
    # once migrated by hand, the engine opens
    assert run(config, "migrate").returncode == 0
    listed = run(config, "domain", "list")
    assert listed.returncode == 0, listed.stderr


def test_auto_is_the_default_and_migrates_when_the_store_opens(tmp_path: Path, schema: str) -> None:
    config = write_config(tmp_path, schema)
    assert run(config, "domain", "add", "example.com").returncode == 0
    check = run(config, "migrate", "--check")
    assert check.returncode == 0, check.stdout
    assert check.stdout.splitlines() == [f"PostgreSQL meta schema: version {LATEST}, up to date"]


def test_a_schema_migrated_by_an_earlier_release_keeps_its_version(tmp_path: Path, schema: str) -> None:
    """Earlier releases kept the meta store's versions in ``mailcore_schema``."""
    url = require_postgres()
    sql(
        url,
        f'CREATE SCHEMA "{schema}"',
        f'SET search_path TO "{schema}"; {MIGRATIONS[0]}',
        f'CREATE TABLE "{schema}".mailcore_schema(version INTEGER PRIMARY KEY, applied DOUBLE PRECISION NOT NULL);'
        f'INSERT INTO "{schema}".mailcore_schema VALUES (1, 0)',
    )
    config = write_config(tmp_path, schema)
    first = run(config, "migrate")
    assert first.returncode == 0, first.stderr
    assert "applied PostgreSQL meta migration 1" not in first.stdout
    assert first.stdout.splitlines()[-1] == f"PostgreSQL meta schema: version {LATEST}, up to date"


def test_the_embedded_stores_have_nothing_to_migrate(tmp_path: Path) -> None:
    config = tmp_path / "mailcore.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n')
    for args in (("migrate",), ("migrate", "--check")):
        proc = run(config, *args)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("nothing to migrate"), proc.stdout


def test_an_unknown_migrate_mode_is_a_one_line_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "mailcore.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n[store]\nmigrate = "sometimes"\n')
    proc = run(config, "migrate")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "mailcore: error: [store] migrate must be one of auto, manual, not 'sometimes'"


def test_migrate_says_in_one_line_when_postgresql_cannot_be_reached(tmp_path: Path) -> None:
    config = tmp_path / "mailcore.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[store]\nmeta = "postgres"\n'
        '[store.postgres]\nurl = "postgresql://postgres@127.0.0.1:1/test"\n'
    )
    proc = run(config, "migrate", "--check")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("mailcore: error: postgresql: cannot connect"), proc.stderr
