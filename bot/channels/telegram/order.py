"""Ordering: one person's updates one after the other; different people concurrently.

The lock is the process's one per-person lock (bot/locks.py), shared with the
service: taken here when an update arrives, it is held once more, at no cost, by the turn
the update runs in the same task.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.locks import KeyedLocks

_NO_LIMIT = 1 << 30


class PerUserOrder(BaseUpdateProcessor):
    """Serialises updates per person while different people run concurrently.

    The Application starts one task per update in arrival order and the locks are FIFO, so a
    person's updates are handled in the order Telegram sent them. Locks are dropped once idle.
    The person's lock is taken before a slot of the concurrency limit: a backlog from one
    person waits on their own lock and never holds the slots everyone else needs.
    """

    def __init__(self, locks: KeyedLocks, max_concurrent_updates: int = 256) -> None:
        # python-telegram-bot's own limit is taken before do_process_update runs, so it
        # is set out of the way; the real limit (the slots) comes after the person's lock.
        super().__init__(_NO_LIMIT)
        self.locks = locks
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = sender(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        async with self.locks.hold(key), self._slots:
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: locks are dropped as soon as they are idle."""


def sender(update: object) -> int | None:
    """The person an update comes from (the chat, for a channel post), or None."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None
