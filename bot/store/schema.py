"""What the SQLite and PostgreSQL backends share word for word.

A migration step and the check of their numbering, the column lists and the
joins that name them through an alias, and the decoding that does not depend on
the dialect: a session's slots (JSON text in both) and a row of LOAD_PERSON split
into its session and profile. Each backend's own schema and SQL texts are in
sqlite_schema.py and postgres_schema.py, its rows in sqlite_rows.py and
postgres_rows.py (which re-export these names where they were defined before).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, cast

from bot.core.model import Profile, Session, SlotValue
from bot.errors import StoreError
from bot.store.mailbox import Incoming, Outgoing

Person: TypeAlias = tuple[Session | None, Profile | None]


#: The outbox's columns, in the order bot/store/mailbox.py's Outgoing has them.
OUTGOING_COLUMNS = "user_id, chat_id, kind, body, markup, filename, data, id"
#: The inbox's columns for a pending update, in the order of Incoming.
INCOMING_COLUMNS = "update_id, user_id, payload, attempts"


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: from version `version - 1` to `version` (SQLite's user_version,
    PostgreSQL's rows of schema_migrations)."""

    version: int
    description: str
    statements: tuple[str, ...]


def check_migrations(migrations: Sequence[Migration]) -> None:
    for position, step in enumerate(migrations, start=1):
        if step.version != position:
            raise StoreError(
                f"Migration {step.description!r} has version {step.version}, but it is step "
                f"{position} in the list. Number the steps 1, 2, 3, ... in order."
            )


# --------------------------------------------------------------------------- columns

EPISODE_COLUMNS = (
    'id, user_id, at, muscle, duration_minutes, severity, timing, "returning", hot, '
    "intense, advice_level"
)
SESSION_COLUMNS = "user_id, state, slots, updated_at, turn"
PROFILE_COLUMNS = "user_id, first_seen, language, time_zone, quiet_start, quiet_end, active"
REMINDER_COLUMNS = "id, user_id, kind, due_at, every, started_at, ends_at, last_sent_at, sent"
REMINDER_WIDTH = 9


def qualified(alias: str, columns: str) -> str:
    """ "a, b" -> "s.a, s.b": a table's columns named through its alias in a join."""
    return ", ".join(f"{alias}.{column}" for column in columns.split(", "))


# --------------------------------------------------------------------------- rows


def slots_from(user_id: int, text: str) -> dict[str, SlotValue]:
    """A session's slots from their JSON text; StoreError if it is not an object."""
    slots = json.loads(text)
    if not isinstance(slots, dict):
        raise StoreError(f"The session of user {user_id} has slots that are not a JSON object.")
    return cast(dict[str, SlotValue], slots)


def split_person(
    row: Sequence[Any],
    session_from: Callable[[Sequence[Any]], Session],
    profile_from: Callable[[Sequence[Any]], Profile],
) -> Person:
    """A row of LOAD_PERSON (the session's columns, then the profile's), decoded by the
    backend's own functions; either half is None when that row does not exist."""
    session = None if row[0] is None else session_from(row[:5])
    profile = None if row[5] is None else profile_from(row[5:])
    return session, profile


def outgoing_row(message: Outgoing, queued_at: object) -> tuple[Any, ...]:
    """The outbox's columns of an INSERT, queued_at last (as each backend writes a time)."""
    m = message
    return (m.user_id, m.chat_id, m.kind, m.body, m.markup, m.filename, m.data, queued_at)


def outgoing_from(row: Sequence[Any]) -> Outgoing:
    """A row of OUTGOING_COLUMNS (both backends give text, ints and bytes alike)."""
    user_id, chat_id, kind, body, markup, filename, data, message_id = row
    return Outgoing(
        int(user_id),
        int(chat_id),
        kind,
        body,
        markup,
        filename,
        None if data is None else bytes(data),
        int(message_id),
    )


def incoming_from(row: Sequence[Any]) -> Incoming:
    """A row of INCOMING_COLUMNS."""
    update_id, user_id, payload, attempts = row
    return Incoming(int(update_id), int(user_id), str(payload), int(attempts))
