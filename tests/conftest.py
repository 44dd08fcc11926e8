"""Shared fixtures: a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.sqlite import MemoryStore, SqliteStore, Store
from tests.helpers.fake_bot_api import TEST_TOKEN, FakeBotApi


@pytest.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    """A fresh fake Bot API server for one test (base_url -> TELEGRAM_API_BASE_URL)."""
    async with FakeBotApi(TEST_TOKEN) as fake:
        yield fake


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """Each store backend in turn: the in-memory twin and SQLite in a temporary file."""
    if request.param == "memory":
        yield MemoryStore()
        return
    async with SqliteStore(tmp_path / "coach.db") as sqlite:
        yield sqlite
