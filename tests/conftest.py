"""Shared fixtures: a fake Bot API server on 127.0.0.1, and a store of each kind.

The postgres store needs a PostgreSQL server (tests/helpers/postgres.py says where and
how to point the tests at another): without one its tests are skipped, and the run
ends with a line that says why; under CI (CI=true) they fail instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.store import MemoryStore, PostgresStore, SqliteStore, Store
from tests.helpers.fake_bot_api import TEST_TOKEN, FakeBotApi
from tests.helpers.postgres import PostgresServer, in_thread, required


@pytest.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    """A fresh fake Bot API server for one test (base_url -> TELEGRAM_API_BASE_URL)."""
    async with FakeBotApi(TEST_TOKEN) as fake:
        yield fake


#: Why the postgres tests did not run, for the summary at the end (None: they could).
_POSTGRES_SKIPPED: list[str] = []


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The PostgreSQL server for this run; skips (fails under CI=true) when unreachable.
    At the end, drops whatever database of this run is still there."""
    server = PostgresServer()
    reason = in_thread(server.unreachable)
    if reason is not None:
        if required():
            pytest.fail(reason, pytrace=False)
        _POSTGRES_SKIPPED.append(reason)
        pytest.skip(reason)
    yield server
    in_thread(server.drop_leftovers)


@pytest.fixture
async def postgres_url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """The URL of a new, empty database of this test's own, dropped after it."""
    url = await postgres_server.create_database()
    try:
        yield url
    finally:
        await postgres_server.drop_database(url)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for reason in _POSTGRES_SKIPPED[:1]:
        terminalreporter.write_line(f"postgres tests skipped: {reason}")


#: Every store backend, as the `store` fixture gives them (tests/contract/test_store.py).
STORE_KINDS = ["memory", "sqlite", "sqlite-nocache", "postgres"]


@pytest.fixture(params=STORE_KINDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Each store backend in turn, open: the in-memory twin, SQLite in a temporary file,
    SQLite without its cache of people (cache_people=0), and PostgreSQL in a database of
    the test's own."""
    if request.param == "memory":
        async with MemoryStore() as memory:
            yield memory
        return
    if request.param == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = await server.create_database()
        try:
            async with PostgresStore(url) as postgres:
                yield postgres
        finally:
            await server.drop_database(url)
        return
    options = {"cache_people": 0} if request.param == "sqlite-nocache" else {}
    async with SqliteStore(tmp_path / "coach.db", **options) as sqlite:
        yield sqlite
