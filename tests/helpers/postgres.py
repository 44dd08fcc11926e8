"""A PostgreSQL database of their own for the tests: created through the server's `test`
database for each test, dropped after it, nothing left behind.

    TEST_POSTGRES_URL  the server and a database to connect to for CREATE/DROP DATABASE
                       (default postgresql://postgres@127.0.0.1:5432/test)
    CI=true            an unreachable server FAILS the tests that need it (.ci/run);
                       anywhere else they are skipped, and the run says why

Each run names its databases cramp_test_<random>_<n>, so runs side by side (several
engineers, one server) never meet; whatever a run created and did not drop (a test
interrupted mid-way) is dropped when the run ends.

The synchronous helpers (`leftovers`, `break_table`) are for the contract tests'
synchronous ones: they run their own asyncpg connection on a loop of their own, in a
worker thread, so they can be called from inside a running test.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"

_T = TypeVar("_T")


def server_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL") or DEFAULT_URL


def required() -> bool:
    """True under CI (CI=true): the tests must not skip for want of a server."""
    return os.environ.get("CI", "").strip().lower() == "true"


def in_thread(run: Callable[[], Awaitable[_T]]) -> _T:
    """`await run()` on a loop of its own in a worker thread, from synchronous code."""

    async def main() -> _T:
        return await run()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


def with_database(url: str, name: str) -> str:
    """`url` with its database replaced by `name`."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@dataclass
class PostgresServer:
    """The server the tests use, and the databases this run made on it."""

    url: str = field(default_factory=server_url)
    prefix: str = field(default_factory=lambda: f"cramp_test_{secrets.token_hex(4)}")
    _numbers: itertools.count[int] = field(default_factory=itertools.count)

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.url, timeout=5)

    async def unreachable(self) -> str | None:
        """Why the server cannot be used (None: it can)."""
        try:
            conn = await self._admin()
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            then = (
                "CI=true makes these tests required"
                if required()
                else "without CI=true these tests are skipped"
            )
            return (
                f"PostgreSQL at {self.url} is unreachable ({type(exc).__name__}: {exc}); "
                f"{then}. Start a server there (trust authentication, a database `test`) "
                "or point TEST_POSTGRES_URL at one."
            )
        await conn.close()
        return None

    async def create_database(self) -> str:
        """A new empty database; its URL."""
        name = f"{self.prefix}_{next(self._numbers)}"
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return with_database(self.url, name)

    @asynccontextmanager
    async def database(self) -> AsyncIterator[str]:
        """A new empty database for the block (its URL), dropped after it. OSError,
        TimeoutError or asyncpg.PostgresError when the server is unreachable."""
        url = await self.create_database()
        try:
            yield url
        finally:
            await self.drop_database(url)

    async def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        assert name.startswith(self.prefix), f"{name} is not one of this run's databases"
        conn = await self._admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    async def mine(self) -> list[str]:
        """This run's databases still on the server."""
        conn = await self._admin()
        try:
            rows = await conn.fetch(
                "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1",
                self.prefix + "_",
            )
        finally:
            await conn.close()
        return [row[0] for row in rows]

    async def drop_leftovers(self) -> None:
        for name in await self.mine():
            await self.drop_database(with_database(self.url, name))


def scratch_database(server: str, prefix: str = "cramp_bench") -> AbstractAsyncContextManager[str]:
    """A database of its own on `server` for the block, named <prefix>_<random>_0 (the
    benchmarks'): PostgresServer.database."""
    return PostgresServer(server, prefix=f"{prefix}_{secrets.token_hex(4)}").database()


# ------------------------------------------------------------ for the contract tests


async def _tables_with_user_id(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND column_name = 'user_id' ORDER BY 1"
    )
    return [row[0] for row in rows]


def leftovers(url: str, user_id: int) -> dict[str, int]:
    """Rows about `user_id` in EVERY table with a user_id column."""

    async def count() -> dict[str, int]:
        conn = await asyncpg.connect(url)
        try:
            found = {}
            for table in await _tables_with_user_id(conn):
                found[table] = int(
                    await conn.fetchval(
                        f'SELECT count(*) FROM "{table}" WHERE user_id = $1', user_id
                    )
                )
            return found
        finally:
            await conn.close()

    return in_thread(count)


def break_table(url: str, table: Literal["episodes", "profiles"]) -> None:
    """Make every write to `table` fail from now on, as a broken disk would: a trigger
    that raises 'broken on purpose', made from outside the store."""

    async def create() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(
                "CREATE FUNCTION broken_on_purpose() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'broken on purpose'; END $$"
            )
            await conn.execute(
                f"CREATE TRIGGER broken_{table} BEFORE INSERT OR UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION broken_on_purpose()"
            )
        finally:
            await conn.close()

    in_thread(create)
