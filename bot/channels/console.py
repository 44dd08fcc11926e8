"""The same service in a terminal: no network, one person per run (--user-id).

Interactive on a terminal; from a script when stdin is not a terminal: each
line is one message. /quit (or /exit, or end of input) ends the chat with exit
code 0; they are the console's own, not the bot's. Buttons are
printed as a numbered list; type the number or the words. Where the question
itself takes a number ("from 0 to 10"), the buttons are numbered #1, #2... and a
bare number is the answer, as it would be on Telegram.

The reminder sweep runs here too, every few seconds: this person's reminders that
fall due while the console runs are printed, with their buttons.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterable, AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.core.contract import Needs
from bot.core.model import ButtonPress, Reply
from bot.service import Outcome, SendResult, Service, Sweep

PROMPT = "you> "
NEEDS = Needs(
    who="the console (bot/channels/console.py)",
    texts={"console_greeting": (), "console_resume": (), "console_saved": ("file", "path")},
)
LEAVE = frozenset({"/quit", "/exit"})


class Console:
    """Renders Outcomes as text and turns typed lines into messages or button presses."""

    def __init__(self, service: Service, user_id: int, out: TextIO, files_dir: Path) -> None:
        self.service = service
        self.user_id = user_id
        self.out = out
        self.files_dir = files_dir
        # Every button of the last message(s) shown, numbered in order: (reply, index).
        self.choices: list[tuple[Reply, int]] = []
        self.marker = ""  # "#" when the question asked last takes a number itself

    async def send(self, line: str) -> None:
        text = clean(line)
        picked = self._button(text)
        button = None
        if picked is not None:
            button, text = picked  # the label goes along, as Telegram passes it
        outcome = await self.service.handle(self.user_id, text, button=button)
        self.render(outcome)

    async def remind(self, user_id: int, reply: Reply) -> SendResult:
        """The console's way of sending a reminder: print it with its buttons."""
        self.out.write("\n")
        self.render(Outcome((reply,)))
        return "sent"

    async def sweep(self, every: timedelta) -> None:
        """Print this person's reminders as they fall due, until cancelled: the bot's own
        sweep (bot/service/sweep.py), for this person only."""
        service = self.service
        sweep = Sweep(
            service.store,
            service.library,
            self.remind,
            clock=service.clock,
            only_user=self.user_id,
        )
        await sweep.forever(every=every)

    def _button(self, text: str) -> tuple[ButtonPress, str] | None:
        """A typed button number ("2", or "#2" where the question takes numbers) picks it."""
        marker = self.marker
        if not text.startswith(marker) or not text[len(marker) :].isdecimal():
            return None
        number = int(text[len(marker) :]) - 1
        if not 0 <= number < len(self.choices):
            return None
        reply, index = self.choices[number]
        if reply.state is None:
            return None
        return ButtonPress(reply.state, index), reply.buttons[index]

    def _marker(self, question: Reply) -> str:
        takes_numbers = question.state is not None and self.service.takes_numbers(question.state)
        return "#" if takes_numbers else ""

    def render(self, outcome: Outcome) -> None:
        keyboards = [reply for reply in outcome.replies if reply.buttons]
        if keyboards:  # new buttons: number them all, one after the other
            self.choices = []
            self.marker = self._marker(keyboards[-1])
        for reply in outcome.replies:
            self.out.write(f"coach> {reply.text}\n")
            for index, label in enumerate(reply.buttons):
                self.choices.append((reply, index))
                self.out.write(f"   {self.marker}{len(self.choices)}. {label}\n")
        for attachment in outcome.attachments:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            path = self.files_dir / f"{self.user_id}-{stamp}-{attachment.filename}"
            path.write_bytes(attachment.data)
            label = attachment.caption or attachment.filename
            saved = self.service.texts().say("console_saved", file=label, path=path)
            self.out.write(f"coach> {saved}\n")
        self.out.flush()


def clean(line: str) -> str:
    """Drop control characters (terminal escapes, NULs) but keep the words."""
    return "".join(ch for ch in line if ch.isprintable() or ch in "\t").strip()


async def chat(
    service: Service,
    *,
    user_id: int,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    files_dir: Path = Path("cramp_coach_files"),
    sweep_every: timedelta | None = timedelta(seconds=5),
    lines: AsyncIterable[str] | None = None,
) -> int:
    """Hold a conversation until end of input. Returns the exit code.

    With `sweep_every`, reminders that fall due meanwhile are printed (None: never).
    `lines` replaces stdin: the typed lines, as from a script (the conversation tests).
    """
    console = Console(service, user_id, out, files_dir)
    sweeper = asyncio.create_task(console.sweep(sweep_every)) if sweep_every else None
    try:
        return await _converse(console, service, user_id, stdin, out, lines)
    finally:
        if sweeper is not None:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper


async def _converse(
    console: Console,
    service: Service,
    user_id: int,
    stdin: TextIO,
    out: TextIO,
    lines: AsyncIterable[str] | None,
) -> int:
    interactive = lines is None and stdin.isatty()
    if interactive:
        out.write(service.texts().say("console_greeting") + "\n")
    question = await service.current_question(user_id)
    if question is not None:
        out.write(f"coach> {service.texts().say('console_resume')}\n")
        console.render(Outcome((question,)))
    out.flush()
    async for line in lines if lines is not None else _typed(stdin, out, interactive):
        if not interactive:
            out.write(f"{PROMPT}{line.rstrip(chr(10))}\n")
        if clean(line).lower() in LEAVE:
            break
        await console.send(line)
    return 0


async def _typed(stdin: TextIO, out: TextIO, interactive: bool) -> AsyncIterator[str]:
    """The lines typed on stdin (after a prompt on a terminal), until end of input."""
    while True:
        if interactive:
            out.write(PROMPT)
            out.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return
        yield line
