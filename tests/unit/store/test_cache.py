"""SqliteStore's cache of people's rows: a turn is one round trip, the database the only truth.

The cache holds each person's session and profile, and the episodes of the window
last asked for (a turn asks for the recurrence rules' 90 days every time).

The yardstick everywhere is a fresh SqliteStore on the same file with no cache:
whatever the caching store answers must be what that one reads from disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from bot.core.model import Episode, Profile, Session
from bot.core.schedule import Advance, Reminder
from bot.errors import StoreError
from bot.service import Service
from bot.store import SqliteStore
from bot.store.codec import utc_text
from bot.store.sqlite_rows import session_as_read, session_from
from tests.helpers.shipped import shipped_library

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
PEOPLE = range(1, 7)  # 1, 2: session and profile; 3: profile only; 4: session only; 5, 6: new

Person = tuple[Session | None, Profile | None]


def session(user_id: int = 1, turn: int = 0, **slots: Any) -> Session:
    return Session(user_id, "greet", slots, T0 + timedelta(minutes=turn), turn)


def profile(user_id: int = 1, **changes: Any) -> Profile:
    return replace(Profile(user_id, T0, time_zone="Europe/Berlin"), **changes)


def episode(user_id: int = 1) -> Episode:
    return Episode(user_id, T0, muscle="calf", duration_minutes=5.0)


def series(user_id: int = 1) -> Reminder:
    return Reminder(user_id, "series", T0 + timedelta(minutes=20), timedelta(minutes=20), T0)


WINDOW = T0 - timedelta(days=90)


async def on_disk(path: Path, user_id: int) -> Person:
    """What a fresh store, with no cache, reads from the file."""
    async with SqliteStore(path, cache_people=0) as fresh:
        return await fresh.load_person(user_id)


async def episodes_on_disk(path: Path, user_id: int, since: datetime | None) -> list[Episode]:
    async with SqliteStore(path, cache_people=0) as fresh:
        return await fresh.episodes(user_id, since)


class Trips:
    """Counts round trips to the store's aiosqlite thread (all go through `_execute`)."""

    def __init__(self, store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
        conn = store._conn
        assert conn is not None, "open the store first"
        real = conn._execute
        self.seen = 0

        async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
            self.seen += 1
            return await real(fn, *args, **kwargs)

        monkeypatch.setattr(conn, "_execute", counted)

    def taken(self) -> int:
        """Round trips since the last call."""
        seen, self.seen = self.seen, 0
        return seen


def break_table(path: Path, table: str) -> None:
    """Make every write to `table` fail, from outside, as a broken disk would."""
    with sqlite3.connect(path) as conn:
        for event in ("INSERT", "UPDATE", "DELETE"):
            conn.execute(
                f"CREATE TRIGGER broken_{table}_{event.lower()} BEFORE {event} ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'broken on purpose'); END"
            )
    conn.close()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "coach.db"


@pytest.fixture
async def seeded(path: Path) -> Path:
    """A file with people 1-4 in it, written by an earlier process (nothing cached)."""
    async with SqliteStore(path) as earlier:
        for user_id in (1, 2):
            await earlier.save_turn(
                session(user_id, turn=1, muscle="calf", minutes=5),
                episode=episode(user_id),
                profile=profile(user_id),
            )
        await earlier.save_profile(profile(3, language="de"))
        await earlier.save_turn(session(4, turn=3))
    return path


@pytest.fixture
async def store(seeded: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(seeded) as caching:
        yield caching


# --------------------------------------------------------------------------- write-through

# Values the database hands back in another shape: a slot key that is not text, times
# in another zone, an int for a flag. The cache must hold them as a read returns them.
RESHAPED_SESSION = Session(
    1,
    "ask",
    {7: "seven", 8: 1.0},  # type: ignore[dict-item]
    datetime(2025, 6, 1, 12, tzinfo=BERLIN),
    9,
)
RESHAPED_PROFILE = Profile(
    1,
    datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=BERLIN),
    active=1,  # type: ignore[arg-type]
)

RESHAPED_EPISODE = Episode(
    1,
    datetime(2025, 3, 1, 10, 30, tzinfo=BERLIN),
    duration_minutes=5,  # an int: the database gives 5.0
    returning=1,  # type: ignore[arg-type]
    hot=0,  # type: ignore[arg-type]
)

Write = Callable[[SqliteStore], Awaitable[object]]

WRITES: dict[str, Write] = {
    "turn": lambda s: s.save_turn(session(1, turn=2, muscle="thigh")),
    "turn with episode": lambda s: s.save_turn(session(1, turn=2), episode=episode(1)),
    "turn with profile": lambda s: s.save_turn(
        session(1, turn=2), profile=profile(1, language="en")
    ),
    "turn with episode and profile": lambda s: s.save_turn(
        session(1, turn=2), episode=episode(1), profile=profile(1, active=False)
    ),
    "turn of someone with a profile only": lambda s: s.save_turn(session(3, turn=1)),
    "turn of someone without a profile": lambda s: s.save_turn(session(4, turn=4, a=1)),
    "first turn of someone new": lambda s: s.save_turn(session(5), profile=profile(5)),
    "first turn of someone new, no profile": lambda s: s.save_turn(session(5)),
    "turn the database reshapes": lambda s: s.save_turn(RESHAPED_SESSION, profile=RESHAPED_PROFILE),
    "episode the database reshapes": lambda s: s.save_turn(
        session(1, turn=2), episode=RESHAPED_EPISODE
    ),
    "save_profile": lambda s: s.save_profile(profile(1, quiet_start=time(21, 30))),
    "save_profile of someone with a session only": lambda s: s.save_profile(profile(4)),
    "save_profile of someone new": lambda s: s.save_profile(profile(6)),
    "set_active False": lambda s: s.set_active(1, False),
    "set_active True": lambda s: s.set_active(1, True),
    "set_active without a profile": lambda s: s.set_active(4, False),
    "forget": lambda s: s.forget(1),
    "forget someone without a profile": lambda s: s.forget(4),
    "save_reminder": lambda s: s.save_reminder(series(1)),
    "stop_reminders": lambda s: s.stop_reminders(1),
    "log_intake": lambda s: s.log_intake(1, T0),
    "export": lambda s: s.export(1),
}


@pytest.mark.parametrize("warm", [True, False], ids=["cached", "not cached"])
@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
async def test_after_each_write_the_cache_agrees_with_the_file(
    store: SqliteStore, seeded: Path, write: Write, warm: bool
) -> None:
    if warm:
        for user_id in PEOPLE:
            await store.load_person(user_id)
            await store.episodes(user_id, since=WINDOW)
    await write(store)
    for user_id in PEOPLE:
        # repr: the same types, time zones and slot order too, not just equal values.
        assert repr(await store.load_person(user_id)) == repr(await on_disk(seeded, user_id))
        for since in (WINDOW, T0, None):
            cached = await store.episodes(user_id, since=since)
            assert repr(cached) == repr(await episodes_on_disk(seeded, user_id, since))


@pytest.mark.parametrize(
    "slots",
    [
        {},
        {"z": "last", "a": "first", "m": 1, "f": 0.1, "big": 10**30, "flag": False},
        {"text": "crampe au mollet ✓ \ud800", "tiny": 5e-324, "neg": -0.0, "one": 1.0},
        {7: "a key that is not text"},
        {"list": ["not", "a", "plain", "value"]},
    ],
    ids=["empty", "plain values, unsorted", "unicode and odd floats", "int key", "list"],
)
def test_a_written_session_is_cached_exactly_as_a_read_returns_it(slots: dict[Any, Any]) -> None:
    written = Session(3, "ask", slots, datetime(2025, 6, 1, 12, 30, 1, 7, tzinfo=BERLIN), 4)
    row = (3, "ask", json.dumps(slots, sort_keys=True), utc_text(written.updated_at), 4)
    # repr: the same types, key order and time zone, not only equal values
    assert repr(session_as_read(row, written)) == repr(session_from(row))


async def test_advancing_reminders_leaves_people_as_they_are(
    store: SqliteStore, seeded: Path
) -> None:
    saved = await store.save_reminder(series(1))
    before = await store.load_person(1)
    await store.advance_reminders([Advance(saved, saved.due_at + timedelta(minutes=20), T0)])
    assert await store.load_person(1) == before == await on_disk(seeded, 1)


async def test_a_profile_is_never_guessed_for_someone_not_cached(
    store: SqliteStore, seeded: Path
) -> None:
    # Person 1 has a profile on disk; this process has not read it yet.
    await store.save_turn(session(1, turn=2))
    assert 1 not in store._cache.people
    assert await store.load_profile(1) == profile(1)


# --------------------------------------------------------------------------- round trips


async def test_a_hit_does_not_touch_the_database(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = Trips(store, monkeypatch)
    first = await store.load_person(1)
    assert trips.taken() == 1  # a miss: one query
    assert await store.load_person(1) == first
    assert await store.load_session(1) == first[0]
    assert await store.load_profile(1) == first[1]
    assert trips.taken() == 0
    assert await store.load_person(5) == (None, None)  # nobody is cached too
    assert await store.load_person(5) == (None, None)
    assert trips.taken() == 1


async def test_a_turn_of_a_known_person_is_one_round_trip(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.load_person(1)
    trips = Trips(store, monkeypatch)
    for turn in range(2, 6):
        known, _ = await store.load_person(1)
        assert known is not None
        await store.save_turn(replace(known, turn=turn))
        assert trips.taken() == 1
    # A new person's first turn writes the profile too, so the next turn is known.
    await store.load_person(5)
    await store.save_turn(session(5), profile=profile(5))
    trips.taken()
    await store.load_person(5)
    await store.save_turn(session(5, turn=1))
    assert trips.taken() == 1


async def test_every_service_turn_of_a_known_person_is_one_round_trip(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Questions, a question about causes, and the turns that log a cramp alike."""
    async with SqliteStore(path) as store:
        bot = Service(shipped_library(), store, clock=lambda: T0)
        await bot.handle(1, "/start")
        trips = Trips(store, monkeypatch)
        await bot.handle(1, "what causes cramps")
        assert trips.taken() == 1
        for cramp in range(1, 3):
            for text in ("cramp in my calf", "right now", "a few minutes", "mild", "none"):
                await bot.handle(1, text)
                assert trips.taken() == 1, text
            logged = await store.episodes(1, since=WINDOW)
            assert trips.taken() == 0
            assert [e.muscle for e in logged] == ["calf"] * cramp
            assert logged == await episodes_on_disk(path, 1, WINDOW)
        assert await store.load_person(1) == await on_disk(path, 1)


# --------------------------------------------------------------------------- failures

FAILING: dict[str, tuple[str, Write]] = {
    "turn": ("sessions", lambda s: s.save_turn(session(1, turn=2))),
    "turn whose episode fails": (
        "episodes",
        lambda s: s.save_turn(session(1, turn=2), episode=episode(1)),
    ),
    "turn whose profile fails": (
        "profiles",
        lambda s: s.save_turn(session(1, turn=2), profile=profile(1, language="de")),
    ),
    "save_profile": ("profiles", lambda s: s.save_profile(profile(1, language="de"))),
    "set_active": ("profiles", lambda s: s.set_active(1, False)),
    "forget": ("sessions", lambda s: s.forget(1)),
}


@pytest.mark.parametrize(("table", "write"), FAILING.values(), ids=FAILING.keys())
async def test_a_failed_write_drops_the_entry(
    store: SqliteStore, seeded: Path, monkeypatch: pytest.MonkeyPatch, table: str, write: Write
) -> None:
    committed = await store.load_person(1)
    logged = await store.episodes(1, since=WINDOW)
    break_table(seeded, table)
    with pytest.raises(StoreError, match="broken on purpose"):
        await write(store)
    assert 1 not in store._cache.people and 1 not in store._cache.histories
    trips = Trips(store, monkeypatch)
    assert await store.load_person(1) == committed == await on_disk(seeded, 1)
    assert (
        await store.episodes(1, since=WINDOW) == logged == await episodes_on_disk(seeded, 1, WINDOW)
    )
    assert trips.taken() == 2  # both read again from the database


@pytest.mark.parametrize(
    ("last_statement", "write"),
    [
        ("COMMIT", lambda s: s.forget(1)),
        ("\n    INSERT INTO sessions", lambda s: s.save_turn(session(1, turn=2))),
        (
            "\n    INSERT INTO turn_writes",
            lambda s: s.save_turn(
                session(1, turn=2), episode=episode(1), profile=profile(1, language="de")
            ),
        ),
    ],
    ids=["transaction", "session", "session, episode and profile"],
)
async def test_a_write_cancelled_as_it_commits_drops_the_entry(
    store: SqliteStore,
    seeded: Path,
    monkeypatch: pytest.MonkeyPatch,
    last_statement: str,
    write: Write,
) -> None:
    """The database took the write, but the task was cancelled before it heard so."""
    before = await store.load_person(1)
    conn = store._conn
    assert conn is not None
    real = conn._execute

    async def cancelled_once_done(fn: Any, *args: Any, **kwargs: Any) -> Any:
        result = await real(fn, *args, **kwargs)
        if args and str(args[0]).startswith(last_statement):
            raise asyncio.CancelledError
        return result

    monkeypatch.setattr(conn, "_execute", cancelled_once_done)
    with pytest.raises(asyncio.CancelledError):
        await write(store)
    assert await store.load_person(1) == await on_disk(seeded, 1) != before


async def test_a_cancelled_write_leaves_the_cache_true(store: SqliteStore, seeded: Path) -> None:
    for steps in range(12):
        await store.load_person(1)
        task = asyncio.create_task(
            store.save_turn(
                session(1, turn=100 + steps),
                episode=episode(1),
                profile=profile(1, language=f"l{steps}"),
            )
        )
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        # Cancelled before, during or after the commit: the cache says what the file says.
        assert await store.load_person(1) == await on_disk(seeded, 1), steps


async def test_concurrent_writes_and_reads_keep_the_cache_true(path: Path) -> None:
    rng = random.Random(7)
    async with SqliteStore(path, cache_people=3) as store:

        async def busy(user_id: int) -> None:
            for turn in range(25):
                match rng.randrange(6):
                    case 0:
                        await store.save_turn(session(user_id, turn), profile=profile(user_id))
                    case 1:
                        await store.save_turn(session(user_id, turn), episode=episode(user_id))
                    case 2:
                        await store.save_profile(profile(user_id, language=str(turn)))
                    case 3:
                        await store.set_active(user_id, bool(turn % 2))
                    case 4:
                        await store.forget(user_id)
                    case _:
                        await store.save_turn(session(user_id, turn))
                await store.load_person(user_id)

        # Two tasks per person, so one person's writes and reads interleave too.
        await asyncio.gather(*(busy(user_id) for user_id in (*PEOPLE, *PEOPLE)))
        assert len(store._cache.people) <= 3
        for user_id in PEOPLE:
            assert await store.load_person(user_id) == await on_disk(path, user_id)


# --------------------------------------------------------------------------- bound, switch


async def test_the_least_recently_used_leave_first(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with SqliteStore(path, cache_people=2) as store:
        for user_id in (1, 2, 3):
            await store.save_turn(session(user_id), profile=profile(user_id))
        assert list(store._cache.people) == [2, 3]
        trips = Trips(store, monkeypatch)
        await store.load_person(2)  # a hit, and now the most recent
        assert trips.taken() == 0
        await store.load_person(1)  # a miss: 3, the least recent, leaves
        assert trips.taken() == 1
        assert list(store._cache.people) == [2, 1]
        await store.load_person(2)
        assert trips.taken() == 0
        await store.load_person(3)
        assert trips.taken() == 1
        assert list(store._cache.people) == [2, 3]
        for user_id in (1, 2, 3, 2):
            await store.episodes(user_id, since=WINDOW)
        assert list(store._cache.histories) == [3, 2]


async def test_cache_people_zero_reads_every_time(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with SqliteStore(path, cache_people=0) as store:
        await store.save_turn(session(1), profile=profile(1))
        trips = Trips(store, monkeypatch)
        for turn in range(1, 4):
            known, _ = await store.load_person(1)
            assert known is not None
            await store.save_turn(replace(known, turn=turn))
            assert trips.taken() == 2  # the read, then the write
        assert not store._cache.people
        assert await store.load_person(1) == await on_disk(path, 1)


@pytest.mark.parametrize("bad", [-1, 2.5, "8", None, True])
def test_cache_people_must_be_a_count(path: Path, bad: object) -> None:
    with pytest.raises(ValueError, match="cache_people"):
        SqliteStore(path, cache_people=bad)  # type: ignore[arg-type]


async def test_close_empties_the_cache(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SqliteStore(path)
    await store.open()
    await store.save_turn(session(1), profile=profile(1))
    assert store._cache.people
    await store.close()
    assert not store._cache.people
    await store.open()
    try:
        trips = Trips(store, monkeypatch)
        assert await store.load_person(1) == (session(1), profile(1))
        assert trips.taken() == 1
    finally:
        await store.close()


# --------------------------------------------------------------------------- copies, assumption


async def test_reads_in_flight_at_close_leave_nothing_cached(path: Path) -> None:
    store = SqliteStore(path)
    await store.open()
    await store.save_turn(session(1), profile=profile(1))
    await store.close()
    await store.open()
    reads = [asyncio.create_task(store.load_person(user_id)) for user_id in (1, 2)]
    reads.append(asyncio.create_task(store.episodes(1, since=WINDOW)))
    await asyncio.sleep(0)  # the reads are waiting for the connection
    await store.close()
    await asyncio.gather(*reads, return_exceptions=True)
    assert not store._cache.people and not store._cache.histories


async def test_a_naive_since_is_refused_from_the_cache_too(store: SqliteStore) -> None:
    await store.episodes(1, since=WINDOW)  # cached
    with pytest.raises(ValueError, match="naive"):
        await store.episodes(1, since=datetime(2025, 1, 1))


async def test_an_old_sqlite_is_refused_with_what_to_do(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    with pytest.raises(StoreError, match=r"needs 3\.35\.0 or newer"):
        await SqliteStore(path).open()
    assert not await asyncio.to_thread(path.exists)


async def test_callers_cannot_change_what_is_cached(store: SqliteStore) -> None:
    slots = {"muscle": "calf"}
    await store.save_turn(Session(1, "ask", slots), profile=profile(1))
    slots["muscle"] = "changed by the caller after saving"
    loaded, _ = await store.load_person(1)
    assert loaded is not None
    cast(dict[str, Any], loaded.slots)["muscle"] = "changed by the caller after loading"
    again = await store.load_session(1)
    assert again is not None and again.slots == {"muscle": "calf"}
    assert again.slots is not loaded.slots


async def test_another_writer_is_seen_once_the_entry_is_gone(path: Path) -> None:
    """The documented assumption: one process writes a person's rows. Break it, and the
    other process's write shows only once the entry is evicted (or the store reopened)."""
    async with SqliteStore(path, cache_people=1) as store:
        await store.save_turn(session(1, turn=1), profile=profile(1))
        async with SqliteStore(path) as other:
            await other.save_turn(session(1, turn=2))
        assert await store.load_session(1) == session(1, turn=1)  # not seen yet
        await store.load_person(2)  # evicts person 1
        assert await store.load_session(1) == session(1, turn=2)
