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
`PersonLifecycle` gives SQLite and PostgreSQL load_session/load_profile over load_person
(and SQLite load_turn over load_person and episodes).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from bot.core.model import Episode, Profile, Session
from bot.core.schedule import Advance, Reminder, ReminderKind
from bot.store.codec import export_document
from bot.store.mailbox import Incoming, Outgoing


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

    def transaction(self, user_id: int | None = None) -> AbstractAsyncContextManager[None]:
        """Every call of this store in the block, from this task, is ONE transaction:
        committed when the block ends, rolled back (and the error raised) when it raises.

        A turn runs in one: its writes, its effects' writes, its replies queued in the
        outbox and its update marked handled take effect together or not at all. With
        `user_id`, the person is locked for the block across processes too (PostgreSQL:
        pg_advisory_xact_lock), so their turns run one at a time wherever they are
        handled. Inside a transaction, a nested one joins it. The transaction belongs to
        the task that opened it (a contextvars.ContextVar): tasks started inside the block
        must not use the store.
        """
        ...

    def sending(self, user_id: int) -> AbstractAsyncContextManager[None]:
        """Hold the person for the block, without a transaction, while their queued
        messages are sent (PostgreSQL: the same lock as `transaction(user_id)`, so no two
        processes send one person's messages at once; elsewhere nothing to hold: one
        process per database)."""
        ...

    def polling(self) -> AbstractAsyncContextManager[None]:
        """Hold this database's right to poll Telegram for the block: one process only
        (Telegram allows one poller per token). AlreadyPolling when another holds it."""
        ...

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

    async def amend_episode(self, episode: Episode) -> Episode | None:
        """The person's episode logged at `episode.at` (its key: the time the turn that
        logged it gave) now says what `episode` says: muscle, duration, severity, timing,
        conditions and advice level, as a correction after the advice changed them. Its
        id and time stay. Returns it as a read would, or None when the person has no
        episode logged at that time (nothing is written). Of several logged at the same
        time, the last saved."""

    async def load_profile(self, user_id: int) -> Profile | None: ...

    async def load_person(self, user_id: int) -> tuple[Session | None, Profile | None]:
        """Session and profile together (one query: a turn needs both)."""

    async def load_turn(
        self, user_id: int, since: datetime
    ) -> tuple[Session | None, Profile | None, list[Episode]]:
        """What a turn reads: load_person(user_id) and episodes(user_id, since), as one
        query where the backend has no cache (PostgreSQL: a round trip less a turn)."""

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

    # The channel's inbox and outbox (bot/store/mailbox.py).

    async def receive_updates(self, updates: Sequence[Incoming], at: datetime) -> list[int]:
        """Keep each update not seen before, in ONE transaction. Returns the ids of the
        given updates still to handle (new, or kept earlier and not yet handled)."""

    async def pending_updates(
        self,
        user_id: int | None = None,
        *,
        limit: int = 100,
        before: datetime | None = None,
    ) -> list[Incoming]:
        """Updates not yet handled, oldest first: one person's, or everyone's (at most
        `limit`, and only those received before `before` when given)."""

    async def finish_update(
        self, update_id: int, at: datetime, *, next_of: int | None = None, new: bool = False
    ) -> None:
        """The update is handled: keep only its id (and `at`), so it is never handled
        again. Also for an update never received (it is recorded as handled).

        With `next_of` (the person's user_id, as the inbox keeps it): only if the update
        is still pending and the person's next, i.e. no earlier update of theirs is
        pending that never failed (the order the inbox handles them in). Otherwise
        OutOfTurn, raised by this call or when the transaction it is part of ends, and
        that transaction saves nothing: a turn handled without reading the person's
        pending updates first takes effect only if it was theirs to take.

        `new` (with `next_of`): the update was never kept, it arrives with its turn
        (the inbox's receive): it is saved handled only if no row of it exists at all
        (neither pending nor handled: an update seen twice is handled once) and no
        earlier update of the person's is pending that never failed; else OutOfTurn
        likewise. Kept so, it is kept as durably as a pending row would be."""

    async def retry_update(self, update_id: int) -> int:
        """Handling the update failed: count the attempt. Returns the attempts so far."""

    async def prune_updates(self, before: datetime) -> int:
        """Forget the ids of updates handled before `before`. Returns how many."""

    async def queue_messages(self, messages: Sequence[Outgoing], at: datetime) -> None:
        """Add messages to the outbox, in order."""

    async def queued_messages(
        self, user_id: int | None = None, *, limit: int = 100
    ) -> list[Outgoing]:
        """Messages not yet sent, in the order queued: one person's, or everyone's."""

    async def message_sent(self, message_id: int) -> None:
        """The message is sent (or can never be): take it out of the outbox."""

    async def drop_messages(self, user_id: int) -> int:
        """Take every queued message of this person out (they blocked the bot)."""

    async def backlog(self) -> tuple[int, int]:
        """(updates not yet handled, messages not yet sent): the metrics' depths."""


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

    async def episodes(self, user_id: int, since: datetime | None = None) -> list[Episode]:
        raise NotImplementedError

    async def load_turn(
        self, user_id: int, since: datetime
    ) -> tuple[Session | None, Profile | None, list[Episode]]:
        """load_person, then episodes (SqliteStore: each from its cache, most turns)."""
        session, profile = await self.load_person(user_id)
        return session, profile, await self.episodes(user_id, since)
