"""Is the bot well? The database answers and updates are arriving: what GET /healthz says.

    health = Health(store.ping, poll_max_age=60.0)
    health.polling()            polling has begun          (the adapter says so)
    health.polled()             a getUpdates round trip came back
    health.webhook()            the webhook server listens and Telegram has its address
    health.stopping()           shutting down: no longer receiving
    verdict = await health.check()   -> Verdict(ok, checks), e.g.
        {"status": "failing", "checks": {"database": "ok",
         "receiving": "no getUpdates answer for 75 s (the limit is 60 s)"}}

"Receiving" while polling means a getUpdates round trip finished within `poll_max_age`
seconds. The start of polling counts as one, so the first long poll (which may wait for
its full timeout when nobody writes) does not make a fresh process look broken; a
Telegram out of reach turns the check to failing once `poll_max_age` has passed. In
webhook mode the check is that the server is up: the request asking is proof that it
listens, and `webhook()` says that Telegram was given its address.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)

#: How long the database may take to answer the health check's ping, in seconds.
PING_TIMEOUT = 3.0

Mode = Literal["starting", "polling", "webhook", "stopping"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of one health check: each check's "ok" or what is wrong."""

    checks: dict[str, str]

    @property
    def ok(self) -> bool:
        return all(value == "ok" for value in self.checks.values())

    def document(self) -> dict[str, object]:
        """The JSON body of /healthz."""
        return {"status": "ok" if self.ok else "failing", "checks": dict(self.checks)}


class Health:
    """What /healthz checks: `ping` (the store's) answers, and updates are arriving.

    `ping` None checks no database (an adapter tested on its own). `clock` is monotonic
    seconds (a test passes its own).
    """

    def __init__(
        self,
        ping: Callable[[], Awaitable[None]] | None = None,
        *,
        poll_max_age: float = 60.0,
        ping_timeout: float = PING_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ping = ping
        self.poll_max_age = poll_max_age
        self.ping_timeout = ping_timeout
        self.clock = clock
        self.mode: Mode = "starting"
        self._last_poll: float | None = None

    def polling(self) -> None:
        """Polling has begun: it counts as a round trip (see the module docstring)."""
        self.mode = "polling"
        self._last_poll = self.clock()

    def polled(self) -> None:
        """A getUpdates round trip finished (Telegram answered)."""
        self._last_poll = self.clock()

    def webhook(self) -> None:
        """The webhook server listens and Telegram was told its address."""
        self.mode = "webhook"

    def stopping(self) -> None:
        self.mode = "stopping"

    def receiving(self) -> str:
        """ "ok", or why updates are not known to be arriving."""
        if self.mode == "webhook":
            return "ok"
        if self.mode == "starting":
            return "starting: not receiving updates yet"
        if self.mode == "stopping":
            return "stopping: no longer receiving updates"
        age = self.clock() - (self._last_poll or 0.0)
        if age > self.poll_max_age:
            return f"no getUpdates answer for {age:.0f} s (the limit is {self.poll_max_age:.0f} s)"
        return "ok"

    async def database(self) -> str:
        """ "ok", or why the database did not answer the ping."""
        if self.ping is None:
            return "ok"
        try:
            await asyncio.wait_for(self.ping(), self.ping_timeout)
        except TimeoutError:
            return f"no answer within {self.ping_timeout:g} s"
        except Exception as exc:  # a probe reports any failure; it must not become a 500
            log.warning("Health check: the database did not answer: %s", exc)
            return f"{type(exc).__name__}: {exc}"
        return "ok"

    async def check(self) -> Verdict:
        """Both checks, now."""
        return Verdict({"database": await self.database(), "receiving": self.receiving()})
