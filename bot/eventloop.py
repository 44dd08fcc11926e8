"""The event loop every entry point runs on: uvloop where it exists, asyncio's own elsewhere.

uvloop (libuv, from the makers of asyncpg) runs the same asyncio code with a faster loop.
It matters most where this bot waits most: every SQLite query is a round trip to
aiosqlite's thread, whose answer wakes the loop through call_soon_threadsafe, and uvloop
halves that wake-up (20 us instead of 43 us here; `python -m bench telegram` shows the
whole turn). It has no Windows build, so there the standard loop runs the same code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

try:
    import uvloop
except ImportError:  # Windows, or an install without it: the standard loop does the same job
    uvloop = None  # type: ignore[assignment]


def name() -> str:
    """Which loop `run` uses, for logs and benchmark reports."""
    return "uvloop" if uvloop is not None else "asyncio"


def run(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(main), on uvloop when it is installed."""
    if uvloop is not None:
        return uvloop.run(main)
    return asyncio.run(main)
