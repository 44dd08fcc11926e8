"""Every schema the bot ever shipped migrates to the latest one and keeps its rows.

tests/data/schema_vN.sql is a database at version N, with a few rows, dumped as
SQL. It is written from the real migration steps in bot/store/sqlite_schema.py:

    python tests/unit/store/test_migrations.py write N

When you append step N to MIGRATIONS, add SAMPLE_ROWS[N] if step N adds a table
or a column worth filling, then write schema_vN.sql (the fixture of N-1 is
loaded, migrated by step N, and the new rows added, so old rows travel through
every step). Never edit a fixture afterwards: it stands for the databases
already out there."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.store import LATEST_VERSION, MIGRATIONS, Migration, SqliteStore
from tests.helpers.paths import DATA

FIXTURES = DATA

# Rows written into the fixture of each version, in that version's schema.
SAMPLE_ROWS: dict[int, tuple[str, ...]] = {
    1: (
        "INSERT INTO profiles VALUES (1, '2024-11-02T08:00:00.000000+00:00', 'en', "
        "'Europe/Berlin', '22:00:00', '07:00:00', 1)",
        "INSERT INTO profiles VALUES (2, '2024-12-24T20:15:00.500000+00:00', NULL, NULL, "
        "'23:30:00', '06:00:00', 0)",
        "INSERT INTO sessions VALUES (1, 'ask_duration', "
        '\'{"hot": true, "hours": 1.5, "minutes": 5, "muscle": "calf"}\', '
        "'2024-11-02T08:05:00.000000+00:00', 4)",
        "INSERT INTO sessions VALUES (2, 'greet', '{}', NULL, 0)",
        "INSERT INTO episodes VALUES (NULL, 1, '2024-11-02T07:50:00.000000+00:00', 'calf', "
        "5.0, 'mild', 'now', 1, 0, NULL, 'self_care')",
        "INSERT INTO episodes VALUES (NULL, 1, '2024-11-09T18:00:00.000000+00:00', "
        "'hamstring', 200.0, 'severe', 'after', 0, 1, 1, 'see_doctor')",
        "INSERT INTO episodes VALUES (NULL, 2, '2024-12-24T20:10:00.000000+00:00', NULL, "
        "NULL, NULL, NULL, NULL, NULL, NULL, 'info')",
    ),
    # Step 4 allows the level 'urgent' (get seen today).
    4: (
        "INSERT INTO episodes VALUES (NULL, 2, '2025-01-10T09:00:00.000000+00:00', 'calf', "
        "NULL, NULL, 'after', NULL, NULL, NULL, 'urgent')",
    ),
}


def migrate_sync(conn: sqlite3.Connection, version: int, start: int = 0) -> None:
    """Apply the real steps start+1..version, as SqliteStore does, without the event loop."""
    for step in MIGRATIONS[start:version]:
        conn.execute("BEGIN IMMEDIATE")
        for statement in step.statements:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {step.version}")
        conn.execute("COMMIT")


def fixture_sql(version: int, workdir: Path) -> str:
    """The fixture of `version - 1` (if any), migrated one step, plus SAMPLE_ROWS, as SQL."""
    path = workdir / f"v{version}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        previous = FIXTURES / f"schema_v{version - 1}.sql"
        if version > 1:
            conn.executescript(previous.read_text())
        migrate_sync(conn, version, start=version - 1)
        conn.execute("BEGIN")
        for statement in SAMPLE_ROWS.get(version, ()):
            conn.execute(statement)
        conn.execute("COMMIT")
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    return f"-- Cramp Coach database at schema version {version}. Do not edit.\n{dump}\n" + (
        f"PRAGMA user_version = {version};\n"
    )


def load_fixture(version: int, path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.executescript((FIXTURES / f"schema_v{version}.sql").read_text())
    finally:
        conn.close()


def snapshot(path: Path) -> tuple[int, dict[str, str], dict[str, list[tuple[object, ...]]]]:
    """user_version, schema (name -> sql) and every row of every table."""
    conn = sqlite3.connect(path)
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        schema = {
            name: sql
            for name, sql in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
            )
        }
        rows = {
            table: sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    finally:
        conn.close()
    return version, schema, rows


def user_version(store: SqliteStore) -> int:
    """The schema version of the store's file, read with a connection of our own."""
    conn = sqlite3.connect(store.path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def integrity(path: Path) -> list[tuple[str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()


async def test_a_new_database_gets_the_latest_schema(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "new.db") as store:
        assert user_version(store) == LATEST_VERSION == len(MIGRATIONS)
    version, schema, _ = snapshot(tmp_path / "new.db")
    assert version == LATEST_VERSION
    assert {"profiles", "sessions", "episodes", "episodes_by_user_time"} <= set(schema)


@pytest.mark.parametrize("version", range(1, LATEST_VERSION + 1))
def test_fixture_matches_the_migration_steps(version: int, tmp_path: Path) -> None:
    """Shipped steps are never edited: their schema is still the one in the fixture."""
    assert (FIXTURES / f"schema_v{version}.sql").is_file(), (
        f"tests/data/schema_v{version}.sql is missing. Write it with: "
        f"python tests/unit/store/test_migrations.py write {version}"
    )
    load_fixture(version, tmp_path / "fixture.db")
    conn = sqlite3.connect(tmp_path / "steps.db", isolation_level=None)
    try:
        migrate_sync(conn, version)
    finally:
        conn.close()
    fixture_version, fixture_schema, _ = snapshot(tmp_path / "fixture.db")
    steps_version, steps_schema, _ = snapshot(tmp_path / "steps.db")
    assert fixture_version == steps_version == version
    assert fixture_schema == steps_schema


@pytest.mark.parametrize("version", range(1, LATEST_VERSION + 1))
async def test_every_old_schema_migrates_and_keeps_its_rows(version: int, tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    load_fixture(version, path)
    _, _, old_rows = snapshot(path)
    assert sum(len(rows) for rows in old_rows.values()) > 0
    old_conn = sqlite3.connect(path)
    try:
        widths = {
            table: len(old_conn.execute(f'PRAGMA table_info("{table}")').fetchall())
            for table in old_rows
        }
    finally:
        old_conn.close()

    async with SqliteStore(path) as store:
        assert user_version(store) == LATEST_VERSION
        # Every row reads back through the store as domain values.
        for user_id in (1, 2):
            assert await store.load_session(user_id) is not None
            assert await store.load_profile(user_id) is not None
            assert await store.episodes(user_id)

    _, _, new_rows = snapshot(path)
    conn = sqlite3.connect(path)
    try:
        for table, rows in old_rows.items():
            if table == "sqlite_sequence":
                continue
            # A later step may add columns at the end; the old ones keep their values.
            width = widths[table]
            assert len(new_rows[table]) == len(rows), table
            kept = sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            assert [r[:width] for r in kept] == rows, table
    finally:
        conn.close()
    assert integrity(path) == [("ok",)]


async def test_opening_a_migrated_database_again_changes_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "coach.db"
    load_fixture(1, path)
    async with SqliteStore(path):
        pass
    before = snapshot(path)
    caplog.set_level(logging.INFO, logger="bot.store")
    caplog.clear()
    async with SqliteStore(path):
        pass
    async with SqliteStore(path):
        pass
    assert snapshot(path) == before
    assert not [r for r in caplog.records if "migrated" in r.getMessage()]


async def test_two_processes_opening_at_once_migrate_once(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    stores = [SqliteStore(path) for _ in range(4)]
    try:
        await asyncio.gather(*(store.open() for store in stores))
        assert [user_version(store) for store in stores] == [LATEST_VERSION] * 4
    finally:
        for store in stores:
            await store.close()


EXTRA = Migration(
    version=LATEST_VERSION + 1,
    description="a step appended later",
    statements=(
        "ALTER TABLE episodes ADD COLUMN note TEXT",
        "CREATE INDEX sessions_by_update ON sessions (updated_at)",
    ),
)


async def test_an_appended_step_runs_on_an_old_database(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    load_fixture(LATEST_VERSION, path)
    _, _, old_rows = snapshot(path)
    async with SqliteStore(path, migrations=(*MIGRATIONS, EXTRA)) as store:
        assert user_version(store) == LATEST_VERSION + 1
        assert len(await store.episodes(1)) == 2
    version, schema, rows = snapshot(path)
    assert version == LATEST_VERSION + 1
    assert "sessions_by_update" in schema
    assert [row[:-1] for row in rows["episodes"]] == old_rows["episodes"]
    assert rows["sessions"] == old_rows["sessions"]


async def test_a_failing_step_leaves_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    broken = Migration(
        version=LATEST_VERSION + 1,
        description="a broken step",
        statements=("CREATE TABLE half_done (x INTEGER)", "THIS IS NOT SQL"),
    )
    with pytest.raises(StoreError, match=f"version {LATEST_VERSION + 1}.*a broken step"):
        await SqliteStore(path, migrations=(*MIGRATIONS, broken)).open()
    version, schema, _ = snapshot(path)
    assert version == LATEST_VERSION
    assert "half_done" not in schema
    async with SqliteStore(path) as store:  # the shipped code still opens it
        assert user_version(store) == LATEST_VERSION


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    async with SqliteStore(path, migrations=(*MIGRATIONS, EXTRA)):
        pass
    with pytest.raises(StoreError, match="newer than this code"):
        await SqliteStore(path).open()


def test_steps_must_be_numbered_in_order(tmp_path: Path) -> None:
    skipped = Migration(version=LATEST_VERSION + 2, description="skips one", statements=())
    with pytest.raises(StoreError, match="Number the steps"):
        SqliteStore(tmp_path / "coach.db", migrations=(*MIGRATIONS, skipped))


if __name__ == "__main__":
    import tempfile

    if len(sys.argv) != 3 or sys.argv[1] != "write" or not sys.argv[2].isdigit():
        sys.exit("usage: python tests/unit/store/test_migrations.py write VERSION")
    wanted = int(sys.argv[2])
    if not 1 <= wanted <= LATEST_VERSION:
        sys.exit(f"VERSION must be between 1 and {LATEST_VERSION}")
    with tempfile.TemporaryDirectory() as workdir:
        target = FIXTURES / f"schema_v{wanted}.sql"
        target.write_text(fixture_sql(wanted, Path(workdir)))
    print(f"wrote {target}")
