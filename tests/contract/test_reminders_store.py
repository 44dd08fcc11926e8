"""The reminder part of the store contract, run against MemoryStore and SqliteStore."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.model import Profile, Session
from bot.core.schedule import Advance, Reminder
from bot.store.sqlite import SqliteStore, Store

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def person(store: Store, user_id: int, *, active: bool = True) -> None:
    await store.save_turn(
        Session(user_id, "menu"), profile=Profile(user_id, T0, time_zone="Europe/Berlin")
    )
    if not active:
        await store.set_active(user_id, False)


def series(user_id: int, due_minutes: int = 20) -> Reminder:
    return Reminder(
        user_id=user_id,
        kind="series",
        due_at=T0 + due_minutes * MINUTE,
        every=20 * MINUTE,
        started_at=T0,
        ends_at=T0 + timedelta(hours=2),
    )


def daily(user_id: int, due_minutes: int = 60) -> Reminder:
    return Reminder(user_id, "daily", T0 + due_minutes * MINUTE, timedelta(hours=2), T0)


async def test_save_and_read_back(store: Store) -> None:
    await person(store, 1)
    saved = await store.save_reminder(series(1))
    assert saved.id is not None
    other = await store.save_reminder(daily(1))
    assert await store.reminders(1) == [saved, other]
    assert saved.due_at.tzinfo is UTC


async def test_one_reminder_per_person_and_kind(store: Store) -> None:
    await person(store, 1)
    first = await store.save_reminder(series(1, 20))
    again = await store.save_reminder(series(1, 40))  # a new workout restarts the series
    assert again.id == first.id
    assert [r.due_at for r in await store.reminders(1)] == [T0 + 40 * MINUTE]


async def test_due_reminders_soonest_first_limited_and_only_active_people(store: Store) -> None:
    for user_id in (1, 2, 3, 4):
        await person(store, user_id, active=user_id != 3)
    await store.save_reminder(series(1, 30))
    await store.save_reminder(series(2, 10))
    await store.save_reminder(series(3, 5))  # blocked the bot
    await store.save_reminder(series(4, 50))  # not due yet
    due = await store.due_reminders(T0 + 40 * MINUTE, limit=10)
    assert [(r.user_id, p.user_id) for r, p in due] == [(2, 2), (1, 1)]
    assert due[0][1].time_zone == "Europe/Berlin"
    assert [r.user_id for r, _ in await store.due_reminders(T0 + 40 * MINUTE, limit=1)] == [2]
    assert await store.due_reminders(T0, limit=10) == []


async def test_advance_moves_or_deletes_and_counts_sends(store: Store) -> None:
    await person(store, 1)
    await person(store, 2)
    one = await store.save_reminder(series(1))
    two = await store.save_reminder(series(2))
    applied = await store.advance_reminders(
        [
            Advance(one, T0 + 40 * MINUTE, sent_at=T0 + 20 * MINUTE),
            Advance(two, None, sent_at=T0 + 20 * MINUTE),
        ]
    )
    assert applied == 2
    (moved,) = await store.reminders(1)
    assert moved.due_at == T0 + 40 * MINUTE
    assert moved.last_sent_at == T0 + 20 * MINUTE and moved.sent == 1
    assert await store.reminders(2) == []
    skipped = await store.advance_reminders([Advance(moved, T0 + 60 * MINUTE, sent_at=None)])
    assert skipped == 1
    (after,) = await store.reminders(1)
    assert after.sent == 1 and after.last_sent_at == T0 + 20 * MINUTE


async def test_a_change_made_meanwhile_wins_over_the_sweep(store: Store) -> None:
    """The sweep read the reminder, then the person snoozed (or stopped) before it recorded."""
    await person(store, 1)
    read = await store.save_reminder(series(1))
    snoozed = await store.save_reminder(replace(read, due_at=T0 + 50 * MINUTE))
    assert await store.advance_reminders([Advance(read, T0 + 40 * MINUTE, T0)]) == 0
    assert (await store.reminders(1))[0].due_at == snoozed.due_at
    await store.stop_reminders(1)
    assert await store.advance_reminders([Advance(snoozed, T0 + 70 * MINUTE, T0)]) == 0
    assert await store.reminders(1) == []


async def test_stop_one_kind_or_all(store: Store) -> None:
    await person(store, 1)
    await store.save_reminder(series(1))
    await store.save_reminder(daily(1))
    assert await store.stop_reminders(1, "daily") == 1
    assert [r.kind for r in await store.reminders(1)] == ["series"]
    assert await store.stop_reminders(1) == 1
    assert await store.stop_reminders(1) == 0


async def test_intake_by_time_window(store: Store) -> None:
    await person(store, 1)
    for minutes in (0, 30, 90):
        await store.log_intake(1, T0 + minutes * MINUTE)
    await store.log_intake(2, T0)
    assert await store.intake(1) == [T0, T0 + 30 * MINUTE, T0 + 90 * MINUTE]
    assert await store.intake(1, since=T0 + MINUTE, until=T0 + 90 * MINUTE) == [T0 + 30 * MINUTE]


async def test_forget_and_export_cover_reminders_and_intake(store: Store) -> None:
    await person(store, 1)
    await person(store, 2)
    await store.save_reminder(series(1))
    await store.save_reminder(daily(2))
    await store.log_intake(1, T0)
    exported = await store.export(1)
    assert json.loads(json.dumps(exported)) == exported
    assert [r["kind"] for r in exported["reminders"]] == ["series"]
    assert exported["reminders"][0]["every"] == 1200.0
    assert exported["intake"] == ["2026-06-01T10:00:00.000000+00:00"]
    assert "other" not in exported
    await store.forget(1)
    assert await store.reminders(1) == [] and await store.intake(1) == []
    assert await store.due_reminders(T0 + timedelta(days=1), 10) != []  # person 2 kept


async def test_the_due_query_uses_the_index(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "coach.db") as store:
        await person(store, 1)
    with sqlite3.connect(tmp_path / "coach.db") as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT r.id FROM reminders AS r INDEXED BY reminders_due "
            "JOIN profiles AS p ON p.user_id = r.user_id WHERE r.due_at <= ? AND p.active = 1 "
            "ORDER BY r.due_at LIMIT 500",
            ("2026",),
        ).fetchall()
    conn.close()
    details = " | ".join(row[-1] for row in plan)
    assert "USING INDEX reminders_due (due_at<?)" in details
    assert "USING INTEGER PRIMARY KEY" in details
    assert "TEMP B-TREE" not in details  # no sort: the index gives the order
