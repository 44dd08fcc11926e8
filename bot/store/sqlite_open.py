"""Opening a SQLite file for SqliteStore: the connection's settings, and the migrations.

Settings of the connection, and why:

- ``journal_mode=WAL``: readers never block the writer, and a commit is one
  append to the -wal file.
- ``synchronous=NORMAL`` (the default here): in WAL mode a commit is written
  to the OS before `save_turn` returns, but the -wal file is only fsynced at a
  checkpoint. So a *process crash* (SIGKILL, OOM, an exception) loses nothing
  that was committed; a *power failure or OS crash* may lose the last few
  turns committed before it (the database stays consistent, it just rolls
  back to an earlier commit). For a conversation that the person can simply
  repeat, that trade is worth the speed; pass ``synchronous="FULL"`` to fsync
  on every commit and lose nothing to a power failure either (see
  bench/bench_store.py for what it costs).
- ``foreign_keys=ON`` so later tables can rely on REFERENCES;
  ``busy_timeout`` so a second process (a CLI, a backup) holding the write
  lock makes us wait up to `busy_timeout_ms` before StoreError;
  ``secure_delete=ON`` so `forget()` overwrites what it deletes.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import aiosqlite

from bot.errors import StoreError
from bot.store.sqlite_schema import MIN_SQLITE, TURN_COMMITS, Migration

log = logging.getLogger(__name__)

Synchronous = Literal["NORMAL", "FULL"]


async def connect(
    path: Path,
    *,
    synchronous: Synchronous,
    busy_timeout_ms: int,
    migrations: Sequence[Migration],
) -> aiosqlite.Connection:
    """A connection to `path` with the settings above and every migration applied."""
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise StoreError(
            f"This Python's SQLite is {sqlite3.sqlite_version}; Cramp Coach needs "
            f"{'.'.join(map(str, MIN_SQLITE))} or newer (a turn is saved with INSERT ... "
            "RETURNING). Use a Python built with a newer SQLite (python.org and most "
            "distributions since 2021 have one)."
        )
    try:
        conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(
            f"Could not open the database {str(path)!r}: {exc}. Check that the "
            "directory exists and is writable (DATABASE_URL)."
        ) from exc
    try:
        await _configure(conn, path, synchronous, busy_timeout_ms)
        await _migrate(conn, path, migrations)
        await _turn_commits(conn, path)
    except BaseException:
        await conn.close()
        raise
    return conn


async def scalar(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row (None when there is no row)."""
    async with conn.execute(sql, params) as cursor:
        row = await cursor.fetchone()
    return None if row is None else row[0]


async def rollback(conn: aiosqlite.Connection, path: Path) -> None:
    """Roll back, logging (not raising) a failure: the error that led here says more."""
    try:
        await conn.rollback()
    except sqlite3.Error as exc:
        log.error("Rollback failed on %s: %s", path, exc)


async def _configure(
    conn: aiosqlite.Connection, path: Path, synchronous: Synchronous, busy_timeout_ms: int
) -> None:
    try:
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        mode = await _enable_wal(conn, busy_timeout_ms)
        if str(mode).lower() != "wal":
            raise StoreError(
                f"The database {str(path)!r} cannot use WAL mode (it stays in "
                f"{mode!r}). Put it on a local disk, not a network share."
            )
        await conn.execute(f"PRAGMA synchronous = {synchronous}")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA secure_delete = ON")
    except sqlite3.Error as exc:
        raise StoreError(
            f"Could not configure the database {str(path)!r}: {exc}. Is it a "
            "SQLite file? Point DATABASE_URL at a new or existing Cramp Coach database."
        ) from exc


async def _turn_commits(conn: aiosqlite.Connection, path: Path) -> None:
    """The connection's own view and trigger for a transaction's usual writes in one
    statement (sqlite_schema.TURN_COMMITS): TEMP, made at every open, never migrated."""
    try:
        for statement in TURN_COMMITS:
            await conn.execute(statement)
    except sqlite3.Error as exc:
        raise StoreError(
            f"Could not prepare the database {str(path)!r}: {exc}. Cramp Coach needs "
            "SQLite's JSON functions (json_each), built in since SQLite 3.38: use a "
            "Python built with a newer SQLite."
        ) from exc


async def _enable_wal(conn: aiosqlite.Connection, busy_timeout_ms: int) -> Any:
    """Switch to WAL. SQLite does not wait on busy_timeout for this, so we do."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + busy_timeout_ms / 1000
    while True:
        try:
            return await scalar(conn, "PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            # Another process is creating or switching the same new file.
            if "locked" not in str(exc) or loop.time() >= deadline:
                raise
        await asyncio.sleep(0.01)


async def _migrate(conn: aiosqlite.Connection, path: Path, migrations: Sequence[Migration]) -> None:
    """Apply every step the database has not seen, each in its own transaction."""
    for step in migrations:
        try:
            await conn.execute("BEGIN IMMEDIATE")
            # Read the version inside the write transaction: another process
            # opening the same file at the same moment cannot apply a step twice.
            version = int(await scalar(conn, "PRAGMA user_version"))
            if version > len(migrations):
                raise StoreError(
                    f"The database {str(path)!r} is at schema version {version}, "
                    f"newer than this code knows ({len(migrations)}). Run the "
                    "newer version of the bot, or restore a backup."
                )
            if version >= step.version:
                await conn.execute("ROLLBACK")
                continue
            for statement in step.statements:
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {step.version}")
            await conn.execute("COMMIT")
            log.info("Database migrated to version %d: %s", step.version, step.description)
        except sqlite3.Error as exc:
            await rollback(conn, path)
            raise StoreError(
                f"Could not migrate {str(path)!r} to version {step.version} "
                f"({step.description}): {exc}. The database is still at the version "
                "before; restore a backup or report this migration."
            ) from exc
        except BaseException:
            await rollback(conn, path)
            raise
