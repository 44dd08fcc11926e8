"""SqliteStore: the store on one SQLite file, the source of truth.

    sqlite_open.py    the connection's settings (WAL, synchronous, ...) and migrating
    sqlite_schema.py  MIGRATIONS, PERSON_TABLES and the SQL texts
    sqlite_rows.py    rows <-> the core's values
    sqlite_cache.py   the write-through cache of people's rows

A turn of someone seen recently is one round trip to the connection's thread:
their rows come from the cache, and the write is one statement. So is a transaction
whose writes are a turn's usual ones (the session, text replies queued, the update
marked handled): they are held back to its end and written as ONE statement
(sqlite_schema.COMMIT_TURN), with no BEGIN or COMMIT of their own (`_HeldWrites`).
The delete of a person's last reply, once sent, rides on the next statement the same way
(`message_sent`), or goes alone as soon as the connection is free.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, get_args

import aiosqlite

from bot.core.model import Episode, Profile, Session
from bot.core.schedule import Advance, Reminder, ReminderKind
from bot.errors import AlreadyPolling, OutOfTurn, StoreError
from bot.locks import KeyedLocks
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
from bot.store.sqlite_cache import PeopleCache, QueueCache
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
    AMEND_EPISODE,
    COMMIT_TURN,
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


@dataclass(slots=True)
class _HeldWrites:
    """One transaction's writes held back to its end, to go as ONE statement
    (COMMIT_TURN: autocommitted, so atomic, when nothing else was written), and whether
    the transaction has begun (BEGIN IMMEDIATE): a call that reads or writes anything
    else begins it and writes what is held first, so every call sees the writes
    before it, and the transaction stays one.

    Held: save_turn without an episode (whose id only the database gives), text
    messages queued, one update marked handled. One person's session at a time.
    """

    begun: bool = False
    locked: bool = False  # holds the connection's lock (from its first use to the end)
    user_id: int | None = None
    session: tuple[Any, ...] | None = None
    profile: tuple[Any, ...] | None = None  # profile_row without the user_id
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    finish: tuple[int, str, int | None] | None = None  # update_id, done_at, next_of
    new: bool = False  # finish_update's `new`: the update was never kept
    people: set[int] = field(default_factory=set)  # whose cached rows it changed
    carried: list[int] = field(default_factory=list)  # sent messages its deletes took out

    def __bool__(self) -> bool:
        return bool(self.session or self.profile or self.messages or self.finish)

    def hold_turn(
        self, user_id: int, session: tuple[Any, ...], profile: tuple[Any, ...] | None
    ) -> bool:
        """Hold a turn's session (and profile); False when another person's is held."""
        if self.user_id not in (None, user_id):
            return False
        self.user_id = user_id
        self.people.add(user_id)
        self.session = session
        if profile is not None:
            self.profile = profile[1:]
        return True

    def params(self) -> tuple[Any, ...]:
        """COMMIT_TURN's parameters; what was held is let go."""
        session = self.session or (self.user_id, None, None, None, None)
        profile = self.profile or (None,) * 6
        messages = json.dumps(self.messages, ensure_ascii=False) if self.messages else None
        finish = self.finish or (None, None, None)
        self.user_id = self.session = self.profile = self.finish = None
        self.messages = []
        return (*session, *profile, messages, *finish)

    def take_new(self) -> int:
        """COMMIT_TURN's ?17 (finish_update's `new`); let go as params() lets go."""
        new, self.new = self.new, False
        return int(new)

    def recipient(self) -> int | None:
        """The one person the held messages go to (None: none held, or several)."""
        people = {row[0] for row in self.messages}
        return people.pop() if len(people) == 1 else None


class _ConnectionLock:
    """The connection's lock, first come first served, except that `urgent` waiters
    (messages sent and to be taken out of the outbox) go before the others: the time
    between a reply's send and its delete is what a crash would send twice, so it
    should not wait behind every turn queued for the connection."""

    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._others: deque[asyncio.Future[None]] = deque()

    async def acquire(self, *, urgent: bool = False) -> None:
        if not self._held and not self._urgent and not self._others:
            self._held = True
            return
        turn = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._others).append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # handed over as the waiter was cancelled: pass it on
            raise

    def release(self) -> None:
        """Hand the lock to the next waiter (urgent ones first), or let it go."""
        for waiting in (self._urgent, self._others):
            while waiting:
                turn = waiting.popleft()
                if not turn.done():
                    turn.set_result(None)  # it holds the lock now
                    return
        self._held = False

    def hold(self, *, urgent: bool = False) -> _Holding:
        """The lock for an `async with` block. Every statement passes through here, so
        it is a small class rather than a generator-based context manager (0.5-0.8
        microseconds against 2.1-2.7 to enter and leave, measured alone)."""
        return _Holding(self, urgent)


class _Holding:
    __slots__ = ("_lock", "_urgent")

    def __init__(self, lock: _ConnectionLock, urgent: bool) -> None:
        self._lock = lock
        self._urgent = urgent

    async def __aenter__(self) -> None:
        await self._lock.acquire(urgent=self._urgent)

    async def __aexit__(self, *exc: object) -> None:
        self._lock.release()


class _Group:
    """Writes of one kind that arrive while the connection is busy, sent as ONE
    statement once it is free (group commit). The first caller starts the group's write
    as a task of its own, which waits for the connection and closes the group once it
    has it (`close`, before any await); calls that come meanwhile join (up to `limit`
    rows). Every caller, the first too, awaits the task shielded: one caller cancelled
    (a webhook request gone, a flush stopped) neither stops the write nor fails the
    others, whose rows it carries (a sent message left in the outbox would go again).
    Each returns only once the statement that carries its rows has committed, and fails
    with it. One at a time, a group is one caller: the same statement as before."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.rows: list[Any] | None = None  # the open group's, while its write waits
        self.result: asyncio.Task[Any] | None = None
        self._running: set[asyncio.Task[Any]] = set()  # a strong reference until done

    async def join(self, rows: Sequence[Any], write: Callable[[list[Any]], Awaitable[Any]]) -> Any:
        """`write(rows)` for the group this call starts or joins: its result."""
        joinable = self.rows is not None and len(self.rows) + len(rows) <= self.limit
        if joinable and self.rows is not None and self.result is not None:
            self.rows.extend(rows)
            return await asyncio.shield(self.result)
        group = self.rows = list(rows)
        task = self.result = asyncio.create_task(self._write(group, write))
        self._running.add(task)
        task.add_done_callback(self._done)
        return await asyncio.shield(task)

    async def _write(self, group: list[Any], write: Callable[[list[Any]], Awaitable[Any]]) -> Any:
        try:
            return await write(group)
        except asyncio.CancelledError as exc:  # only as the loop shuts down
            raise StoreError(
                "The write these rows joined was cancelled: nothing of them was saved."
            ) from exc
        finally:
            self.close(group)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._running.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved, should every caller have been cancelled

    def close(self, rows: list[Any]) -> None:
        """The write has the connection: calls from now on start a new group."""
        if self.rows is rows:
            self.rows = None


class SqliteStore(PersonLifecycle):
    """The store on one SQLite file, through ONE aiosqlite connection per process.

    The connection's settings, and why, are in bot/store/sqlite_open.py.
    All work on the connection goes through one lock (_ConnectionLock: first come
    first served, but sent messages' deletes go first): a single connection has a
    single transaction, and a read must not see another task's half-done turn. A
    transaction(user_id) takes it at its first use of the connection (see there); its
    person's cached rows may show its writes before they commit, as they always did
    inside a transaction, and are dropped if it rolls back.
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
        self._queues = QueueCache()
        # Group commit of the inbox's and outbox's small writes (4 parameters a row).
        self._receiving = _Group(limit=2000)
        self._sending = _Group(limit=2000)
        check_migrations(migrations)
        self.path = Path(path)
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self.migrations = tuple(migrations)
        self.cache_people = cache_people
        self._conn: aiosqlite.Connection | None = None
        self._lock = _ConnectionLock()
        # Messages sent, each the last its person had queued, whose delete goes with the
        # next statement on the connection (message_sent); and the task that takes them
        # out in one of their own when no other statement comes first.
        self._sent: list[int] = []
        self._draining: asyncio.Task[None] | None = None
        # Each person's lock for transaction(user_id), while someone holds or waits for it.
        self._people = KeyedLocks()
        # Set while this task runs a transaction(): its calls run in it, without the lock.
        self._held: ContextVar[_HeldWrites | None] = ContextVar(
            f"sqlite-tx-{id(self)}", default=None
        )

    # ---------------------------------------------------------------- lifecycle

    async def open(self) -> None:
        """Connect, set the pragmas, apply pending migrations. Does nothing if open."""
        if self._conn is not None:
            return
        self._cache.clear()
        self._queues.clear()
        self._conn = await connect(
            self.path,
            synchronous=self.synchronous,
            busy_timeout_ms=self.busy_timeout_ms,
            migrations=self.migrations,
        )

    async def close(self) -> None:
        """Close the connection (safe to call twice) and empty the cache; the sent
        messages left for the next statement are taken out first."""
        conn, self._conn = self._conn, None
        draining, self._draining = self._draining, None
        self._queues.clear()
        if conn is None:
            self._cache.clear()
            return
        async with self._lock.hold():  # after the work in flight, which may still fill the cache
            if conn.in_transaction:
                # a transaction cut short by the close (its own rollback found no
                # connection): undone here, so the deletes below are committed alone
                await conn.rollback()
            sent, self._sent = self._sent, []
            if sent:  # or they would go out again at the next start
                try:
                    await conn.execute(_delete_sent(sent), sent)
                except sqlite3.Error as exc:
                    log.error("Could not take %d sent messages out: %s", len(sent), exc)
            try:
                await conn.execute("PRAGMA optimize")
            except sqlite3.Error as exc:
                log.warning("PRAGMA optimize failed on %s: %s", self.path, exc)
            await conn.close()
            self._cache.clear()
        if draining is not None:
            await draining  # it finds nothing left: done at once

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
        """The block's calls as one transaction, holding the connection's lock (see
        Store.transaction). One process per file, so the person's lock (`user_id`) is
        this store's own (_hold_person), no lock in the database.

        A turn's usual writes are held back (`_HeldWrites`) and written at the end as ONE
        statement, which is then the whole transaction: one round trip. Anything else
        begins it first (BEGIN IMMEDIATE; a read only when something is held), and the
        end is the held writes, then COMMIT. A rollback empties the cache (it may hold
        rows the block wrote; only the held person's when nothing else was written).

        With `user_id`, the person is locked for the block (as PostgreSQL's advisory
        lock does), and the connection's lock is taken only when the block first uses
        the connection, then kept to the end: a turn whose rows come from the cache
        holds it for its one statement only, so other people's turns, updates kept and
        messages taken out go on beside its engine step. (Other people's rows it reads
        may change meanwhile, as on PostgreSQL.) Without `user_id`: the connection's
        lock for the whole block, as before."""
        if self._held.get() is not None:
            yield
            return
        async with self._hold_person(user_id):
            held = _HeldWrites()
            token = self._held.set(held)
            try:
                if user_id is None:
                    await self._take(held)
                yield
                if held:
                    await self._take(held)
                    await self._write_held(self._connection(), held)
                if held.begun:
                    await self._connection().execute("COMMIT")
            except sqlite3.Error as exc:
                await self._undo(held)
                raise StoreError(
                    f"Could not complete a transaction: {exc}. Nothing of it was saved; "
                    "the last saved state is intact. Check the disk."
                ) from exc
            except BaseException:
                await self._undo(held)
                raise
            finally:
                if held.locked:
                    self._lock.release()
                self._held.reset(token)

    async def _take(self, held: _HeldWrites) -> None:
        """The connection's lock for the rest of the transaction."""
        if not held.locked:
            await self._lock.acquire()
            held.locked = True

    @asynccontextmanager
    async def _hold_person(self, user_id: int | None) -> AsyncIterator[None]:
        """The person's lock of this store for the block (none without a user_id)."""
        if user_id is None:
            yield
            return
        async with self._people.hold(user_id):
            yield

    async def _undo(self, held: _HeldWrites) -> None:
        if not held.begun:  # nothing written: only the held people's entries may be new
            for user_id in held.people:
                self._cache.drop(user_id)
            return
        self._cache.clear()
        self._queues.clear()
        self._sent[:0] = held.carried  # rolled back with it: still to take out
        held.carried = []
        await rollback(self._connection(), self.path)

    async def _write_held(self, conn: aiosqlite.Connection, held: _HeldWrites) -> None:
        """The held writes as one statement, with the deletes of the sent messages left
        for the next statement (message_sent); OutOfTurn (nothing of the turn written,
        those deletes are) when a held finish_update's next_of does not hold."""
        if not held:
            return
        finish, messages, recipient = held.finish, held.messages, held.recipient()
        new = held.take_new()
        carried, self._sent = self._sent, []
        sent = json.dumps(carried) if carried else None
        try:
            rows = list(
                await conn.execute_fetchall(COMMIT_TURN, (*held.params(), recipient, new, sent))
            )
        except BaseException:
            self._sent[:0] = carried
            raise
        if held.begun:  # they commit, or roll back, with the transaction
            held.carried.extend(carried)
        first, earlier, ok = rows[0]
        if not ok:
            assert finish is not None
            raise OutOfTurn(
                f"Update {finish[0]} is not the next of user {finish[2]}: "
                + ("kept already" if new else "handled already")
                + ", or an earlier update of theirs is pending."
            )
        for user_id in {row[0] for row in messages}:
            self._queues.drop(user_id)
        if recipient is not None and earlier == 0:  # all the person has queued: known
            self._queues.queued(
                recipient,
                [
                    Outgoing(r[0], r[1], r[2], r[3], r[4], id=first + n)
                    for n, r in enumerate(messages)
                ],
            )

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
        self, what: str, *, single: bool = False, person: int | None = None, urgent: bool = False
    ) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK and StoreError.
        Inside transaction(), the block is part of it: the transaction commits or
        rolls back.

        `single=True` is for a block that runs one statement: SQLite makes it a
        transaction of its own, which spares two round trips to the connection's thread.
        `person`: whose sessions/profiles rows the block writes. If it fails (in
        COMMIT too, or cancelled) their cache entry is dropped, as what the database
        holds is then best read again; on success the caller updates the entry.
        `urgent`: before the calls waiting that are not (_ConnectionLock).
        """
        if self._held.get() is not None:
            async with self._joined(what, writes=True) as conn:
                yield conn
            return
        async with self._lock.hold(urgent=urgent):
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
    async def _joined(self, what: str, *, writes: bool) -> AsyncIterator[aiosqlite.Connection]:
        """The block as part of this task's transaction(): no lock (it holds it), no
        COMMIT (it has one); begun first when the block `writes` or writes are held,
        which go first. An error fails the transaction, which rolls back."""
        held = self._held.get()
        assert held is not None
        try:
            await self._take(held)
            conn = self._connection()
            if writes or held:
                if not held.begun:
                    await conn.execute("BEGIN IMMEDIATE")
                    held.begun = True
                await self._write_held(conn, held)
            yield conn
        except sqlite3.Error as exc:
            raise StoreError(f"Could not {what}: {exc}. Nothing of it was saved.") from exc

    @asynccontextmanager
    async def _reading(self, what: str) -> AsyncIterator[aiosqlite.Connection]:
        if self._held.get() is not None:
            async with self._joined(what, writes=False) as conn:
                yield conn
            return
        async with self._lock.hold():
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
        held = self._held.get()
        if (
            episode_values is None
            and held is not None
            and held.hold_turn(user_id, session_values, profile_values)
        ):
            # In a transaction: written at its end, with its other usual writes.
            self._cache.written(user_id, session_values, profile_values, source=session)
            return None
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

    async def amend_episode(self, episode: Episode) -> Episode | None:
        """One UPDATE of the last episode logged at that time; the cached history too."""
        values = episode_row(episode)
        what = f"amend the episode of user {episode.user_id} logged at {values[2]}"
        async with self._writing(what, single=True, person=episode.user_id) as conn:
            rows = list(await conn.execute_fetchall(AMEND_EPISODE, (*values[3:], *values[1:3])))
        if not rows:
            return None
        amended = episode_from((int(rows[0][0]), *values[1:]))  # as a read returns it
        self._cache.amended(amended)
        return amended

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
        self._queues.drop(user_id)
        if self._held.get() is not None:
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
        kept before and still pending (the no-op update of the upsert). Updates that
        other calls bring while the connection is busy go in the same statement
        (_Group: with 100 people at once, one statement keeps many webhooks' updates)."""
        if not updates:
            return []
        received = utc_text(at)
        rows = [(u.update_id, u.user_id, u.payload, received) for u in updates]
        if self._held.get() is not None:  # in a transaction: a statement of its own, in it
            still = await self._keep(rows)
        else:
            still = await self._receiving.join(rows, self._keep)
        return [u.update_id for u in updates if u.update_id in still]

    async def _keep(self, rows: list[tuple[Any, ...]]) -> set[int]:
        """The INSERT of receive_updates, for `rows` (a group's: the first of an update
        seen twice is the one kept)."""
        async with self._writing(f"keep {len(rows)} updates", single=True) as conn:
            self._receiving.close(rows)
            unique = list({row[0]: row for row in reversed(rows)}.values())[::-1]
            values = ", ".join("(?, ?, ?, ?)" for _ in unique)
            found = await conn.execute_fetchall(
                f"INSERT INTO inbox (update_id, user_id, payload, received_at) VALUES {values} "
                "ON CONFLICT (update_id) DO UPDATE SET attempts = attempts "
                "WHERE done_at IS NULL RETURNING update_id",
                [value for row in unique for value in row],
            )
        return {int(row[0]) for row in found}

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

    async def finish_update(
        self, update_id: int, at: datetime, *, next_of: int | None = None, new: bool = False
    ) -> None:
        """COMMIT_TURN with the update alone; in a transaction, held to its end (with the
        turn's other writes), where next_of (and `new`) is checked."""
        if new and next_of is None:
            raise ValueError("finish_update(new=True) needs next_of: whose next it must be")
        held = _HeldWrites(finish=(update_id, utc_text(at), next_of), new=new)
        outer = self._held.get()
        if outer is not None and outer.finish is None:
            outer.finish, outer.new = held.finish, new
            return
        async with self._writing(f"mark update {update_id} handled", single=True) as conn:
            await self._write_held(conn, held)

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
        """In a transaction, text messages are held to its end (COMMIT_TURN); else, and
        for bytes, one INSERT."""
        if not messages:
            return
        rows = [outgoing_row(message, utc_text(at)) for message in messages]
        held = self._held.get()
        if held is not None and all(row[5] is None and row[6] is None for row in rows):
            held.messages.extend(row[:5] + row[7:] for row in rows)
            return
        async with self._writing(f"queue {len(rows)} messages") as conn:
            await conn.executemany(
                "INSERT INTO outbox (user_id, chat_id, kind, body, markup, filename, data, "
                "queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        for user_id in {message.user_id for message in messages}:
            self._queues.drop(user_id)

    async def queued_messages(
        self, user_id: int | None = None, *, limit: int = 100
    ) -> list[Outgoing]:
        """One person's from QueueCache when it knows them (after a turn that queued
        them); else one query, after the sent messages left for the next statement are
        taken out (message_sent: the next message of a person goes out only then)."""
        known = None if user_id is None else self._queues.known(user_id)
        if known is not None:
            return known[:limit]
        if self._sent and self._held.get() is None:
            await self._take_sent_out()
        sql = f"SELECT {OUTGOING_COLUMNS} FROM outbox"
        params: tuple[Any, ...] = ()
        if user_id is not None:
            sql += " WHERE user_id = ?"
            params += (user_id,)
        async with self._reading("read the outbox") as conn:
            rows = await conn.execute_fetchall(sql + " ORDER BY id LIMIT ?", (*params, limit))
        return [outgoing_from(row) for row in rows]

    async def message_sent(self, message_id: int) -> None:
        """Take a sent message out of the outbox: ONE statement, shared with the other
        messages sent while the connection was busy (_Group); it returns once that
        statement has committed, so the next message of the person goes out only after
        this one is taken out.

        But the last message its person has queued, as QueueCache knows (the flush
        right after their turn), is not waited for: its delete goes with the next
        statement on the connection (COMMIT_TURN carries it; so does a delete of
        other sent messages), else in one of its own as soon as the connection is free
        (`_drain`, started now). A reply one at a time thus costs one round trip to
        the connection's thread less, and the flush does not wait for it. The person
        still has at most one message sent and not taken out (what a crash sends
        again): their next one must be queued first, and the next flush finds it
        through COMMIT_TURN, which carried the delete, or through a read of the
        outbox, which takes such deletes out first. close() takes out what is left."""
        if self._held.get() is None and self._queues.last(message_id):
            self._queues.sent(message_id)
            self._sent.append(message_id)
            if self._draining is None:
                self._draining = asyncio.create_task(self._drain())
            return
        if self._held.get() is not None:
            await self._take_out([message_id])
        else:
            await self._sending.join([message_id], self._take_out)
        self._queues.sent(message_id)

    async def _take_out(self, ids: list[int]) -> None:
        """Delete the sent messages `ids` (a group's), and those left for the next
        statement (message_sent) when not in a transaction."""
        what = f"take {len(ids)} sent messages out"
        async with self._writing(what, single=True, urgent=True) as conn:
            self._sending.close(ids)
            carried: list[int] = []
            if self._held.get() is None:
                carried, self._sent = self._sent, []
            try:
                every = ids + carried
                await conn.execute(_delete_sent(every), every)
            except BaseException:
                self._sent[:0] = carried
                raise

    async def _drain(self) -> None:
        """Take out the sent messages left for the next statement, until none is left,
        when no other statement took them first. A failure leaves them to the next
        statement, or the next read of the outbox (the inbox's round reads it)."""
        try:
            while self._sent and self._conn is not None:
                await self._take_sent_out()
        except StoreError as exc:
            log.warning(
                "Could not take %d sent messages out of the outbox (%s); they go with "
                "the next statement",
                len(self._sent),
                exc,
            )
        finally:
            self._draining = None

    async def _take_sent_out(self) -> None:
        """The sent messages left for the next statement (message_sent), deleted in one
        of their own, before anything waiting that is not a delete (_ConnectionLock)."""
        async with self._lock.hold(urgent=True):
            sent, self._sent = self._sent, []
            conn = self._conn
            if not sent or conn is None:  # carried meanwhile, or close() took them
                return
            try:
                await conn.execute(_delete_sent(sent), sent)
            except sqlite3.Error as exc:
                self._sent[:0] = sent
                await rollback(conn, self.path)
                raise StoreError(
                    f"Could not take {len(sent)} sent messages out: {exc}. They stay "
                    "queued in the database; check the disk."
                ) from exc
            except BaseException:
                self._sent[:0] = sent
                raise

    async def drop_messages(self, user_id: int) -> int:
        async with self._writing(f"drop the messages to {user_id}", single=True) as conn:
            cursor = await conn.execute("DELETE FROM outbox WHERE user_id = ?", (user_id,))
            gone = cursor.rowcount
            await cursor.close()
        self._queues.drop(user_id)
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


def _delete_sent(ids: Sequence[int]) -> str:
    """The DELETE of these sent messages from the outbox (one ? per id)."""
    return f"DELETE FROM outbox WHERE id IN ({', '.join('?' for _ in ids)})"
