"""What the durable inbox and outbox, PostgreSQL and a second process cost or buy:
`python -m bench scale` (or `python -m bench.bench_scale [--rounds N] [--postgres URL]`)

Issue 12's three questions, measured in the same run on this machine, rounds interleaved:

1. direct vs durable, SQLite, in this process. The same people, the same script (eight
   messages each, bench_telegram's), through our Application with an offline BaseRequest
   (no network; rate limiter off, as in bench_telegram):
       direct   the adapter before the inbox: Update.de_json, the person's lock
                (PerUserOrder), Service.handle (which commits its own writes), then one
                send per message of the Outcome (Outbox.messages splits and joins them as
                the durable path does). No inbox row, no transaction around the turn, no
                outbox.
       durable  the path bot/app.py wires: Update.de_json and the JSON the Poller keeps,
                Inbox.receive (the person's next update, as each is here: the turn,
                its queued replies and the update kept already handled, in ONE
                transaction), then the Application's update processor (InboxOrder:
                the outbox flush, each send and its delete; for an update kept
                alone, pending, the turn and the inbox row's completion first).
   Each in two ways: 100 people at once (each person's messages one after the other,
   every person concurrently: traffic), and one update at a time.
2. the durable path on PostgreSQL against SQLite (a database of the bench's own on
   --postgres, else TEST_POSTGRES_URL, else postgresql://postgres@127.0.0.1:5432/test,
   created and dropped here; without a server these rows say why they are skipped).
3. updates per second through ONE and through TWO webhook processes on PostgreSQL:
   real processes (bench/limiter_off.py: `python -m bot run` with the rate limiter
   off, which no setting can do; its docstring says why it must be off), each
   registering WEBHOOK_URL https://127.0.0.1:<port> with a minimal fake Bot API on
   127.0.0.1 that answers every send. The driver here is Telegram: each person posts an
   update with the secret header to the webhooks in turn (a load balancer), waits for
   all of its replies, then posts the next. The fake Bot API and the driver are bare
   asyncio HTTP/1.1 over keep-alive connections, not a web framework: they are the
   harness, not the product, and every CPU millisecond they spend is taken from the
   bot processes on this machine. Rate: updates from the first post until the
   last reply; latency: a post until its last reply arrived. Both processes run in
   every round; the one-process rounds post to one of them only.

With 100 people at once, an update's latency includes waiting behind the others' turns
(p50 is about 100 / the rate). PostgreSQL commits wait for its WAL on disk
(synchronous_commit as the server has it).

The fake Bot API and the driver run in this process: on a 2-core machine they share
the CPUs with the bot processes and PostgreSQL, as the machine's load average shows.
So the webhook rows print the CPU each of them spends per update, and what two
processes can reach at most at those costs: the machine's cores over the CPU of an
update, against one process's one core over the bot's.
Figures: the median over rounds, the spread (min-max over rounds), the p99 latency
(median over rounds). Targets (issue 12): durable >= 70% of direct; two processes
>= 1.6x one. Takes about two minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import asyncpg
from telegram import Update

from bench.bench_telegram import (
    BOT_USER,
    SCRIPT,
    offline_settings,
    our_application,
)
from bench.stats import percentile
from bot import eventloop
from bot.app import load
from bot.channels.telegram.order import PerUserOrder
from bot.channels.telegram.outbox import Outbox
from bot.config import Settings
from bot.content.loading import Library
from bot.service import KeyedLocks, Service
from bot.store import MemoryStore, open_store
from tests.helpers.bot_process import BotProcess, bot_env
from tests.helpers.fake_bot_api import free_port
from tests.helpers.postgres import scratch_database, server_url

ROUNDS = 4
PROCESS_ROUNDS = 3
PEOPLE = 100  # at once
ONE_AT_A_TIME = 30  # people, one update at a time
PROCESS_PEOPLE = 100
TARGET_DURABLE = 0.70
TARGET_TWO = 1.6
SECRET = "bench-secret-" + "x" * 12
HOOK = "bench/hook"
#: `python -m bot run` with the rate limiter off (bench/limiter_off.py).
LIMITER_OFF = ("-m", "bench.limiter_off")

Turn = Callable[[dict[str, Any]], Awaitable[None]]
Raw = dict[str, Any]


# People and their updates --------------------------------------------------------------------

_people = itertools.count(1)
_update_ids = itertools.count(1)


def conversations(people: int) -> list[list[Raw]]:
    """`people` new people, each with SCRIPT as updates; update ids rise step by step,
    as Telegram's do, and are never reused in the run (one database serves many rounds)."""
    users = [next(_people) for _ in range(people)]
    talks: list[list[Raw]] = [[] for _ in users]
    for text in SCRIPT:
        for talk, user in zip(talks, users, strict=True):
            talk.append(update_json(next(_update_ids), user, text))
    return talks


def update_json(update_id: int, user: int, text: str) -> Raw:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user, "type": "private", "first_name": "B"},
            "from": {"id": user, "is_bot": False, "first_name": "B"},
            "text": text,
        },
    }


@dataclass
class Sample:
    """One round of one row: updates per second (wall clock) and each update's latency."""

    rate: float
    latencies: list[float]
    missing: int = 0  # replies that never came (webhook rows)
    cores: dict[str, float] = field(default_factory=dict)  # CPU cores busy, by whom

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 0.99) * 1000


async def drive(turn: Turn, talks: list[list[Raw]], *, at_once: bool) -> Sample:
    """Each person's updates one after the other through `turn`; the people all
    concurrently (`at_once`) or one after another."""
    latencies: list[float] = []
    clock = time.perf_counter

    async def person(talk: list[Raw]) -> None:
        for raw in talk:
            began = clock()
            await turn(raw)
            latencies.append(clock() - began)

    gc.collect()
    began = clock()
    if at_once:
        await asyncio.gather(*(person(talk) for talk in talks))
    else:
        for talk in talks:
            await person(talk)
    return Sample(len(latencies) / (clock() - began), latencies)


# 1 and 2: in this process --------------------------------------------------------------------


class DirectOrder(PerUserOrder):
    """The adapter before the inbox, as an update processor: the person's lock, the
    service's turn, then each message of its Outcome sent at once (with the Pacer's
    token, as replies are)."""

    def __init__(self, locks: KeyedLocks, service: Service, outbox: Outbox) -> None:
        super().__init__(locks)
        self.service = service
        self.outbox = outbox

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        close = getattr(coroutine, "close", None)
        if close is not None:
            close()  # python-telegram-bot's handlers are not used, as in InboxOrder
        if isinstance(update, Update):
            await super().do_process_update(update, self.turn(update))

    async def turn(self, update: Update) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None:
            return
        outcome = await self.service.handle(user.id, message.text, language=user.language_code)
        pacer = self.outbox.pacer
        for each in self.outbox.messages(user.id, message.chat.id, outcome):
            with pacer.interactive():
                pacer.take(each.chat_id)
                await self.outbox.send(each)


@asynccontextmanager
async def in_process(library: Library, database_url: str, *, durable: bool) -> AsyncIterator[Turn]:
    """A turn function over a new store at `database_url`: the durable path or direct."""
    settings = offline_settings(database_url)
    store = await open_store(database_url)
    try:
        locks = KeyedLocks()
        service = Service(library, store, idle_after=settings.idle_resume_after, locks=locks)
        telegram = our_application(settings, service, locks, store)
        application = telegram.application
        bot = application.bot
        await application.initialize()
        try:
            if durable:
                processor = application.update_processor
                inbox = telegram.inbox

                async def turn(raw: Raw) -> None:
                    update = Update.de_json(raw, bot)
                    payload = json.dumps(raw, ensure_ascii=False)  # what PollWatch keeps
                    for each in await inbox.receive([update], {update.update_id: payload}):
                        await processor.process_update(each, application.process_update(each))

            else:
                direct = DirectOrder(locks, service, telegram.outbox)

                async def turn(raw: Raw) -> None:
                    update = Update.de_json(raw, bot)
                    await direct.process_update(update, application.process_update(update))

            yield turn
        finally:
            await application.shutdown()
    finally:
        await store.close()


async def replies_per_step(library: Library) -> list[int]:
    """How many messages each step of SCRIPT sends a new person (the webhook driver
    waits for that many)."""
    store = MemoryStore()
    locks = KeyedLocks()
    service = Service(library, store, locks=locks)
    outbox = our_application(offline_settings("memory://"), service, locks, store).outbox
    user = next(_people)
    counts = []
    for text in SCRIPT:
        outcome = await service.handle(user, text)
        counts.append(len(outbox.messages(user, user, outcome)))
    return counts


# 3: webhook processes ------------------------------------------------------------------------


class FakeBotApi:
    """The least of a Bot API on 127.0.0.1 that a bot process needs: getMe, setWebhook
    and setMyCommands answered; each send answered with a message and counted per chat,
    and whoever waits for a chat's count (`replies`) woken.

    A bare asyncio HTTP/1.1 server (`_ApiConnection`), keep-alive, rather than a web
    framework: it shares the machine's two cores with the bot processes and PostgreSQL,
    so each request it answers should cost it as little as can be. The bot sees the same
    answers as from a framework (the same JSON, status 200, Content-Length)."""

    def __init__(self) -> None:
        self.sent: dict[int, int] = {}
        self._waiting: dict[int, tuple[int, asyncio.Future[None]]] = {}
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> FakeBotApi:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _ApiConnection(self), "127.0.0.1", 0, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, method: str, form: dict[str, str]) -> bytes:
        """The JSON answer to a Bot API call (`method` in lower case, its form fields)."""
        result: Any = True
        if method == "getme":
            result = BOT_USER
        elif method.startswith("send") and method != "sendchataction":
            chat = int(form.get("chat_id", 0))
            count = self.sent[chat] = self.sent.get(chat, 0) + 1
            result = {
                "message_id": count,
                "date": 0,
                "chat": {"id": chat, "type": "private"},
                "from": BOT_USER,
                "text": form.get("text", ""),
            }
            waiting = self._waiting.get(chat)
            if waiting is not None and count >= waiting[0] and not waiting[1].done():
                waiting[1].set_result(None)
        return json.dumps({"ok": True, "result": result}).encode()

    async def replies(self, chat: int, count: int, timeout: float) -> bool:  # noqa: ASYNC109
        """Until `chat` has been sent `count` messages in all; False after `timeout` s."""
        if self.sent.get(chat, 0) >= count:
            return True
        future = asyncio.get_running_loop().create_future()
        self._waiting[chat] = (count, future)
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self._waiting.pop(chat, None)


class _ApiConnection(asyncio.Protocol):
    """One keep-alive connection to FakeBotApi: requests in, in order, each answered as
    soon as its body is in (Content-Length; the bot's client sends no chunked bodies)."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.buffer = bytearray()
        self.transport: Any = None  # an asyncio.Transport (uvloop's is not a subclass)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = bytes(self.buffer[:end]).decode("latin-1")
            length = _content_length(head)
            if len(self.buffer) < end + 4 + length:
                return  # the rest of the body is still on its way
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            path = head.split(" ", 2)[1]
            method = path.rsplit("/", 1)[-1].lower()
            answer = self.api.answer(method, _form(head, body))
            self.transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer)
            )


def _content_length(head: str) -> int:
    """The Content-Length of a request or response head (0 when it names none)."""
    at = head.lower().find("\r\ncontent-length:")
    if at < 0:
        return 0
    return int(head[at + 17 :].split("\r\n", 1)[0])


def _form(head: str, body: bytes) -> dict[str, str]:
    """A request's form fields: urlencoded, or the text fields of a multipart body."""
    if "multipart/form-data" not in head.lower():
        return dict(parse_qsl(body.decode()))
    fields = re.findall(rb'name="([^"]+)"\r\n(?:[^\r\n]+\r\n)*\r\n([^\r]*)\r\n', body)
    return {name.decode(): value.decode(errors="replace") for name, value in fields}


class Webhooks:
    """Telegram's side of the webhooks: POSTs of updates to the bot processes, over
    keep-alive connections (a few per process, reused), as a bare asyncio HTTP/1.1
    client (the bench's own CPU per update counts against the machine's cores)."""

    def __init__(self) -> None:
        self._idle: dict[int, list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}
        self._open: list[asyncio.StreamWriter] = []

    async def post(self, bot: BotProcess, body: bytes) -> int:
        """POST `body` to the bot's webhook; its HTTP status."""
        port = bot.health_port
        idle = self._idle.setdefault(port, [])
        if idle:
            reader, writer = idle.pop()
        else:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            self._open.append(writer)
        writer.write(
            b"POST /%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            b"X-Telegram-Bot-Api-Secret-Token: %s\r\nContent-Length: %d\r\n\r\n%s"
            % (HOOK.encode(), port, SECRET.encode(), len(body), body)
        )
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        length = _content_length(head)
        if length:
            await reader.readexactly(length)
        idle.append((reader, writer))
        return int(head.split(" ", 2)[1])

    async def aclose(self) -> None:
        for writer in self._open:
            writer.close()
        for writer in self._open:
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        self._open.clear()
        self._idle.clear()


async def post_all(
    hooks: Webhooks,
    fake: FakeBotApi,
    bots: Sequence[BotProcess],
    talks: list[list[Raw]],
    expected: list[int],
) -> Sample:
    """Telegram's side: each person posts an update to the next webhook in turn (again
    after a moment if not answered 200), waits for all its replies, then the next."""
    latencies: list[float] = []
    missing = 0
    turns = itertools.cycle(bots)
    pids = [bot.process.pid if bot.process is not None else 0 for bot in bots]
    clock = time.perf_counter

    async def person(talk: list[Raw]) -> None:
        nonlocal missing
        chat = talk[0]["message"]["chat"]["id"]
        total = 0
        for raw, count in zip(talk, expected, strict=True):
            body = json.dumps(raw).encode()
            total += count
            began = clock()
            while True:
                if await hooks.post(next(turns), body) == 200:
                    break
                await asyncio.sleep(0.05)
            if not await fake.replies(chat, total, timeout=30.0):
                missing += total - fake.sent.get(chat, 0)
                return
            latencies.append(clock() - began)

    before = cpu_snapshot(pids)
    began = clock()
    await asyncio.gather(*(person(talk) for talk in talks))
    seconds = clock() - began
    used = cores(before, cpu_snapshot(pids), seconds)
    return Sample(len(latencies) / seconds, latencies, missing, used)


# Where the CPU went -------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_ticks() -> int:
    """CPU ticks spent busy (not idle, not waiting for I/O) by the whole machine."""
    try:
        fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0
    # user nice system idle iowait irq softirq steal (guest time is counted in user too)
    return sum(fields[:8]) - fields[3] - fields[4]


def process_ticks(pid: int) -> int:
    """utime + stime of one process (0 once it is gone)."""
    try:
        after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return int(after_name[11]) + int(after_name[12])


def postgres_ticks() -> int:
    """utime + stime of every PostgreSQL server process on this machine."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            total += process_ticks(int(stat.parent.name))
    return total


def cpu_snapshot(bots: Sequence[int]) -> dict[str, int]:
    return {
        "machine": machine_ticks(),
        "bot processes": sum(process_ticks(pid) for pid in bots),
        "PostgreSQL": postgres_ticks(),
        "bench (driver, fake API)": process_ticks(os.getpid()),
    }


def cores(before: dict[str, int], after: dict[str, int], seconds: float) -> dict[str, float]:
    """CPU cores kept busy over `seconds`, by whom."""
    return {who: (after[who] - before[who]) / TICK / seconds for who in before}


# The report -----------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    samples: list[Sample] = field(default_factory=list)
    skipped: str | None = None

    @property
    def rate(self) -> float:
        return statistics.median(s.rate for s in self.samples)


def print_row(row: Row) -> None:
    if row.skipped is not None or not row.samples:
        print(f"  {row.label:<44} skipped: {row.skipped}")
        return
    rates = [s.rate for s in row.samples]
    p99s = [s.p99 for s in row.samples]
    p50 = statistics.median(s.p50 for s in row.samples)
    missing = sum(s.missing for s in row.samples)
    print(
        f"  {row.label:<44}{statistics.median(rates):9.0f} {min(rates):6.0f}-{max(rates):<6.0f}"
        f"{p50:9.2f}{statistics.median(p99s):9.2f} {min(p99s):6.2f}-{max(p99s):<6.2f}"
        + (f"  {missing} replies missing" if missing else "")
    )


def ratio(top: Row, bottom: Row) -> tuple[float, float, float] | None:
    """Median of `top` over median of `bottom`, and the range of the rounds' own ratios."""
    if not top.samples or not bottom.samples:
        return None
    each = [t.rate / b.rate for t, b in zip(top.samples, bottom.samples, strict=False)]
    return top.rate / bottom.rate, min(each), max(each)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


async def in_process_rows(library: Library, server: str, rounds: int) -> list[Row]:
    modes = ((f"{PEOPLE} at once", True), ("one at a time", False))
    rows = {
        (name, mode): Row(f"{name}, {label}")
        for name in ("SQLite direct", "SQLite durable", "PostgreSQL durable")
        for label, mode in modes
    }
    async with AsyncExitStack() as stack:
        postgres: str | None = None
        try:
            postgres = await stack.enter_async_context(scratch_database(server))
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            for (name, _), row in rows.items():
                if name.startswith("PostgreSQL"):
                    row.skipped = f"no server at {server} ({type(exc).__name__}: {exc})"
        with tempfile.TemporaryDirectory(prefix="cramp-bench-scale-") as tmp:
            files = itertools.count()
            for number in range(rounds + 1):  # round 0 warms up and is not counted
                for (name, mode), row in rows.items():
                    if row.skipped is not None:
                        continue
                    if name.startswith("PostgreSQL"):
                        assert postgres is not None
                        url = postgres
                    else:
                        url = f"sqlite:///{Path(tmp) / f'{next(files)}.sqlite'}"
                    people = (PEOPLE if mode else ONE_AT_A_TIME) if number else 10
                    durable = name.endswith("durable")
                    async with in_process(library, url, durable=durable) as turn:
                        sample = await drive(turn, conversations(people), at_once=mode)
                    if number:
                        row.samples.append(sample)
    return list(rows.values())


async def webhook_rows(library: Library, server: str, rounds: int) -> list[Row]:
    one, two = Row("1 webhook process, PostgreSQL"), Row("2 webhook processes, PostgreSQL")
    try:
        database = scratch_database(server)
        url = await database.__aenter__()
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        one.skipped = two.skipped = f"no server at {server} ({type(exc).__name__}: {exc})"
        return [one, two]
    try:
        expected = await replies_per_step(library)
        with tempfile.TemporaryDirectory(prefix="cramp-bench-scale-") as tmp:
            async with FakeBotApi() as fake:
                bots = []
                for number in range(2):
                    port = free_port()
                    env = bot_env(
                        fake,
                        url,
                        WEBHOOK_URL=f"https://127.0.0.1:{port}",  # given the fake, never used
                        WEBHOOK_SECRET=SECRET,
                        WEBHOOK_PATH=HOOK,
                        PORT=str(port),
                        LOG_LEVEL="WARNING",
                    )
                    log = Path(tmp) / f"bot{number}.log"
                    bots.append(BotProcess(env, log, name=f"bot{number}", command=LIMITER_OFF))
                try:
                    # One at a time: the first migrates the new database.
                    for bot in bots:
                        await bot.start()
                    hooks = Webhooks()
                    try:
                        for bot in bots:  # warm up: connections, caches, code paths
                            await post_all(hooks, fake, [bot], conversations(20), expected)
                        for _ in range(rounds):
                            for row, some in ((one, bots[:1]), (two, bots)):
                                talks = conversations(PROCESS_PEOPLE)
                                row.samples.append(
                                    await post_all(hooks, fake, some, talks, expected)
                                )
                    finally:
                        await hooks.aclose()
                finally:
                    for bot in bots:
                        await bot.stop()
    finally:
        await database.__aexit__(None, None, None)
    return [one, two]


async def main(rounds: int, process_rounds: int, server: str) -> int:
    started_load = loadavg()
    began = time.monotonic()
    library = load(Settings())
    rows = await in_process_rows(library, server, rounds)
    processes = await webhook_rows(library, server, process_rounds)
    ended_load = loadavg()
    cpus = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    print(
        f"machine: {cpus} CPUs ({usable} usable); load average (1, 5, 15 min) at start "
        f"{started_load}, at end {ended_load}; {eventloop.name()} event loop; "
        f"{time.monotonic() - began:.0f} s"
    )
    print(
        f"in process: {len(SCRIPT)} messages a person, {PEOPLE} people at once or "
        f"{ONE_AT_A_TIME} one at a time, {rounds} rounds (+1 warm-up); webhooks: "
        f"{PROCESS_PEOPLE} people at once, {process_rounds} rounds"
    )
    print(f"\n  {'':<44}{'updates/s':>9} {'min-max':<13}{'p50 ms':>7}{'p99 ms':>9} min-max")
    for row in (*rows, *processes):
        print_row(row)
    by_label = {row.label: row for row in rows}
    print()
    for mode in (f"{PEOPLE} at once", "one at a time"):
        found = ratio(by_label[f"SQLite durable, {mode}"], by_label[f"SQLite direct, {mode}"])
        if found is not None:
            share, low, high = found
            verdict = "met" if share >= TARGET_DURABLE else "NOT met"
            print(
                f"durable / direct on SQLite, {mode}: {share:.0%} (rounds {low:.0%}-{high:.0%}); "
                f"target >= {TARGET_DURABLE:.0%}: {verdict}"
            )
    for mode in (f"{PEOPLE} at once", "one at a time"):
        found = ratio(by_label[f"SQLite durable, {mode}"], by_label[f"PostgreSQL durable, {mode}"])
        if found is not None:
            times, low, high = found
            print(
                f"PostgreSQL durable is {times:.1f}x slower than SQLite durable, {mode} "
                f"(rounds {low:.1f}-{high:.1f}x)"
            )
    found = ratio(processes[1], processes[0])
    if found is not None:
        times, low, high = found
        verdict = "met" if times >= TARGET_TWO else "NOT met"
        print(
            f"two webhook processes / one: {times:.2f}x (rounds {low:.2f}-{high:.2f}x); "
            f"target >= {TARGET_TWO}x: {verdict}"
        )
    else:
        print(f"two webhook processes / one: skipped ({processes[0].skipped})")
    for row in processes:
        if row.samples:
            who = row.samples[0].cores
            busy = {k: statistics.median(s.cores[k] for s in row.samples) for k in who}
            ours = sum(v for k, v in busy.items() if k != "machine")
            busy["anything else"] = max(0.0, busy["machine"] - ours)
            per_update = {
                k: statistics.median(s.cores[k] / s.rate * 1000 for s in row.samples)
                for k in who
                if k != "machine"
            }
            print(
                f"CPU cores busy (of {os.cpu_count()}), {row.label}: "
                + ", ".join(f"{k} {v:.2f}" for k, v in busy.items())
                + "; CPU ms per update: "
                + ", ".join(f"{k} {v:.2f}" for k, v in per_update.items())
            )
    if processes[0].samples:
        # What the CPU allows, at one process's CPU per update (ms): two processes share
        # the machine's cores with PostgreSQL and the driver, which every update costs
        # too, wherever it goes; one process is one thread, at most one core.
        cpus = os.cpu_count() or 1
        ms = {
            k: statistics.median(s.cores[k] / s.rate * 1000 for s in processes[0].samples)
            for k in processes[0].samples[0].cores
            if k != "machine"
        }
        total = sum(ms.values())
        both, alone = cpus / total * 1000, 1000 / ms["bot processes"]
        print(
            f"at these CPU costs per update ({total:.2f} ms in all), {cpus} idle cores serve "
            f"at most {both:.0f} updates/s and one process (one core) at most {alone:.0f}/s: "
            f"two processes / one can reach at most {both / alone:.2f}x on this machine"
        )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="in-process rounds")
    parser.add_argument("--process-rounds", type=int, default=PROCESS_ROUNDS, help="webhook rounds")
    parser.add_argument(
        "--postgres",
        default=server_url(),
        help="a PostgreSQL server (and a database to connect to) to make the bench's own "
        "databases on",
    )
    arguments = parser.parse_args()
    sys.exit(eventloop.run(main(arguments.rounds, arguments.process_rounds, arguments.postgres)))
