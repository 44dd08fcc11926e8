"""Where sessions, profiles and episodes live. SQLite is the source of truth.

    Store (Protocol)         the short async interface the service talks to
    ├── MemoryStore          an in-memory twin, for unit tests and the console
    └── SqliteStore          aiosqlite, one connection per process, WAL, migrations,
                             a write-through cache of people's rows,
                             a turn saved in one statement (view turn_writes)

Both implementations pass the same contract tests (tests/test_store.py).

Values are stored the way they read: datetimes as ISO-8601 text in UTC (always
with microseconds, so text order is time order), times of day as "HH:MM:SS",
booleans as 0/1, a session's slots as a JSON object.

Migrations
----------
The schema is the ordered tuple `MIGRATIONS`. Step N brings a database from
`PRAGMA user_version` N-1 to N, inside its own `BEGIN IMMEDIATE ... COMMIT`
(user_version is set in the same transaction, so a crash leaves the database at
N-1 or N, never in between). `open()` applies the steps a database has not seen
yet; on a migrated database it does nothing.

To change the schema, APPEND a step; never edit a step that has shipped (old
databases have already run it, and tests/test_migrations.py compares the old
fixtures with the steps):

    Migration(
        version=2,                       # the next number
        description="reminders: one row per reminder to send",
        statements=(
            "CREATE TABLE reminders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, ...)",
            "CREATE INDEX reminders_due ON reminders (due_at)",
        ),
    ),

then write its fixture (`python tests/test_migrations.py write N`, see that
file) so that every schema ever shipped stays tested. Give every table
that holds something about a person a `user_id` column: `forget()` and `export()`
find such tables by themselves. SqliteStore caches sessions, profiles and episodes
and sees only the writes made through its own methods: a new trigger must not write
those tables (the one of step 3, `turn_writes`, runs only for `save_turn`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from bisect import insort
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Literal,
    Protocol,
    Self,
    TypeAlias,
    TypeVar,
    cast,
    get_args,
)

import aiosqlite

from bot.config import Settings
from bot.core.model import AdviceLevel, Episode, Profile, Session, SlotValue
from bot.core.schedule import KINDS, Advance, Reminder, ReminderKind
from bot.errors import StoreError

log = logging.getLogger(__name__)

Synchronous = Literal["NORMAL", "FULL"]


class Store(Protocol):
    async def open(self) -> None:
        """Connect and apply pending migrations."""

    async def close(self) -> None: ...

    async def load_session(self, user_id: int) -> Session | None: ...

    async def save_turn(
        self,
        session: Session,
        *,
        episode: Episode | None = None,
        profile: Profile | None = None,
    ) -> Episode | None:
        """Save the session, and the episode/profile if given, in ONE transaction.

        Returns the episode with its id set. Raises StoreError (nothing saved) on failure.
        """

    async def episodes(self, user_id: int, since: datetime | None = None) -> list[Episode]:
        """This person's episodes, oldest first, optionally only those at or after `since`."""

    async def load_profile(self, user_id: int) -> Profile | None: ...

    async def load_person(self, user_id: int) -> tuple[Session | None, Profile | None]:
        """Session and profile together (one query: a turn needs both)."""

    async def save_profile(self, profile: Profile) -> None: ...

    async def set_active(self, user_id: int, active: bool) -> None:
        """Mark the person as reachable or not (False once they blocked the bot).

        Does nothing if there is no profile for them yet.
        """

    async def forget(self, user_id: int) -> None:
        """Delete every row about this person, in every table."""

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything stored about this person, JSON-serialisable."""

    # Reminders (see bot/core/schedule.py) and the drinks logged with "I drank".

    async def save_reminder(self, reminder: Reminder) -> Reminder:
        """Insert, or replace the person's reminder of the same kind; returns it with its id."""

    async def reminders(self, user_id: int) -> list[Reminder]:
        """This person's reminders, soonest first."""

    async def stop_reminders(self, user_id: int, kind: ReminderKind | None = None) -> int:
        """Delete this person's reminders (of one kind, or all). Returns how many."""

    async def due_reminders(self, now: datetime, limit: int) -> list[tuple[Reminder, Profile]]:
        """Reminders due at or before `now` of people still active, soonest first, at most
        `limit`, each with its person's profile: ONE query on the due_at index."""

    async def advance_reminders(self, changes: Sequence[Advance]) -> int:
        """Record sends/skips in ONE transaction: move each reminder to its next due time
        (or delete it), unless it changed since it was read. Returns how many applied."""

    async def log_intake(self, user_id: int, at: datetime) -> None:
        """Note one drink ("I drank")."""

    async def intake(
        self, user_id: int, since: datetime | None = None, until: datetime | None = None
    ) -> list[datetime]:
        """Times of this person's drinks in [since, until), oldest first."""


# --------------------------------------------------------------------------- migrations


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: from user_version `version - 1` to `version`."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        description="profiles, sessions and episodes",
        statements=(
            """CREATE TABLE profiles (
                user_id     INTEGER PRIMARY KEY,
                first_seen  TEXT    NOT NULL,
                language    TEXT,
                time_zone   TEXT,
                quiet_start TEXT    NOT NULL DEFAULT '22:00:00',
                quiet_end   TEXT    NOT NULL DEFAULT '07:00:00',
                active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
            )""",
            """CREATE TABLE sessions (
                user_id    INTEGER PRIMARY KEY,
                state      TEXT    NOT NULL,
                slots      TEXT    NOT NULL DEFAULT '{}',
                updated_at TEXT,
                turn       INTEGER NOT NULL DEFAULT 0
            )""",
            # AUTOINCREMENT: an id is never reused after forget(), so a reference kept
            # elsewhere (an exported file, a future reminder) can never point at
            # someone else's cramp.
            """CREATE TABLE episodes (
                id               INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id          INTEGER NOT NULL,
                at               TEXT    NOT NULL,
                muscle           TEXT,
                duration_minutes REAL    CHECK (duration_minutes >= 0),
                severity         TEXT,
                timing           TEXT,
                "returning"      INTEGER CHECK ("returning" IN (0, 1)),
                hot              INTEGER CHECK (hot IN (0, 1)),
                intense          INTEGER CHECK (intense IN (0, 1)),
                advice_level     TEXT    NOT NULL DEFAULT 'self_care'
                    CHECK (advice_level IN ('info', 'self_care', 'see_doctor', 'emergency'))
            )""",
            "CREATE INDEX episodes_by_user_time ON episodes (user_id, at)",
        ),
    ),
    Migration(
        version=2,
        description="reminders (one per person and kind, indexed by due time) and intake",
        statements=(
            # AUTOINCREMENT: a sweep that read a reminder must never update a new one
            # that happens to reuse its id.
            """CREATE TABLE reminders (
                id           INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id      INTEGER NOT NULL,
                kind         TEXT    NOT NULL CHECK (kind IN ('series', 'daily')),
                due_at       TEXT    NOT NULL,
                every        REAL    NOT NULL CHECK (every > 0),
                started_at   TEXT    NOT NULL,
                ends_at      TEXT,
                last_sent_at TEXT,
                sent         INTEGER NOT NULL DEFAULT 0,
                UNIQUE (user_id, kind)
            )""",
            "CREATE INDEX reminders_due ON reminders (due_at)",
            """CREATE TABLE intake (
                id      INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id INTEGER NOT NULL,
                at      TEXT    NOT NULL
            )""",
            "CREATE INDEX intake_by_user_time ON intake (user_id, at)",
        ),
    ),
    Migration(
        version=3,
        description="turn_writes: a turn's session, episode and profile in one statement",
        statements=(
            # A view that holds no rows: an INSERT into it runs the trigger below, which
            # writes the three tables. One statement is one transaction, so a turn is
            # saved whole or not at all, in ONE round trip to the connection's thread.
            """CREATE VIEW turn_writes AS SELECT
                NULL AS user_id, NULL AS state, NULL AS slots, NULL AS updated_at,
                NULL AS turn, NULL AS episode_id, NULL AS at, NULL AS muscle,
                NULL AS duration_minutes, NULL AS severity, NULL AS timing,
                NULL AS "returning", NULL AS hot, NULL AS intense, NULL AS advice_level,
                NULL AS first_seen, NULL AS language, NULL AS time_zone,
                NULL AS quiet_start, NULL AS quiet_end, NULL AS active
            WHERE 0""",
            # The session always; the episode when `at` is set; the profile when
            # `first_seen` is set.
            """CREATE TRIGGER turn_writes_insert INSTEAD OF INSERT ON turn_writes BEGIN
                INSERT INTO sessions (user_id, state, slots, updated_at, turn)
                VALUES (NEW.user_id, NEW.state, NEW.slots, NEW.updated_at, NEW.turn)
                ON CONFLICT (user_id) DO UPDATE SET
                    state = excluded.state, slots = excluded.slots,
                    updated_at = excluded.updated_at, turn = excluded.turn;
                INSERT INTO episodes (id, user_id, at, muscle, duration_minutes, severity,
                                      timing, "returning", hot, intense, advice_level)
                SELECT NEW.episode_id, NEW.user_id, NEW.at, NEW.muscle,
                       NEW.duration_minutes, NEW.severity, NEW.timing, NEW."returning",
                       NEW.hot, NEW.intense, NEW.advice_level
                WHERE NEW.at IS NOT NULL;
                INSERT INTO profiles (user_id, first_seen, language, time_zone,
                                      quiet_start, quiet_end, active)
                SELECT NEW.user_id, NEW.first_seen, NEW.language, NEW.time_zone,
                       NEW.quiet_start, NEW.quiet_end, NEW.active
                WHERE NEW.first_seen IS NOT NULL
                ON CONFLICT (user_id) DO UPDATE SET
                    first_seen = excluded.first_seen, language = excluded.language,
                    time_zone = excluded.time_zone, quiet_start = excluded.quiet_start,
                    quiet_end = excluded.quiet_end, active = excluded.active;
            END""",
        ),
    ),
    # Append the next step here (see the module docstring).
)

LATEST_VERSION = MIGRATIONS[-1].version


def _check_migrations(migrations: Sequence[Migration]) -> None:
    for position, step in enumerate(migrations, start=1):
        if step.version != position:
            raise StoreError(
                f"Migration {step.description!r} has version {step.version}, but it is step "
                f"{position} in the list. Number the steps 1, 2, 3, ... in order."
            )


_check_migrations(MIGRATIONS)


# --------------------------------------------------------------------------- values


def _utc_text(value: datetime) -> str:
    """ISO-8601 in UTC, fixed width, so that comparing text compares times."""
    if value.tzinfo is UTC:  # the common case (every clock here is in UTC), checked first
        return value.isoformat(timespec="microseconds")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value!r} is naive; the store keeps aware UTC datetimes only")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _utc(value: datetime) -> datetime:
    _utc_text(value)  # rejects naive datetimes
    return value.astimezone(UTC)


def _from_utc_text(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _bool_or_none(value: object) -> bool | None:
    return None if value is None else bool(value)


#: One encoder for every turn (json.dumps with options builds a new one per call).
_SLOTS_ENCODER = json.JSONEncoder(allow_nan=False, sort_keys=True)


def _slots_json(session: Session) -> str:
    try:
        return _SLOTS_ENCODER.encode(dict(session.slots))
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"Could not save the session of user {session.user_id}: its slots are not "
            f"plain str/int/float/bool values ({exc}). Nothing was saved."
        ) from exc


def _check_same_person(session: Session, episode: Episode | None, profile: Profile | None) -> None:
    for thing in (episode, profile):
        if thing is not None and thing.user_id != session.user_id:
            raise ValueError(
                f"{type(thing).__name__} of user {thing.user_id} saved with the session of "
                f"user {session.user_id}; a turn belongs to one person"
            )


def _normal_session(session: Session) -> Session:
    updated = None if session.updated_at is None else _utc(session.updated_at)
    return replace(session, slots=dict(session.slots), updated_at=updated)


def _normal_episode(episode: Episode) -> Episode:
    return replace(episode, at=_utc(episode.at))


def _normal_profile(profile: Profile) -> Profile:
    return replace(profile, first_seen=_utc(profile.first_seen))


def session_json(session: Session) -> dict[str, Any]:
    """A session as plain JSON values."""
    return {
        "user_id": session.user_id,
        "state": session.state,
        "slots": dict(session.slots),
        "updated_at": None if session.updated_at is None else _utc_text(session.updated_at),
        "turn": session.turn,
    }


def episode_json(episode: Episode) -> dict[str, Any]:
    """An episode as plain JSON values."""
    return {
        "id": episode.id,
        "user_id": episode.user_id,
        "at": _utc_text(episode.at),
        "muscle": episode.muscle,
        "duration_minutes": episode.duration_minutes,
        "severity": episode.severity,
        "timing": episode.timing,
        "returning": episode.returning,
        "hot": episode.hot,
        "intense": episode.intense,
        "advice_level": episode.advice_level,
    }


def profile_json(profile: Profile) -> dict[str, Any]:
    """A profile as plain JSON values."""
    return {
        "user_id": profile.user_id,
        "first_seen": _utc_text(profile.first_seen),
        "language": profile.language,
        "time_zone": profile.time_zone,
        "quiet_start": profile.quiet_start.isoformat(),
        "quiet_end": profile.quiet_end.isoformat(),
        "active": profile.active,
    }


def reminder_json(reminder: Reminder) -> dict[str, Any]:
    """A reminder as plain JSON values (`every` in seconds)."""
    return {
        "id": reminder.id,
        "user_id": reminder.user_id,
        "kind": reminder.kind,
        "due_at": _utc_text(reminder.due_at),
        "every": reminder.every.total_seconds(),
        "started_at": _utc_text(reminder.started_at),
        "ends_at": None if reminder.ends_at is None else _utc_text(reminder.ends_at),
        "last_sent_at": None if reminder.last_sent_at is None else _utc_text(reminder.last_sent_at),
        "sent": reminder.sent,
    }


def _export(
    user_id: int,
    profile: Profile | None,
    session: Session | None,
    episodes: Iterable[Episode],
    reminders: Iterable[Reminder] = (),
    intake: Iterable[datetime] = (),
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "profile": None if profile is None else profile_json(profile),
        "session": None if session is None else session_json(session),
        "episodes": [episode_json(e) for e in episodes],
        "reminders": [reminder_json(r) for r in reminders],
        "intake": [_utc_text(at) for at in intake],
    }


def _normal_reminder(reminder: Reminder) -> Reminder:
    if reminder.kind not in KINDS:
        raise ValueError(f"reminder kind {reminder.kind!r} is not one of {', '.join(KINDS)}")
    if reminder.every <= timedelta(0):
        raise ValueError("a reminder's interval must be longer than zero")
    return replace(
        reminder,
        due_at=_utc(reminder.due_at),
        started_at=_utc(reminder.started_at),
        ends_at=None if reminder.ends_at is None else _utc(reminder.ends_at),
        last_sent_at=None if reminder.last_sent_at is None else _utc(reminder.last_sent_at),
    )


# --------------------------------------------------------------------------- memory


class _Lifecycle:
    """`async with store:` opens it and closes it again."""

    async def open(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class MemoryStore(_Lifecycle):
    """The in-memory twin of SqliteStore: same contract, nothing on disk.

    Values are normalised exactly as SqliteStore does (UTC datetimes, slot
    mappings copied), so a test that passes here passes against SQLite too.
    """

    def __init__(self) -> None:
        self._sessions: dict[int, Session] = {}
        self._profiles: dict[int, Profile] = {}
        self._episodes: dict[int, Episode] = {}
        self._last_id = 0
        self._reminders: dict[tuple[int, str], Reminder] = {}
        self._last_reminder_id = 0
        self._intake: dict[int, list[datetime]] = {}

    async def open(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Nothing to close; the data stays with the object."""

    async def load_session(self, user_id: int) -> Session | None:
        session = self._sessions.get(user_id)
        return None if session is None else replace(session, slots=dict(session.slots))

    async def save_turn(
        self,
        session: Session,
        *,
        episode: Episode | None = None,
        profile: Profile | None = None,
    ) -> Episode | None:
        """Stage every change, then apply them together (no await in between)."""
        _check_same_person(session, episode, profile)
        _slots_json(session)  # the same refusal as SqliteStore
        staged_session = _normal_session(session)
        staged_profile = None if profile is None else _normal_profile(profile)
        staged_episode = None if episode is None else self._stage_episode(episode)
        self._sessions[session.user_id] = staged_session
        if staged_episode is not None:
            assert staged_episode.id is not None
            self._episodes[staged_episode.id] = staged_episode
            self._last_id = max(self._last_id, staged_episode.id)
        if staged_profile is not None:
            self._profiles[staged_profile.user_id] = staged_profile
        return staged_episode

    def _stage_episode(self, episode: Episode) -> Episode:
        if episode.id is not None and episode.id in self._episodes:
            raise StoreError(
                f"Could not save the turn of user {episode.user_id}: episode {episode.id} "
                "already exists. Save a new episode without an id. Nothing was saved."
            )
        new_id = episode.id if episode.id is not None else self._last_id + 1
        return replace(_normal_episode(episode), id=new_id)

    async def episodes(self, user_id: int, since: datetime | None = None) -> list[Episode]:
        found = [
            e
            for e in self._episodes.values()
            if e.user_id == user_id and (since is None or e.at >= _utc(since))
        ]
        return sorted(found, key=_episode_order)

    async def load_profile(self, user_id: int) -> Profile | None:
        return self._profiles.get(user_id)

    async def load_person(self, user_id: int) -> tuple[Session | None, Profile | None]:
        return await self.load_session(user_id), await self.load_profile(user_id)

    async def save_profile(self, profile: Profile) -> None:
        self._profiles[profile.user_id] = _normal_profile(profile)

    async def set_active(self, user_id: int, active: bool) -> None:
        profile = self._profiles.get(user_id)
        if profile is not None:
            self._profiles[user_id] = replace(profile, active=active)

    async def forget(self, user_id: int) -> None:
        self._sessions.pop(user_id, None)
        self._profiles.pop(user_id, None)
        for episode_id in [i for i, e in self._episodes.items() if e.user_id == user_id]:
            del self._episodes[episode_id]
        for kind in KINDS:
            self._reminders.pop((user_id, kind), None)
        self._intake.pop(user_id, None)

    async def export(self, user_id: int) -> dict[str, Any]:
        return _export(
            user_id,
            await self.load_profile(user_id),
            await self.load_session(user_id),
            await self.episodes(user_id),
            await self.reminders(user_id),
            await self.intake(user_id),
        )

    async def save_reminder(self, reminder: Reminder) -> Reminder:
        staged = _normal_reminder(reminder)
        previous = self._reminders.get((staged.user_id, staged.kind))
        if previous is not None:
            staged = replace(staged, id=previous.id)
        else:
            self._last_reminder_id += 1
            staged = replace(staged, id=self._last_reminder_id)
        self._reminders[(staged.user_id, staged.kind)] = staged
        return staged

    async def reminders(self, user_id: int) -> list[Reminder]:
        found = [r for (user, _), r in self._reminders.items() if user == user_id]
        return sorted(found, key=lambda r: (r.due_at, r.id or 0))

    async def stop_reminders(self, user_id: int, kind: ReminderKind | None = None) -> int:
        stopped = 0
        for each in KINDS if kind is None else (kind,):
            stopped += self._reminders.pop((user_id, each), None) is not None
        return stopped

    async def due_reminders(self, now: datetime, limit: int) -> list[tuple[Reminder, Profile]]:
        cutoff = _utc(now)
        due: list[tuple[Reminder, Profile]] = []
        for reminder in sorted(self._reminders.values(), key=lambda r: (r.due_at, r.id or 0)):
            if reminder.due_at > cutoff or len(due) >= limit:
                break
            person = self._profiles.get(reminder.user_id)
            if person is not None and person.active:
                due.append((reminder, person))
        return due

    async def advance_reminders(self, changes: Sequence[Advance]) -> int:
        applied = 0
        for change in changes:
            old = change.reminder
            key = (old.user_id, old.kind)
            current = self._reminders.get(key)
            if current is None or current.id != old.id or current.due_at != _utc(old.due_at):
                continue
            applied += 1
            if change.next_due is None:
                del self._reminders[key]
                continue
            sent = change.sent_at is not None
            self._reminders[key] = replace(
                current,
                due_at=_utc(change.next_due),
                last_sent_at=_utc(change.sent_at) if change.sent_at else current.last_sent_at,
                sent=current.sent + sent,
            )
        return applied

    async def log_intake(self, user_id: int, at: datetime) -> None:
        self._intake.setdefault(user_id, []).append(_utc(at))

    async def intake(
        self, user_id: int, since: datetime | None = None, until: datetime | None = None
    ) -> list[datetime]:
        return sorted(
            at
            for at in self._intake.get(user_id, [])
            if (since is None or at >= _utc(since)) and (until is None or at < _utc(until))
        )


# --------------------------------------------------------------------------- sqlite

_EPISODE_COLUMNS = (
    'id, user_id, at, muscle, duration_minutes, severity, timing, "returning", hot, '
    "intense, advice_level"
)


def _qualified(alias: str, columns: str) -> str:
    """ "a, b" -> "s.a, s.b": a table's columns named through its alias in a join."""
    return ", ".join(f"{alias}.{column}" for column in columns.split(", "))


_SESSION_COLUMNS = "user_id, state, slots, updated_at, turn"
_PROFILE_COLUMNS = "user_id, first_seen, language, time_zone, quiet_start, quiet_end, active"
_KNOWN_TABLES = ("profiles", "sessions", "episodes", "reminders", "intake")
_LOAD_PERSON = f"""
    SELECT {_qualified("s", _SESSION_COLUMNS)},
           {_qualified("p", _PROFILE_COLUMNS)}
    FROM (SELECT ? AS user_id) AS u
    LEFT JOIN sessions AS s ON s.user_id = u.user_id
    LEFT JOIN profiles AS p ON p.user_id = u.user_id
"""


def _episode_row(episode: Episode) -> tuple[Any, ...]:
    def flag(value: bool | None) -> int | None:
        return None if value is None else int(value)

    return (
        episode.id,
        episode.user_id,
        _utc_text(episode.at),
        episode.muscle,
        episode.duration_minutes,
        episode.severity,
        episode.timing,
        flag(episode.returning),
        flag(episode.hot),
        flag(episode.intense),
        episode.advice_level,
    )


def _episode_order(episode: Episode) -> tuple[datetime, int]:
    """Oldest first; episodes logged at the same moment in the order they were saved."""
    return episode.at, episode.id or 0


def _episode_from(row: Sequence[Any]) -> Episode:
    level = row[10]
    if level not in get_args(AdviceLevel):
        raise StoreError(f"Episode {row[0]} has an unknown advice_level {level!r}.")
    return Episode(
        id=row[0],
        user_id=row[1],
        at=_from_utc_text(row[2]),
        muscle=row[3],
        duration_minutes=None if row[4] is None else float(row[4]),  # REAL, even if given 5
        severity=row[5],
        timing=row[6],
        returning=_bool_or_none(row[7]),
        hot=_bool_or_none(row[8]),
        intense=_bool_or_none(row[9]),
        advice_level=cast(AdviceLevel, level),
    )


def _profile_row(profile: Profile) -> tuple[Any, ...]:
    return (
        profile.user_id,
        _utc_text(profile.first_seen),
        profile.language,
        profile.time_zone,
        profile.quiet_start.isoformat(),
        profile.quiet_end.isoformat(),
        int(profile.active),
    )


def _profile_from(row: Sequence[Any]) -> Profile:
    return Profile(
        user_id=row[0],
        first_seen=_from_utc_text(row[1]),
        language=row[2],
        time_zone=row[3],
        quiet_start=time.fromisoformat(row[4]),
        quiet_end=time.fromisoformat(row[5]),
        active=bool(row[6]),
    )


def _session_from(row: Sequence[Any]) -> Session:
    slots = json.loads(row[2])
    if not isinstance(slots, dict):
        raise StoreError(f"The session of user {row[0]} has slots that are not a JSON object.")
    return Session(
        user_id=row[0],
        state=row[1],
        slots=cast(dict[str, SlotValue], slots),
        updated_at=None if row[3] is None else _from_utc_text(row[3]),
        turn=row[4],
    )


_Person: TypeAlias = tuple[Session | None, Profile | None]
#: A person's episodes at or after a time (None: all of them), oldest first.
_History: TypeAlias = tuple[datetime | None, list[Episode]]


#: Slot values that come back from JSON as they went in (NaN is refused before).
_JSON_SAME = (str, int, float, bool)


def _session_as_read(row: Sequence[Any], source: Session | None) -> Session:
    """What a read returns for `row`, just written from `source`.

    Decoding the slots' JSON again costs a turn more than anything else the cache
    does; when text keys and plain values make the round trip change nothing but the
    order (json.dumps sorted the keys), `source` gives the same Session directly.
    """
    if source is None or not all(
        type(key) is str and type(value) in _JSON_SAME for key, value in source.slots.items()
    ):
        return _session_from(row)
    updated = source.updated_at
    return Session(
        user_id=row[0],
        state=row[1],
        slots=dict(sorted(source.slots.items())),
        updated_at=None if updated is None else updated.astimezone(UTC),
        turn=row[4],
    )


def _person_from(row: Sequence[Any]) -> _Person:
    """A row of _LOAD_PERSON; either half is None when that row does not exist."""
    session = None if row[0] is None else _session_from(row[:5])
    profile = None if row[5] is None else _profile_from(row[5:])
    return session, profile


def _own_copy(person: _Person) -> _Person:
    """The pair with slots of the caller's own: Session.slots is a mutable dict."""
    session, profile = person
    if session is None:
        return None, profile
    # Built directly: dataclasses.replace costs several times as much, on every turn.
    return Session(
        session.user_id, session.state, dict(session.slots), session.updated_at, session.turn
    ), profile


def _plain(value: object) -> object:
    return value.hex() if isinstance(value, bytes) else value


_UPSERT_SESSION = f"""
    INSERT INTO sessions ({_SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (user_id) DO UPDATE SET
        state = excluded.state, slots = excluded.slots,
        updated_at = excluded.updated_at, turn = excluded.turn
"""
_UPSERT_PROFILE = f"""
    INSERT INTO profiles ({_PROFILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (user_id) DO UPDATE SET
        first_seen = excluded.first_seen, language = excluded.language,
        time_zone = excluded.time_zone, quiet_start = excluded.quiet_start,
        quiet_end = excluded.quiet_end, active = excluded.active
"""
_REMINDER_COLUMNS = "id, user_id, kind, due_at, every, started_at, ends_at, last_sent_at, sent"
_REMINDER_WIDTH = 9
_UPSERT_REMINDER = """
    INSERT INTO reminders (user_id, kind, due_at, every, started_at, ends_at, last_sent_at, sent)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (user_id, kind) DO UPDATE SET
        due_at = excluded.due_at, every = excluded.every, started_at = excluded.started_at,
        ends_at = excluded.ends_at, last_sent_at = excluded.last_sent_at, sent = excluded.sent
    RETURNING id
"""
_DUE_REMINDERS = f"""
    SELECT {_qualified("r", _REMINDER_COLUMNS)},
           {_qualified("p", _PROFILE_COLUMNS)}
    FROM reminders AS r INDEXED BY reminders_due
    JOIN profiles AS p ON p.user_id = r.user_id
    WHERE r.due_at <= ? AND p.active = 1
    ORDER BY r.due_at
    LIMIT ?
"""


def _reminder_row(reminder: Reminder) -> tuple[Any, ...]:
    return (
        reminder.user_id,
        reminder.kind,
        _utc_text(reminder.due_at),
        reminder.every.total_seconds(),
        _utc_text(reminder.started_at),
        None if reminder.ends_at is None else _utc_text(reminder.ends_at),
        None if reminder.last_sent_at is None else _utc_text(reminder.last_sent_at),
        reminder.sent,
    )


def _reminder_from(row: Sequence[Any]) -> Reminder:
    kind = row[2]
    if kind not in KINDS:
        raise StoreError(f"Reminder {row[0]} has an unknown kind {kind!r}.")
    return Reminder(
        id=row[0],
        user_id=row[1],
        kind=cast(ReminderKind, kind),
        due_at=_from_utc_text(row[3]),
        every=timedelta(seconds=row[4]),
        started_at=_from_utc_text(row[5]),
        ends_at=None if row[6] is None else _from_utc_text(row[6]),
        last_sent_at=None if row[7] is None else _from_utc_text(row[7]),
        sent=row[8],
    )


#: INSERT ... RETURNING (save_turn) came with SQLite 3.35.
MIN_SQLITE = (3, 35, 0)
_TURN_WIDTH = 20
#: save_turn's one statement (migration 3). A new episode's id is the one AUTOINCREMENT
#: would give (past the largest ever used: ids are never reused), chosen here so that
#: RETURNING can hand it back; an id the episode already has is kept.
_WRITE_TURN = f"""
    INSERT INTO turn_writes (
        user_id, state, slots, updated_at, turn, at, muscle, duration_minutes, severity,
        timing, "returning", hot, intense, advice_level, first_seen, language, time_zone,
        quiet_start, quiet_end, active, episode_id
    )
    VALUES ({", ".join(f"?{n}" for n in range(1, _TURN_WIDTH + 1))},
        CASE WHEN ?6 IS NULL THEN NULL ELSE coalesce(?{_TURN_WIDTH + 1}, 1 + max(
            coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'episodes'), 0),
            coalesce((SELECT max(id) FROM episodes), 0)
        )) END)
    RETURNING episode_id
"""


_Cached = TypeVar("_Cached")


def _put_recent(cache: OrderedDict[int, _Cached], key: int, value: _Cached, bound: int) -> None:
    """Put `value` in as the most recent entry; drop the least recent beyond `bound`."""
    if bound == 0:
        return
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > bound:
        cache.popitem(last=False)


class SqliteStore(_Lifecycle):
    """The store on one SQLite file, through ONE aiosqlite connection per process.

    Settings of the connection, and why:

    - ``journal_mode=WAL``: readers never block the writer, and a commit is one
      append to the -wal file.
    - ``synchronous=NORMAL`` (the default here): in WAL mode a commit is written
      to the OS before `save_turn` returns, but the -wal file is only fsynced at a
      checkpoint. So a *process crash* (SIGKILL, OOM, an exception) loses nothing
      that was committed; a *power failure or OS crash* may lose the last few
      turns committed before it (the database stays consistent, it just rolls
      back to an earlier commit). For a conversation that the person can simply
      repeat, that trade is worth the speed; pass ``synchronous="FULL"`` to fsync
      on every commit and lose nothing to a power failure either (see
      bench/bench_store.py for what it costs).
    - ``foreign_keys=ON`` so later tables can rely on REFERENCES;
      ``busy_timeout`` so a second process (a CLI, a backup) holding the write
      lock makes us wait up to `busy_timeout_ms` before StoreError;
      ``secure_delete=ON`` so `forget()` overwrites what it deletes.

    All work goes through one asyncio.Lock: a single connection has a single
    transaction, and a read must not see another task's half-done turn.
    Every sqlite error becomes a StoreError after a rollback; the last committed
    state is intact.

    People's rows are cached so that a turn of someone seen recently is ONE round
    trip to the connection's thread (the write), not three (the person, their
    recent episodes, then the write); and the write is one statement (an INSERT into
    the view turn_writes, whose trigger writes session, episode and profile), not a
    BEGIN, two or three statements and a COMMIT. The cache holds each person's
    (session, profile), and the episodes of the window last asked for, exactly as a
    read returns them, for the `cache_people` people used most recently (0: no
    cache). Every write to those tables updates the entry once it has committed,
    and drops it if it fails: the database stays the only truth. This assumes that
    while the process runs it is the only one writing a given person's rows (one
    bot per database): a row another process changes is not seen here until its
    entry is evicted or the store reopened.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        synchronous: Synchronous = "NORMAL",
        busy_timeout_ms: int = 5000,
        migrations: Sequence[Migration] = MIGRATIONS,
        cache_people: int = 4096,
    ) -> None:
        if synchronous not in get_args(Synchronous):
            raise ValueError(f"synchronous must be NORMAL or FULL, not {synchronous!r}")
        if type(cache_people) is not int or cache_people < 0:
            raise ValueError(
                "cache_people must be a whole number of people, 0 or more (0: no cache), "
                f"not {cache_people!r}"
            )
        _check_migrations(migrations)
        self.path = Path(path)
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self.migrations = tuple(migrations)
        self.cache_people = cache_people
        self._people: OrderedDict[int, _Person] = OrderedDict()  # least recently used first
        self._histories: OrderedDict[int, _History] = OrderedDict()  # the same, for episodes
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    # ---------------------------------------------------------------- lifecycle

    async def open(self) -> None:
        """Connect, set the pragmas, apply pending migrations. Does nothing if open."""
        if self._conn is not None:
            return
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise StoreError(
                f"This Python's SQLite is {sqlite3.sqlite_version}; Cramp Coach needs "
                f"{'.'.join(map(str, MIN_SQLITE))} or newer (a turn is saved with INSERT ... "
                "RETURNING). Use a Python built with a newer SQLite (python.org and most "
                "distributions since 2021 have one)."
            )
        self._drop_cache()
        try:
            conn = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(
                f"Could not open the database {str(self.path)!r}: {exc}. Check that the "
                "directory exists and is writable (DATABASE_URL)."
            ) from exc
        try:
            await self._configure(conn)
            await self._migrate(conn)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn

    async def close(self) -> None:
        """Close the connection (safe to call twice) and empty the cache."""
        conn, self._conn = self._conn, None
        if conn is None:
            self._drop_cache()
            return
        async with self._lock:  # after the work in flight, which may still fill the cache
            try:
                await conn.execute("PRAGMA optimize")
            except sqlite3.Error as exc:
                log.warning("PRAGMA optimize failed on %s: %s", self.path, exc)
            await conn.close()
            self._drop_cache()

    def _drop_cache(self) -> None:
        """Forget every cached row: what another process wrote since is read afresh."""
        self._people.clear()
        self._histories.clear()

    async def _configure(self, conn: aiosqlite.Connection) -> None:
        try:
            await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            mode = await self._enable_wal(conn)
            if str(mode).lower() != "wal":
                raise StoreError(
                    f"The database {str(self.path)!r} cannot use WAL mode (it stays in "
                    f"{mode!r}). Put it on a local disk, not a network share."
                )
            await conn.execute(f"PRAGMA synchronous = {self.synchronous}")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA secure_delete = ON")
        except sqlite3.Error as exc:
            raise StoreError(
                f"Could not configure the database {str(self.path)!r}: {exc}. Is it a "
                "SQLite file? Point DATABASE_URL at a new or existing Cramp Coach database."
            ) from exc

    async def _enable_wal(self, conn: aiosqlite.Connection) -> Any:
        """Switch to WAL. SQLite does not wait on busy_timeout for this, so we do."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.busy_timeout_ms / 1000
        while True:
            try:
                return await self._scalar(conn, "PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as exc:
                # Another process is creating or switching the same new file.
                if "locked" not in str(exc) or loop.time() >= deadline:
                    raise
            await asyncio.sleep(0.01)

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        """Apply every step the database has not seen, each in its own transaction."""
        for step in self.migrations:
            try:
                await conn.execute("BEGIN IMMEDIATE")
                # Read the version inside the write transaction: another process
                # opening the same file at the same moment cannot apply a step twice.
                version = int(await self._scalar(conn, "PRAGMA user_version"))
                if version > len(self.migrations):
                    raise StoreError(
                        f"The database {str(self.path)!r} is at schema version {version}, "
                        f"newer than this code knows ({len(self.migrations)}). Run the "
                        "newer version of the bot, or restore a backup."
                    )
                if version >= step.version:
                    await conn.execute("ROLLBACK")
                    continue
                for statement in step.statements:
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {step.version}")
                await conn.execute("COMMIT")
                log.info("Database migrated to version %d: %s", step.version, step.description)
            except sqlite3.Error as exc:
                await self._rollback(conn)
                raise StoreError(
                    f"Could not migrate {str(self.path)!r} to version {step.version} "
                    f"({step.description}): {exc}. The database is still at the version "
                    "before; restore a backup or report this migration."
                ) from exc
            except BaseException:
                await self._rollback(conn)
                raise

    async def user_version(self) -> int:
        """The schema version of the open database."""
        async with self._reading("read the schema version") as conn:
            return int(await self._scalar(conn, "PRAGMA user_version"))

    async def pragma(self, name: str) -> Any:
        """The value of one PRAGMA (journal_mode, synchronous, ...), for checks and benchmarks."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"{name!r} is not a pragma name")
        async with self._reading(f"read PRAGMA {name}") as conn:
            return await self._scalar(conn, f"PRAGMA {name}")

    # ---------------------------------------------------------------- plumbing

    def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StoreError(
                "The store is not open. Call `await store.open()` first, or use "
                "`async with SqliteStore(path) as store:`."
            )
        return self._conn

    @staticmethod
    async def _scalar(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
        async with conn.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return None if row is None else row[0]

    async def _rollback(self, conn: aiosqlite.Connection) -> None:
        try:
            await conn.rollback()
        except sqlite3.Error as exc:  # the original error is more useful; keep it
            log.error("Rollback failed on %s: %s", self.path, exc)

    @asynccontextmanager
    async def _writing(
        self, what: str, *, single: bool = False, person: int | None = None
    ) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK and StoreError.

        `single=True` is for a block that runs one statement: SQLite makes it a
        transaction of its own, which spares two round trips to the connection's thread.
        `person`: whose sessions/profiles rows the block writes. If it fails (in
        COMMIT too, or cancelled) their cache entry is dropped, as what the database
        holds is then best read again; on success the caller updates the entry.
        """
        async with self._lock:
            conn = self._connection()
            try:
                if not single:
                    await conn.execute("BEGIN IMMEDIATE")
                yield conn
                if not single:
                    await conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._drop(person)
                await self._rollback(conn)
                raise StoreError(
                    f"Could not {what}: {exc}. Nothing was saved; the last saved state "
                    "is intact. If the database is locked, another process is writing "
                    "to it; otherwise check the disk."
                ) from exc
            except BaseException:
                self._drop(person)
                await self._rollback(conn)
                raise

    @asynccontextmanager
    async def _reading(self, what: str) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            conn = self._connection()
            try:
                yield conn
            except sqlite3.Error as exc:
                raise StoreError(f"Could not {what}: {exc}. Check the database file.") from exc

    # ---------------------------------------------------------------- the cache of people
    # Entries change only under the lock, or as a write returns from its commit with no
    # await in between: a hit sees committed rows only, never older than a finished write.

    def _remember(self, user_id: int, person: _Person) -> None:
        """Cache what the database holds for this person, evicting the least recent."""
        _put_recent(self._people, user_id, person, self.cache_people)

    def _written(
        self,
        user_id: int,
        session_row: Sequence[Any] | None = None,
        profile_row: Sequence[Any] | None = None,
        *,
        source: Session | None = None,
    ) -> None:
        """Write-through, after a commit that wrote these rows (None: row not written).

        The rows are decoded as a read decodes them (the session's from `source`, the
        Session it was made of, where that is the same: `_session_as_read`), so the
        entry is what the database now returns. A person not cached stays so unless
        both rows were written: the other half would be a guess. (The entry is taken
        out first: should decoding ever fail, it is gone rather than stale.)
        """
        cached = self._people.pop(user_id, None)
        if cached is None and (session_row is None or profile_row is None):
            return
        session, profile = (None, None) if cached is None else cached
        if session_row is not None:
            session = _session_as_read(session_row, source)
        if profile_row is not None:
            profile = _profile_from(profile_row)
        self._remember(user_id, (session, profile))

    def _drop(self, user_id: int | None) -> None:
        """Forget the cached rows of this person (None: of nobody); the next read fetches them."""
        if user_id is not None:
            self._people.pop(user_id, None)
            self._histories.pop(user_id, None)

    def _remember_history(self, user_id: int, history: _History) -> None:
        """Cache this person's episodes since a time, evicting the least recent."""
        _put_recent(self._histories, user_id, history, self.cache_people)

    def _logged(self, episode: Episode) -> None:
        """Write-through of an episode just committed, into a cached history it belongs to."""
        cached = self._histories.get(episode.user_id)
        if cached is None:
            return
        since, known = cached
        if since is None or episode.at >= since:
            insort(known, episode, key=_episode_order)

    # ---------------------------------------------------------------- the contract

    async def load_session(self, user_id: int) -> Session | None:
        session, _ = await self.load_person(user_id)
        return session

    async def save_turn(
        self,
        session: Session,
        *,
        episode: Episode | None = None,
        profile: Profile | None = None,
    ) -> Episode | None:
        """Session upsert + episode insert + profile upsert, in ONE statement (so ONE
        transaction, and one round trip): the session's upsert, or an INSERT into the
        view turn_writes when there is more to write."""
        _check_same_person(session, episode, profile)
        slots = _slots_json(session)
        updated = None if session.updated_at is None else _utc_text(session.updated_at)
        episode_row = None if episode is None else _episode_row(episode)
        profile_row = None if profile is None else _profile_row(profile)
        session_row = (session.user_id, session.state, slots, updated, session.turn)
        user_id = session.user_id
        what = f"save the turn of user {user_id}"
        if episode_row is None and profile_row is None:
            # Most turns: the session alone, whose upsert costs half the trigger's work.
            async with self._writing(what, single=True, person=user_id) as conn:
                await conn.execute(_UPSERT_SESSION, session_row)
            self._written(user_id, session_row, source=session)
            return None
        params = (
            *session_row,
            *(episode_row[2:] if episode_row is not None else (None,) * 9),
            *(profile_row[1:] if profile_row is not None else (None,) * 6),
            None if episode is None else episode.id,
        )
        async with self._writing(what, single=True, person=user_id) as conn:
            rows = list(await conn.execute_fetchall(_WRITE_TURN, params))
        self._written(user_id, session_row, profile_row, source=session)
        if episode is None:
            return None
        assert episode_row is not None
        saved = _episode_from((int(rows[0][0]), *episode_row[1:]))  # as a read returns it
        self._logged(saved)
        return saved

    async def episodes(self, user_id: int, since: datetime | None = None) -> list[Episode]:
        """From the cache when it holds this person's episodes since `since` or earlier;
        else one query, which fills it. (A turn asks for the same window every time.)"""
        if since is not None:
            since = _utc(since)  # refuses a naive time, as the query would
        cached = self._histories.get(user_id)
        if cached is not None and (cached[0] is None or (since is not None and since >= cached[0])):
            self._histories.move_to_end(user_id)
            return [e for e in cached[1] if since is None or e.at >= since]
        sql = f"SELECT {_EPISODE_COLUMNS} FROM episodes WHERE user_id = ?"
        params: tuple[Any, ...] = (user_id,)
        if since is not None:
            sql += " AND at >= ?"
            params += (_utc_text(since),)
        async with self._reading(f"load the episodes of user {user_id}") as conn:
            rows = await conn.execute_fetchall(sql + " ORDER BY at, id", params)
            found = [_episode_from(row) for row in rows]
            self._remember_history(user_id, (since, found))
        return list(found)

    async def load_profile(self, user_id: int) -> Profile | None:
        _, profile = await self.load_person(user_id)
        return profile

    async def load_person(self, user_id: int) -> tuple[Session | None, Profile | None]:
        """From the cache when the person is there; else one query, which fills it."""
        person = self._people.get(user_id)
        if person is not None:
            self._people.move_to_end(user_id)
        else:
            async with self._reading(f"load user {user_id}") as conn:
                rows = list(await conn.execute_fetchall(_LOAD_PERSON, (user_id,)))
                person = _person_from(rows[0])
                self._remember(user_id, person)
        return _own_copy(person)

    async def save_profile(self, profile: Profile) -> None:
        row = _profile_row(profile)
        what = f"save the profile of user {profile.user_id}"
        async with self._writing(what, single=True, person=profile.user_id) as conn:
            await conn.execute(_UPSERT_PROFILE, row)
        self._written(profile.user_id, profile_row=row)

    async def set_active(self, user_id: int, active: bool) -> None:
        what = f"mark user {user_id} as active={active}"
        async with self._writing(what, single=True, person=user_id) as conn:
            await conn.execute(
                "UPDATE profiles SET active = ? WHERE user_id = ?", (int(active), user_id)
            )
        # Rare (someone blocked the bot, or came back): the next read fetches the row.
        self._drop(user_id)

    async def _person_tables(self, conn: aiosqlite.Connection) -> list[str]:
        """Every table with a user_id column, known today or added by a later migration."""
        tables = await conn.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
        found = []
        for (name,) in tables:
            columns = await conn.execute_fetchall("SELECT name FROM pragma_table_info(?)", (name,))
            if any(column == "user_id" for (column,) in columns):
                found.append(str(name))
        return found

    async def forget(self, user_id: int) -> None:
        """Delete the person from every table with a user_id column, in one transaction."""
        async with self._writing(f"forget user {user_id}", person=user_id) as conn:
            # Child rows of a later table may reference a parent deleted first.
            await conn.execute("PRAGMA defer_foreign_keys = ON")
            for table in await self._person_tables(conn):
                await conn.execute(f'DELETE FROM "{table}" WHERE user_id = ?', (user_id,))
        self._remember(user_id, (None, None))
        self._remember_history(user_id, (None, []))
        # Move the overwritten pages out of the -wal file as well.
        async with self._reading("checkpoint after forget") as conn:
            await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def export(self, user_id: int) -> dict[str, Any]:
        """Profile, session, episodes, reminders, intake; rows of later tables under "other"."""
        exported = _export(
            user_id,
            await self.load_profile(user_id),
            await self.load_session(user_id),
            await self.episodes(user_id),
            await self.reminders(user_id),
            await self.intake(user_id),
        )
        other: dict[str, list[dict[str, object]]] = {}
        async with self._reading(f"export user {user_id}") as conn:
            for table in await self._person_tables(conn):
                if table in _KNOWN_TABLES:
                    continue
                cursor = await conn.execute(
                    f'SELECT * FROM "{table}" WHERE user_id = ?', (user_id,)
                )
                names = [d[0] for d in cursor.description]
                rows = await cursor.fetchall()
                await cursor.close()
                other[table] = [
                    {n: _plain(v) for n, v in zip(names, row, strict=True)} for row in rows
                ]
        if other:
            exported["other"] = other
        return exported

    # ---------------------------------------------------------------- reminders

    async def save_reminder(self, reminder: Reminder) -> Reminder:
        """Upsert on (user_id, kind): a new series replaces a running one, keeping its id."""
        staged = _normal_reminder(reminder)
        row = _reminder_row(staged)
        what = f"save a reminder of user {staged.user_id}"
        async with self._writing(what, single=True) as conn:
            rows = list(await conn.execute_fetchall(_UPSERT_REMINDER, row))
        return replace(staged, id=int(rows[0][0]))

    async def reminders(self, user_id: int) -> list[Reminder]:
        async with self._reading(f"load the reminders of user {user_id}") as conn:
            rows = await conn.execute_fetchall(
                f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE user_id = ? ORDER BY due_at, id",
                (user_id,),
            )
        return [_reminder_from(row) for row in rows]

    async def stop_reminders(self, user_id: int, kind: ReminderKind | None = None) -> int:
        sql = "DELETE FROM reminders WHERE user_id = ?"
        params: tuple[Any, ...] = (user_id,)
        if kind is not None:
            sql += " AND kind = ?"
            params += (kind,)
        async with self._writing(f"stop the reminders of user {user_id}", single=True) as conn:
            cursor = await conn.execute(sql, params)
            stopped = cursor.rowcount
            await cursor.close()
        return stopped

    async def due_reminders(self, now: datetime, limit: int) -> list[tuple[Reminder, Profile]]:
        """One range scan of the reminders_due index, joined to profiles by primary key."""
        async with self._reading("find the due reminders") as conn:
            rows = await conn.execute_fetchall(_DUE_REMINDERS, (_utc_text(now), int(limit)))
        return [
            (_reminder_from(row[:_REMINDER_WIDTH]), _profile_from(row[_REMINDER_WIDTH:]))
            for row in rows
        ]

    async def advance_reminders(self, changes: Sequence[Advance]) -> int:
        """Compare-and-set on (id, due_at), all in one transaction."""
        deletes, updates = [], []
        for change in changes:
            old = change.reminder
            if old.id is None:
                raise ValueError("advance_reminders needs reminders read from the store")
            expected = _utc_text(old.due_at)
            if change.next_due is None:
                deletes.append((old.id, expected))
            else:
                sent = None if change.sent_at is None else _utc_text(change.sent_at)
                updates.append(
                    (_utc_text(change.next_due), sent, int(sent is not None), old.id, expected)
                )
        if not changes:
            return 0
        async with self._writing(f"record {len(changes)} reminders") as conn:
            before = conn.total_changes
            if deletes:
                await conn.executemany("DELETE FROM reminders WHERE id = ? AND due_at = ?", deletes)
            if updates:
                await conn.executemany(
                    "UPDATE reminders SET due_at = ?, last_sent_at = coalesce(?, last_sent_at), "
                    "sent = sent + ? WHERE id = ? AND due_at = ?",
                    updates,
                )
            applied = conn.total_changes - before
        return applied

    async def log_intake(self, user_id: int, at: datetime) -> None:
        async with self._writing(f"log a drink of user {user_id}", single=True) as conn:
            await conn.execute(
                "INSERT INTO intake (user_id, at) VALUES (?, ?)", (user_id, _utc_text(at))
            )

    async def intake(
        self, user_id: int, since: datetime | None = None, until: datetime | None = None
    ) -> list[datetime]:
        sql = "SELECT at FROM intake WHERE user_id = ?"
        params: tuple[Any, ...] = (user_id,)
        if since is not None:
            sql += " AND at >= ?"
            params += (_utc_text(since),)
        if until is not None:
            sql += " AND at < ?"
            params += (_utc_text(until),)
        async with self._reading(f"load the intake of user {user_id}") as conn:
            rows = await conn.execute_fetchall(sql + " ORDER BY at, id", params)
        return [_from_utc_text(row[0]) for row in rows]


def _database_path(source: Settings | Path | str) -> Path:
    return source.database_path if isinstance(source, Settings) else Path(source)


async def open_store(source: Settings | Path | str, **options: Any) -> SqliteStore:
    """An open SqliteStore on `Settings.database_path` (or a path); creates the directory.

        store = await open_store(settings)
        try: ...
        finally: await store.close()

    or ``async with await open_store(settings) as store: ...``. `options` go to
    SqliteStore (synchronous, busy_timeout_ms, cache_people).
    """
    path = _database_path(source)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"Could not create the directory {str(path.parent)!r} for the database: {exc}. "
            "Point DATABASE_URL at a writable place."
        ) from exc
    store = SqliteStore(path, **options)
    await store.open()
    return store


if TYPE_CHECKING:  # both implementations keep to the protocol
    _memory: Store = MemoryStore()
    _sqlite: Store = SqliteStore(Path("cramp_coach.db"))
