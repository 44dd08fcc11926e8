"""Values as every backend keeps them, and the export document they all give.

Datetimes are aware and in UTC (stored as ISO-8601 text with microseconds, so
text order is time order), a session's slots are plain JSON values, a turn
belongs to one person. Each backend checks and normalises what it is given with
these functions, so that MemoryStore and SqliteStore accept, refuse and return
the same things, and `export()` gives the same document on every backend.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.model import Episode, Profile, Session
from bot.core.schedule import KINDS, Reminder
from bot.errors import StoreError

# --------------------------------------------------------------------------- times


def utc_text(value: datetime) -> str:
    """ISO-8601 in UTC, fixed width, so that comparing text compares times."""
    if value.tzinfo is UTC:  # the common case (every clock here is in UTC), checked first
        return value.isoformat(timespec="microseconds")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value!r} is naive; the store keeps aware UTC datetimes only")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is refused."""
    utc_text(value)  # rejects naive datetimes
    return value.astimezone(UTC)


def from_utc_text(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# --------------------------------------------------------------------------- checks


#: One encoder for every turn (json.dumps with options builds a new one per call).
_SLOTS_ENCODER = json.JSONEncoder(allow_nan=False, sort_keys=True)


def slots_json(session: Session) -> str:
    """The session's slots as a JSON object; StoreError if they are not plain values."""
    try:
        return _SLOTS_ENCODER.encode(dict(session.slots))
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"Could not save the session of user {session.user_id}: its slots are not "
            f"plain str/int/float/bool values ({exc}). Nothing was saved."
        ) from exc


def check_same_person(session: Session, episode: Episode | None, profile: Profile | None) -> None:
    for thing in (episode, profile):
        if thing is not None and thing.user_id != session.user_id:
            raise ValueError(
                f"{type(thing).__name__} of user {thing.user_id} saved with the session of "
                f"user {session.user_id}; a turn belongs to one person"
            )


def normal_session(session: Session) -> Session:
    """A copy in UTC, its slots in key order (as SQLite and PostgreSQL return them)."""
    updated = None if session.updated_at is None else utc(session.updated_at)
    return replace(session, slots=dict(sorted(session.slots.items())), updated_at=updated)


def normal_episode(episode: Episode) -> Episode:
    return replace(episode, at=utc(episode.at))


def normal_profile(profile: Profile) -> Profile:
    return replace(profile, first_seen=utc(profile.first_seen))


def normal_reminder(reminder: Reminder) -> Reminder:
    if reminder.kind not in KINDS:
        raise ValueError(f"reminder kind {reminder.kind!r} is not one of {', '.join(KINDS)}")
    if reminder.every <= timedelta(0):
        raise ValueError("a reminder's interval must be longer than zero")
    return replace(
        reminder,
        due_at=utc(reminder.due_at),
        started_at=utc(reminder.started_at),
        ends_at=None if reminder.ends_at is None else utc(reminder.ends_at),
        last_sent_at=None if reminder.last_sent_at is None else utc(reminder.last_sent_at),
    )


def episode_order(episode: Episode) -> tuple[datetime, int]:
    """Oldest first; episodes logged at the same moment in the order they were saved."""
    return episode.at, episode.id or 0


def reminder_order(reminder: Reminder) -> tuple[datetime, int]:
    """Soonest first; then in the order they were first saved."""
    return reminder.due_at, reminder.id or 0


# --------------------------------------------------------------------------- export


def session_json(session: Session) -> dict[str, Any]:
    """A session as plain JSON values (every backend returns its slots in key order)."""
    return {
        "user_id": session.user_id,
        "state": session.state,
        "slots": dict(session.slots),
        "updated_at": None if session.updated_at is None else utc_text(session.updated_at),
        "turn": session.turn,
    }


def episode_json(episode: Episode) -> dict[str, Any]:
    """An episode as plain JSON values."""
    return {
        "id": episode.id,
        "user_id": episode.user_id,
        "at": utc_text(episode.at),
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
        "first_seen": utc_text(profile.first_seen),
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
        "due_at": utc_text(reminder.due_at),
        "every": reminder.every.total_seconds(),
        "started_at": utc_text(reminder.started_at),
        "ends_at": None if reminder.ends_at is None else utc_text(reminder.ends_at),
        "last_sent_at": None if reminder.last_sent_at is None else utc_text(reminder.last_sent_at),
        "sent": reminder.sent,
    }


def export_document(
    user_id: int,
    profile: Profile | None,
    session: Session | None,
    episodes: Iterable[Episode],
    reminders: Iterable[Reminder],
    intake: Iterable[datetime],
) -> dict[str, Any]:
    """Everything stored about one person, as the `export()` of every backend returns it."""
    return {
        "user_id": user_id,
        "profile": None if profile is None else profile_json(profile),
        "session": None if session is None else session_json(session),
        "episodes": [episode_json(e) for e in episodes],
        "reminders": [reminder_json(r) for r in reminders],
        "intake": [utc_text(at) for at in intake],
    }
