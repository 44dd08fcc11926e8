"""SQLite rows <-> the core's values, for SqliteStore and its cache.

Values are stored the way they read: datetimes as ISO-8601 text in UTC (always
with microseconds, so text order is time order), times of day as "HH:MM:SS",
booleans as 0/1, a session's slots as a JSON object. A row read back becomes the
same value a MemoryStore returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypeAlias, cast, get_args

from bot.core.model import AdviceLevel, Episode, Profile, Session
from bot.core.schedule import KINDS, Reminder, ReminderKind
from bot.errors import StoreError
from bot.store.codec import from_utc_text, utc_text
from bot.store.schema import Person as Person
from bot.store.schema import slots_from, split_person

#: A person's episodes at or after a time (None: all of them), oldest first.
History: TypeAlias = tuple[datetime | None, list[Episode]]


def bool_or_none(value: object) -> bool | None:
    return None if value is None else bool(value)


def episode_row(episode: Episode) -> tuple[Any, ...]:
    def flag(value: bool | None) -> int | None:
        return None if value is None else int(value)

    return (
        episode.id,
        episode.user_id,
        utc_text(episode.at),
        episode.muscle,
        episode.duration_minutes,
        episode.severity,
        episode.timing,
        flag(episode.returning),
        flag(episode.hot),
        flag(episode.intense),
        episode.advice_level,
    )


def episode_from(row: Sequence[Any]) -> Episode:
    level = row[10]
    if level not in get_args(AdviceLevel):
        raise StoreError(f"Episode {row[0]} has an unknown advice_level {level!r}.")
    return Episode(
        id=row[0],
        user_id=row[1],
        at=from_utc_text(row[2]),
        muscle=row[3],
        duration_minutes=None if row[4] is None else float(row[4]),  # REAL, even if given 5
        severity=row[5],
        timing=row[6],
        returning=bool_or_none(row[7]),
        hot=bool_or_none(row[8]),
        intense=bool_or_none(row[9]),
        advice_level=cast(AdviceLevel, level),
    )


def profile_row(profile: Profile) -> tuple[Any, ...]:
    return (
        profile.user_id,
        utc_text(profile.first_seen),
        profile.language,
        profile.time_zone,
        profile.quiet_start.isoformat(),
        profile.quiet_end.isoformat(),
        int(profile.active),
    )


def profile_from(row: Sequence[Any]) -> Profile:
    return Profile(
        user_id=row[0],
        first_seen=from_utc_text(row[1]),
        language=row[2],
        time_zone=row[3],
        quiet_start=time.fromisoformat(row[4]),
        quiet_end=time.fromisoformat(row[5]),
        active=bool(row[6]),
    )


def session_from(row: Sequence[Any]) -> Session:
    return Session(
        user_id=row[0],
        state=row[1],
        slots=slots_from(row[0], row[2]),
        updated_at=None if row[3] is None else from_utc_text(row[3]),
        turn=row[4],
    )


#: Slot values that come back from JSON as they went in (NaN is refused before).
JSON_SAME = (str, int, float, bool)


def session_as_read(row: Sequence[Any], source: Session | None) -> Session:
    """What a read returns for `row`, just written from `source`.

    Decoding the slots' JSON again costs a turn more than anything else the cache
    does; when text keys and plain values make the round trip change nothing but the
    order (json.dumps sorted the keys), `source` gives the same Session directly.
    """
    if source is None or not all(
        type(key) is str and type(value) in JSON_SAME for key, value in source.slots.items()
    ):
        return session_from(row)
    updated = source.updated_at
    return Session(
        user_id=row[0],
        state=row[1],
        slots=dict(sorted(source.slots.items())),
        updated_at=None if updated is None else updated.astimezone(UTC),
        turn=row[4],
    )


def person_from(row: Sequence[Any]) -> Person:
    """A row of LOAD_PERSON; either half is None when that row does not exist."""
    return split_person(row, session_from, profile_from)


def own_copy(person: Person) -> Person:
    """The pair with slots of the caller's own: Session.slots is a mutable dict."""
    session, profile = person
    if session is None:
        return None, profile
    # Built directly: dataclasses.replace costs several times as much, on every turn.
    return Session(
        session.user_id, session.state, dict(session.slots), session.updated_at, session.turn
    ), profile


def reminder_row(reminder: Reminder) -> tuple[Any, ...]:
    return (
        reminder.user_id,
        reminder.kind,
        utc_text(reminder.due_at),
        reminder.every.total_seconds(),
        utc_text(reminder.started_at),
        None if reminder.ends_at is None else utc_text(reminder.ends_at),
        None if reminder.last_sent_at is None else utc_text(reminder.last_sent_at),
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
        due_at=from_utc_text(row[3]),
        every=timedelta(seconds=row[4]),
        started_at=from_utc_text(row[5]),
        ends_at=None if row[6] is None else from_utc_text(row[6]),
        last_sent_at=None if row[7] is None else from_utc_text(row[7]),
        sent=row[8],
    )
