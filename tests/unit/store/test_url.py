"""open_store(url): DATABASE_URL's scheme picks the backend; anything else is a ConfigError
that names DATABASE_URL, what it says and the fix. (Settings keeps the URL as text.)

The PostgreSQL forms that need a server use the `postgres_url` fixture (tests/conftest.py:
skipped without a server, failed under CI=true)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.config import DEFAULT_DATABASE_URL
from bot.core.model import Session
from bot.errors import ConfigError, StoreError
from bot.store import MemoryStore, PostgresStore, SqliteStore, open_store
from tests.helpers.postgres import with_database


@pytest.mark.parametrize(
    ("url", "path"),
    [
        (DEFAULT_DATABASE_URL, Path("cramp_coach.db")),
        ("sqlite:///data/coach.db", Path("data/coach.db")),
        ("sqlite:///var/data/coach.db", Path("var/data/coach.db")),
    ],
)
async def test_sqlite_relative_paths(
    url: str, path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    async with await open_store(url) as store:
        assert isinstance(store, SqliteStore)
        assert store.path == path
        await store.save_turn(Session(1, "greet"))
    assert (tmp_path / path).is_file()


async def test_sqlite_absolute_path(tmp_path: Path) -> None:
    absolute = tmp_path / "abs" / "coach.db"
    absolute.parent.mkdir()
    store = await open_store(f"sqlite:///{absolute}")  # sqlite:////tmp/.../coach.db
    try:
        assert isinstance(store, SqliteStore) and store.path == absolute
        assert await store.load_session(1) is None
    finally:
        await store.close()
    assert absolute.is_file()


async def test_a_missing_folder_or_options_after_the_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"the folder .*missing.* does not exist\. Create it"):
        await open_store(f"sqlite:///{tmp_path}/missing/dir/coach.db")
    assert not (tmp_path / "missing").exists()
    with pytest.raises(ConfigError, match="has options after the file name"):
        await open_store(f"sqlite:///{tmp_path}/coach.db?mode=ro")
    assert list(tmp_path.iterdir()) == []  # noqa: ASYNC240 (a test looking at its own folder)


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
        ("mysql://x", ["DATABASE_URL", "'mysql'", "does not support", "postgresql://"]),
        ("postgresql://db:port/coach", ["DATABASE_URL", "port", "postgresql://user:"]),
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


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
async def test_postgres_both_forms(scheme: str, postgres_url: str) -> None:
    """postgresql:// and postgres:// (the form platforms hand out) open the same backend."""
    url = scheme + postgres_url.removeprefix("postgresql")
    async with await open_store(url, max_size=2) as store:
        assert isinstance(store, PostgresStore) and store.max_size == 2
        await store.save_turn(Session(1, "greet"))
        assert await store.load_session(1) == Session(1, "greet")


async def test_postgres_unreachable_names_the_variable_and_the_fix() -> None:
    with pytest.raises(StoreError) as caught:
        await open_store("postgres://someone:secret@127.0.0.1:1/coach")
    message = str(caught.value)
    assert "DATABASE_URL" in message and "Start the server" in message
    assert "someone@127.0.0.1:1/coach" in message and "secret" not in message
    assert len(message.splitlines()) <= 2


async def test_postgres_refused_login_and_missing_database(postgres_url: str) -> None:
    parts = urlsplit(postgres_url)
    stranger = urlunsplit(
        parts._replace(netloc=f"nobody_here:secret@{parts.hostname}:{parts.port or 5432}")
    )
    with pytest.raises(StoreError) as caught:
        await open_store(stranger)
    message = str(caught.value)
    assert "refused the login" in message and "DATABASE_URL" in message
    assert "secret" not in message and len(message.splitlines()) <= 2
    with pytest.raises(StoreError) as missing:
        await open_store(with_database(postgres_url, "no_such_database_here"))
    assert "no_such_database_here" in str(missing.value)
    assert "DATABASE_URL" in str(missing.value)
