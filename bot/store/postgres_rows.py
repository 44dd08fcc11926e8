"""PostgreSQL rows <-> the core's values, for PostgresStore.

asyncpg hands back `timestamptz` as aware datetimes in UTC, `time` as times of day,
`boolean` as bools and `interval` as timedeltas, so most columns need no decoding;
what is left is the slots' JSON text and the checks that a row holds what the code
knows. A row read back becomes the same value a MemoryStore or SqliteStore returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast, get_args

from bot.core.model import AdviceLevel, Episode, Profile, Session
from bot.core.schedule import KINDS, Reminder, ReminderKind
from bot.errors import StoreError
from bot.store.codec import utc
from bot.store.schema import Person as Person
from bot.store.schema import slots_from, split_person


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def episode_row(episode: Episode) -> tuple[Any, ...]:
    """The episode's columns after user_id, in WRITE_TURN's order ($6 to $14)."""
    return (
        utc(episode.at),
        episode.muscle,
        None if episode.duration_minutes is None else float(episode.duration_minutes),
        episode.severity,
        episode.timing,
        episode.returning,
        episode.hot,
        episode.intense,
        episode.advice_level,
    )


def episode_from(row: Sequence[Any]) -> Episode:
    level = row[10]
    if level not in get_args(AdviceLevel):
        raise StoreError(
            f"Episode {row[0]} has the advice_level {level!r}, which this version does not "
            "know: a newer release wrote it. Run the newer release."
        )
    return Episode(
        id=row[0],
        user_id=row[1],
        at=row[2].astimezone(UTC),
        muscle=row[3],
        duration_minutes=row[4],
        severity=row[5],
        timing=row[6],
        returning=row[7],
        hot=row[8],
        intense=row[9],
        advice_level=cast(AdviceLevel, level),
    )


def profile_row(profile: Profile) -> tuple[Any, ...]:
    return (
        profile.user_id,
        utc(profile.first_seen),
        profile.language,
        profile.time_zone,
        profile.quiet_start,
        profile.quiet_end,
        profile.active,
    )


def profile_from(row: Sequence[Any]) -> Profile:
    return Profile(
        user_id=row[0],
        first_seen=row[1].astimezone(UTC),
        language=row[2],
        time_zone=row[3],
        quiet_start=row[4],
        quiet_end=row[5],
        active=row[6],
    )


def session_from(row: Sequence[Any]) -> Session:
    return Session(
        user_id=row[0],
        state=row[1],
        slots=slots_from(row[0], row[2]),
        updated_at=None if row[3] is None else row[3].astimezone(UTC),
        turn=row[4],
    )


def person_from(row: Sequence[Any]) -> Person:
    """A row of LOAD_PERSON; either half is None when that row does not exist."""
    return split_person(row, session_from, profile_from)


def reminder_row(reminder: Reminder) -> tuple[Any, ...]:
    """A reminder already normalised (codec.normal_reminder), without its id."""
    return (
        reminder.user_id,
        reminder.kind,
        reminder.due_at,
        reminder.every,
        reminder.started_at,
        reminder.ends_at,
        reminder.last_sent_at,
        reminder.sent,
    )


def reminder_from(row: Sequence[Any]) -> Reminder:
    kind = row[2]
    if kind not in KINDS:
        raise StoreError(f"Reminder {row[0]} has an unknown kind {kind!r}.")
    return Reminder(
        id=row[0],
        user_id=row[1],
        kind=cast(ReminderKind, kind),
        due_at=row[3].astimezone(UTC),
        every=row[4],
        started_at=row[5].astimezone(UTC),
        ends_at=_utc_or_none(row[6]),
        last_sent_at=_utc_or_none(row[7]),
        sent=row[8],
    )
