"""Pacing reminders under Telegram's limits, with people's replies first.

    Pacer(rate=29, per_chat=1.0)
      take(chat)            an interactive reply: never waits, but spends a token
      interactive()         context: while a reply is being sent, reminders hold back
      await acquire(chat)   a reminder: waits for a token, for its chat's 1 s spacing,
                            and for replies in flight to finish
      pause(seconds)        Telegram said 429: reminders wait that long

One token bucket serves both kinds, so reminders fill only what replies leave of
`rate` (Telegram allows about 30 messages a second overall and 1 a second per chat).
Replies never queue behind reminders: they take a token even when the bucket is
empty (it goes into debt), and reminders wait until it is paid back. The clock and
the sleep are injectable for tests.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """A token bucket with two priorities and a per-chat spacing."""

    def __init__(
        self,
        rate: float = 29.0,
        *,
        per_chat: float = 1.0,
        burst: float = 1.0,
        max_yield: float = 1.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        remember_chats: int = 100_000,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be above zero")
        self.rate = rate
        self.per_chat = per_chat
        self.burst = max(1.0, burst)
        self.max_yield = max_yield  # longest a reminder waits for replies in flight
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._stamp = clock()
        self._paused_until = 0.0
        self._in_flight = 0
        self._last: OrderedDict[int, float] = OrderedDict()
        self._remember = remember_chats
        self._lock = asyncio.Lock()  # reminders take turns; replies never wait on it

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def _note(self, chat_id: int) -> None:
        self._last[chat_id] = self._clock()
        self._last.move_to_end(chat_id)
        while len(self._last) > self._remember:
            self._last.popitem(last=False)

    def take(self, chat_id: int) -> None:
        """An interactive message is being sent now: spend a token, even into debt."""
        self._refill()
        self._tokens -= 1
        self._note(chat_id)

    @contextmanager
    def interactive(self) -> Iterator[None]:
        """Around sending a reply: reminders hold back (up to max_yield) meanwhile."""
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1

    def pause(self, seconds: float) -> None:
        """Telegram asked us to wait (429): no reminder goes out before then."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def acquire(self, chat_id: int) -> None:
        """Wait until a reminder to `chat_id` may go out, then spend its token."""
        # The chat's own 1 s spacing is waited out first, without the lock, so a person
        # who is chatting right now does not hold up everyone else's reminders.
        while (wait := self._last.get(chat_id, -1e18) + self.per_chat - self._clock()) > 1e-6:
            await self._sleep(wait)
        async with self._lock:
            yielded = 0.0
            while True:
                self._refill()
                now = self._clock()
                waits = [
                    self._paused_until - now,
                    (1 - self._tokens) / self.rate,
                    self._last.get(chat_id, -1e18) + self.per_chat - now,
                ]
                if self._in_flight and yielded < self.max_yield:
                    waits.append(0.005)
                wait = max(waits)
                if wait <= 1e-6:  # float dust must not spin the loop
                    self._tokens -= 1
                    self._note(chat_id)
                    return
                if self._in_flight:
                    yielded += wait
                await self._sleep(wait)
