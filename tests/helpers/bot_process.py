"""`python -m bot run` as a process of its own, for the fault tests (tests/e2e/test_faults.py)
and `bench scale`'s webhook processes (`command`: bench.limiter_off): start it, wait until
its /healthz answers 200, SIGKILL it at any moment, start it again.

    env = bot_env(fake, "sqlite:///.../db.sqlite", HEALTH_PORT=str(free_port()))
    async with BotProcess(env, tmp_path / "bot.log") as bot:   # started and up
        bot.kill()                    # SIGKILL, no clean-up in the bot
        await bot.start()             # again, on the same settings and database
    # on exit: stopped (SIGTERM, then SIGKILL after a grace), reaped, log file closed

Everything the process writes (stdout and stderr, every start) goes to one log file, so a
test can read it afterwards (`log_text()`) and a pipe never fills up and stalls the bot.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from asyncio.subprocess import STDOUT, Process
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol

import aiohttp

from tests.helpers.fake_bot_api import TEST_TOKEN
from tests.helpers.paths import ROOT

#: Settings of the bot that a test environment must not inherit from the shell running it.
_OWN = ("WEBHOOK_", "TELEGRAM_", "HEALTH_", "LOG_", "DATABASE_", "REMINDER_", "IDLE_")
_OWN_EXACT = ("PORT", "LISTEN")


class BotApi(Protocol):
    """A fake Bot API the bot is pointed at (tests/helpers/fake_bot_api.py's FakeBotApi, or
    bench scale's)."""

    @property
    def base_url(self) -> str: ...


#: `python -m bot run`; the bench runs `-m bench.limiter_off` (the same, rate limiter off).
RUN = ("-m", "bot", "run")


def bot_env(fake: BotApi, database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a bot that talks to `fake` on `database_url`, plus `settings`
    (e.g. HEALTH_PORT, or WEBHOOK_URL/WEBHOOK_SECRET/PORT/LISTEN for webhook mode)."""
    env = {k: v for k, v in os.environ.items() if not (k.startswith(_OWN) or k in _OWN_EXACT)}
    env.update(
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url,
        DATABASE_URL=database_url,
        HEALTH_HOST="127.0.0.1",
        LISTEN="127.0.0.1",
    )
    env.update(settings)
    return env


class BotProcess:
    """One bot process, started as many times as a test likes; `health_port` is where its
    /healthz answers (HEALTH_PORT in polling mode, PORT with a webhook)."""

    def __init__(
        self, env: dict[str, str], log: Path, *, name: str = "bot", command: Sequence[str] = RUN
    ) -> None:
        self.env = env
        self.log = log
        self.name = name
        self.command = tuple(command)
        port = env.get("HEALTH_PORT") or (env.get("PORT") if env.get("WEBHOOK_URL") else None)
        if port is None:
            raise ValueError("set HEALTH_PORT (polling) or WEBHOOK_URL and PORT: /healthz is how")
        self.health_port = int(port)
        self.process: Process | None = None
        self.starts = 0
        self.kills = 0
        #: How the last stop() went: seconds from SIGTERM to exit, and whether it took SIGKILL.
        self.stopped_in: float | None = None
        self.stop_forced = False
        self._log_file: IO[bytes] | None = None

    async def __aenter__(self) -> BotProcess:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Start the process and wait until /healthz answers 200."""
        if self.running:
            raise RuntimeError(f"{self.name} is running already")
        await self._reap()
        if self._log_file is None:
            self._log_file = self.log.open("ab")
        self._log_file.write(f"---- {self.name}: start {self.starts + 1}\n".encode())
        self._log_file.flush()
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            *self.command,
            cwd=ROOT,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=STDOUT,
        )
        self.starts += 1
        await self.wait_up(timeout)

    async def wait_up(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Until GET /healthz answers 200; fails with the log's end if the process exits."""
        url = f"http://127.0.0.1:{self.health_port}/healthz"
        deadline = asyncio.get_running_loop().time() + timeout
        last: Any = None
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while True:
                if not self.running:
                    raise AssertionError(
                        f"{self.name} exited with {self._status()} before it was up:\n"
                        + self.log_tail()
                    )
                try:
                    async with http.get(url) as response:
                        if response.status == 200:
                            return
                        last = (response.status, await response.text())
                except (aiohttp.ClientError, TimeoutError) as exc:
                    last = exc
                if asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(
                        f"{self.name}: /healthz not 200 within {timeout}s ({last!r}):\n"
                        + self.log_tail()
                    )
                await asyncio.sleep(0.05)

    async def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        if self.process is None or not self.running:
            return
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.kills += 1

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM (the bot finishes what is in flight), SIGKILL after `grace` seconds; reap
        the process and close the log. Safe to call in any state, and more than once."""
        try:
            if self.process is not None and self.running:
                began = asyncio.get_running_loop().time()
                self.process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(self.process.wait(), grace)
                except TimeoutError:
                    self.process.send_signal(signal.SIGKILL)
                    await self.process.wait()
                    self.stop_forced = True
                self.stopped_in = asyncio.get_running_loop().time() - began
            await self._reap()
        finally:
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None

    async def _reap(self) -> None:
        if self.process is not None:
            await self.process.wait()

    def _status(self) -> int | None:
        return None if self.process is None else self.process.returncode

    def log_text(self) -> str:
        if self._log_file is not None:
            self._log_file.flush()
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])
