"""SqliteStore: the store on one SQLite file, the source of truth.

    sqlite_open.py    the connection's settings (WAL, synchronous, ...) and migrating
    sqlite_schema.py  MIGRATIONS, PERSON_TABLES and the SQL texts
    sqlite_rows.py    rows <-> the core's values
    sqlite_cache.py   the write-through cache of people's rows

A turn of someone seen recently is one round trip to the connection's thread:
their rows come from the cache, and the write is one statement.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, get_args

import aiosqlite

from bot.core.model import Episode, Profile, Session
from bot.core.schedule import Advance, Reminder, ReminderKind
from bot.errors import AlreadyPolling, StoreError
from bot.store.base import PersonLifecycle, export_person
from bot.store.codec import (
    check_same_person,
    from_utc_text,
    normal_reminder,
    slots_json,
    utc,
    utc_text,
)
from bot.store.mailbox import Incoming, Outgoing
from bot.store.schema import incoming_from, outgoing_from, outgoing_row
from bot.store.sqlite_cache import PeopleCache
from bot.store.sqlite_open import Synchronous, connect, rollback
from bot.store.sqlite_rows import (
    episode_from,
    episode_row,
    own_copy,
    person_from,
    profile_from,
    profile_row,
    reminder_from,
    reminder_row,
)
from bot.store.sqlite_schema import (
    DUE_REMINDERS,
    EPISODE_COLUMNS,
    INCOMING_COLUMNS,
    LOAD_PERSON,
    MIGRATIONS,
    OUTGOING_COLUMNS,
    PERSON_TABLES,
    REMINDER_COLUMNS,
    REMINDER_WIDTH,
    UPSERT_PROFILE,
    UPSERT_REMINDER,
    UPSERT_SESSION,
    WRITE_TURN,
    Migration,
    check_migrations,
)

log = logging.getLogger(__name__)


class SqliteStore(PersonLifecycle):
    """The store on one SQLite file, through ONE aiosqlite connection per process.

    The connection's settings, and why, are in bot/store/sqlite_open.py.
    All work goes through one asyncio.Lock: a single connection has a single
    transaction, and a read must not see another task's half-done turn.
    Every sqlite error becomes a StoreError after a rollback; the last committed
    state is intact.

    `cache_people` bounds the write-through cache of people's rows
    (bot/store/sqlite_cache.py; 0: no cache).
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
        self._cache = PeopleCache(cache_people)
        check_migrations(migrations)
        self.path = Path(path)
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self.migrations = tuple(migrations)
        self.cache_people = cache_people
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # Set while this task runs a transaction(): its calls run in it, without the lock.
        self._in_transaction: ContextVar[bool] = ContextVar(f"sqlite-tx-{id(self)}", default=False)

    # ---------------------------------------------------------------- lifecycle

    async def open(self) -> None:
        """Connect, set the pragmas, apply pending migrations. Does nothing if open."""
        if self._conn is not None:
            return
        self._cache.clear()
        self._conn = await connect(
            self.path,
            synchronous=self.synchronous,
            busy_timeout_ms=self.busy_timeout_ms,
            migrations=self.migrations,
        )

    async def close(self) -> None:
        """Close the connection (safe to call twice) and empty the cache."""
        conn, self._conn = self._conn, None
        if conn is None:
            self._cache.clear()
            return
        async with self._lock:  # after the work in flight, which may still fill the cache
            try:
                await conn.execute("PRAGMA optimize")
            except sqlite3.Error as exc:
                log.warning("PRAGMA optimize failed on %s: %s", self.path, exc)
            await conn.close()
            self._cache.clear()

    # ---------------------------------------------------------------- plumbing

    def _connection(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StoreError(
                "The store is not open. Call `await store.open()` first, or use "
                "`async with SqliteStore(path) as store:`."
            )
        return self._conn

    @asynccontextmanager
    async def transaction(self, user_id: int | None = None) -> AsyncIterator[None]:
        """BEGIN IMMEDIATE ... COMMIT around the block, holding the connection's lock:
        the block's calls run in it (see Store.transaction). One process per file, so
        `user_id` needs no lock of its own. A rollback empties the cache: it may hold
        rows the block wrote."""
        if self._in_transaction.get():
            yield
            return
        async with self._lock:
            conn = self._connection()
            token = self._in_transaction.set(True)
            try:
                await conn.execute("BEGIN IMMEDIATE")
                yield
                await conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._cache.clear()
                await rollback(conn, self.path)
                raise StoreError(
                    f"Could not complete a transaction: {exc}. Nothing of it was saved; "
                    "the last saved state is intact. Check the disk."
                ) from exc
            except BaseException:
                self._cache.clear()
                await rollback(conn, self.path)
                raise
            finally:
                self._in_transaction.reset(token)

    @asynccontextmanager
    async def sending(self, user_id: int) -> AsyncIterator[None]:
        """Nothing to hold: one process per file."""
        yield

    @asynccontextmanager
    async def polling(self) -> AsyncIterator[None]:
        """An exclusive lock (flock) on `<file>-poller` beside the database for the block:
        the operating system lets it go when the process ends, however it ends."""
        lock_path = self.path.with_name(self.path.name + "-poller")
        try:
            handle = lock_path.open("a")
        except OSError as exc:
            raise StoreError(
                f"Could not open {str(lock_path)!r}: {exc}. Check the folder."
            ) from exc
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise AlreadyPolling(
                    f"Another process is already polling Telegram for {str(self.path)!r}. "
                    "Polling is one process per bot: stop the other one, or run every "
                    "process in webhook mode (WEBHOOK_URL) on PostgreSQL."
                ) from exc
            yield
        finally:
            handle.close()  # closing lets go of the lock

    @asynccontextmanager
    async def _writing(
        self, what: str, *, single: bool = False, person: int | None = None
    ) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK and StoreError.
        Inside transaction(), the block is part of it: the transaction commits or
        rolls back.

        `single=True` is for a block that runs one statement: SQLite makes it a
        transaction of its own, which spares two round trips to the connection's thread.
        `person`: whose sessions/profiles rows the block writes. If it fails (in
        COMMIT too, or cancelled) their cache entry is dropped, as what the database
        holds is then best read again; on success the caller updates the entry.
        """
        if self._in_transaction.get():
            async with self._joined(what) as conn:
                yield conn
            return
        async with self._lock:
            conn = self._connection()
            try:
                if not single:
                    await conn.execute("BEGIN IMMEDIATE")
                yield conn
                if not single:
                    await conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._cache.drop(person)
                await rollback(conn, self.path)
                raise StoreError(
                    f"Could not {what}: {exc}. Nothing was saved; the last saved state "
                    "is intact. If the database is locked, another process is writing "
                    "to it; otherwise check the disk."
                ) from exc
            except BaseException:
                self._cache.drop(person)
                await rollback(conn, self.path)
                raise

    @asynccontextmanager
    async def _joined(self, what: str) -> AsyncIterator[aiosqlite.Connection]:
        """The block as part of this task's transaction(): no lock (it holds it), no
        BEGIN or COMMIT (it has them); an error fails the transaction, which rolls back."""
        try:
            yield self._connection()
        except sqlite3.Error as exc:
            raise StoreError(f"Could not {what}: {exc}. Nothing of it was saved.") from exc

    @asynccontextmanager
    async def _reading(self, what: str) -> AsyncIterator[aiosqlite.Connection]:
        if self._in_transaction.get():
            async with self._joined(what) as conn:
                yield conn
            return
        async with self._lock:
            conn = self._connection()
            try:
                yield conn
            except sqlite3.Error as exc:
                raise StoreError(f"Could not {what}: {exc}. Check the database file.") from exc

    async def ping(self) -> None:
        """SELECT 1 through the connection, after the work queued before it."""
        async with self._reading("reach the database") as conn:
            await conn.execute_fetchall("SELECT 1")

    # ---------------------------------------------------------------- people

    async def save_turn(
        self,
        session: Session,
        *,
        episode: Episode | None = None,
        profile: Profile | None = None,
    ) -> Episode | None:
        """Session upsert + episode insert + profile upsert, in ONE statement (so ONE
        transaction, and one round trip): the session's upsert, or an INSERT into the
        view turn_writes when there is more to write (sqlite_schema.py, migration 3)."""
        check_same_person(session, episode, profile)
        slots = slots_json(session)
        updated = None if session.updated_at is None else utc_text(session.updated_at)
        episode_values = None if episode is None else episode_row(episode)
        profile_values = None if profile is None else profile_row(profile)
        session_values = (session.user_id, session.state, slots, updated, session.turn)
        user_id = session.user_id
        what = f"save the turn of user {user_id}"
        if episode_values is None and profile_values is None:
            # Most turns: the session alone, whose upsert costs half the trigger's work.
            async with self._writing(what, single=True, person=user_id) as conn:
                await conn.execute(UPSERT_SESSION, session_values)
            self._cache.written(user_id, session_values, source=session)
            return None
        params = (
            *session_values,
            *(episode_values[2:] if episode_values is not None else (None,) * 9),
            *(profile_values[1:] if profile_values is not None else (None,) * 6),
            None if episode is None else episode.id,
        )
        async with self._writing(what, single=True, person=user_id) as conn:
            rows = list(await conn.execute_fetchall(WRITE_TURN, params))
        self._cache.written(user_id, session_values, profile_values, source=session)
        if episode is None:
            return None
        assert episode_values is not None
        saved = episode_from((int(rows[0][0]), *episode_values[1:]))  # as a read returns it
        self._cache.logged(saved)
        return saved

    async def episodes(self, user_id: int, since: datetime | None = None) -> list[Episode]:
        """From the cache when it holds this person's episodes since `since` or earlier;
        else one query, which fills it. (A turn asks for the same window every time.)"""
        if since is not None:
            since = utc(since)  # refuses a naive time, as the query would
        cached = self._cache.history(user_id, since)
        if cached is not None:
            return cached
        sql = f"SELECT {EPISODE_COLUMNS} FROM episodes WHERE user_id = ?"
        params: tuple[Any, ...] = (user_id,)
        if since is not None:
            sql += " AND at >= ?"
            params += (utc_text(since),)
        async with self._reading(f"load the episodes of user {user_id}") as conn:
            rows = await conn.execute_fetchall(sql + " ORDER BY at, id", params)
            found = [episode_from(row) for row in rows]
            self._cache.remember_history(user_id, (since, found))
        return list(found)

    async def load_person(self, user_id: int) -> tuple[Session | None, Profile | None]:
        """From the cache when the person is there; else one query, which fills it."""
        person = self._cache.person(user_id)
        if person is None:
            async with self._reading(f"load user {user_id}") as conn:
                rows = list(await conn.execute_fetchall(LOAD_PERSON, (user_id,)))
                person = person_from(rows[0])
                self._cache.remember(user_id, person)
        return own_copy(person)

    async def save_profile(self, profile: Profile) -> None:
        row = profile_row(profile)
        what = f"save the profile of user {profile.user_id}"
        async with self._writing(what, single=True, person=profile.user_id) as conn:
            await conn.execute(UPSERT_PROFILE, row)
        self._cache.written(profile.user_id, profile_row=row)

    async def set_active(self, user_id: int, active: bool) -> None:
        what = f"mark user {user_id} as active={active}"
        async with self._writing(what, single=True, person=user_id) as conn:
            await conn.execute(
                "UPDATE profiles SET active = ? WHERE user_id = ?", (int(active), user_id)
            )
        # Rare (someone blocked the bot, or came back): the next read fetches the row.
        self._cache.drop(user_id)

    async def forget(self, user_id: int) -> None:
        """Delete the person from every table in PERSON_TABLES, in one transaction."""
        async with self._writing(f"forget user {user_id}", person=user_id) as conn:
            for table in PERSON_TABLES:
                await conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
        self._cache.forgotten(user_id)
        if self._in_transaction.get():
            return  # a checkpoint cannot run inside a transaction; the next one moves them
        # Move the overwritten pages out of the -wal file as well.
        async with self._reading("checkpoint after forget") as conn:
            await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def export(self, user_id: int) -> dict[str, Any]:
        """Profile, session, episodes, reminders and intake: every table in PERSON_TABLES."""
        return await export_person(self, user_id)

    # ---------------------------------------------------------------- reminders

    async def save_reminder(self, reminder: Reminder) -> Reminder:
        """Upsert on (user_id, kind): a new series replaces a running one, keeping its id."""
        staged = normal_reminder(reminder)
        row = reminder_row(staged)
        what = f"save a reminder of user {staged.user_id}"
        async with self._writing(what, single=True) as conn:
            rows = list(await conn.execute_fetchall(UPSERT_REMINDER, row))
        return replace(staged, id=int(rows[0][0]))

    async def reminders(self, user_id: int) -> list[Reminder]:
        async with self._reading(f"load the reminders of user {user_id}") as conn:
            rows = await conn.execute_fetchall(
                f"SELECT {REMINDER_COLUMNS} FROM reminders WHERE user_id = ? ORDER BY due_at, id",
                (user_id,),
            )
        return [reminder_from(row) for row in rows]

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
            rows = await conn.execute_fetchall(DUE_REMINDERS, (utc_text(now), int(limit)))
        return [
            (reminder_from(row[:REMINDER_WIDTH]), profile_from(row[REMINDER_WIDTH:]))
            for row in rows
        ]

    async def advance_reminders(self, changes: Sequence[Advance]) -> int:
        """Compare-and-set on (id, due_at), all in one transaction."""
        deletes, updates = [], []
        for change in changes:
            old = change.reminder
            if old.id is None:
                raise ValueError("advance_reminders needs reminders read from the store")
            expected = utc_text(old.due_at)
            if change.next_due is None:
                deletes.append((old.id, expected))
            else:
                sent = None if change.sent_at is None else utc_text(change.sent_at)
                updates.append(
                    (utc_text(change.next_due), sent, int(sent is not None), old.id, expected)
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

    # ---------------------------------------------------------------- intake

    async def log_intake(self, user_id: int, at: datetime) -> None:
        async with self._writing(f"log a drink of user {user_id}", single=True) as conn:
            await conn.execute(
                "INSERT INTO intake (user_id, at) VALUES (?, ?)", (user_id, utc_text(at))
            )

    async def intake(
        self, user_id: int, since: datetime | None = None, until: datetime | None = None
    ) -> list[datetime]:
        sql = "SELECT at FROM intake WHERE user_id = ?"
        params: tuple[Any, ...] = (user_id,)
        if since is not None:
            sql += " AND at >= ?"
            params += (utc_text(since),)
        if until is not None:
            sql += " AND at < ?"
            params += (utc_text(until),)
        async with self._reading(f"load the intake of user {user_id}") as conn:
            rows = await conn.execute_fetchall(sql + " ORDER BY at, id", params)
        return [from_utc_text(row[0]) for row in rows]

    # ---------------------------------------------------------------- inbox and outbox

    async def receive_updates(self, updates: Sequence[Incoming], at: datetime) -> list[int]:
        """ONE statement: insert the new ones; RETURNING gives those inserted, and those
        kept before and still pending (the no-op update of the upsert)."""
        if not updates:
            return []
        received = utc_text(at)
        values = ", ".join("(?, ?, ?, ?)" for _ in updates)
        params = [v for u in updates for v in (u.update_id, u.user_id, u.payload, received)]
        async with self._writing(f"keep {len(updates)} updates", single=True) as conn:
            rows = await conn.execute_fetchall(
                f"INSERT INTO inbox (update_id, user_id, payload, received_at) VALUES {values} "
                "ON CONFLICT (update_id) DO UPDATE SET attempts = attempts "
                "WHERE done_at IS NULL RETURNING update_id",
                params,
            )
        still = {int(row[0]) for row in rows}
        return [u.update_id for u in updates if u.update_id in still]

    async def pending_updates(
        self,
        user_id: int | None = None,
        *,
        limit: int = 100,
        before: datetime | None = None,
    ) -> list[Incoming]:
        sql = f"SELECT {INCOMING_COLUMNS} FROM inbox WHERE done_at IS NULL"
        params: tuple[Any, ...] = ()
        if user_id is not None:
            sql += " AND user_id = ?"
            params += (user_id,)
        if before is not None:
            sql += " AND received_at < ?"
            params += (utc_text(before),)
        async with self._reading("find the updates not yet handled") as conn:
            rows = await conn.execute_fetchall(
                sql + " ORDER BY update_id LIMIT ?", (*params, limit)
            )
        return [incoming_from(row) for row in rows]

    async def finish_update(self, update_id: int, at: datetime) -> None:
        async with self._writing(f"mark update {update_id} handled", single=True) as conn:
            await conn.execute(
                "INSERT INTO inbox (update_id, received_at, done_at) VALUES (?1, ?2, ?2) "
                "ON CONFLICT (update_id) DO UPDATE SET "
                "done_at = excluded.done_at, user_id = NULL, payload = NULL",
                (update_id, utc_text(at)),
            )

    async def retry_update(self, update_id: int) -> int:
        async with self._writing(f"count a failure of update {update_id}", single=True) as conn:
            rows = list(
                await conn.execute_fetchall(
                    "UPDATE inbox SET attempts = attempts + 1 WHERE update_id = ? "
                    "RETURNING attempts",
                    (update_id,),
                )
            )
        return int(rows[0][0]) if rows else 0

    async def prune_updates(self, before: datetime) -> int:
        async with self._writing("forget old handled updates", single=True) as conn:
            cursor = await conn.execute(
                "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?", (utc_text(before),)
            )
            gone = cursor.rowcount
            await cursor.close()
        return gone

    async def queue_messages(self, messages: Sequence[Outgoing], at: datetime) -> None:
        if not messages:
            return
        rows = [outgoing_row(message, utc_text(at)) for message in messages]
        async with self._writing(f"queue {len(rows)} messages") as conn:
            await conn.executemany(
                "INSERT INTO outbox (user_id, chat_id, kind, body, markup, filename, data, "
                "queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    async def queued_messages(
        self, user_id: int | None = None, *, limit: int = 100
    ) -> list[Outgoing]:
        sql = f"SELECT {OUTGOING_COLUMNS} FROM outbox"
        params: tuple[Any, ...] = ()
        if user_id is not None:
            sql += " WHERE user_id = ?"
            params += (user_id,)
        async with self._reading("read the outbox") as conn:
            rows = await conn.execute_fetchall(sql + " ORDER BY id LIMIT ?", (*params, limit))
        return [outgoing_from(row) for row in rows]

    async def message_sent(self, message_id: int) -> None:
        async with self._writing(f"take message {message_id} out", single=True) as conn:
            await conn.execute("DELETE FROM outbox WHERE id = ?", (message_id,))

    async def drop_messages(self, user_id: int) -> int:
        async with self._writing(f"drop the messages to {user_id}", single=True) as conn:
            cursor = await conn.execute("DELETE FROM outbox WHERE user_id = ?", (user_id,))
            gone = cursor.rowcount
            await cursor.close()
        return gone

    async def backlog(self) -> tuple[int, int]:
        async with self._reading("count the backlog") as conn:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT (SELECT count(*) FROM inbox WHERE done_at IS NULL), "
                    "(SELECT count(*) FROM outbox)"
                )
            )
        return int(rows[0][0]), int(rows[0][1])
