"""How fast is the SQLite store, and what does each synchronous level cost?

    python -m bench.bench_store [--episodes N] [--sessions N] [--dir DIR]

For synchronous=NORMAL (the default) and FULL, in a temporary directory:

- episode inserts: `save_turn` with an episode, committed one by one (a person
  finishing a cramp report);
- session turns: `load_session` then `save_turn` (one ordinary message; the
  session comes from SqliteStore's cache of people, as in a conversation);
- a person's episodes: the query, and the answer from the cache.

Prints operations per second, median and p99 latency, and what a power failure
or a process crash could lose with each setting. Takes well under a minute.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.stats import percentile
from bot import eventloop
from bot.core.model import Episode, Session
from bot.store.sqlite import SqliteStore, Synchronous

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
        journal = await store.pragma("journal_mode")
        level = await store.pragma("synchronous")
        print(f"journal_mode={journal} synchronous={synchronous} ({level})")
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


async def main(episodes: int, turns: int, where: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="cramp-bench-", dir=where) as directory:
        print(f"Benchmarking SqliteStore in {directory}\n")
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
    arguments = parser.parse_args()
    eventloop.run(main(arguments.episodes, arguments.sessions, arguments.dir))
