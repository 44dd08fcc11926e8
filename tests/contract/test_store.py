"""The store contract, run against every backend; then what only SQLite can show."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest

import bot.store.sqlite
from bot.config import Settings
from bot.core.model import Episode, Profile, Session
from bot.errors import StoreError
from bot.store.sqlite import MIGRATIONS, MemoryStore, Migration, SqliteStore, Store, open_store
from tests.helpers.paths import ROOT

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def session(user_id: int = 1, state: str = "greet", turn: int = 0, **slots: Any) -> Session:
    return Session(user_id, state, slots, T0 + timedelta(minutes=turn), turn)


def episode(user_id: int = 1, minutes: int = 0, muscle: str = "calf") -> Episode:
    return Episode(user_id, T0 + timedelta(minutes=minutes), muscle=muscle, duration_minutes=5.0)


def profile(user_id: int = 1, **changes: Any) -> Profile:
    return replace(Profile(user_id, T0), **changes)


def sqlite_leftovers(path: Path, user_id: int) -> dict[str, int]:
    """Rows mentioning `user_id`, per table, in EVERY table that has a user_id column."""
    found = {}
    with sqlite3.connect(path) as conn:
        tables = [
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            columns = [c[1] for c in conn.execute(f'PRAGMA table_info("{table}")')]
            if "user_id" in columns:
                (count,) = conn.execute(
                    f'SELECT count(*) FROM "{table}" WHERE user_id = ?', (user_id,)
                ).fetchone()
                found[table] = count
    conn.close()
    return found


@dataclass
class Backend:
    """A store under test, plus the ways a test can break it or look inside it."""

    store: Store
    break_table: Callable[[Literal["episodes", "profiles"]], None]
    leftovers: Callable[[int], dict[str, int]]


@pytest.fixture(params=["memory", "sqlite", "sqlite, no cache"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Backend]:
    if request.param == "memory":
        memory = MemoryStore()

        def break_memory(table: Literal["episodes", "profiles"]) -> None:
            def fail(*args: object) -> Any:
                raise StoreError(f"Could not save: {table} broken on purpose.")

            if table == "episodes":
                monkeypatch.setattr(memory, "_stage_episode", fail)
            else:
                monkeypatch.setattr(bot.store.sqlite, "_normal_profile", fail)

        def memory_leftovers(user_id: int) -> dict[str, int]:
            return {
                "sessions": int(user_id in memory._sessions),
                "profiles": int(user_id in memory._profiles),
                "episodes": sum(e.user_id == user_id for e in memory._episodes.values()),
            }

        async with memory:
            yield Backend(memory, break_memory, memory_leftovers)
        return

    path = tmp_path / "coach.db"

    def break_sqlite(table: Literal["episodes", "profiles"]) -> None:
        # A trigger that fails the insert, added from outside like a broken disk would.
        with sqlite3.connect(path) as conn:
            conn.execute(
                f"CREATE TRIGGER broken_{table} BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'broken on purpose'); END"
            )
            conn.execute(
                f"CREATE TRIGGER broken_{table}_update BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'broken on purpose'); END"
            )
        conn.close()

    options = {"cache_people": 0} if request.param == "sqlite, no cache" else {}
    async with SqliteStore(path, **options) as store:
        yield Backend(store, break_sqlite, lambda user_id: sqlite_leftovers(path, user_id))


class TestStoreContract:
    async def test_unknown_person_has_nothing(self, backend: Backend) -> None:
        store = backend.store
        assert await store.load_session(7) is None
        assert await store.load_profile(7) is None
        assert await store.episodes(7) == []

    async def test_session_round_trip_keeps_slot_types(self, backend: Backend) -> None:
        saved = session(turn=3, muscle="calf", minutes=90, hours=1.5, hot=True, intense=False)
        assert await backend.store.save_turn(saved) is None
        loaded = await backend.store.load_session(1)
        assert loaded == saved
        assert loaded is not None
        assert {k: type(v) for k, v in loaded.slots.items()} == {
            "muscle": str,
            "minutes": int,
            "hours": float,
            "hot": bool,
            "intense": bool,
        }
        assert loaded.updated_at is not None and loaded.updated_at.tzinfo == UTC

    async def test_session_is_overwritten_and_times_come_back_in_utc(
        self, backend: Backend
    ) -> None:
        await backend.store.save_turn(session(turn=1, a=1))
        berlin = datetime(2025, 6, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
        await backend.store.save_turn(Session(1, "ask_duration", {"b": "x"}, berlin, 2))
        loaded = await backend.store.load_session(1)
        assert loaded == Session(1, "ask_duration", {"b": "x"}, berlin, 2)
        assert loaded.updated_at == datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
        assert loaded.updated_at.tzinfo == UTC

    async def test_session_without_time(self, backend: Backend) -> None:
        await backend.store.save_turn(Session(1, "greet"))
        assert await backend.store.load_session(1) == Session(1, "greet")

    async def test_save_turn_returns_the_episode_with_a_new_id(self, backend: Backend) -> None:
        first = await backend.store.save_turn(session(), episode=episode(minutes=0))
        second = await backend.store.save_turn(session(turn=1), episode=episode(minutes=1))
        assert first is not None and second is not None
        assert first.id is not None and second.id is not None and second.id > first.id
        assert first == replace(episode(minutes=0), id=first.id)
        assert await backend.store.episodes(1) == [first, second]

    async def test_episode_round_trip_every_field(self, backend: Backend) -> None:
        full = Episode(
            1,
            datetime(2025, 3, 1, 18, 5, 7, 123456, tzinfo=ZoneInfo("America/New_York")),
            muscle="hamstring",
            duration_minutes=12.5,
            severity="severe",
            timing="after",
            returning=True,
            hot=False,
            intense=None,
            advice_level="see_doctor",
        )
        saved = await backend.store.save_turn(session(), episode=full)
        assert saved is not None
        [loaded] = await backend.store.episodes(1)
        assert loaded == saved == replace(full, id=saved.id)
        assert loaded.at.tzinfo == UTC

    async def test_failed_episode_insert_saves_nothing(self, backend: Backend) -> None:
        before = session(turn=1, muscle="calf")
        await backend.store.save_turn(before, profile=profile(language="en"))
        backend.break_table("episodes")
        with pytest.raises(StoreError, match="broken on purpose"):
            await backend.store.save_turn(
                session(turn=2, muscle="thigh"),
                episode=episode(),
                profile=profile(language="de"),
            )
        assert await backend.store.load_session(1) == before
        assert await backend.store.episodes(1) == []
        assert (await backend.store.load_profile(1)) == profile(language="en")

    async def test_failed_profile_upsert_rolls_back_the_episode_too(self, backend: Backend) -> None:
        before = session(turn=1)
        await backend.store.save_turn(before)
        backend.break_table("profiles")
        with pytest.raises(StoreError):
            await backend.store.save_turn(session(turn=2), episode=episode(), profile=profile())
        assert await backend.store.load_session(1) == before
        assert await backend.store.episodes(1) == []
        assert await backend.store.load_profile(1) is None

    async def test_slots_that_are_not_plain_values_are_refused(self, backend: Backend) -> None:
        await backend.store.save_turn(session(turn=1))
        with pytest.raises(StoreError, match="slots"):
            await backend.store.save_turn(
                Session(1, "x", {"when": datetime.now(UTC)}),  # type: ignore[dict-item]
                episode=episode(),
            )
        with pytest.raises(StoreError, match="slots"):
            await backend.store.save_turn(Session(1, "x", {"nan": float("nan")}))
        assert await backend.store.load_session(1) == session(turn=1)
        assert await backend.store.episodes(1) == []

    async def test_a_turn_belongs_to_one_person(self, backend: Backend) -> None:
        with pytest.raises(ValueError, match="one person"):
            await backend.store.save_turn(session(user_id=1), episode=episode(user_id=2))
        with pytest.raises(ValueError, match="one person"):
            await backend.store.save_turn(session(user_id=1), profile=profile(user_id=2))
        assert await backend.store.load_session(1) is None

    async def test_naive_datetimes_are_refused(self, backend: Backend) -> None:
        with pytest.raises(ValueError, match="naive"):
            await backend.store.save_turn(
                session(), episode=Episode(1, datetime(2025, 1, 1, 12, 0))
            )
        assert await backend.store.load_session(1) is None

    async def test_episodes_since(self, backend: Backend) -> None:
        store = backend.store
        # Saved out of order: the store returns them oldest first.
        for minutes in (30, 0, 60, 90):
            await store.save_turn(session(), episode=episode(minutes=minutes))
        all_ = await store.episodes(1)
        assert [e.at for e in all_] == [T0 + timedelta(minutes=m) for m in (0, 30, 60, 90)]
        since = await store.episodes(1, since=T0 + timedelta(minutes=60))
        assert [e.at for e in since] == [T0 + timedelta(minutes=m) for m in (60, 90)]
        # The same instant given in another zone.
        tokyo = (T0 + timedelta(minutes=60)).astimezone(ZoneInfo("Asia/Tokyo"))
        assert await store.episodes(1, since=tokyo) == since
        assert await store.episodes(1, since=T0 + timedelta(days=1)) == []

    async def test_profile_round_trip(self, backend: Backend) -> None:
        store = backend.store
        saved = Profile(
            5,
            datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=ZoneInfo("Europe/Berlin")),
            language="de",
            time_zone="Europe/Berlin",
            quiet_start=time(21, 30),
            quiet_end=time(6, 45),
            active=True,
        )
        await store.save_profile(saved)
        loaded = await store.load_profile(5)
        assert loaded == saved
        assert loaded is not None and loaded.first_seen.tzinfo == UTC
        await store.save_profile(replace(saved, language="en", quiet_end=time(8, 0)))
        assert await store.load_profile(5) == replace(saved, language="en", quiet_end=time(8, 0))

    async def test_profile_saved_with_the_turn(self, backend: Backend) -> None:
        await backend.store.save_turn(session(), profile=profile(time_zone="Asia/Tokyo"))
        assert await backend.store.load_profile(1) == profile(time_zone="Asia/Tokyo")

    async def test_load_person_gives_session_and_profile_together(self, backend: Backend) -> None:
        store = backend.store
        assert await store.load_person(1) == (None, None)
        await store.save_turn(session())
        assert await store.load_person(1) == (await store.load_session(1), None)
        await store.save_profile(profile(time_zone="Asia/Tokyo"))
        assert await store.load_person(1) == (
            await store.load_session(1),
            profile(time_zone="Asia/Tokyo"),
        )
        await store.save_profile(profile(user_id=2))
        assert await store.load_person(2) == (None, profile(user_id=2))

    async def test_set_active(self, backend: Backend) -> None:
        store = backend.store
        await store.save_profile(profile())
        await store.set_active(1, False)
        assert await store.load_profile(1) == profile(active=False)
        await store.set_active(1, True)
        assert await store.load_profile(1) == profile(active=True)
        await store.set_active(99, False)  # no profile yet: nothing to mark
        assert await store.load_profile(99) is None

    async def test_forget_deletes_every_row_of_that_person_only(self, backend: Backend) -> None:
        store = backend.store
        for user_id in (1, 2):
            await store.save_turn(
                session(user_id=user_id), episode=episode(user_id), profile=profile(user_id)
            )
            await store.save_turn(session(user_id=user_id, turn=1), episode=episode(user_id, 5))
        kept = await store.export(2)
        await store.forget(1)
        assert await store.load_session(1) is None
        assert await store.load_profile(1) is None
        assert await store.episodes(1) == []
        assert set(backend.leftovers(1).values()) == {0}
        assert await store.export(2) == kept
        await store.forget(1)  # forgetting twice is fine

    async def test_ids_are_not_reused_after_forget(self, backend: Backend) -> None:
        store = backend.store
        first = await store.save_turn(session(), episode=episode())
        await store.forget(1)
        second = await store.save_turn(session(), episode=episode())
        assert first is not None and second is not None
        assert first.id is not None and second.id is not None and second.id > first.id

    async def test_export_is_json(self, backend: Backend) -> None:
        store = backend.store
        await store.save_turn(
            session(turn=2, muscle="calf", hot=True, hours=1.5),
            episode=episode(),
            profile=profile(time_zone="Europe/Berlin"),
        )
        exported = await store.export(1)
        assert json.loads(json.dumps(exported)) == exported
        assert exported["profile"]["time_zone"] == "Europe/Berlin"
        assert exported["session"]["slots"] == {"muscle": "calf", "hot": True, "hours": 1.5}
        assert exported["session"]["updated_at"] == "2025-03-01T09:32:00.000000+00:00"
        assert [e["muscle"] for e in exported["episodes"]] == ["calf"]
        assert await store.export(3) == {
            "user_id": 3,
            "profile": None,
            "session": None,
            "episodes": [],
            "reminders": [],
            "intake": [],
        }

    async def test_people_are_kept_apart(self, backend: Backend) -> None:
        store = backend.store
        await store.save_turn(session(user_id=1, a="one"), episode=episode(1, muscle="calf"))
        await store.save_turn(session(user_id=2, a="two"), episode=episode(2, muscle="foot"))
        one, two = await store.load_session(1), await store.load_session(2)
        assert one is not None and one.slots == {"a": "one"}
        assert two is not None and two.slots == {"a": "two"}
        assert [e.muscle for e in await store.episodes(1)] == ["calf"]
        assert [e.muscle for e in await store.episodes(2)] == ["foot"]

    async def test_concurrent_turns_all_land(self, backend: Backend) -> None:
        store = backend.store

        async def person(user_id: int) -> list[Episode | None]:
            saved = []
            for turn in range(10):
                saved.append(
                    await store.save_turn(
                        session(user_id=user_id, turn=turn), episode=episode(user_id, turn)
                    )
                )
                await store.load_session(user_id)
            return saved

        results = await asyncio.gather(*(person(user_id) for user_id in range(1, 21)))
        ids = [e.id for saved in results for e in saved if e is not None]
        assert len(ids) == len(set(ids)) == 200
        for user_id in range(1, 21):
            assert len(await store.episodes(user_id)) == 10
            loaded = await store.load_session(user_id)
            assert loaded is not None and loaded.turn == 9


# --------------------------------------------------------------------------- SQLite only


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(tmp_path / "coach.db") as store:
        yield store


async def test_connection_settings(sqlite_store: SqliteStore) -> None:
    assert await sqlite_store.pragma("journal_mode") == "wal"
    assert await sqlite_store.pragma("foreign_keys") == 1
    assert await sqlite_store.pragma("synchronous") == 1  # NORMAL
    assert await sqlite_store.pragma("busy_timeout") == 5000
    assert await sqlite_store.user_version() == MIGRATIONS[-1].version


async def test_full_synchronous_can_be_chosen(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "coach.db", synchronous="FULL") as store:
        assert await store.pragma("synchronous") == 2
    with pytest.raises(ValueError, match="NORMAL or FULL"):
        SqliteStore(tmp_path / "coach.db", synchronous="OFF")  # type: ignore[arg-type]


async def test_locked_database_gives_store_error_after_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    async with SqliteStore(path, busy_timeout_ms=100) as store:
        await store.save_turn(session(turn=1))
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            started = asyncio.get_running_loop().time()
            with pytest.raises(StoreError, match="locked"):
                await store.save_turn(session(turn=2), episode=episode())
            assert asyncio.get_running_loop().time() - started >= 0.09
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert await store.load_session(1) == session(turn=1)
        # The lock is gone: the store works again.
        assert await store.save_turn(session(turn=3), episode=episode()) is not None


async def test_closed_store_says_how_to_open_it(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "coach.db")
    with pytest.raises(StoreError, match="not open"):
        await store.load_session(1)
    await store.open()
    await store.open()  # already open: nothing happens
    await store.close()
    await store.close()
    with pytest.raises(StoreError, match="not open"):
        await store.save_turn(session())


async def test_unreadable_file_gives_store_error(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"coach\.db"):
        await SqliteStore(path).open()


async def test_open_store_from_settings_creates_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(database_url="sqlite:///var/data/coach.db")
    async with await open_store(settings) as store:
        await store.save_turn(session())
    assert (tmp_path / "var" / "data" / "coach.db").is_file()
    absolute = tmp_path / "abs" / "coach.db"
    store = await open_store(Settings(database_url=f"sqlite:///{absolute}"))
    try:
        assert await store.load_session(1) is None
    finally:
        await store.close()
    assert absolute.is_file()


async def test_cancelled_turn_leaves_the_store_usable(sqlite_store: SqliteStore) -> None:
    await sqlite_store.save_turn(session(turn=1))
    for steps in range(12):
        before = len(await sqlite_store.episodes(1))
        task = asyncio.create_task(sqlite_store.save_turn(session(turn=100), episode=episode()))
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        # Cancelled before, during or after the commit: all or nothing.
        loaded = await sqlite_store.load_session(1)
        saved = len(await sqlite_store.episodes(1)) - before
        assert loaded is not None
        assert (saved, loaded.turn == 100) in {(0, False), (1, True)}
        # Whatever happened, the next turn goes through.
        await sqlite_store.save_turn(session(turn=steps), episode=episode())
        loaded = await sqlite_store.load_session(1)
        assert loaded is not None and loaded.turn == steps


NOTES = Migration(
    version=len(MIGRATIONS) + 1,
    description="a later feature: notes referencing profiles",
    statements=(
        """CREATE TABLE notes (
            id      INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES profiles (user_id),
            due_at  TEXT    NOT NULL,
            note    BLOB
        )""",
    ),
)


async def test_forget_and_export_cover_tables_added_later(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    async with SqliteStore(path, migrations=(*MIGRATIONS, NOTES)) as store:
        for user_id in (1, 2):
            await store.save_turn(session(user_id=user_id), profile=profile(user_id))
        with sqlite3.connect(path) as conn:
            conn.executemany(
                "INSERT INTO notes (user_id, due_at, note) VALUES (?, ?, ?)",
                [(1, "2025-03-02", b"\x01\x02"), (2, "2025-03-03", None)],
            )
        conn.close()
        exported = await store.export(1)
        assert exported["other"] == {
            "notes": [{"id": 1, "user_id": 1, "due_at": "2025-03-02", "note": "0102"}]
        }
        json.dumps(exported)
        # The note references the profile: forget must delete both anyway.
        await store.forget(1)
        assert set(sqlite_leftovers(path, 1).values()) == {0}
        assert sqlite_leftovers(path, 2)["notes"] == 1
        assert "other" in await store.export(2)


def test_a_killed_writer_loses_no_committed_turn(tmp_path: Path) -> None:
    """SIGKILL the writer mid-way: every turn it reported as committed is on disk."""
    path = tmp_path / "coach.db"
    writer = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "helpers" / "store_crash_writer.py"), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert writer.stdout is not None and writer.stderr is not None
    committed: list[int] = []
    try:
        for line in writer.stdout:
            committed.append(int(line))
            if len(committed) >= 200:
                writer.send_signal(signal.SIGKILL)
                break
        else:
            pytest.fail(f"the writer stopped early: {writer.stderr.read()}")
        committed += [int(line) for line in writer.stdout]  # printed before the kill
    finally:
        writer.kill()
        writer.wait()
        writer.stdout.close()
        writer.stderr.close()
    assert writer.returncode == -signal.SIGKILL
    assert committed == list(range(1, len(committed) + 1))

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        (turn,) = conn.execute("SELECT turn FROM sessions WHERE user_id = 42").fetchone()
        minutes = {m for (m,) in conn.execute("SELECT duration_minutes FROM episodes")}
    finally:
        conn.close()
    assert turn >= committed[-1]
    assert set(map(float, committed)) <= minutes
