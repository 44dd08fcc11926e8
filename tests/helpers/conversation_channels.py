"""The channels a conversation test is played through, each with the test clock:

    service   bot.service.Service called directly (the quickest; Reply objects as they are)
    console   bot/channels/console.py's chat(): lines typed in, printed text out, buttons
              picked by their printed number
    telegram  the Application as `python -m bot run` builds it (bot/app.py), polling the fake
              Bot API on 127.0.0.1: a message or a button press is an update from a private
              chat; what the bot sent (texts, keyboards, captions) is what it showed

Nothing waits for time to pass: the console says when it wants the next line, and on
Telegram a step is over once getUpdates has confirmed the update and the Application's
update queue is empty again (every handler done, every message sent).
"""

from __future__ import annotations

import asyncio
import io
import itertools
import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import cache
from pathlib import Path

from telegram.request import HTTPXRequest

from bot import app
from bot.channels import console
from bot.core.model import ButtonPress, Reply
from bot.service import Outcome, Service
from bot.store import MemoryStore, Store
from tests.helpers.clock import Clock
from tests.helpers.conversation import CHANNELS, Channel, Shown
from tests.helpers.fake_bot_api import TEST_TOKEN, Call, FakeBotApi, fast_delivery, settings_for
from tests.helpers.shipped import shipped_library

#: A guard against a channel that stops answering, never a pace: a step takes milliseconds.
STUCK = 30.0


@asynccontextmanager
async def open_channel(kind: str, clock: Clock, tmp_path: Path) -> AsyncIterator[Channel]:
    """One channel, fresh (an empty store) and stopped cleanly at the end; its files
    (a database, the console's saved files) go in `tmp_path`, which must exist."""
    if kind == "service":
        async with MemoryStore() as store:
            yield ServiceChannel(Service(shipped_library(), store, clock=clock))
    elif kind == "console":
        async with (
            MemoryStore() as store,
            ConsoleChannel(
                Service(shipped_library(), store, clock=clock), tmp_path / "files"
            ) as channel,
        ):
            yield channel
    elif kind == "telegram":
        async with telegram_channel(clock, tmp_path) as channel:
            yield channel
    else:
        raise ValueError(f"no channel {kind!r}; one of {CHANNELS}")


# The service --------------------------------------------------------------------------------


class ServiceChannel:
    """Service.handle, as every adapter calls it; a tap is a ButtonPress on the last question."""

    name = "service"
    replies_apart = True

    def __init__(self, service: Service) -> None:
        self.service = service
        self.store: Store = service.store
        self.questions: dict[int, Reply] = {}
        #: per person, every reply that came with buttons, oldest first
        self.asked: dict[int, list[Reply]] = {}

    async def send(self, user: int, text: str) -> list[Shown]:
        return self._shown(user, await self.service.handle(user, text))

    async def tap_old(self, user: int, label: str) -> list[Shown]:
        old = [r for r in self.asked.get(user, []) if label in r.buttons and r.state]
        assert old, f"no earlier message offered a button {label!r}"
        press = ButtonPress(str(old[-1].state), old[-1].buttons.index(label))
        return self._shown(user, await self.service.handle(user, "", button=press))

    async def tap(self, user: int, label: str) -> list[Shown]:
        question = self.questions.get(user)
        assert question is not None and question.state is not None, f"no question to tap {label!r}"
        assert label in question.buttons, f"no button {label!r} in {question.buttons}"
        press = ButtonPress(question.state, question.buttons.index(label))
        return self._shown(user, await self.service.handle(user, "", button=press))

    def _shown(self, user: int, outcome: Outcome) -> list[Shown]:
        for reply in outcome.replies:
            if reply.buttons:
                self.questions[user] = reply
                self.asked.setdefault(user, []).append(reply)
        shown = [Shown(reply.text, reply.buttons) for reply in outcome.replies]
        return shown + [Shown(a.caption) for a in outcome.attachments if a.caption]


# The console --------------------------------------------------------------------------------

#: A printed button: "   2. Calf", or "   #2. Mild (1-3)" where the question takes numbers.
BUTTON_LINE = re.compile(r"^   (#?\d+)\. (.*)$")
REPLY_START = "coach> "


class Typist:
    """The lines one person types, handed to console.chat(lines=...) one at a time.

    `type` returns once the console has dealt with the line and asks for the next one.
    """

    def __init__(self) -> None:
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._ready = asyncio.Event()

    async def lines(self) -> AsyncIterator[str]:
        while True:
            self._ready.set()
            line = await self._lines.get()
            if line is None:
                return
            self._ready.clear()
            yield line

    async def type(self, line: str, chat: asyncio.Task[int]) -> None:
        self._ready.clear()
        self._lines.put_nowait(line)
        ready = asyncio.ensure_future(self._ready.wait())
        try:
            async with asyncio.timeout(STUCK):
                await asyncio.wait({ready, chat}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if chat.done():
            chat.result()  # the console's own error, if it failed
            raise AssertionError(f"the console ended after {line!r}")

    def end(self) -> None:
        """End of input, as Ctrl-D."""
        self._lines.put_nowait(None)


class ConsoleChannel:
    """console.chat() for each person who speaks (it serves one person per run, as
    `python -m bot console --user-id N` does), reading what it prints."""

    name = "console"
    replies_apart = True

    def __init__(self, service: Service, files_dir: Path) -> None:
        self.service = service
        self.store: Store = service.store
        self.files_dir = files_dir
        self.people: dict[int, tuple[Typist, io.StringIO, asyncio.Task[int]]] = {}
        #: per person, the printed number (or "#number") of each button offered last
        self.numbers: dict[int, dict[str, str]] = {}

    async def __aenter__(self) -> ConsoleChannel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for typist, _, _ in self.people.values():
            typist.end()
        for _, _, chat in self.people.values():
            async with asyncio.timeout(STUCK):
                assert await chat == 0, "the console exited with an error status"

    async def send(self, user: int, text: str) -> list[Shown]:
        typist, out, chat = self._person(user)
        start = len(out.getvalue())
        await typist.type(text, chat)
        return self._read(user, out.getvalue()[start:])

    async def tap(self, user: int, label: str) -> list[Shown]:
        numbers = self.numbers.get(user, {})
        assert label in numbers, f"no button {label!r} printed last; printed: {list(numbers)}"
        return await self.send(user, numbers[label])

    async def tap_old(self, user: int, label: str) -> list[Shown]:
        raise AssertionError(
            "the console numbers only the last buttons: keep a tap_old: step out of it "
            "(channels: [service, telegram])"
        )

    def _person(self, user: int) -> tuple[Typist, io.StringIO, asyncio.Task[int]]:
        if user not in self.people:
            typist, out = Typist(), io.StringIO()
            chat = asyncio.create_task(
                console.chat(
                    self.service,
                    user_id=user,
                    out=out,
                    files_dir=self.files_dir,
                    sweep_every=None,
                    lines=typist.lines(),
                )
            )
            self.people[user] = (typist, out, chat)
        return self.people[user]

    def _read(self, user: int, printed: str) -> list[Shown]:
        """The replies printed after the echoed line: "coach> " starts one, numbered lines
        under it are its buttons."""
        shown: list[tuple[list[str], list[str]]] = []
        numbers: dict[str, str] = {}
        for line in printed.splitlines():
            if line.startswith(REPLY_START):
                shown.append(([line[len(REPLY_START) :]], []))
            elif shown and (button := BUTTON_LINE.match(line)):
                shown[-1][1].append(button.group(2))
                numbers[button.group(2)] = button.group(1)
            elif shown:
                shown[-1][0].append(line)
            else:
                assert line.startswith(console.PROMPT), f"printed before any reply: {line!r}"
        if numbers:
            self.numbers[user] = numbers
        return [Shown("\n".join(text), tuple(buttons)) for text, buttons in shown]


# Telegram -----------------------------------------------------------------------------------

FAST = fast_delivery(read_timeout=5.0)


_opened = itertools.count(1)  # a new database each time


@asynccontextmanager
async def telegram_channel(clock: Clock, tmp_path: Path) -> AsyncIterator[TelegramChannel]:
    async with FakeBotApi(TEST_TOKEN) as fake:
        # The sweep's first round finds nothing due; a `wait:` sends no reminder here, as
        # in the service channel, so every channel shows the same replies.
        database = tmp_path / f"telegram-{next(_opened)}.sqlite"
        settings = settings_for(
            fake,
            tmp_path,
            database_url=f"sqlite:///{database}",
            reminder_sweep_every=timedelta(days=1),
        )
        async with app.telegram(
            settings,
            library=shipped_library(),
            clock=clock,
            delivery=FAST,
            request=_http(pool=8),
            get_updates_request=_http(pool=2),
        ) as running:
            yield TelegramChannel(fake, running)


def _http(pool: int) -> HTTPXRequest:
    """python-telegram-bot's HTTP transport, as production's, with the TLS settings made
    once: loading the certificate store takes about 0.1 s per client, two clients a file."""
    timeout = FAST.read_timeout
    return HTTPXRequest(
        connection_pool_size=pool,
        read_timeout=timeout,
        write_timeout=timeout,
        connect_timeout=timeout,
        pool_timeout=timeout,
        httpx_kwargs={"verify": _tls()},
    )


@cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


class TelegramChannel:
    """The running bot on SQLite, as in production, fed updates through the fake Bot API."""

    name = "telegram"
    replies_apart = False

    def __init__(self, fake: FakeBotApi, running: app.Running) -> None:
        self.fake = fake
        self.running = running
        self.store: Store = running.service.store
        #: per person, the last message that came with a keyboard
        self.questions: dict[int, Call] = {}
        #: per person, every message that came with a keyboard, oldest first
        self.asked: dict[int, list[Call]] = {}

    async def send(self, user: int, text: str) -> list[Shown]:
        assert text.strip(), "Telegram sends no empty message: keep this step out of Telegram"
        return await self._settled(user, self.fake.push_text(user, text))

    async def tap_old(self, user: int, label: str) -> list[Shown]:
        old = [call for call in self.asked.get(user, []) if label in call.buttons]
        assert old, f"no earlier message had a button {label!r}"
        mark = self.fake.push_press(user, old[-1], old[-1].buttons.index(label))
        return await self._settled(user, mark)

    async def tap(self, user: int, label: str) -> list[Shown]:
        question = self.questions.get(user)
        assert question is not None, f"no message with buttons to tap {label!r}"
        assert label in question.buttons, f"no button {label!r} in {question.buttons}"
        mark = self.fake.push_press(user, question, question.buttons.index(label))
        return await self._settled(user, mark)

    async def _settled(self, user: int, mark: int) -> list[Shown]:
        """What the bot sent `user` for the update just pushed, once it is fully handled."""
        async with asyncio.timeout(STUCK):
            await self.fake.wait_confirmed(timeout=STUCK)
            await self.running.telegram.application.update_queue.join()
        sent = self.fake.sent(user, after=mark)
        apology = self.running.service.texts().say("retrying")
        assert apology not in [call.text for call in sent], (
            "the adapter failed on this update and apologised; the log has the traceback"
        )
        for call in sent:
            if call.buttons:
                self.questions[user] = call
                self.asked.setdefault(user, []).append(call)
        return [Shown(call.text, tuple(call.buttons)) for call in sent]
