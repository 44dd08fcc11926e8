"""Commit turns one by one and print each turn number once it is committed.

    python tests/helpers/store_crash_writer.py DB_PATH [TURNS]

Used by tests/unit/store/test_sqlite.py, which kills this process with SIGKILL part way and
checks that every turn printed here survived.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.model import Episode, Session
from bot.store import SqliteStore

USER = 42
START = datetime(2025, 1, 1, tzinfo=UTC)


async def write(path: Path, turns: int) -> None:
    async with SqliteStore(path) as store:
        for turn in range(1, turns + 1):
            at = START + timedelta(minutes=turn)
            await store.save_turn(
                Session(USER, "ask_duration", {"turn": turn, "note": "x" * 200}, at, turn),
                episode=Episode(USER, at, muscle="calf", duration_minutes=float(turn)),
            )
            print(turn, flush=True)


if __name__ == "__main__":
    asyncio.run(write(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 100_000))
