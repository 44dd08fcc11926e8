"""One lock per person, so one person's messages are handled one at a time, in arrival order.

The one per-person lock of the process: the service takes it for every turn, SqliteStore
holds a person's transaction with one of its own (as PostgreSQL's advisory lock does), and an
adapter that must keep a person's updates in order from the moment they arrive (Telegram
answers a button press before the turn runs) takes the same lock earlier, in the same
task. A task that holds a key's lock may take it again (the turn inside the adapter's
hold), so there is one lock, held once, per person.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from types import TracebackType


class KeyedLocks:
    """A FIFO lock per key; a key's lock is dropped once no task holds or awaits it.

        async with locks.hold(user_id):
            ...

    Every turn passes through `hold`, so it returns a small class rather than a
    generator-based context manager. The task holding a key may hold it again: the inner
    hold is a no-op.
    """

    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}

    def hold(self, key: Hashable) -> _Held:
        """Wait for `key`'s lock (after everyone who asked before) and hold it for the block."""
        return _Held(self._entries, key)

    def busy(self, key: Hashable) -> bool:
        """Whether a task holds or awaits `key`'s lock now. When not, `hold(key)` takes it
        without waiting (nothing runs between this check and that hold unless the caller
        awaits something else first)."""
        return key in self._entries

    def __len__(self) -> int:
        """How many keys have a lock now (held or awaited)."""
        return len(self._entries)


class _Entry:
    """A key's lock, and how many tasks hold or await it."""

    __slots__ = ("depth", "lock", "owner", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0
        self.owner: asyncio.Task[object] | None = None  # the task holding it
        self.depth = 0  # how many times the owner holds it


class _Held:
    __slots__ = ("_entries", "_key")

    def __init__(self, entries: dict[Hashable, _Entry], key: Hashable) -> None:
        self._entries = entries
        self._key = key

    async def __aenter__(self) -> None:
        entry = self._entries.get(self._key)
        task = asyncio.current_task()
        if entry is not None and entry.owner is task and task is not None:
            entry.depth += 1  # held already by this very task
            return
        if entry is None:
            entry = self._entries[self._key] = _Entry()
        entry.users += 1
        try:
            await entry.lock.acquire()
        except BaseException:  # cancelled while waiting: no longer a user
            self._leave(entry)
            raise
        entry.owner, entry.depth = task, 1

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        entry = self._entries[self._key]
        entry.depth -= 1
        if entry.depth:
            return
        entry.owner = None
        entry.lock.release()
        self._leave(entry)

    def _leave(self, entry: _Entry) -> None:
        entry.users -= 1
        if entry.users == 0:
            del self._entries[self._key]
