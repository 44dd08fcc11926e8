"""The console prints this person's reminders as they fall due, with buttons that work."""

from __future__ import annotations

import io
import time
from datetime import timedelta

from bot.channels.console import chat
from bot.service import Service
from bot.store import MemoryStore
from tests.helpers.clock import Clock
from tests.helpers.shipped import shipped_library


class Script:
    """stdin for the console: lines, and "WAIT" = let 20 minutes pass and the sweep run."""

    def __init__(self, clock: Clock, lines: list[str], out: io.StringIO) -> None:
        self.clock, self.lines, self.out = clock, lines, out

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        if not self.lines:
            return ""
        line = self.lines.pop(0)
        if line == "WAIT":
            seen = self.out.getvalue().count("💧")
            self.clock.now += timedelta(minutes=20)
            deadline = time.monotonic() + 5  # the console's sweep runs every 0.05 s meanwhile
            while self.out.getvalue().count("💧") == seen and time.monotonic() < deadline:
                time.sleep(0.02)
            return self.readline()
        return line + "\n"


async def test_reminders_fall_due_while_the_console_runs() -> None:
    clock = Clock()
    store = MemoryStore()
    service = Service(shipped_library(), store, clock=clock)
    await service.handle(2, "/cancel")
    await service.handle(2, "remind me to drink")  # someone else's reminder: not shown here
    out = io.StringIO()
    script = Script(clock, ["just finished my run", "1", "WAIT", "1"], out)
    code = await chat(
        service, user_id=1, stdin=script, out=out, sweep_every=timedelta(seconds=0.05)
    )  # type: ignore[arg-type]
    text = out.getvalue()
    assert code == 0
    assert text.count("💧 Time for a drink: it's 20 minutes since your workout") == 1
    reminder_at = text.index("💧 Time for a drink")
    assert "1. I drank" in text[reminder_at:]
    assert "That's 1 drink today" in text[reminder_at:]  # "1" pressed its first button
    assert len(await store.reminders(2)) == 1  # still due: the console did not send it
