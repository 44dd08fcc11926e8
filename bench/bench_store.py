"""How fast is the SQLite store, what does each synchronous level cost, and PostgreSQL?

    python -m bench.bench_store [--episodes N] [--sessions N] [--dir DIR] [--postgres URL]

For synchronous=NORMAL (the default) and FULL, in a temporary directory:

- episode inserts: `save_turn` with an episode, committed one by one (a person
  finishing a cramp report);
- session turns: `load_session` then `save_turn` (one ordinary message; the
  session comes from SqliteStore's cache of people, as in a conversation);
- a person's episodes: the query, and the answer from the cache;
- what the two speed-ups that cost clarity buy, measured in the same run:
  (a) `save_turn` with an episode as ONE statement (the view turn_writes and its
  trigger) against the same writes as BEGIN + separate statements + COMMIT;
  (b) a whole turn (load the person, their 90 days of episodes, save) with the
  cache of people (cache_people=4096) against without it (cache_people=0).

And PostgreSQL against SQLite, in the same run, rounds interleaved: an episode
insert, and a whole turn (load the person, their 90 days of episodes, save), on
PostgresStore (no cache: several processes may share it), SqliteStore and SqliteStore
with cache_people=0. The server is --postgres, else TEST_POSTGRES_URL, else
postgresql://postgres@127.0.0.1:5432/test; the benchmark makes a database of its own
there (cramp_bench_<random>) and drops it. Without a server that part is skipped.

Prints operations per second, median and p99 latency, and what a power failure
or a process crash could lose with each setting. Takes well under a minute.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from bench.stats import percentile
from bot import eventloop
from bot.core.model import Episode, Profile, Session
from bot.store import PostgresStore, SqliteStore, Store
from bot.store.codec import slots_json, utc_text
from bot.store.sqlite_open import Synchronous
from bot.store.sqlite_rows import episode_from, episode_row
from bot.store.sqlite_schema import EPISODE_COLUMNS, UPSERT_SESSION
from tests.helpers.postgres import scratch_database, server_url

T0 = datetime(2025, 1, 1, tzinfo=UTC)
USERS = 50

LOSES = {
    "NORMAL": (
        "process crash loses nothing committed; power failure may lose the last few "
        "commits since the last checkpoint (never corrupts)"
    ),
    "FULL": "process crash and power failure both lose nothing committed (fsync per commit)",
}


async def measure(count: int, operation: Callable[[int], Awaitable[object]]) -> list[float]:
    """Seconds per call of `operation(i)`, for i in range(count)."""
    timings = []
    for i in range(count):
        started = time.perf_counter()
        await operation(i)
        timings.append(time.perf_counter() - started)
    return timings


def report(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    median = statistics.median(ordered) * 1000
    p99 = percentile(ordered, 0.99) * 1000
    rate = len(timings) / sum(timings)
    return f"  {name:<34} {rate:9.0f} ops/s   median {median:7.3f} ms   p99 {p99:7.3f} ms"


async def bench(directory: Path, synchronous: Synchronous, episodes: int, turns: int) -> None:
    path = directory / f"bench-{synchronous.lower()}.db"
    async with SqliteStore(path, synchronous=synchronous) as store:
        with sqlite3.connect(path) as own:  # journal_mode is the file's: any connection sees it
            (journal,) = own.execute("PRAGMA journal_mode").fetchone()
        own.close()
        print(f"journal_mode={journal} synchronous={synchronous}")
        print(f"  loses: {LOSES[synchronous]}")

        async def insert_episode(i: int) -> object:
            user = i % USERS
            at = T0 + timedelta(minutes=i)
            return await store.save_turn(
                Session(user, "ask_context", {"muscle": "calf", "minutes": 5}, at, i),
                episode=Episode(user, at, muscle="calf", duration_minutes=5.0, severity="mild"),
            )

        async def session_turn(i: int) -> object:
            user = i % USERS
            session = await store.load_session(user) or Session(user, "greet")
            slots = {**session.slots, "turn": i, "hot": i % 2 == 0}
            return await store.save_turn(
                Session(user, "ask_duration", slots, T0 + timedelta(seconds=i), session.turn + 1)
            )

        await measure(50, session_turn)  # warm up: caches, first pages
        print(report("episode insert (save_turn+episode)", await measure(episodes, insert_episode)))
        print(report("session load + save", await measure(turns, session_turn)))
        history = await store.episodes(0)
        async with SqliteStore(path, synchronous=synchronous, cache_people=0) as uncached:
            for name, source in (("query", uncached), ("from the cache", store)):
                await source.episodes(0, since=T0)
                started = time.perf_counter()
                for _ in range(100):
                    await source.episodes(0, since=T0)
                per_call = (time.perf_counter() - started) / 100 * 1000
                print(f"  episodes(user), {len(history)} rows, {name}: {per_call:.3f} ms")
    print()


async def save_turn_in_steps(store: SqliteStore, session: Session, episode: Episode) -> Episode:
    """What save_turn did before turn_writes: BEGIN, the session's upsert, the episode's
    INSERT ... RETURNING, COMMIT (four round trips instead of one). For comparison only."""
    row = episode_row(episode)
    updated = None if session.updated_at is None else utc_text(session.updated_at)
    values = (session.user_id, session.state, slots_json(session), updated, session.turn)
    async with store._writing("save a turn in steps", person=session.user_id) as conn:
        await conn.execute(UPSERT_SESSION, values)
        inserted = await conn.execute_fetchall(
            f"INSERT INTO episodes ({EPISODE_COLUMNS}) VALUES ({', '.join('?' * 11)}) RETURNING id",
            row,
        )
    return episode_from((next(iter(inserted))[0], *row[1:]))


def compare(name: str, slow: list[float], fast: list[float], what: tuple[str, str]) -> None:
    slow_ms, fast_ms = statistics.median(slow) * 1000, statistics.median(fast) * 1000
    print(f"  {name}")
    print(f"    {what[0]:<40} median {slow_ms:7.3f} ms")
    print(f"    {what[1]:<40} median {fast_ms:7.3f} ms   ratio {slow_ms / fast_ms:4.2f}x")


async def speedups(directory: Path, count: int) -> None:
    """(a) one statement vs BEGIN + statements + COMMIT; (b) cache vs none, rounds interleaved."""
    print("What the speed-ups buy (synchronous=NORMAL, medians, interleaved rounds):")
    one, steps = [], []
    async with SqliteStore(directory / "writes.db") as store:
        for i in range(count):
            user, at = i % USERS, T0 + timedelta(minutes=i)
            turn = Session(user, "ask_context", {"muscle": "calf", "minutes": 5}, at, i)
            ep = Episode(user, at, muscle="calf", duration_minutes=5.0, severity="mild")
            began = time.perf_counter()
            if i % 2:
                await store.save_turn(turn, episode=ep)
                one.append(time.perf_counter() - began)
            else:
                await save_turn_in_steps(store, turn, ep)
                steps.append(time.perf_counter() - began)
    compare(
        "(a) save_turn with an episode",
        steps,
        one,
        ("BEGIN + 2 statements + COMMIT", "one INSERT into turn_writes"),
    )
    path = directory / "people.db"
    async with SqliteStore(path) as seeding:  # both stores' people: 0..USERS-1, USERS..
        await seed(seeding, range(2 * USERS))
    timings: dict[int, list[float]] = {4096: [], 0: []}
    async with SqliteStore(path) as cached, SqliteStore(path, cache_people=0) as uncached:
        for i in range(count):
            store = cached if i % 2 else uncached
            user = (i // 2) % USERS + (0 if i % 2 else USERS)  # each store its own people
            began = time.perf_counter()
            await store.load_person(user)
            await store.episodes(user, since=T0 - timedelta(days=90))
            await store.save_turn(
                Session(user, "ask_duration", {"turn": i}, T0 + timedelta(seconds=i), i)
            )
            timings[store.cache_people].append(time.perf_counter() - began)
    compare(
        "(b) a turn: load person + 90 days of episodes + save_turn",
        timings[0],
        timings[4096],
        ("cache_people=0", "cache_people=4096"),
    )
    print()


async def seed(store: Store, users: range) -> None:
    """Each person with a profile and 5 episodes, as a turn finds them."""
    for user in users:
        await store.save_turn(Session(user, "greet"), profile=Profile(user, T0))
        for day in range(5):
            await store.save_turn(Session(user, "greet"), episode=Episode(user, T0 + day * DAY))


DAY = timedelta(days=1)


async def postgres_vs_sqlite(directory: Path, server: str, count: int) -> None:
    """Episode inserts and whole turns on each backend, rounds interleaved, same run."""
    async with AsyncExitStack() as stack:
        try:
            url = await stack.enter_async_context(scratch_database(server))
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            print(f"PostgreSQL vs SQLite: skipped, no server at {server} ({exc}). Pass --postgres.")
            return
        async with (
            PostgresStore(url) as postgres,
            PostgresStore(url, server_settings={"synchronous_commit": "off"}) as postgres_async,
            SqliteStore(directory / "versus.db") as sqlite,
            SqliteStore(directory / "versus-nocache.db", cache_people=0) as nocache,
        ):
            stores: dict[str, Store] = {
                "SQLite": sqlite,
                "SQLite, cache_people=0": nocache,
                "PostgreSQL": postgres,
                "PostgreSQL, sync. off": postgres_async,
            }
            for number, store in enumerate(stores.values()):  # each its own people
                await seed(store, range(number * USERS, (number + 1) * USERS))
            inserts: dict[str, list[float]] = {label: [] for label in stores}
            turns: dict[str, list[float]] = {label: [] for label in stores}
            for i in range(count):
                at = T0 + timedelta(minutes=i)
                for number, (label, store) in enumerate(stores.items()):  # interleaved
                    user = number * USERS + i % USERS
                    began = time.perf_counter()
                    await store.save_turn(
                        Session(user, "ask_context", {"muscle": "calf"}, at, i),
                        episode=Episode(user, at, muscle="calf", duration_minutes=5.0),
                    )
                    inserts[label].append(time.perf_counter() - began)
                    began = time.perf_counter()
                    await store.load_person(user)
                    await store.episodes(user, since=at - 90 * DAY)
                    await store.save_turn(Session(user, "ask_duration", {"turn": i}, at, i))
                    turns[label].append(time.perf_counter() - began)
    print(f"PostgreSQL ({urlsplit(server).hostname}) vs SQLite, {count} interleaved rounds")
    print("  (PostgreSQL's commit waits for its WAL on disk, as SQLite's FULL; 'sync. off':")
    print("  synchronous_commit=off, closer to SQLite's NORMAL):")
    for what, timings in (
        ("episode insert (save_turn+episode)", inserts),
        ("a turn: load person + 90 days + save", turns),
    ):
        base = statistics.median(timings["SQLite"])
        print(f"  {what}")
        for label, measured in timings.items():
            median = statistics.median(measured)
            p99 = percentile(sorted(measured), 0.99) * 1000
            print(
                f"    {label:<24} median {median * 1000:7.3f} ms   p99 {p99:7.3f} ms   "
                f"{median / base:5.2f}x SQLite's"
            )
    print()


async def main(episodes: int, turns: int, where: Path | None, postgres: str) -> None:
    with tempfile.TemporaryDirectory(prefix="cramp-bench-", dir=where) as directory:
        print(f"Benchmarking SqliteStore in {directory}\n")
        await speedups(Path(directory), max(episodes, turns))
        await postgres_vs_sqlite(Path(directory), postgres, max(episodes, turns) // 2)
        for synchronous in ("NORMAL", "FULL"):
            await bench(Path(directory), synchronous, episodes, turns)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=3000, help="episode inserts per level")
    parser.add_argument("--sessions", type=int, default=3000, help="session turns per level")
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="make the temporary directory here: fsync cost depends on the disk, so use "
        "the disk the bot's database lives on",
    )
    parser.add_argument(
        "--postgres",
        default=server_url(),
        help="a PostgreSQL server (and a database to connect to) to make the benchmark's "
        "own database on",
    )
    arguments = parser.parse_args()
    eventloop.run(main(arguments.episodes, arguments.sessions, arguments.dir, arguments.postgres))
