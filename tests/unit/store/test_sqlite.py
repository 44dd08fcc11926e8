"""What only SqliteStore can show: its connection settings, locks, crashes and the index.

The contract every backend keeps is tests/contract/test_store.py; the cache is
test_cache.py, the migrations test_migrations.py, the schema test_sqlite_schema.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.model import Episode, Profile, Session
from bot.errors import StoreError
from bot.store import LATEST_VERSION, SqliteStore
from bot.store.mailbox import Incoming, Outgoing
from bot.store.sqlite import _ConnectionLock
from tests.helpers.paths import ROOT

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def session(turn: int = 0) -> Session:
    return Session(1, "greet", {}, T0 + timedelta(minutes=turn), turn)


def episode() -> Episode:
    return Episode(1, T0, muscle="calf", duration_minutes=5.0)


async def pragma(store: SqliteStore, name: str) -> Any:
    """A PRAGMA as the store's own connection sees it (most are per connection)."""
    conn = store._conn
    assert conn is not None, "open the store first"
    async with conn.execute(f"PRAGMA {name}") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return row[0]


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore(tmp_path / "coach.db") as store:
        yield store


async def test_connection_settings(sqlite_store: SqliteStore) -> None:
    assert await pragma(sqlite_store, "journal_mode") == "wal"
    assert await pragma(sqlite_store, "foreign_keys") == 1
    assert await pragma(sqlite_store, "synchronous") == 1  # NORMAL
    assert await pragma(sqlite_store, "busy_timeout") == 5000
    assert await pragma(sqlite_store, "secure_delete") == 1
    assert await pragma(sqlite_store, "user_version") == LATEST_VERSION


async def test_full_synchronous_can_be_chosen(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "coach.db", synchronous="FULL") as store:
        assert await pragma(store, "synchronous") == 2
    with pytest.raises(ValueError, match="NORMAL or FULL"):
        SqliteStore(tmp_path / "coach.db", synchronous="OFF")  # type: ignore[arg-type]


async def test_locked_database_gives_store_error_after_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    async with SqliteStore(path, busy_timeout_ms=100) as store:
        await store.save_turn(session(turn=1))
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            started = asyncio.get_running_loop().time()
            with pytest.raises(StoreError, match="locked"):
                await store.save_turn(session(turn=2), episode=episode())
            assert asyncio.get_running_loop().time() - started >= 0.09
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert await store.load_session(1) == session(turn=1)
        # The lock is gone: the store works again.
        assert await store.save_turn(session(turn=3), episode=episode()) is not None


async def test_closed_store_says_how_to_open_it(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "coach.db")
    with pytest.raises(StoreError, match="not open"):
        await store.load_session(1)
    await store.open()
    await store.open()  # already open: nothing happens
    await store.close()
    await store.close()
    with pytest.raises(StoreError, match="not open"):
        await store.save_turn(session())


async def test_unreadable_file_gives_store_error(tmp_path: Path) -> None:
    path = tmp_path / "coach.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"coach\.db"):
        await SqliteStore(path).open()


async def test_cancelled_turn_leaves_the_store_usable(sqlite_store: SqliteStore) -> None:
    await sqlite_store.save_turn(session(turn=1))
    for steps in range(12):
        before = len(await sqlite_store.episodes(1))
        task = asyncio.create_task(sqlite_store.save_turn(session(turn=100), episode=episode()))
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        # Cancelled before, during or after the commit: all or nothing.
        loaded = await sqlite_store.load_session(1)
        saved = len(await sqlite_store.episodes(1)) - before
        assert loaded is not None
        assert (saved, loaded.turn == 100) in {(0, False), (1, True)}
        # Whatever happened, the next turn goes through.
        await sqlite_store.save_turn(session(turn=steps), episode=episode())
        loaded = await sqlite_store.load_session(1)
        assert loaded is not None and loaded.turn == steps


def test_a_killed_writer_loses_no_committed_turn(tmp_path: Path) -> None:
    """SIGKILL the writer mid-way: every turn it reported as committed is on disk."""
    path = tmp_path / "coach.db"
    writer = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "helpers" / "store_crash_writer.py"), str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert writer.stdout is not None and writer.stderr is not None
    committed: list[int] = []
    try:
        for line in writer.stdout:
            committed.append(int(line))
            if len(committed) >= 200:
                writer.send_signal(signal.SIGKILL)
                break
        else:
            pytest.fail(f"the writer stopped early: {writer.stderr.read()}")
        committed += [int(line) for line in writer.stdout]  # printed before the kill
    finally:
        writer.kill()
        writer.wait()
        writer.stdout.close()
        writer.stderr.close()
    assert writer.returncode == -signal.SIGKILL
    assert committed == list(range(1, len(committed) + 1))

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        (turn,) = conn.execute("SELECT turn FROM sessions WHERE user_id = 42").fetchone()
        minutes = {m for (m,) in conn.execute("SELECT duration_minutes FROM episodes")}
    finally:
        conn.close()
    assert turn >= committed[-1]
    assert set(map(float, committed)) <= minutes


async def test_the_due_query_uses_the_index(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "coach.db") as store:
        await store.save_turn(Session(1, "menu"), profile=Profile(1, T0))
    with sqlite3.connect(tmp_path / "coach.db") as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT r.id FROM reminders AS r INDEXED BY reminders_due "
            "JOIN profiles AS p ON p.user_id = r.user_id WHERE r.due_at <= ? AND p.active = 1 "
            "ORDER BY r.due_at LIMIT 500",
            ("2026",),
        ).fetchall()
    conn.close()
    details = " | ".join(row[-1] for row in plan)
    assert "USING INDEX reminders_due (due_at<?)" in details
    assert "USING INTEGER PRIMARY KEY" in details
    assert "TEMP B-TREE" not in details  # no sort: the index gives the order


async def test_writes_that_come_while_the_connection_is_busy_go_as_one(
    sqlite_store: SqliteStore,
) -> None:
    """Updates kept, and messages taken out, by calls that arrive while a transaction
    holds the connection go in one statement each once it is free (group commit); each
    call gets its own answer."""
    store = sqlite_store
    statements: list[str] = []
    await store._connection().set_trace_callback(statements.append)
    await store.queue_messages([Outgoing(7, 7, "text", f"m{n}") for n in range(3)], T0)
    queued = [m.id for m in await store.queued_messages(7)]
    release, holder = await _connection_held(store)
    kept = [
        asyncio.create_task(store.receive_updates([Incoming(n, n % 3, "{}")], T0))
        for n in (1, 2, 3, 2)
    ]
    taken = [asyncio.create_task(store.message_sent(i)) for i in queued if i is not None]
    await asyncio.sleep(0.05)
    statements.clear()
    release.set()
    await holder
    assert [await task for task in kept] == [[1], [2], [3], [2]]
    await asyncio.gather(*taken)
    assert sum("INSERT INTO inbox" in s for s in statements) == 1
    assert sum("DELETE FROM outbox" in s for s in statements) == 1
    assert await store.queued_messages(7) == []
    assert [u.update_id for u in await store.pending_updates()] == [1, 2, 3]


async def test_a_group_write_goes_on_when_its_first_caller_is_cancelled(
    sqlite_store: SqliteStore,
) -> None:
    """The group's write is a task of its own: the first caller cancelled while it waits
    for the connection fails no one else, and every row of the group is written (a sent
    message left in the outbox would go out again)."""
    store = sqlite_store
    await store.queue_messages([Outgoing(7, 7, "text", f"m{n}") for n in range(3)], T0)
    queued = [m.id for m in await store.queued_messages(7) if m.id is not None]
    release, holder = await _connection_held(store)
    kept = [
        asyncio.create_task(store.receive_updates([Incoming(n, 5, "{}")], T0)) for n in (1, 2, 3)
    ]
    taken = [asyncio.create_task(store.message_sent(i)) for i in queued]
    await asyncio.sleep(0.05)
    kept[0].cancel()  # the callers that started the groups
    taken[0].cancel()
    await asyncio.sleep(0)
    release.set()
    await holder
    assert [await task for task in kept[1:]] == [[2], [3]]
    await asyncio.gather(*taken[1:])
    for first in (kept[0], taken[0]):
        with pytest.raises(asyncio.CancelledError):
            await first
    assert await store.queued_messages(7) == []
    assert [u.update_id for u in await store.pending_updates()] == [1, 2, 3]


async def test_messages_taken_out_go_before_other_waiting_work() -> None:
    """The connection's lock serves sent messages' deletes before the work that waited
    longer (the time from a send to its delete is what a crash sends twice); a waiter
    cancelled in the queue is passed over, one cancelled as it got the lock passes it on."""
    lock = _ConnectionLock()
    order: list[str] = []
    await lock.acquire()

    async def waiter(name: str, *, urgent: bool = False) -> None:
        async with lock.hold(urgent=urgent):
            order.append(name)

    tasks = [asyncio.create_task(waiter("turn")), asyncio.create_task(waiter("gone"))]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(waiter("sent", urgent=True)))
    await asyncio.sleep(0)
    tasks[1].cancel()
    lock.release()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert order == ["sent", "turn"]
    await lock.acquire()
    late = asyncio.create_task(waiter("late"))
    await asyncio.sleep(0)
    lock.release()  # handed to `late`...
    late.cancel()  # ...which is cancelled before it runs: it lets go again
    await asyncio.gather(late, return_exceptions=True)
    await asyncio.wait_for(lock.acquire(), 1)
    assert order == ["sent", "turn"]


async def _connection_held(store: SqliteStore) -> tuple[asyncio.Event, asyncio.Task[None]]:
    """A transaction that holds the connection until the event is set; the task awaits it."""
    release = asyncio.Event()

    async def busy() -> None:
        async with store.transaction():
            await store.save_turn(session())
            await release.wait()

    holder = asyncio.create_task(busy())
    await asyncio.sleep(0)
    return release, holder


async def _one_queued(store: SqliteStore, user_id: int, text: str) -> Outgoing:
    """A turn's transaction that queues one message for `user_id` (so the store knows
    their whole queue), and that message as the flush reads it."""
    async with store.transaction(user_id):
        await store.queue_messages([Outgoing(user_id, user_id, "text", text)], T0)
    [message] = await store.queued_messages(user_id)
    return message


def _outbox(path: Path) -> list[str]:
    """The outbox's bodies as committed in the file (a connection of its own)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT body FROM outbox ORDER BY id")]


async def test_the_last_message_sent_is_taken_out_by_the_next_statement(
    tmp_path: Path,
) -> None:
    """A person's last queued message, once sent, is not waited for: the next turn's
    statement carries its delete (no DELETE of its own), even a turn of someone else."""
    async with SqliteStore(tmp_path / "coach.db") as store:
        statements: list[str] = []
        await store._connection().set_trace_callback(statements.append)
        sent = await _one_queued(store, 7, "to 7")
        statements.clear()
        await store.message_sent(sent.id or 0)  # returns before any statement
        assert statements == []
        await _one_queued(store, 8, "to 8")
        await asyncio.sleep(0.05)  # the drain, had it anything left, would have run
        assert statements  # the one statement (the trace names it once a trigger step)
        assert all(s.split()[:3] == ["INSERT", "INTO", "turn_commits"] for s in statements)
        assert _outbox(tmp_path / "coach.db") == ["to 8"]


async def test_a_sent_message_left_for_the_next_statement_goes_without_one(
    tmp_path: Path,
) -> None:
    """With no statement coming, the delete goes in one of its own at once; close()
    takes out one still left; a rolled back transaction that carried one leaves it to
    be taken out again."""
    path = tmp_path / "coach.db"
    async with SqliteStore(path) as store:
        await store.message_sent((await _one_queued(store, 7, "a")).id or 0)
        await asyncio.sleep(0.05)
        assert _outbox(path) == []
        await store.message_sent((await _one_queued(store, 7, "b")).id or 0)
    assert _outbox(path) == []  # close() took it out
    async with SqliteStore(path) as store:
        await store.message_sent((await _one_queued(store, 7, "c")).id or 0)
        with pytest.raises(RuntimeError):
            async with store.transaction(8):
                await store.queue_messages([Outgoing(8, 8, "text", "d")], T0)
                await store.log_intake(8, T0)  # writes what is held: the delete too
                raise RuntimeError("the turn fails")
        await asyncio.sleep(0.05)
        assert _outbox(path) == []


async def test_a_persons_next_message_goes_only_after_the_last_is_taken_out(
    sqlite_store: SqliteStore,
) -> None:
    """Queued by a statement that does not carry the delete (a reminder's INSERT),
    the person's next message is read from the outbox only once the sent one is out:
    at most one of theirs is ever sent and not taken out."""
    store = sqlite_store
    sent = await _one_queued(store, 7, "reply")
    await store.message_sent(sent.id or 0)
    await store.queue_messages([Outgoing(7, 7, "text", "reminder")], T0)
    assert [m.body for m in await store.queued_messages(7)] == ["reminder"]
