"""Where sessions, profiles, episodes, reminders and drinks live.

    base.py           Store (the Protocol the service talks to) and `async with`
    url.py            open_store(url): the backend DATABASE_URL's scheme names
    codec.py          what every backend shares: UTC times, slot JSON, the export document
    memory.py         MemoryStore, the in-memory twin
    sqlite.py         SqliteStore, one SQLite file: the source of truth
    sqlite_open.py    its connection settings (WAL, synchronous, ...) and migrating
    sqlite_schema.py  its MIGRATIONS, PERSON_TABLES and SQL texts
    sqlite_rows.py    its rows <-> the core's values
    sqlite_cache.py   its write-through cache of people's rows
    postgres.py       PostgresStore, a PostgreSQL server (asyncpg) several processes share
    postgres_schema.py  its MIGRATIONS (under an advisory lock), PERSON_TABLES and SQL texts
    postgres_rows.py  its rows <-> the core's values

Callers write `from bot.store import Store, open_store`.
"""

from bot.errors import StoreError
from bot.store.base import Store
from bot.store.memory import MemoryStore
from bot.store.postgres import PostgresStore
from bot.store.sqlite import SqliteStore
from bot.store.sqlite_schema import LATEST_VERSION, MIGRATIONS, Migration
from bot.store.url import open_store

__all__ = [
    "LATEST_VERSION",
    "MIGRATIONS",
    "MemoryStore",
    "Migration",
    "PostgresStore",
    "SqliteStore",
    "Store",
    "StoreError",
    "open_store",
]
