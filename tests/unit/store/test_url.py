"""open_store(url): DATABASE_URL's scheme picks the backend; anything else is a ConfigError
that names DATABASE_URL, what it says and the fix. (Settings keeps the URL as text.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_URL
from bot.core.model import Session
from bot.errors import ConfigError
from bot.store import MemoryStore, SqliteStore, open_store


@pytest.mark.parametrize(
    ("url", "path"),
    [
        (DEFAULT_DATABASE_URL, Path("cramp_coach.db")),
        ("sqlite:///data/coach.db", Path("data/coach.db")),
        ("sqlite:///var/data/coach.db", Path("var/data/coach.db")),
    ],
)
async def test_sqlite_relative_paths_and_their_directory(
    url: str, path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with await open_store(url) as store:
        assert isinstance(store, SqliteStore)
        assert store.path == path
        await store.save_turn(Session(1, "greet"))
    assert (tmp_path / path).is_file()


async def test_sqlite_absolute_path(tmp_path: Path) -> None:
    absolute = tmp_path / "abs" / "coach.db"
    store = await open_store(f"sqlite:///{absolute}")  # sqlite:////tmp/.../coach.db
    try:
        assert isinstance(store, SqliteStore) and store.path == absolute
        assert await store.load_session(1) is None
    finally:
        await store.close()
    assert absolute.is_file()


async def test_options_go_to_the_backend(tmp_path: Path) -> None:
    async with await open_store(f"sqlite:///{tmp_path}/c.db", cache_people=0) as store:
        assert isinstance(store, SqliteStore) and store.cache_people == 0


async def test_memory() -> None:
    async with await open_store("memory://") as store:
        assert isinstance(store, MemoryStore)
        await store.save_turn(Session(1, "greet"))
        assert await store.load_session(1) == Session(1, "greet")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgres://db/coach", ["DATABASE_URL", "'postgres'", "does not support", "sqlite:///"]),
        ("postgresql://localhost/coach", ["DATABASE_URL", "'postgresql'", "sqlite:////"]),
        ("mysql://x", ["DATABASE_URL", "'mysql'"]),
        ("cramp_coach.db", ["DATABASE_URL", "not a database URL", "sqlite:///"]),
        ("sqlite:cramp_coach.db", ["DATABASE_URL", "not a database URL"]),
        ("://x", ["DATABASE_URL", "not a database URL"]),
        ("sqlite:///", ["DATABASE_URL", "no file", "sqlite:///cramp_coach.db"]),
        ("sqlite://host/coach.db", ["DATABASE_URL", "host", "sqlite:////"]),
        ("memory://somewhere", ["DATABASE_URL", "memory://"]),
    ],
)
async def test_urls_no_backend_reads_name_the_variable_and_the_fix(
    url: str, words: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        await open_store(url)
    for word in words:
        assert word in str(caught.value)
