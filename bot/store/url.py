"""open_store(url): the backend DATABASE_URL names, opened and ready.

    sqlite:///relative/path.db     SqliteStore on a file relative to the working directory
    sqlite:////absolute/path.db    SqliteStore on an absolute path (its folder must exist;
                                   nothing may follow the file name)
    postgresql://user:password@host:5432/name
    postgres://user:password@host:5432/name
                                   PostgresStore (the second form is the one platforms
                                   hand out); query parameters (?sslmode=require) go to asyncpg
    memory://                      MemoryStore: nothing is kept once the process ends

This is the one place that reads DATABASE_URL's scheme. A second backend is a
module under bot/store/ that passes tests/contract/test_store.py, plus its
scheme in `_BACKENDS` below.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.errors import ConfigError
from bot.store.base import Store
from bot.store.memory import MemoryStore
from bot.store.postgres import PostgresStore
from bot.store.sqlite import SqliteStore

_FORMS = (
    "Use sqlite:///relative/path.db or sqlite:////absolute/path.db, "
    "postgresql://user:password@host:5432/database (or postgres://...), "
    "or memory:// for a store that keeps nothing."
)


async def open_store(url: str, **options: Any) -> Store:
    """An open store for DATABASE_URL `url`; `options` go to the backend's constructor
    (SqliteStore: synchronous, busy_timeout_ms, cache_people; PostgresStore: min_size,
    max_size, connect_timeout).

        store = await open_store(settings.database_url)
        try: ...
        finally: await store.close()

    or ``async with await open_store(url) as store: ...``. Raises ConfigError naming
    DATABASE_URL for a URL no backend reads, StoreError when the database cannot open.
    """
    scheme, separator, rest = url.partition("://")
    if not separator or not scheme:
        raise ConfigError(f"DATABASE_URL={url!r} is not a database URL. {_FORMS}")
    backend = _BACKENDS.get(scheme)
    if backend is None:
        raise ConfigError(
            f"DATABASE_URL uses {scheme!r}, which this version does not support. {_FORMS}"
        )
    store = await backend(rest, options)
    return store


async def _open_sqlite(rest: str, options: dict[str, Any]) -> Store:
    if not rest.startswith("/"):
        raise ConfigError(
            f"DATABASE_URL=sqlite://{rest} names a host; SQLite needs none (three slashes "
            "before a relative path, four before an absolute one). "
            "Use sqlite:///relative/path.db or sqlite:////absolute/path.db."
        )
    if rest == "/":
        raise ConfigError("DATABASE_URL names no file. Use e.g. sqlite:///cramp_coach.db.")
    if "?" in rest or "#" in rest:
        raise ConfigError(
            f"DATABASE_URL=sqlite://{rest} has options after the file name; this URL names "
            "only the file (the bot sets SQLite's options itself and must be able to write). "
            "Remove everything from the '?' on."
        )
    path = Path(rest[1:])
    if not path.parent.is_dir():
        # A typo in the folder must not quietly start an empty database somewhere new.
        raise ConfigError(
            f"DATABASE_URL=sqlite://{rest}: the folder {str(path.parent)!r} does not exist. "
            f"Create it (mkdir -p {path.parent}) or point DATABASE_URL at an existing folder."
        )
    store = SqliteStore(path, **options)
    await store.open()
    return store


async def _open_postgres(rest: str, options: dict[str, Any]) -> Store:
    url = f"postgresql://{rest}"  # asyncpg reads both schemes; one form in messages
    try:
        urlsplit(url).port  # noqa: B018  (reading it checks it)
    except ValueError as exc:
        raise ConfigError(
            f"DATABASE_URL's port is not a number ({exc}). "
            "Use postgresql://user:password@host:5432/database."
        ) from exc
    store = PostgresStore(url, **options)
    await store.open()
    return store


async def _open_memory(rest: str, options: dict[str, Any]) -> Store:
    if rest:
        raise ConfigError(f"DATABASE_URL=memory://{rest}: memory:// takes nothing after it.")
    store = MemoryStore(**options)
    await store.open()
    return store


#: scheme -> how to open the backend from the rest of the URL (after "://").
_BACKENDS: dict[str, Callable[[str, dict[str, Any]], Awaitable[Store]]] = {
    "sqlite": _open_sqlite,
    "postgresql": _open_postgres,
    "postgres": _open_postgres,
    "memory": _open_memory,
}


if TYPE_CHECKING:  # every backend keeps to the protocol
    _memory: Store = MemoryStore()
    _sqlite: Store = SqliteStore(Path("cramp_coach.db"))
    _postgres: Store = PostgresStore("postgresql://localhost/cramp_coach")
