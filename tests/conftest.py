"""Shared fixtures: a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fake_bot_api import FakeBotApi

TEST_TOKEN = "123456:TEST-token-0123456789abcdefghij"


@pytest.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    """A fresh fake Bot API server for one test (base_url -> TELEGRAM_API_BASE_URL)."""
    async with FakeBotApi(TEST_TOKEN) as fake:
        yield fake
