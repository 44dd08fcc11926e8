"""PostgresStore: the store on a PostgreSQL server, through asyncpg, for several processes.

    postgres_schema.py  MIGRATIONS (versioned, under an advisory lock), PERSON_TABLES, SQL
    postgres_rows.py    rows <-> the core's values

`DATABASE_URL=postgresql://user:password@host:5432/name` (or `postgres://...`, the form
platforms hand out; query parameters such as `?sslmode=require` go to asyncpg) opens
one connection pool per process (asyncpg.create_pool). Every method takes a connection
from the pool for one statement or one transaction: a turn's session, episode and
profile are ONE statement (so one transaction and one round trip), forget() is one
transaction over every table, advance_reminders() one transaction of two set-based
compare-and-sets.

No cache of people, unlike SqliteStore: several bot processes may share one database
(issue 12), and a row another process changed must be read afresh, so every read asks
the server. A turn therefore costs a round trip to load the person and their recent
episodes, and one to save (`python -m bench store` measures it against SQLite).

Round trips a transaction saves (each is a wake-up of the server and of this process):
BEGIN and the person's lock go as one; a turn's usual writes (its session, the messages
it queued, its update marked handled) are held back to the end and written as ONE
statement (COMMIT_TURN) before COMMIT; and a connection goes back to the pool without
asyncpg's reset query unless it may hold a session-level lock (`_reset`).

Every error from the server or the connection becomes a StoreError that says what to
do; a failed write leaves the last committed state intact (PostgreSQL rolls back the
statement or transaction). A refused login or an unreachable server at open() is a
StoreError of one or two lines naming DATABASE_URL and the fix.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from bot.core.model import Episode, Profile, Session
from bot.core.schedule import Advance, Reminder, ReminderKind
from bot.errors import AlreadyPolling, OutOfTurn, StoreError
from bot.store.base import PersonLifecycle
from bot.store.codec import (
    check_same_person,
    export_document,
    normal_reminder,
    slots_json,
    utc,
)
from bot.store.mailbox import Incoming, Outgoing
from bot.store.postgres_rows import (
    episode_from,
    episode_row,
    person_from,
    profile_from,
    profile_row,
    reminder_from,
    reminder_row,
)
from bot.store.postgres_schema import (
    ADVANCE_DELETE,
    ADVANCE_UPDATE,
    AMEND_EPISODE,
    BY_TIME,
    COMMIT_TURN,
    DUE_REMINDERS,
    EPISODES_OF,
    INCOMING_COLUMNS,
    INTAKE_OF,
    LOAD_PERSON,
    LOAD_TURN,
    MIGRATIONS,
    OUTGOING_COLUMNS,
    PERSON_TABLES,
    POLLER_LOCK,
    REMINDER_WIDTH,
    REMINDERS_OF,
    UPSERT_PROFILE,
    UPSERT_REMINDER,
    WRITE_TURN,
    Migration,
    check_migrations,
    migrate,
)
from bot.store.schema import incoming_from, outgoing_from, outgoing_row

log = logging.getLogger(__name__)

#: What a lost connection, a server error or a timeout raises through asyncpg
#: (InternalClientError: a connection the server closed while a query was starting).
_FAILURES = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
    TimeoutError,
)


@dataclass(slots=True)
class _HeldWrites:
    """A transaction's usual writes, held back to its end to go as ONE statement
    (COMMIT_TURN): a turn's session (and profile) without an episode, messages queued,
    one update marked handled. Any other call in the transaction writes them first, so
    it sees them."""

    session: tuple[Any, ...] | None = None  # user_id, state, slots, updated_at, turn
    profile: tuple[Any, ...] | None = None  # profile_row without the user_id
    messages: list[tuple[Any, ...]] = field(default_factory=list)  # outgoing_row
    finish: tuple[int, datetime, int | None] | None = None  # update_id, at, next_of
    new: bool = False  # finish_update's `new`: the update was never kept

    def __bool__(self) -> bool:
        # A profile is held only with its session; named anyway, as in SQLite's.
        return bool(self.session or self.profile or self.messages or self.finish)

    def params(self) -> tuple[Any, ...]:
        """COMMIT_TURN's parameters; what was held is let go."""
        session = self.session or (None,) * 5
        profile = self.profile or (None,) * 6
        columns: list[list[Any] | None] = [*_columns(self.messages)] or [None] * 8
        finish = (*self.finish, self.new) if self.finish else (None, None, None, False)
        self.session = self.profile = self.finish = None
        self.new = False
        self.messages = []
        return (*session, *profile, *columns, *finish)


def describe(url: str) -> str:
    """user@host:port/database of a PostgreSQL URL, never its password (for messages)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        port = parts.port or 5432
    except ValueError:
        return "(an unreadable URL)"
    user = f"{parts.username}@" if parts.username else ""
    database = parts.path.lstrip("/") or (parts.username or "(the user's own)")
    return f"{user}{host}:{port}/{database}"


class PostgresStore(PersonLifecycle):
    """The store on a PostgreSQL database, through one asyncpg pool per process.

    `min_size`/`max_size` bound the pool's connections; `connect_timeout` is how long
    open() waits for the server (seconds); `server_settings` are set on every connection
    (e.g. {"synchronous_commit": "off"}: a commit returns before the server's WAL is on
    disk, so a crash of the server, not of the bot, may lose the last moment's turns;
    the default keeps the server's setting, on). Rows go straight to and from the
    server: no cache (see the module docstring).
    """

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        connect_timeout: float = 10.0,
        server_settings: Mapping[str, str] | None = None,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> None:
        check_migrations(migrations)
        self.url = url
        self.min_size = min_size
        self.max_size = max_size
        self.connect_timeout = connect_timeout
        self.server_settings = dict(server_settings or {})
        self.migrations = tuple(migrations)
        self.where = describe(url)
        self._pool: asyncpg.Pool | None = None
        # The connection this task's transaction() or sending() holds: its calls use it.
        self._held: ContextVar[Any] = ContextVar(f"postgres-held-{id(self)}", default=None)
        # The writes this task's transaction() holds back to its end.
        self._writes: ContextVar[_HeldWrites | None] = ContextVar(
            f"postgres-writes-{id(self)}", default=None
        )
        # Server pids of connections that may hold a session-level advisory lock.
        self._locking: set[int] = set()

    # ---------------------------------------------------------------- lifecycle

    async def open(self) -> None:
        """Create the pool and apply pending migrations. Does nothing if open."""
        if self._pool is not None:
            return
        pool = await self._create_pool()
        try:
            async with pool.acquire() as conn:
                await migrate(conn, self.migrations, self.where)
        except _FAILURES as exc:
            await pool.close()
            raise StoreError(
                f"Could not prepare the PostgreSQL database {self.where} (DATABASE_URL): "
                f"{exc}. Check the server's log."
            ) from exc
        except BaseException:
            await pool.close()
            raise
        self._pool = pool

    async def _create_pool(self) -> asyncpg.Pool:
        where = f"PostgreSQL at {self.where} (DATABASE_URL)"
        try:
            return await asyncpg.create_pool(
                self.url,
                min_size=self.min_size,
                max_size=self.max_size,
                timeout=self.connect_timeout,
                server_settings=self.server_settings or None,
                reset=self._reset,
            )
        except asyncpg.InvalidAuthorizationSpecificationError as exc:
            raise StoreError(
                f"{where} refused the login: {exc}.\nFix the user name and password in "
                "DATABASE_URL (postgresql://user:password@host:5432/database)."
            ) from exc
        except asyncpg.InvalidCatalogNameError as exc:
            raise StoreError(
                f"{where}: {exc}.\nCreate that database (createdb NAME) or fix its name "
                "at the end of DATABASE_URL."
            ) from exc
        except (OSError, TimeoutError, asyncpg.CannotConnectNowError) as exc:
            raise StoreError(
                f"Could not reach {where}: {exc or type(exc).__name__}.\nStart the server, "
                "or fix the host and port in DATABASE_URL."
            ) from exc
        except ValueError as exc:  # asyncpg's reading of the URL
            raise StoreError(
                f"DATABASE_URL is not a PostgreSQL URL asyncpg can read: {exc}. "
                "Use postgresql://user:password@host:5432/database."
            ) from exc
        except _FAILURES as exc:
            raise StoreError(
                f"Could not connect to {where}: {exc}. Check the server and DATABASE_URL."
            ) from exc

    async def _reset(self, conn: asyncpg.Connection) -> None:
        """What a connection needs before it goes back to the pool (asyncpg has rolled
        back an open transaction already): the session-level locks let go, when it may
        hold one (`sending`, `polling`). asyncpg's own reset query would also close
        cursors, stop LISTENs and RESET settings, none of which this store uses, and
        costs a round trip at every release."""
        pid = conn.get_server_pid()
        if pid in self._locking:
            await conn.execute("SELECT pg_advisory_unlock_all()")
            self._locking.discard(pid)

    async def close(self) -> None:
        """Close the pool, after the work in flight; safe to call twice."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    # ---------------------------------------------------------------- plumbing

    @asynccontextmanager
    async def transaction(self, user_id: int | None = None) -> AsyncIterator[None]:
        """A connection from the pool, in a transaction for the block (see
        Store.transaction); with `user_id`, pg_advisory_xact_lock(user_id) first, so the
        person's turns run one at a time across every process."""
        if self._held.get() is not None:
            yield
            return
        async with self._connection("run a transaction") as conn:
            token = self._held.set(conn)
            held = _HeldWrites()
            holding = self._writes.set(held)
            try:
                # One round trip (the simple query protocol takes several statements).
                lock = "" if user_id is None else f"; SELECT pg_advisory_xact_lock({int(user_id)})"
                await conn.execute("BEGIN" + lock)
                try:
                    yield
                    await self._write_held(conn, held)
                    await conn.execute("COMMIT")
                except BaseException:
                    if not conn.is_closed():
                        with suppress(*_FAILURES):
                            await conn.execute("ROLLBACK")
                    raise
            finally:
                self._writes.reset(holding)
                self._held.reset(token)

    async def _write_held(self, conn: Any, held: _HeldWrites) -> None:
        """The held writes as one statement; OutOfTurn (nothing written) when a held
        finish_update's next_of does not hold."""
        if not held:
            return
        finish = held.finish
        if not await conn.fetchval(COMMIT_TURN, *held.params()):
            assert finish is not None
            raise OutOfTurn(f"Update {finish[0]} is not the next of user {finish[2]}.")

    @asynccontextmanager
    async def sending(self, user_id: int) -> AsyncIterator[None]:
        """The person's lock (as transaction(user_id) takes it) held by a session-level
        pg_advisory_lock for the block, on a connection the block's calls use."""
        if self._held.get() is not None:
            yield
            return
        async with self._connection(f"hold user {user_id}") as conn:
            token = self._held.set(conn)
            pid = conn.get_server_pid()
            self._locking.add(pid)
            await conn.execute("SELECT pg_advisory_lock($1)", user_id)
            try:
                yield
            finally:
                self._held.reset(token)
                await conn.execute("SELECT pg_advisory_unlock($1)", user_id)
                self._locking.discard(pid)

    @asynccontextmanager
    async def polling(self) -> AsyncIterator[None]:
        """pg_try_advisory_lock(POLLER_LOCK) on a connection of the pool, held for the
        block: the server lets go of it when that connection ends."""
        async with self._connection("hold the right to poll Telegram") as conn:
            self._locking.add(conn.get_server_pid())
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", POLLER_LOCK):
                raise AlreadyPolling(
                    f"Another process is already polling Telegram for {self.where} "
                    "(DATABASE_URL). Polling is one process per bot: stop the other one, "
                    "or run every process in webhook mode (WEBHOOK_URL)."
                )
            try:
                yield
            finally:
                with suppress(*_FAILURES):
                    await conn.execute("SELECT pg_advisory_unlock($1)", POLLER_LOCK)

    @asynccontextmanager
    async def _connection(self, what: str, *, writes: bool = True) -> AsyncIterator[Any]:
        """A connection from the pool (or the one this task holds in a transaction);
        a failure in the block becomes a StoreError."""
        held = self._held.get()
        if held is not None:
            try:
                pending = self._writes.get()
                if pending:  # what the transaction held back goes first: seen, in order
                    await self._write_held(held, pending)
                yield held
            except _FAILURES as exc:
                raise StoreError(
                    f"Could not {what}: {exc}. Nothing of the transaction was saved."
                ) from exc
            return
        pool = self._pool
        if pool is None:
            raise StoreError(
                "The store is not open. Call `await store.open()` first, or use "
                "`async with PostgresStore(url) as store:`."
            )
        try:
            async with pool.acquire() as conn:
                yield conn
        except _FAILURES as exc:
            then = (
                "Nothing was saved; the last saved state is intact."
                if writes
                else "Nothing was read."
            )
            raise StoreError(
                f"Could not {what}: {exc}. {then} Check that PostgreSQL at {self.where} "
                "(DATABASE_URL) is running and reachable."
            ) from exc

    @staticmethod
    def _atomic(conn: Any, **options: Any) -> AbstractAsyncContextManager[Any]:
        """A transaction for the block, unless the connection is in one already (this
        task's transaction(), begun by hand): then the block is part of that."""
        if conn.is_in_transaction():
            return nullcontext()
        return conn.transaction(**options)  # type: ignore[no-any-return]

    async def ping(self) -> None:
        """SELECT 1 on a connection from the pool."""
        async with self._connection("reach the database", writes=False) as conn:
            await conn.fetchval("SELECT 1")

    # ---------------------------------------------------------------- people

    async def save_turn(
        self,
        session: Session,
        *,
        episode: Episode | None = None,
        profile: Profile | None = None,
    ) -> Episode | None:
        """Session upsert + episode insert + profile upsert as ONE statement (WRITE_TURN):
        one transaction, one round trip."""
        check_same_person(session, episode, profile)
        slots = slots_json(session)
        updated = None if session.updated_at is None else utc(session.updated_at)
        held = self._writes.get()
        if (
            episode is None
            and held is not None
            and (held.session is None or held.session[0] == session.user_id)
        ):
            # In a transaction: written at its end, with its other usual writes.
            held.session = (session.user_id, session.state, slots, updated, session.turn)
            if profile is not None:
                held.profile = profile_row(profile)[1:]
            return None
        episode_values = (None,) * 9 if episode is None else episode_row(episode)
        profile_values = (None,) * 6 if profile is None else profile_row(profile)[1:]
        params = (
            session.user_id,
            session.state,
            slots,
            updated,
            session.turn,
            *episode_values,
            *profile_values,
            None if episode is None else episode.id,
        )
        async with self._connection(f"save the turn of user {session.user_id}") as conn:
            rows = await conn.fetch(WRITE_TURN, *params)
        if episode is None:
            return None
        return episode_from((int(rows[0][0]), session.user_id, *episode_values))  # as read

    async def episodes(self, user_id: int, since: datetime | None = None) -> list[Episode]:
        sql = EPISODES_OF
        params: tuple[Any, ...] = (user_id,)
        if since is not None:
            sql += " AND at >= $2"
            params += (utc(since),)
        what = f"load the episodes of user {user_id}"
        async with self._connection(what, writes=False) as conn:
            rows = await conn.fetch(sql + BY_TIME, *params)
        return [episode_from(row) for row in rows]

    async def amend_episode(self, episode: Episode) -> Episode | None:
        """One UPDATE of the last episode logged at that time."""
        values = episode_row(episode)
        what = f"amend the episode of user {episode.user_id} logged at {values[0]}"
        async with self._connection(what) as conn:
            rows = await conn.fetch(AMEND_EPISODE, *values[1:], episode.user_id, values[0])
        if not rows:
            return None
        return episode_from((int(rows[0][0]), episode.user_id, *values))  # as read

    async def load_person(self, user_id: int) -> tuple[Session | None, Profile | None]:
        """Session and profile in one query."""
        async with self._connection(f"load user {user_id}", writes=False) as conn:
            row = await conn.fetchrow(LOAD_PERSON, user_id)
        assert row is not None  # LOAD_PERSON always gives one row
        return person_from(row)

    async def load_turn(
        self, user_id: int, since: datetime
    ) -> tuple[Session | None, Profile | None, list[Episode]]:
        """Session, profile and the episodes since `since` in one query (LOAD_TURN)."""
        async with self._connection(f"load user {user_id}", writes=False) as conn:
            row = await conn.fetchrow(LOAD_TURN, user_id, utc(since))
        assert row is not None  # LOAD_TURN always gives one row
        session, profile = person_from(row[:-1])
        return session, profile, [episode_from(each) for each in row[-1]]

    async def save_profile(self, profile: Profile) -> None:
        row = profile_row(profile)
        async with self._connection(f"save the profile of user {profile.user_id}") as conn:
            await conn.execute(UPSERT_PROFILE, *row)

    async def set_active(self, user_id: int, active: bool) -> None:
        async with self._connection(f"mark user {user_id} as active={active}") as conn:
            await conn.execute(
                "UPDATE profiles SET active = $2 WHERE user_id = $1", user_id, active
            )

    async def forget(self, user_id: int) -> None:
        """Delete the person from every table in PERSON_TABLES, in one transaction."""
        async with self._connection(f"forget user {user_id}") as conn, self._atomic(conn):
            for table in PERSON_TABLES:
                await conn.execute(f"DELETE FROM {table} WHERE user_id = $1", user_id)

    async def export(self, user_id: int) -> dict[str, Any]:
        """Profile, session, episodes, reminders and intake, read in one snapshot (a
        repeatable-read transaction: another process's turn cannot land in between)."""
        what = f"export the data of user {user_id}"
        # Inside a transaction(user_id) the person is locked: no other turn can land.
        nested = self._held.get() is not None
        async with (
            self._connection(what, writes=False) as conn,
            self._atomic(
                conn, **({} if nested else {"isolation": "repeatable_read", "readonly": True})
            ),
        ):
            person = await conn.fetchrow(LOAD_PERSON, user_id)
            episodes = await conn.fetch(EPISODES_OF + BY_TIME, user_id)
            reminders = await conn.fetch(REMINDERS_OF, user_id)
            intake = await conn.fetch(INTAKE_OF + BY_TIME, user_id)
        assert person is not None
        session, profile = person_from(person)
        return export_document(
            user_id,
            profile,
            session,
            [episode_from(row) for row in episodes],
            [reminder_from(row) for row in reminders],
            [utc(row[0]) for row in intake],
        )

    # ---------------------------------------------------------------- reminders

    async def save_reminder(self, reminder: Reminder) -> Reminder:
        """Upsert on (user_id, kind): a new series replaces a running one, keeping its id."""
        staged = normal_reminder(reminder)
        async with self._connection(f"save a reminder of user {staged.user_id}") as conn:
            reminder_id = await conn.fetchval(UPSERT_REMINDER, *reminder_row(staged))
        return replace(staged, id=int(reminder_id))

    async def reminders(self, user_id: int) -> list[Reminder]:
        what = f"load the reminders of user {user_id}"
        async with self._connection(what, writes=False) as conn:
            rows = await conn.fetch(REMINDERS_OF, user_id)
        return [reminder_from(row) for row in rows]

    async def stop_reminders(self, user_id: int, kind: ReminderKind | None = None) -> int:
        sql = "DELETE FROM reminders WHERE user_id = $1"
        params: tuple[Any, ...] = (user_id,)
        if kind is not None:
            sql += " AND kind = $2"
            params += (kind,)
        async with self._connection(f"stop the reminders of user {user_id}") as conn:
            status = await conn.execute(sql, *params)
        return _count(status)

    async def due_reminders(self, now: datetime, limit: int) -> list[tuple[Reminder, Profile]]:
        """One range scan of the reminders_due index, joined to profiles by primary key."""
        async with self._connection("find the due reminders", writes=False) as conn:
            rows = await conn.fetch(DUE_REMINDERS, utc(now), int(limit))
        return [
            (reminder_from(row[:REMINDER_WIDTH]), profile_from(row[REMINDER_WIDTH:]))
            for row in rows
        ]

    async def advance_reminders(self, changes: Sequence[Advance]) -> int:
        """Compare-and-set on (id, due_at), all in one transaction: the deletes as ONE
        statement, then the moves as ONE statement (ADVANCE_DELETE, ADVANCE_UPDATE)."""
        deletes: list[tuple[int, datetime]] = []
        updates: list[tuple[int, datetime, datetime, datetime | None, int]] = []
        for change in changes:
            old = change.reminder
            if old.id is None:
                raise ValueError("advance_reminders needs reminders read from the store")
            expected = utc(old.due_at)
            if change.next_due is None:
                deletes.append((old.id, expected))
            else:
                sent = None if change.sent_at is None else utc(change.sent_at)
                updates.append(
                    (old.id, expected, utc(change.next_due), sent, int(sent is not None))
                )
        if not changes:
            return 0
        applied = 0
        what = f"record {len(changes)} reminders"
        async with self._connection(what) as conn, self._atomic(conn):
            if deletes:
                applied += _count(await conn.execute(ADVANCE_DELETE, *_columns(deletes)))
            if updates:
                applied += _count(await conn.execute(ADVANCE_UPDATE, *_columns(updates)))
        return applied

    # ---------------------------------------------------------------- intake

    async def log_intake(self, user_id: int, at: datetime) -> None:
        async with self._connection(f"log a drink of user {user_id}") as conn:
            await conn.execute("INSERT INTO intake (user_id, at) VALUES ($1, $2)", user_id, utc(at))

    async def intake(
        self, user_id: int, since: datetime | None = None, until: datetime | None = None
    ) -> list[datetime]:
        sql = INTAKE_OF
        params: list[Any] = [user_id]
        if since is not None:
            params.append(utc(since))
            sql += f" AND at >= ${len(params)}"
        if until is not None:
            params.append(utc(until))
            sql += f" AND at < ${len(params)}"
        async with self._connection(f"load the intake of user {user_id}", writes=False) as conn:
            rows = await conn.fetch(sql + BY_TIME, *params)
        return [utc(row[0]) for row in rows]

    # ---------------------------------------------------------------- inbox and outbox

    async def receive_updates(self, updates: Sequence[Incoming], at: datetime) -> list[int]:
        """ONE statement: insert the new ones; RETURNING gives those inserted, and those
        kept before and still pending (the no-op update of the upsert)."""
        if not updates:
            return []
        async with self._connection(f"keep {len(updates)} updates") as conn:
            rows = await conn.fetch(
                """INSERT INTO inbox (update_id, user_id, payload, received_at)
                   SELECT *, $4::timestamptz
                   FROM unnest($1::bigint[], $2::bigint[], $3::text[])
                   ON CONFLICT (update_id) DO UPDATE SET attempts = inbox.attempts
                   WHERE inbox.done_at IS NULL
                   RETURNING update_id""",
                [u.update_id for u in updates],
                [u.user_id for u in updates],
                [u.payload for u in updates],
                utc(at),
            )
        still = {int(row[0]) for row in rows}
        return [u.update_id for u in updates if u.update_id in still]

    async def pending_updates(
        self, user_id: int | None = None, *, limit: int = 100, before: datetime | None = None
    ) -> list[Incoming]:
        sql = f"SELECT {INCOMING_COLUMNS} FROM inbox WHERE done_at IS NULL"
        params: list[Any] = []
        if user_id is not None:
            params.append(user_id)
            sql += f" AND user_id = ${len(params)}"
        if before is not None:
            params.append(utc(before))
            sql += f" AND received_at < ${len(params)}"
        params.append(limit)
        sql += f" ORDER BY update_id LIMIT ${len(params)}"
        async with self._connection("find the updates not yet handled", writes=False) as conn:
            rows = await conn.fetch(sql, *params)
        return [incoming_from(row) for row in rows]

    async def finish_update(
        self, update_id: int, at: datetime, *, next_of: int | None = None, new: bool = False
    ) -> None:
        """COMMIT_TURN with the update alone; in a transaction, held to its end (with the
        turn's other writes), where next_of (and `new`) is checked."""
        if new and next_of is None:
            raise ValueError("finish_update(new=True) needs next_of: whose next it must be")
        finish = (update_id, utc(at), next_of)
        held = self._writes.get()
        if held is not None and held.finish is None:
            held.finish, held.new = finish, new
            return
        async with self._connection(f"mark update {update_id} handled") as conn:
            await self._write_held(conn, _HeldWrites(finish=finish, new=new))

    async def retry_update(self, update_id: int) -> int:
        async with self._connection(f"count a failure of update {update_id}") as conn:
            attempts = await conn.fetchval(
                "UPDATE inbox SET attempts = attempts + 1 WHERE update_id = $1 RETURNING attempts",
                update_id,
            )
        return 0 if attempts is None else int(attempts)

    async def prune_updates(self, before: datetime) -> int:
        async with self._connection("forget old handled updates") as conn:
            status = await conn.execute(
                "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < $1", utc(before)
            )
        return _count(status)

    async def queue_messages(self, messages: Sequence[Outgoing], at: datetime) -> None:
        if not messages:
            return
        rows = [outgoing_row(message, utc(at)) for message in messages]
        held = self._writes.get()
        if held is not None:
            held.messages.extend(rows)  # written at the transaction's end
            return
        async with self._connection(f"queue {len(rows)} messages") as conn:
            await self._write_held(conn, _HeldWrites(messages=rows))  # COMMIT_TURN with them alone

    async def queued_messages(
        self, user_id: int | None = None, *, limit: int = 100
    ) -> list[Outgoing]:
        async with self._connection("read the outbox", writes=False) as conn:
            if user_id is None:
                rows = await conn.fetch(
                    f"SELECT {OUTGOING_COLUMNS} FROM outbox ORDER BY id LIMIT $1", limit
                )
            else:
                rows = await conn.fetch(
                    f"SELECT {OUTGOING_COLUMNS} FROM outbox WHERE user_id = $1 "
                    "ORDER BY id LIMIT $2",
                    user_id,
                    limit,
                )
        return [outgoing_from(row) for row in rows]

    async def message_sent(self, message_id: int) -> None:
        async with self._connection(f"take message {message_id} out") as conn:
            await conn.execute("DELETE FROM outbox WHERE id = $1", message_id)

    async def drop_messages(self, user_id: int) -> int:
        async with self._connection(f"drop the messages to {user_id}") as conn:
            return _count(await conn.execute("DELETE FROM outbox WHERE user_id = $1", user_id))

    async def backlog(self) -> tuple[int, int]:
        async with self._connection("count the backlog", writes=False) as conn:
            row = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM inbox WHERE done_at IS NULL), "
                "(SELECT count(*) FROM outbox)"
            )
        assert row is not None
        return int(row[0]), int(row[1])


def _columns(rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    """Rows as columns: one array for each parameter of an unnest()."""
    return [list(column) for column in zip(*rows, strict=True)]


def _count(status: str) -> int:
    """The row count of a command's status ("DELETE 2", "UPDATE 1")."""
    return int(status.rsplit(" ", 1)[-1])
