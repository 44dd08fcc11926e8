"""The schema module names what forget() and export() cover: every table about a person."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.store import MIGRATIONS, SqliteStore
from bot.store.sqlite_schema import PERSON_TABLES


def tables_with_a_user_id(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table
            for table in tables
            if "user_id" in [c[1] for c in conn.execute(f'PRAGMA table_info("{table}")')]
        }
    finally:
        conn.close()


async def test_person_tables_are_every_table_with_a_user_id(tmp_path: Path) -> None:
    """A migration that adds a table about a person must name it in PERSON_TABLES
    (and give it a place in export()), or forget() would leave its rows behind."""
    async with SqliteStore(tmp_path / "coach.db"):
        pass
    assert len(PERSON_TABLES) == len(set(PERSON_TABLES))
    assert set(PERSON_TABLES) == tables_with_a_user_id(tmp_path / "coach.db")


def test_profiles_are_deleted_last() -> None:
    """Later tables may reference profiles (foreign_keys is ON): children go first."""
    assert PERSON_TABLES[-1] == "profiles"


def test_migrations_are_numbered_in_order() -> None:
    assert [step.version for step in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
