"""What only PostgreSQL can show: its migrations (versioned, under an advisory lock), its
column types, the advice levels as rows, the due-reminders query on its index, a lost
connection, and no per-process cache (several processes share one database).

What every backend must do is tests/contract/test_store.py. Each test here gets a new,
empty database of its own (the `postgres_url` fixture of tests/conftest.py: skipped
without a server, failed under CI=true).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import asyncpg
import pytest

from bot.core.model import AdviceLevel, Episode, Profile, Session
from bot.core.schedule import Reminder
from bot.errors import StoreError
from bot.store import PostgresStore
from bot.store.postgres import describe
from bot.store.postgres_schema import (
    DUE_REMINDERS,
    LATEST_VERSION,
    MIGRATIONS,
    PERSON_TABLES,
    Migration,
)

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


async def fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def applied(url: str) -> list[int]:
    rows = await fetch(url, "SELECT version FROM schema_migrations ORDER BY version")
    return [row[0] for row in rows]


# ------------------------------------------------------------------ migrations


async def test_a_new_database_gets_every_step_once(postgres_url: str) -> None:
    async with PostgresStore(postgres_url):
        pass
    assert await applied(postgres_url) == list(range(1, LATEST_VERSION + 1))
    async with PostgresStore(postgres_url) as again:  # reopening applies nothing
        assert await again.load_session(1) is None
    assert await applied(postgres_url) == list(range(1, LATEST_VERSION + 1))


async def test_two_processes_migrating_at_once_apply_each_step_once(postgres_url: str) -> None:
    """The advisory lock: the second waits for the first, then finds the steps done."""
    stores = [PostgresStore(postgres_url) for _ in range(4)]
    await asyncio.gather(*(store.open() for store in stores))
    try:
        assert await applied(postgres_url) == list(range(1, LATEST_VERSION + 1))
    finally:
        for store in stores:
            await store.close()


async def test_a_failing_step_leaves_the_database_at_the_step_before(postgres_url: str) -> None:
    broken = (
        *MIGRATIONS,
        Migration(
            LATEST_VERSION + 1,
            "a step that fails half-way",
            ("CREATE TABLE half_done (id integer)", "CREATE TABLE nonsense ("),
        ),
    )
    with pytest.raises(StoreError, match="still at the version before"):
        await PostgresStore(postgres_url, migrations=broken).open()
    assert await applied(postgres_url) == list(range(1, LATEST_VERSION + 1))
    assert await fetch(postgres_url, "SELECT to_regclass('half_done') AS t") == [(None,)]


async def test_a_database_newer_than_the_code_is_refused(postgres_url: str) -> None:
    async with PostgresStore(postgres_url):
        pass
    await fetch(
        postgres_url,
        "INSERT INTO schema_migrations (version, description) VALUES ($1, 'from the future')",
        LATEST_VERSION + 1,
    )
    with pytest.raises(StoreError, match="newer than this code knows"):
        await PostgresStore(postgres_url).open()


def test_steps_are_numbered_in_order() -> None:
    with pytest.raises(StoreError, match="Number the steps"):
        PostgresStore("postgresql://localhost/x", migrations=(Migration(2, "two", ()),))


async def test_person_tables_are_every_table_with_a_user_id(postgres_url: str) -> None:
    async with PostgresStore(postgres_url):
        pass
    rows = await fetch(
        postgres_url,
        "SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND column_name = 'user_id'",
    )
    assert {row[0] for row in rows} == set(PERSON_TABLES)


async def test_times_are_timestamptz(postgres_url: str) -> None:
    async with PostgresStore(postgres_url):
        pass
    rows = await fetch(
        postgres_url,
        "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' AND column_name IN "
        "('at', 'first_seen', 'updated_at', 'due_at', 'started_at', 'ends_at', 'last_sent_at')",
    )
    assert len(rows) == 8
    assert {row[1] for row in rows} == {"timestamp with time zone"}


# ------------------------------------------------------------------ advice levels


async def test_advice_levels_are_the_codes_and_an_unknown_one_is_refused(
    postgres_url: str,
) -> None:
    async with PostgresStore(postgres_url) as store:
        rows = await fetch(postgres_url, "SELECT level FROM advice_levels")
        assert {row[0] for row in rows} == set(get_args(AdviceLevel))
        odd = Episode(1, T0, advice_level="panic")  # type: ignore[arg-type]
        with pytest.raises(StoreError, match="advice_level"):
            await store.save_turn(Session(1, "greet"), episode=odd)
        assert await store.load_session(1) is None  # nothing of the turn saved


async def test_a_level_the_code_gains_is_added_at_open_and_none_is_taken_away(
    postgres_url: str,
) -> None:
    async with PostgresStore(postgres_url):
        pass
    # As an older database would be (without "urgent"), with a level a newer release added.
    await fetch(postgres_url, "DELETE FROM advice_levels WHERE level = 'urgent'")
    await fetch(postgres_url, "INSERT INTO advice_levels VALUES ('from_a_newer_release')")
    async with PostgresStore(postgres_url) as store:
        saved = await store.save_turn(
            Session(1, "greet"), episode=Episode(1, T0, advice_level="urgent")
        )
        assert saved is not None and saved.advice_level == "urgent"
    rows = await fetch(postgres_url, "SELECT level FROM advice_levels")
    assert {row[0] for row in rows} == {*get_args(AdviceLevel), "from_a_newer_release"}


# ------------------------------------------------------------------ queries, connections


async def test_due_reminders_read_the_index_in_order(postgres_url: str) -> None:
    async with PostgresStore(postgres_url):
        pass
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute("SET enable_seqscan = off")  # a tiny table: ask what it can do
        plan = "\n".join(row[0] for row in await conn.fetch(f"EXPLAIN {DUE_REMINDERS}", T0, 10))
    finally:
        await conn.close()
    assert "reminders_due" in plan and "Sort" not in plan, plan


async def test_a_kept_episode_id_moves_the_sequence_past_it(postgres_url: str) -> None:
    async with PostgresStore(postgres_url) as store:
        kept = await store.save_turn(Session(1, "greet"), episode=Episode(1, T0, id=50))
        new = await store.save_turn(Session(1, "greet"), episode=Episode(1, T0))
    assert kept is not None and kept.id == 50
    assert new is not None and new.id == 51


async def test_no_cache_a_second_process_sees_every_write_at_once(postgres_url: str) -> None:
    async with PostgresStore(postgres_url) as one, PostgresStore(postgres_url) as two:
        await one.save_turn(Session(1, "greet"), profile=Profile(1, T0))
        assert await two.load_person(1) == (Session(1, "greet"), Profile(1, T0))
        await two.save_turn(Session(1, "ask_duration", {"muscle": "calf"}, T0, 1))
        await two.set_active(1, False)
        session, profile = await one.load_person(1)
        assert session is not None and session.state == "ask_duration"
        assert profile is not None and not profile.active
        await one.forget(1)
        assert await two.load_person(1) == (None, None)


async def test_a_lost_connection_is_a_store_error_then_the_pool_reconnects(
    postgres_url: str,
) -> None:
    async with PostgresStore(postgres_url, min_size=1, max_size=1) as store:
        await store.save_turn(Session(1, "greet"))
        name = postgres_url.rsplit("/", 1)[1]
        await fetch(
            postgres_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        failures = 0
        for _ in range(3):
            try:
                assert await store.load_session(1) == Session(1, "greet")
                break
            except StoreError as exc:
                assert "DATABASE_URL" in str(exc)
                failures += 1
        assert failures <= 1


async def test_not_open_says_what_to_do() -> None:
    store = PostgresStore("postgresql://localhost/x")
    with pytest.raises(StoreError, match="not open"):
        await store.load_session(1)
    await store.close()  # closing what never opened is fine


async def test_reminder_every_round_trips_as_an_interval(postgres_url: str) -> None:
    async with PostgresStore(postgres_url) as store:
        every = timedelta(minutes=20, microseconds=5)
        saved = await store.save_reminder(Reminder(1, "daily", T0, every, T0))
        assert (await store.reminders(1)) == [saved]
        assert saved.every == every


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:secret@db.example:6543/coach", "u@db.example:6543/coach"),
        ("postgresql://db/coach", "db:5432/coach"),
        ("postgresql://u@/", "u@localhost:5432/u"),
        ("postgresql://h:port/x", "(an unreadable URL)"),
    ],
)
def test_messages_name_the_server_never_the_password(url: str, shown: str) -> None:
    assert describe(url) == shown
