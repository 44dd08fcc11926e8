"""Shared fixtures: a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.store import MemoryStore, SqliteStore, Store
from fake_bot_api import FakeBotApi

TEST_TOKEN = "123456:TEST-token-0123456789abcdefghij"


def settings_for(fake: FakeBotApi, tmp_path: Path, **changes: Any) -> Settings:
    """Settings for a bot that talks to `fake` and keeps its database in `tmp_path`."""
    values: dict[str, Any] = {
        "telegram_token": TEST_TOKEN,
        "telegram_api_base_url": fake.base_url,
        "database_url": f"sqlite:///{tmp_path / 'db.sqlite'}",
    }
    values.update(changes)
    return Settings(**values)


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
