"""One asyncio.Lock per person, so one person's messages are handled in arrival order."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from types import TracebackType


class KeyedLocks:
    """A FIFO lock per key; a key's lock is dropped once no task holds or awaits it.

        async with locks.hold(user_id):
            ...

    Every turn passes through two of these (the adapter's order, the service's), so
    `hold` returns a small class rather than a generator-based context manager.
    """

    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}

    def hold(self, key: Hashable) -> _Held:
        """Wait for `key`'s lock (after everyone who asked before) and hold it for the block."""
        return _Held(self._entries, key)

    def __len__(self) -> int:
        """How many keys have a lock now (held or awaited)."""
        return len(self._entries)


class _Entry:
    """A key's lock, and how many tasks hold or await it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class _Held:
    __slots__ = ("_entries", "_key")

    def __init__(self, entries: dict[Hashable, _Entry], key: Hashable) -> None:
        self._entries = entries
        self._key = key

    async def __aenter__(self) -> None:
        entry = self._entries.get(self._key)
        if entry is None:
            entry = self._entries[self._key] = _Entry()
        entry.users += 1
        try:
            await entry.lock.acquire()
        except BaseException:  # cancelled while waiting: no longer a user
            self._leave(entry)
            raise

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        entry = self._entries[self._key]
        entry.lock.release()
        self._leave(entry)

    def _leave(self, entry: _Entry) -> None:
        entry.users -= 1
        if entry.users == 0:
            del self._entries[self._key]
