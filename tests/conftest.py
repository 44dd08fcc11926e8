"""Shared fixtures: a fake Bot API server on 127.0.0.1, and a store of each kind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import MemoryStore, SqliteStore, Store
from tests.helpers.fake_bot_api import TEST_TOKEN, FakeBotApi


@pytest.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    """A fresh fake Bot API server for one test (base_url -> TELEGRAM_API_BASE_URL)."""
    async with FakeBotApi(TEST_TOKEN) as fake:
        yield fake


#: Every store backend, as the `store` fixture gives them (tests/contract/test_store.py).
STORE_KINDS = ["memory", "sqlite", "sqlite-nocache"]


@pytest.fixture(params=STORE_KINDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Each store backend in turn, open: the in-memory twin, SQLite in a temporary file,
    and SQLite without its cache of people (cache_people=0)."""
    if request.param == "memory":
        async with MemoryStore() as memory:
            yield memory
        return
    options = {"cache_people": 0} if request.param == "sqlite-nocache" else {}
    async with SqliteStore(tmp_path / "coach.db", **options) as sqlite:
        yield sqlite
