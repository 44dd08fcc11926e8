"""The store contract: one class, run against every backend (the `store` fixture of
tests/conftest.py: memory, sqlite, sqlite-nocache, postgres). A new backend passes this class.

What only SQLite can show (migrations, pragmas, crashes, the cache) is in tests/unit/store/.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest

import bot.store.memory
from bot.core.model import Episode, Profile, Session
from bot.core.schedule import Advance, Reminder
from bot.errors import AlreadyPolling, OutOfTurn, StoreError
from bot.store import MemoryStore, PostgresStore, SqliteStore, Store
from bot.store.mailbox import Incoming, Outgoing
from tests.helpers import postgres

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
R0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def session(user_id: int = 1, state: str = "greet", turn: int = 0, **slots: Any) -> Session:
    return Session(user_id, state, slots, T0 + timedelta(minutes=turn), turn)


def episode(user_id: int = 1, minutes: int = 0, muscle: str = "calf") -> Episode:
    return Episode(user_id, T0 + timedelta(minutes=minutes), muscle=muscle, duration_minutes=5.0)


def profile(user_id: int = 1, **changes: Any) -> Profile:
    return replace(Profile(user_id, T0), **changes)


async def add_person(store: Store, user_id: int, *, active: bool = True) -> None:
    await store.save_turn(
        Session(user_id, "menu"), profile=Profile(user_id, R0, time_zone="Europe/Berlin")
    )
    if not active:
        await store.set_active(user_id, False)


def series(user_id: int, due_minutes: int = 20) -> Reminder:
    return Reminder(
        user_id=user_id,
        kind="series",
        due_at=R0 + due_minutes * MINUTE,
        every=20 * MINUTE,
        started_at=R0,
        ends_at=R0 + timedelta(hours=2),
    )


def daily(user_id: int, due_minutes: int = 60) -> Reminder:
    return Reminder(user_id, "daily", R0 + due_minutes * MINUTE, timedelta(hours=2), R0)


def break_table(
    store: Store, monkeypatch: pytest.MonkeyPatch, table: Literal["episodes", "profiles"]
) -> None:
    """Make every write to `table` fail from now on, as a broken disk would."""
    if isinstance(store, MemoryStore):

        def fail(*args: object) -> Any:
            raise StoreError(f"Could not save: {table} broken on purpose.")

        if table == "episodes":
            monkeypatch.setattr(store, "_stage_episode", fail)
        else:
            monkeypatch.setattr(bot.store.memory, "normal_profile", fail)
        return
    if isinstance(store, PostgresStore):
        postgres.break_table(store.url, table)
        return
    assert isinstance(store, SqliteStore)
    with sqlite3.connect(store.path) as conn:  # a trigger that fails the write, from outside
        for event in ("INSERT", "UPDATE"):
            conn.execute(
                f"CREATE TRIGGER broken_{table}_{event.lower()} BEFORE {event} ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'broken on purpose'); END"
            )
    conn.close()


def leftovers(store: Store, user_id: int) -> dict[str, int]:
    """Rows about `user_id`, per table: in SQLite, in EVERY table with a user_id column."""
    if isinstance(store, MemoryStore):
        return {
            "sessions": int(user_id in store._sessions),
            "profiles": int(user_id in store._profiles),
            "episodes": sum(e.user_id == user_id for e in store._episodes.values()),
            "reminders": sum(user == user_id for user, _ in store._reminders),
            "intake": len(store._intake.get(user_id, [])),
            "inbox": sum(u.user_id == user_id for u in store._inbox.values()),
            "outbox": sum(m.user_id == user_id for m in store._outbox.values()),
        }
    if isinstance(store, PostgresStore):
        return postgres.leftovers(store.url, user_id)
    assert isinstance(store, SqliteStore)
    return sqlite_leftovers(store.path, user_id)


def sqlite_leftovers(path: Path, user_id: int) -> dict[str, int]:
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


class TestStore:
    """Every method of the Store protocol, as every backend must keep it."""

    async def test_unknown_person_has_nothing(self, store: Store) -> None:
        assert await store.load_session(7) is None
        assert await store.load_profile(7) is None
        assert await store.episodes(7) == []

    async def test_session_round_trip_keeps_slot_types(self, store: Store) -> None:
        saved = session(turn=3, muscle="calf", minutes=90, hours=1.5, hot=True, intense=False)
        assert await store.save_turn(saved) is None
        loaded = await store.load_session(1)
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

    async def test_session_is_overwritten_and_times_come_back_in_utc(self, store: Store) -> None:
        await store.save_turn(session(turn=1, a=1))
        berlin = datetime(2025, 6, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
        await store.save_turn(Session(1, "ask_duration", {"b": "x"}, berlin, 2))
        loaded = await store.load_session(1)
        assert loaded == Session(1, "ask_duration", {"b": "x"}, berlin, 2)
        assert loaded.updated_at == datetime(2025, 6, 1, 10, 0, tzinfo=UTC)
        assert loaded.updated_at.tzinfo == UTC

    async def test_session_without_time(self, store: Store) -> None:
        await store.save_turn(Session(1, "greet"))
        assert await store.load_session(1) == Session(1, "greet")

    async def test_save_turn_returns_the_episode_with_a_new_id(self, store: Store) -> None:
        first = await store.save_turn(session(), episode=episode(minutes=0))
        second = await store.save_turn(session(turn=1), episode=episode(minutes=1))
        assert first is not None and second is not None
        assert first.id is not None and second.id is not None and second.id > first.id
        assert first == replace(episode(minutes=0), id=first.id)
        assert await store.episodes(1) == [first, second]

    async def test_episode_round_trip_every_field(self, store: Store) -> None:
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
        saved = await store.save_turn(session(), episode=full)
        assert saved is not None
        [loaded] = await store.episodes(1)
        assert loaded == saved == replace(full, id=saved.id)
        assert loaded.at.tzinfo == UTC

    async def test_failed_episode_insert_saves_nothing(
        self, store: Store, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        before = session(turn=1, muscle="calf")
        await store.save_turn(before, profile=profile(language="en"))
        break_table(store, monkeypatch, "episodes")
        with pytest.raises(StoreError, match="broken on purpose"):
            await store.save_turn(
                session(turn=2, muscle="thigh"),
                episode=episode(),
                profile=profile(language="de"),
            )
        assert await store.load_session(1) == before
        assert await store.episodes(1) == []
        assert (await store.load_profile(1)) == profile(language="en")

    async def test_failed_profile_upsert_rolls_back_the_episode_too(
        self, store: Store, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        before = session(turn=1)
        await store.save_turn(before)
        break_table(store, monkeypatch, "profiles")
        with pytest.raises(StoreError):
            await store.save_turn(session(turn=2), episode=episode(), profile=profile())
        assert await store.load_session(1) == before
        assert await store.episodes(1) == []
        assert await store.load_profile(1) is None

    async def test_slots_that_are_not_plain_values_are_refused(self, store: Store) -> None:
        await store.save_turn(session(turn=1))
        with pytest.raises(StoreError, match="slots"):
            await store.save_turn(
                Session(1, "x", {"when": datetime.now(UTC)}),  # type: ignore[dict-item]
                episode=episode(),
            )
        with pytest.raises(StoreError, match="slots"):
            await store.save_turn(Session(1, "x", {"nan": float("nan")}))
        assert await store.load_session(1) == session(turn=1)
        assert await store.episodes(1) == []

    async def test_a_turn_belongs_to_one_person(self, store: Store) -> None:
        with pytest.raises(ValueError, match="one person"):
            await store.save_turn(session(user_id=1), episode=episode(user_id=2))
        with pytest.raises(ValueError, match="one person"):
            await store.save_turn(session(user_id=1), profile=profile(user_id=2))
        assert await store.load_session(1) is None

    async def test_naive_datetimes_are_refused(self, store: Store) -> None:
        with pytest.raises(ValueError, match="naive"):
            await store.save_turn(session(), episode=Episode(1, datetime(2025, 1, 1, 12, 0)))
        assert await store.load_session(1) is None

    async def test_amend_episode_changes_the_one_logged_at_that_time(self, store: Store) -> None:
        first = await store.save_turn(session(), episode=episode(minutes=0))
        second = await store.save_turn(session(turn=1), episode=episode(minutes=1))
        assert first is not None and second is not None
        # The time as another zone gives it: the same instant is the same episode.
        at = first.at.astimezone(ZoneInfo("Asia/Tokyo"))
        corrected = Episode(
            1,
            at,
            muscle="quad",
            duration_minutes=12.5,
            severity="severe",
            timing="after",
            returning=True,
            hot=False,
            intense=None,
            advice_level="see_doctor",
        )
        amended = await store.amend_episode(corrected)
        assert amended == replace(corrected, at=first.at, id=first.id)
        assert await store.episodes(1) == [amended, second]
        assert await store.episodes(1, since=T0) == [amended, second]
        assert (await store.export(1))["episodes"][0]["muscle"] == "quad"

    async def test_amend_episode_without_one_at_that_time_writes_nothing(
        self, store: Store
    ) -> None:
        saved = await store.save_turn(session(), episode=episode(minutes=0))
        assert await store.amend_episode(episode(minutes=5, muscle="quad")) is None
        assert await store.amend_episode(episode(user_id=2, muscle="quad")) is None
        assert await store.episodes(1) == [saved]
        assert await store.episodes(2) == []

    async def test_amend_episode_in_a_transaction_rolls_back_with_it(self, store: Store) -> None:
        saved = await store.save_turn(session(), episode=episode(minutes=0))
        assert saved is not None
        await store.episodes(1, since=T0)  # a cached history must not keep the amendment
        with pytest.raises(RuntimeError, match="on purpose"):
            async with store.transaction(1):
                await store.save_turn(session(turn=2))
                assert await store.amend_episode(replace(saved, id=None, muscle="quad"))
                raise RuntimeError("on purpose")
        assert await store.episodes(1, since=T0) == [saved]
        assert await store.load_session(1) == session()

    async def test_episodes_since(self, store: Store) -> None:
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

    async def test_load_turn_is_the_person_and_their_episodes_since(self, store: Store) -> None:
        assert await store.load_turn(1, T0) == (None, None, [])
        for minutes in (30, 0, 60):
            await store.save_turn(session(turn=minutes), episode=episode(minutes=minutes))
        await store.save_turn(session(turn=90), profile=profile(language="de"))
        await store.save_turn(session(user_id=2), episode=episode(user_id=2, minutes=90))
        since = (T0 + timedelta(minutes=30)).astimezone(ZoneInfo("Asia/Tokyo"))
        found = await store.load_turn(1, since)
        assert found == (*await store.load_person(1), await store.episodes(1, since=since))
        assert [e.at for e in found[2]] == [T0 + timedelta(minutes=m) for m in (30, 60)]
        assert found[0] == session(turn=90) and found[1] == profile(language="de")

    async def test_profile_round_trip(self, store: Store) -> None:
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

    async def test_profile_saved_with_the_turn(self, store: Store) -> None:
        await store.save_turn(session(), profile=profile(time_zone="Asia/Tokyo"))
        assert await store.load_profile(1) == profile(time_zone="Asia/Tokyo")

    async def test_load_person_gives_session_and_profile_together(self, store: Store) -> None:
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

    async def test_set_active(self, store: Store) -> None:
        await store.save_profile(profile())
        await store.set_active(1, False)
        assert await store.load_profile(1) == profile(active=False)
        await store.set_active(1, True)
        assert await store.load_profile(1) == profile(active=True)
        await store.set_active(99, False)  # no profile yet: nothing to mark
        assert await store.load_profile(99) is None

    async def test_forget_deletes_every_row_of_that_person_only(self, store: Store) -> None:
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
        assert set(leftovers(store, 1).values()) == {0}
        assert await store.export(2) == kept
        await store.forget(1)  # forgetting twice is fine

    async def test_ids_are_not_reused_after_forget(self, store: Store) -> None:
        first = await store.save_turn(session(), episode=episode())
        await store.forget(1)
        second = await store.save_turn(session(), episode=episode())
        assert first is not None and second is not None
        assert first.id is not None and second.id is not None and second.id > first.id

    async def test_export_is_json(self, store: Store) -> None:
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

    async def test_people_are_kept_apart(self, store: Store) -> None:
        await store.save_turn(session(user_id=1, a="one"), episode=episode(1, muscle="calf"))
        await store.save_turn(session(user_id=2, a="two"), episode=episode(2, muscle="foot"))
        one, two = await store.load_session(1), await store.load_session(2)
        assert one is not None and one.slots == {"a": "one"}
        assert two is not None and two.slots == {"a": "two"}
        assert [e.muscle for e in await store.episodes(1)] == ["calf"]
        assert [e.muscle for e in await store.episodes(2)] == ["foot"]

    async def test_concurrent_turns_all_land(self, store: Store) -> None:

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

    # ------------------------------------------------------------------- reminders, intake

    async def test_save_and_read_back(self, store: Store) -> None:
        await add_person(store, 1)
        saved = await store.save_reminder(series(1))
        assert saved.id is not None
        other = await store.save_reminder(daily(1))
        assert await store.reminders(1) == [saved, other]
        assert saved.due_at.tzinfo is UTC

    async def test_one_reminder_per_person_and_kind(self, store: Store) -> None:
        await add_person(store, 1)
        first = await store.save_reminder(series(1, 20))
        again = await store.save_reminder(series(1, 40))  # a new workout restarts the series
        assert again.id == first.id
        assert [r.due_at for r in await store.reminders(1)] == [R0 + 40 * MINUTE]

    async def test_due_reminders_soonest_first_limited_and_only_active_people(
        self, store: Store
    ) -> None:
        for user_id in (1, 2, 3, 4):
            await add_person(store, user_id, active=user_id != 3)
        await store.save_reminder(series(1, 30))
        await store.save_reminder(series(2, 10))
        await store.save_reminder(series(3, 5))  # blocked the bot
        await store.save_reminder(series(4, 50))  # not due yet
        due = await store.due_reminders(R0 + 40 * MINUTE, limit=10)
        assert [(r.user_id, p.user_id) for r, p in due] == [(2, 2), (1, 1)]
        assert due[0][1].time_zone == "Europe/Berlin"
        assert [r.user_id for r, _ in await store.due_reminders(R0 + 40 * MINUTE, limit=1)] == [2]
        assert await store.due_reminders(R0, limit=10) == []

    async def test_advance_moves_or_deletes_and_counts_sends(self, store: Store) -> None:
        await add_person(store, 1)
        await add_person(store, 2)
        one = await store.save_reminder(series(1))
        two = await store.save_reminder(series(2))
        applied = await store.advance_reminders(
            [
                Advance(one, R0 + 40 * MINUTE, sent_at=R0 + 20 * MINUTE),
                Advance(two, None, sent_at=R0 + 20 * MINUTE),
            ]
        )
        assert applied == 2
        (moved,) = await store.reminders(1)
        assert moved.due_at == R0 + 40 * MINUTE
        assert moved.last_sent_at == R0 + 20 * MINUTE and moved.sent == 1
        assert await store.reminders(2) == []
        skipped = await store.advance_reminders([Advance(moved, R0 + 60 * MINUTE, sent_at=None)])
        assert skipped == 1
        (after,) = await store.reminders(1)
        assert after.sent == 1 and after.last_sent_at == R0 + 20 * MINUTE

    async def test_a_change_made_meanwhile_wins_over_the_sweep(self, store: Store) -> None:
        """The sweep read the reminder, then the person snoozed (or stopped) before it recorded."""
        await add_person(store, 1)
        read = await store.save_reminder(series(1))
        snoozed = await store.save_reminder(replace(read, due_at=R0 + 50 * MINUTE))
        assert await store.advance_reminders([Advance(read, R0 + 40 * MINUTE, R0)]) == 0
        assert (await store.reminders(1))[0].due_at == snoozed.due_at
        await store.stop_reminders(1)
        assert await store.advance_reminders([Advance(snoozed, R0 + 70 * MINUTE, R0)]) == 0
        assert await store.reminders(1) == []

    async def test_stop_one_kind_or_all(self, store: Store) -> None:
        await add_person(store, 1)
        await store.save_reminder(series(1))
        await store.save_reminder(daily(1))
        assert await store.stop_reminders(1, "daily") == 1
        assert [r.kind for r in await store.reminders(1)] == ["series"]
        assert await store.stop_reminders(1) == 1
        assert await store.stop_reminders(1) == 0

    async def test_intake_by_time_window(self, store: Store) -> None:
        await add_person(store, 1)
        for minutes in (0, 30, 90):
            await store.log_intake(1, R0 + minutes * MINUTE)
        await store.log_intake(2, R0)
        assert await store.intake(1) == [R0, R0 + 30 * MINUTE, R0 + 90 * MINUTE]
        assert await store.intake(1, since=R0 + MINUTE, until=R0 + 90 * MINUTE) == [
            R0 + 30 * MINUTE
        ]

    async def test_forget_and_export_cover_reminders_and_intake(self, store: Store) -> None:
        await add_person(store, 1)
        await add_person(store, 2)
        await store.save_reminder(series(1))
        await store.save_reminder(daily(2))
        await store.log_intake(1, R0)
        exported = await store.export(1)
        assert json.loads(json.dumps(exported)) == exported
        assert [r["kind"] for r in exported["reminders"]] == ["series"]
        assert exported["reminders"][0]["every"] == 1200.0
        assert exported["intake"] == ["2026-06-01T10:00:00.000000+00:00"]
        await store.forget(1)
        assert await store.reminders(1) == [] and await store.intake(1) == []
        assert await store.due_reminders(R0 + timedelta(days=1), 10) != []  # person 2 kept

    async def test_export_is_the_same_document_on_every_backend(self, store: Store) -> None:
        """Written the same way, every backend exports exactly this (ids included)."""
        await store.save_turn(
            session(turn=2, muscle="calf", hot=True, hours=1.5),
            episode=replace(episode(), severity="mild", returning=False),
            profile=profile(language="en", time_zone="Europe/Berlin", quiet_end=time(6, 30)),
        )
        await store.save_reminder(series(1))
        await store.save_reminder(daily(1))
        await store.log_intake(1, R0 + MINUTE)
        await store.log_intake(1, R0)
        await add_person(store, 2)  # someone else, not in the document
        await store.log_intake(2, R0)
        exported = await store.export(1)
        assert json.loads(json.dumps(exported)) == exported
        assert exported == {
            "user_id": 1,
            "profile": {
                "user_id": 1,
                "first_seen": "2025-03-01T09:30:00.000000+00:00",
                "language": "en",
                "time_zone": "Europe/Berlin",
                "quiet_start": "22:00:00",
                "quiet_end": "06:30:00",
                "active": True,
            },
            "session": {
                "user_id": 1,
                "state": "greet",
                "slots": {"hot": True, "hours": 1.5, "muscle": "calf"},
                "updated_at": "2025-03-01T09:32:00.000000+00:00",
                "turn": 2,
            },
            "episodes": [
                {
                    "id": 1,
                    "user_id": 1,
                    "at": "2025-03-01T09:30:00.000000+00:00",
                    "muscle": "calf",
                    "duration_minutes": 5.0,
                    "severity": "mild",
                    "timing": None,
                    "returning": False,
                    "hot": None,
                    "intense": None,
                    "advice_level": "self_care",
                }
            ],
            "reminders": [
                {
                    "id": 1,
                    "user_id": 1,
                    "kind": "series",
                    "due_at": "2026-06-01T10:20:00.000000+00:00",
                    "every": 1200.0,
                    "started_at": "2026-06-01T10:00:00.000000+00:00",
                    "ends_at": "2026-06-01T12:00:00.000000+00:00",
                    "last_sent_at": None,
                    "sent": 0,
                },
                {
                    "id": 2,
                    "user_id": 1,
                    "kind": "daily",
                    "due_at": "2026-06-01T11:00:00.000000+00:00",
                    "every": 7200.0,
                    "started_at": "2026-06-01T10:00:00.000000+00:00",
                    "ends_at": None,
                    "last_sent_at": None,
                    "sent": 0,
                },
            ],
            "intake": ["2026-06-01T10:00:00.000000+00:00", "2026-06-01T10:01:00.000000+00:00"],
        }
        # The slots come back in key order on every backend, too.
        assert list(exported["session"]["slots"]) == ["hot", "hours", "muscle"]


def incoming(update_id: int, user_id: int = 1) -> Incoming:
    return Incoming(update_id, user_id, json.dumps({"update_id": update_id, "text": "hi"}))


def text(user_id: int, body: str, markup: str | None = None) -> Outgoing:
    return Outgoing(user_id, user_id, "text", body, markup)


class TestTransactionsAndMailbox:
    """A turn's writes in one transaction, and the channel's inbox and outbox."""

    async def test_a_transaction_commits_every_write_together(self, store: Store) -> None:
        async with store.transaction(1):
            await store.save_turn(session(), episode=episode(), profile=profile())
            await store.log_intake(1, R0)
            await store.save_reminder(series(1))
            async with store.transaction(1):  # a nested one joins it
                await store.finish_update(10, R0)
            assert (await store.load_session(1)) == session()  # its own writes, seen
        assert await store.load_session(1) == session()
        assert len(await store.episodes(1)) == 1
        assert await store.intake(1) == [R0]
        assert len(await store.reminders(1)) == 1

    async def test_a_transaction_that_raises_saves_nothing(self, store: Store) -> None:
        await store.save_turn(session(turn=1), profile=profile())
        before = await store.export(1)
        with pytest.raises(RuntimeError, match="midway"):
            async with store.transaction(1):
                await store.save_turn(session(turn=2, muscle="quad"), episode=episode())
                await store.log_intake(1, R0)
                await store.queue_messages([text(1, "hello")], R0)
                await store.receive_updates([incoming(5)], R0)
                await store.finish_update(5, R0)
                raise RuntimeError("midway")
        assert await store.export(1) == before
        assert await store.load_session(1) == session(turn=1)  # not a cached half-turn
        assert await store.queued_messages() == []
        assert await store.pending_updates() == []
        assert await store.receive_updates([incoming(5)], R0) == [5]  # not marked handled

    async def test_other_calls_wait_for_a_transaction_or_run_beside_it(self, store: Store) -> None:
        async with store.transaction(1):
            await store.save_turn(session())
            beside = asyncio.create_task(store.log_intake(2, R0))
            await asyncio.sleep(0.05)
        await asyncio.wait_for(beside, 5)
        assert await store.intake(2) == [R0]

    async def test_an_update_is_handled_once(self, store: Store) -> None:
        assert await store.receive_updates([incoming(1), incoming(2), incoming(3, 2)], R0) == [
            1,
            2,
            3,
        ]
        # Seen again before it is handled: still to handle, kept once.
        assert await store.receive_updates([incoming(2), incoming(4)], R0) == [2, 4]
        assert [u.update_id for u in await store.pending_updates()] == [1, 2, 3, 4]
        assert [u.update_id for u in await store.pending_updates(1)] == [1, 2, 4]
        assert await store.pending_updates(2) == [incoming(3, 2)]
        assert await store.backlog() == (4, 0)
        await store.finish_update(1, R0)
        await store.finish_update(99, R0)  # handled without being kept: recorded all the same
        assert await store.receive_updates([incoming(1), incoming(99), incoming(5)], R0) == [5]
        assert [u.update_id for u in await store.pending_updates(1, limit=2)] == [2, 4]

    async def test_an_update_finished_as_the_next_only_when_it_is(self, store: Store) -> None:
        """finish_update(next_of=person): the update must still be pending and no earlier
        update of theirs pending that never failed; else OutOfTurn and the transaction
        saves nothing (its turn, its messages)."""
        await store.receive_updates([incoming(1), incoming(2), incoming(3, 2)], R0)
        with pytest.raises(OutOfTurn):
            async with store.transaction(1):
                await store.save_turn(session(turn=5), profile=profile())
                await store.queue_messages([text(1, "for update 2")], R0)
                await store.finish_update(2, R0, next_of=1)  # 1 is pending, untried
        assert await store.load_session(1) is None
        assert await store.queued_messages() == []
        assert [u.update_id for u in await store.pending_updates(1)] == [1, 2]
        await store.retry_update(1)  # 1 failed once: it no longer holds up 2
        async with store.transaction(1):
            await store.save_turn(session(turn=6), profile=profile())
            await store.queue_messages([text(1, "for update 2")], R0)
            await store.finish_update(2, R0, next_of=1)
        assert await store.load_session(1) == session(turn=6)
        assert [m.body for m in await store.queued_messages(1)] == ["for update 2"]
        assert [u.update_id for u in await store.pending_updates(1)] == [1]
        with pytest.raises(OutOfTurn):  # handled already
            async with store.transaction(1):
                await store.save_turn(session(turn=7))
                await store.finish_update(2, R0, next_of=1)
        assert await store.load_session(1) == session(turn=6)
        await store.finish_update(3, R0, next_of=2)  # outside a transaction too
        with pytest.raises(OutOfTurn):
            await store.finish_update(3, R0, next_of=2)
        assert await store.pending_updates(2) == []

    async def test_a_new_update_finished_with_its_turn_only_when_it_is_the_next(
        self, store: Store
    ) -> None:
        """finish_update(next_of=person, new=True): an update never kept is saved handled
        with its turn only if no row of it exists (pending or handled) and no earlier
        update of theirs is pending that never failed; else OutOfTurn, nothing saved."""
        async with store.transaction(1):  # nothing of the person kept: saved, handled
            await store.save_turn(session(turn=1), profile=profile())
            await store.queue_messages([text(1, "for update 1")], R0)
            await store.finish_update(1, R0, next_of=1, new=True)
        assert await store.load_session(1) == session(turn=1)
        assert [m.body for m in await store.queued_messages(1)] == ["for update 1"]
        assert await store.pending_updates() == []
        assert await store.receive_updates([incoming(1)], R0) == []  # seen twice: once
        await store.receive_updates([incoming(2), incoming(5, 2)], R0)
        for update_id, why in ((1, "handled already"), (2, "kept already"), (3, "2 pending")):
            with pytest.raises(OutOfTurn):
                async with store.transaction(1):
                    await store.save_turn(session(turn=9))
                    await store.queue_messages([text(1, why)], R0)
                    await store.finish_update(update_id, R0, next_of=1, new=True)
            assert await store.load_session(1) == session(turn=1), why
        assert [m.body for m in await store.queued_messages(1)] == ["for update 1"]
        assert [u.update_id for u in await store.pending_updates()] == [2, 5]
        await store.retry_update(2)  # 2 failed once: it no longer holds up 3
        await store.finish_update(3, R0, next_of=1, new=True)  # outside a transaction too
        assert await store.receive_updates([incoming(3)], R0) == []
        assert [u.update_id for u in await store.pending_updates(1)] == [2]
        with pytest.raises(ValueError, match="next_of"):
            await store.finish_update(4, R0, new=True)

    async def test_a_turn_sends_what_it_queued_after_what_waited(self, store: Store) -> None:
        """What a transaction queued is read back with the ids it was given, after
        anything the person had queued before, and leaves once sent."""
        await store.queue_messages([text(1, "waiting")], R0)
        for body in ("first", "second"):
            async with store.transaction(1):
                await store.save_turn(session())
                await store.queue_messages([text(1, body, "{}"), text(1, body + "+")], R0)
        queued = await store.queued_messages(1)
        assert [m.body for m in queued] == ["waiting", "first", "first+", "second", "second+"]
        for message in queued:
            assert message.id is not None
            await store.message_sent(message.id)
        async with store.transaction(1):
            await store.queue_messages([text(1, "alone"), text(2, "other")], R0)
        async with store.transaction(1):
            await store.queue_messages([text(1, "next")], R0)
        (alone, after) = await store.queued_messages(1)
        assert (alone.body, after.body, after.markup) == ("alone", "next", None)
        assert alone.id is not None and after.id is not None and alone.id < after.id
        await store.message_sent(alone.id)
        assert await store.queued_messages(1) == [after]
        assert [m.body for m in await store.queued_messages(2)] == ["other"]
        assert await store.drop_messages(1) == 1
        assert await store.queued_messages(1) == []

    async def test_a_failed_update_counts_its_attempts(self, store: Store) -> None:
        await store.receive_updates([incoming(7)], R0)
        assert await store.retry_update(7) == 1
        assert await store.retry_update(7) == 2
        assert (await store.pending_updates())[0].attempts == 2
        assert await store.retry_update(8) == 0  # not kept: nothing to count

    async def test_handled_updates_are_pruned_by_age(self, store: Store) -> None:
        await store.receive_updates([incoming(1), incoming(2)], R0)
        await store.finish_update(1, R0)
        await store.finish_update(2, R0 + timedelta(days=2))
        assert await store.prune_updates(R0 + timedelta(days=1)) == 1
        assert await store.receive_updates([incoming(1), incoming(2)], R0) == [1]

    async def test_messages_leave_the_outbox_in_order_once_sent(self, store: Store) -> None:
        photo = Outgoing(2, 2, "photo", "chart", None, "chart.png", b"\x89PNG\x00")
        await store.queue_messages([text(1, "one", '{"inline_keyboard": []}'), photo], R0)
        await store.queue_messages([text(1, "two")], R0)
        queued = await store.queued_messages()
        assert [m.body for m in queued] == ["one", "chart", "two"]
        assert queued[1] == replace(photo, id=queued[1].id)
        assert queued[0].markup == '{"inline_keyboard": []}'
        assert [m.body for m in await store.queued_messages(1)] == ["one", "two"]
        assert await store.backlog() == (0, 3)
        first = queued[0].id
        assert first is not None
        await store.message_sent(first)
        await store.message_sent(first)  # twice is fine
        assert [m.body for m in await store.queued_messages(1, limit=5)] == ["two"]
        assert await store.drop_messages(2) == 1
        assert [m.body for m in await store.queued_messages()] == ["two"]

    async def test_forget_takes_the_person_out_of_inbox_and_outbox(self, store: Store) -> None:
        await store.save_turn(session(), profile=profile())
        await store.receive_updates([incoming(1), incoming(2, 2)], R0)
        await store.queue_messages([text(1, "hi"), text(2, "hi")], R0)
        await store.forget(1)
        assert set(leftovers(store, 1).values()) == {0}
        assert await store.pending_updates() == [incoming(2, 2)]
        assert [m.user_id for m in await store.queued_messages()] == [2]

    async def test_sending_holds_the_person(self, store: Store) -> None:
        await store.queue_messages([text(1, "hi")], R0)
        async with store.sending(1):
            (message,) = await store.queued_messages(1)
            assert message.id is not None
            await store.message_sent(message.id)
        assert await store.queued_messages() == []

    async def test_one_poller_per_database(self, store: Store, tmp_path: Path) -> None:
        async with store.polling():
            if isinstance(store, MemoryStore):
                return  # the data is the process's own: nothing to share
            other = await self._second(store, tmp_path)
            try:
                with pytest.raises(AlreadyPolling, match="already polling"):
                    async with other.polling():
                        pass
            finally:
                await other.close()
        other = await self._second(store, tmp_path)
        try:
            async with other.polling():  # let go when the first one stopped
                pass
        finally:
            await other.close()

    @staticmethod
    async def _second(store: Store, tmp_path: Path) -> Store:
        """Another process's store on the same database."""
        if isinstance(store, PostgresStore):
            second: Store = PostgresStore(store.url)
        else:
            assert isinstance(store, SqliteStore)
            second = SqliteStore(store.path)
        await second.open()
        return second
