"""Outgoing requests: how hard to try (Delivery), retries with back-off (RetryingRequest),
and the base of every transport that wraps another (WrappingRequest).

ReplyBot -> AIORateLimiter (429: waits retry_after, retries)
         -> RetryingRequest (timeouts, network errors, 5xx: back-off)
         -> HTTPXRequest
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """How hard to try when Telegram is slow or failing. Tests shorten every figure."""

    attempts: int = 5  # per request, for timeouts, network errors and 5xx
    first_delay: float = 0.5  # seconds before the first retry, doubled each time
    max_delay: float = 8.0
    read_timeout: float = 10.0  # seconds to wait for an answer to one request
    rate_limit_retries: int = 3  # 429 "Too Many Requests": wait retry_after, try again
    messages_per_second: float = 30  # Telegram's global limit (0 switches throttling off)
    poll_timeout: float = 10.0  # long-poll seconds for getUpdates


#: One request as the wrapped transport would send it: no arguments, (HTTP status, body).
SendOnce = Callable[[], Awaitable[tuple[int, bytes]]]


class WrappingRequest(BaseRequest):
    """A BaseRequest around another (`inner`): read_timeout, initialize and shutdown are the
    inner one's, and each request goes through `around(url, send)`, which by default just
    sends it. Subclasses override `around` to do something before, after or instead."""

    def __init__(self, inner: BaseRequest) -> None:
        self._inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        async def send() -> tuple[int, bytes]:
            return await self._inner.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )

        return await self.around(url, send)

    async def around(self, url: str, send: SendOnce) -> tuple[int, bytes]:
        """One request to `url` (which holds the token: never log it); `send` may be called
        any number of times."""
        return await send()


class RetryingRequest(WrappingRequest):
    """Wraps a BaseRequest; retries timeouts, network errors and 5xx answers with back-off.

    429 is left to AIORateLimiter (it raises RetryAfter above this layer); 4xx are final.
    A retried request may reach Telegram twice if the first answer was lost: one duplicate
    message is better than a lost one.
    """

    def __init__(
        self,
        inner: BaseRequest,
        *,
        attempts: int = 5,
        first_delay: float = 0.5,
        max_delay: float = 8.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(inner)
        self._attempts = max(1, attempts)
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._sleep = sleep

    async def around(self, url: str, send: SendOnce) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]  # the URL itself holds the token: never log it
        delay = self._first_delay
        for attempt in range(1, self._attempts + 1):
            try:
                code, payload = await send()
            except NetworkError as exc:  # TimedOut is a NetworkError
                if attempt == self._attempts:
                    raise
                problem = f"{type(exc).__name__}: {exc.message}"
            else:
                if code < 500 or attempt == self._attempts:
                    return code, payload
                problem = f"HTTP {code}"
            pause = min(delay, self._max_delay) * (1 + random.random() / 4)
            log.warning(
                "%s failed (%s); retry %d of %d in %.2fs",
                endpoint,
                problem,
                attempt,
                self._attempts - 1,
                pause,
            )
            await self._sleep(pause)
            delay *= 2
        raise AssertionError("unreachable: the last attempt returns or raises")
