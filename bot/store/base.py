"""The store's one interface, and the `async with` every backend shares.

    Store (Protocol)         the short async interface the service talks to
    ├── MemoryStore          bot/store/memory.py: an in-memory twin (tests, the console)
    ├── SqliteStore          bot/store/sqlite.py: one SQLite file, the default
    └── PostgresStore        bot/store/postgres.py: a PostgreSQL server, for several processes

`open_store(url)` (bot/store/url.py) picks the backend by DATABASE_URL's scheme.
Every backend passes the one contract test class, tests/contract/test_store.py.
A backend never imports another; what they share (UTC times, slot JSON, the
export document) is in bot/store/codec.py and bot/store/schema.py, and
`export_person` below assembles export() from a store's own reads, and
`PersonLifecycle` gives SQLite and PostgreSQL load_session/load_profile over load_person.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from bot.core.model import Episode, Profile, Session
from bot.core.schedule import Advance, Reminder, ReminderKind
from bot.store.codec import export_document


class Store(Protocol):
    """What the service may ask of a store. Every datetime given is aware (a naive one
    is refused with ValueError) and every datetime returned is in UTC; a failure to read
    or write is a StoreError, after which the last committed state is intact."""

    async def open(self) -> None:
        """Connect and apply pending migrations."""

    async def close(self) -> None:
        """Let go of the connection; safe to call twice."""

    async def ping(self) -> None:
        """One cheap round trip to the database (the health check): StoreError when it
        does not answer."""

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
        """Delete everything about this person, in every table, in one transaction."""

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything stored about this person, JSON-serialisable: the same document
        on every backend (bot/store/codec.py, export_document)."""

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


async def export_person(store: Store, user_id: int) -> dict[str, Any]:
    """`store.export(user_id)` assembled from the store's own reads (MemoryStore and
    SqliteStore; PostgresStore reads the same in one snapshot of its own)."""
    session, profile = await store.load_person(user_id)
    return export_document(
        user_id,
        profile,
        session,
        await store.episodes(user_id),
        await store.reminders(user_id),
        await store.intake(user_id),
    )


class Lifecycle:
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


class PersonLifecycle(Lifecycle):
    """A backend that reads a person's session and profile in one query (load_person):
    load_session and load_profile are each half of it (SqliteStore, PostgresStore)."""

    async def load_person(self, user_id: int) -> tuple[Session | None, Profile | None]:
        raise NotImplementedError

    async def load_session(self, user_id: int) -> Session | None:
        session, _ = await self.load_person(user_id)
        return session

    async def load_profile(self, user_id: int) -> Profile | None:
        _, profile = await self.load_person(user_id)
        return profile
