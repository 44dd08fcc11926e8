"""The one composition root: settings -> content, store, service, sweep, adapter; start, stop.

    NEEDS                 what every piece of code relies on in the content; checked at
                          every start-up and by `python -m bot check`
    load(settings)        the content of every language, checked against NEEDS
    check(settings)       `python -m bot check`: load, and say what was found
    console(settings, n)  `python -m bot console`: the chat in this terminal

    python -m bot run  ->  run_telegram(settings)
        redact the token in every log record
        eventloop.run(serve(settings)):
            telegram(settings):                      (an async context: tests enter it too)
                library = load_library(dialogues_dir, data_dir)     every language
                store   = open_store(database_url)                  inside the running loop
                locks   = KeyedLocks()               the one per-person lock, shared by
                service = Service(library, store, locks=locks)      the turn and
                health  = Health(store.ping)         what GET /healthz checks
                metrics = Metrics()                  a Prometheus registry of this bot's own
                adapter = build_application(settings, service, store=store, locks=locks,
                                            health, metrics)     the inbox and outbox in `store`
                running(adapter)                     initialise, commands, the inbox's first
                                                     round, poll or webhook, the HTTP
                                                     server (/healthz, /metrics)
                sweeping(Sweep(Lateness(store), library, adapter.relay.send_reminder,
                               after=adapter.inbox.send_reminders))
            wait for SIGTERM or SIGINT, or a halt (another poller: exit status 6)
            stop, in reverse: the sweep (the round in progress finishes, up to a grace
            period), the Application (the updates in flight finish), the store

Nothing else wires things together: the adapter does not open the service nor start the
sweep, and keeps nothing in python-telegram-bot's bot_data.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from telegram.error import Conflict, InvalidToken, NetworkError
from telegram.request import BaseRequest

from bot import eventloop
from bot.channels import console as console_channel
from bot.channels import telegram as telegram_channel
from bot.channels.telegram.application import Telegram, build_application, running
from bot.channels.telegram.pacing import Pacer
from bot.channels.telegram.redaction import redact_secrets_in_logs
from bot.channels.telegram.requests import Delivery
from bot.config import Settings
from bot.content.loading import Library, load_library
from bot.core import advice, engine, saying
from bot.core.contract import Needs
from bot.service import KeyedLocks, Service, Sweep, SweepReport, charts, effects, sweep, turns
from bot.service.health import Health
from bot.service.metrics import Lateness, Metrics
from bot.service.turns import Clock, utc_now
from bot.store import Store, open_store

log = logging.getLogger(__name__)

#: Exit statuses of `python -m bot run` that python -m bot's --help lists with the others.
EXIT_TELEGRAM_UNREACHABLE = 4
EXIT_TOKEN_REFUSED = 5
EXIT_ANOTHER_POLLER = 6
#: How long the reminder sweep in progress may go on finishing its sends once asked to stop.
SWEEP_GRACE = 10.0
#: What the code relies on in the content, one entry per piece of code that names states,
#: slots, effects, labels or texts. A new piece of code adds its Needs here.
NEEDS: tuple[Needs, ...] = (
    engine.NEEDS,
    advice.NEEDS,
    saying.NEEDS,
    turns.NEEDS,
    *effects.NEEDS,
    charts.NEEDS,
    sweep.NEEDS,
    telegram_channel.NEEDS,
    console_channel.NEEDS,
)


def load(settings: Settings) -> Library:
    """Every language's content, checked against what the code needs (ContentError if not)."""
    return load_library(settings.dialogues_dir, settings.data_dir, NEEDS)


@dataclass(frozen=True, slots=True)
class Running:
    """The bot while it runs: the service and the Telegram adapter."""

    service: Service
    telegram: Telegram


@asynccontextmanager
async def telegram(
    settings: Settings,
    *,
    library: Library | None = None,
    clock: Clock = utc_now,
    delivery: Delivery | None = None,
    pacer: Pacer | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    metrics: Metrics | None = None,
) -> AsyncIterator[Running]:
    """The whole bot on Telegram, started in the current loop; stopped cleanly on exit.

    `library` (the content, loaded from the settings when not given), `clock`, `delivery`,
    `pacer`, the two requests and `metrics` (a new registry when not given) are seams for
    tests and benchmarks.
    """
    library = library or load(settings)
    store = await open_store(settings.database_url)
    try:
        locks = KeyedLocks()
        service = Service(
            library, store, clock=clock, idle_after=settings.idle_resume_after, locks=locks
        )
        metrics = metrics or Metrics()
        health = Health(store.ping, poll_max_age=settings.health_poll_max_age.total_seconds())
        # The sweep's store notes how late each reminder goes out (cramp_reminder_late_seconds).
        swept_store = cast(Store, Lateness(store, metrics, clock))
        adapter = build_application(
            settings,
            service,
            locks=locks,
            store=store,
            clock=clock,
            delivery=delivery,
            pacer=pacer,
            request=request,
            get_updates_request=get_updates_request,
            health=health,
            metrics=metrics,
        )
        async with (
            running(adapter, settings),
            sweeping(
                Sweep(
                    swept_store,
                    library,
                    adapter.relay.send_reminder,
                    clock=clock,
                    after=adapter.inbox.send_reminders,
                ),
                every=settings.reminder_sweep_every,
                on_report=metrics.swept,
            ),
        ):
            yield Running(service, adapter)
    finally:
        await store.close()
        log.info("Store closed")


@asynccontextmanager
async def sweeping(
    reminders: Sweep,
    *,
    every: timedelta,
    grace: float = SWEEP_GRACE,
    on_report: Callable[[SweepReport], None] | None = None,
) -> AsyncIterator[None]:
    """The reminder sweep as a task for the block, a round every `every` (each round's
    report to `on_report`); on exit the round in progress finishes its sends and records,
    and is cancelled after `grace` seconds."""
    stop = asyncio.Event()
    sweeper = asyncio.create_task(
        reminders.forever(every=every, stop=stop, on_report=on_report), name="reminder-sweep"
    )
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(sweeper), grace)
        except TimeoutError:
            sweeper.cancel()
            with suppress(asyncio.CancelledError):
                await sweeper
        except Exception:
            # Shutting down must go on (updates in flight, closing the database).
            log.exception("The reminder sweep had stopped with an error")


async def serve(settings: Settings) -> None:
    """Run the bot on Telegram until SIGTERM or SIGINT, then stop cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        async with telegram(settings) as bot:
            log.info("Running on the %s event loop; SIGTERM or Ctrl-C stops", eventloop.name())
            halt = bot.telegram.halt
            waits = [asyncio.create_task(stop.wait()), asyncio.create_task(halt.event.wait())]
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for wait in waits:
                wait.cancel()
            if halt.error is not None:
                raise halt.error
            log.info("Stop signal received; finishing the updates in flight")
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


class JsonLines(logging.Formatter):
    """LOG_FORMAT=json: one JSON object per record, on one line:

        {"time": "2026-12-01T09:30:00.123Z", "level": "ERROR", "logger": "bot.app",
         "message": "...", "exception": "Traceback ..."}

    "exception" (the traceback) and "stack" appear only when the record has them. The
    token is redacted before a record gets here (redaction.py hooks the record factory,
    exception text included); JSON escaping cannot bring it back, as a token holds no
    character that JSON escapes.
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False)


TEXT_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str, log_format: str) -> None:
    """Every log record to stderr at `level`, as text (the default) or JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonLines() if log_format == "json" else logging.Formatter(TEXT_LOG_FORMAT)
    )
    logging.basicConfig(level=level, handlers=[handler])


def run_telegram(settings: Settings) -> None:
    """`python -m bot run`: polling without WEBHOOK_URL, a webhook with it, until a signal."""
    redact_secrets_in_logs(settings.telegram_token, settings.webhook_secret)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs URLs, which hold the token
    try:
        eventloop.run(serve(settings))
    except Conflict:
        log.error(
            "Another process is polling Telegram with this TELEGRAM_BOT_TOKEN (409 Conflict). "
            "Telegram allows one poller per token: stop the other one, or run every process "
            "with WEBHOOK_URL (webhook mode) to share the work."
        )
        raise SystemExit(EXIT_ANOTHER_POLLER) from None
    except InvalidToken:
        # python-telegram-bot's own message quotes the token: say it without.
        log.error(
            "Telegram rejected TELEGRAM_BOT_TOKEN (401/404). Copy the token again from "
            "@BotFather; if TELEGRAM_API_BASE_URL is set, check that it points at a Bot API server."
        )
        raise SystemExit(EXIT_TOKEN_REFUSED) from None
    except NetworkError as exc:
        # Only start-up gets here (getMe, setWebhook): once running, python-telegram-bot
        # retries on its own. Every request was already retried with back-off.
        where = settings.telegram_api_base_url or "api.telegram.org"
        log.error(
            "Telegram cannot be reached at %s (%s). Check the network, a proxy or firewall, "
            "or TELEGRAM_API_BASE_URL; the bot gave up after retrying.",
            where,
            exc.message,
        )
        raise SystemExit(EXIT_TELEGRAM_UNREACHABLE) from None


def check(settings: Settings) -> int:
    """`python -m bot check`: load and check everything; say what was found."""
    library = load(settings)
    for code, content in sorted(library.languages.items()):
        dialogue = content.dialogue
        print(
            f"OK: {code}: dialogue '{dialogue.id}' with {len(dialogue.states)} states, "
            f"{len(dialogue.texts.entries)} texts, {len(content.matcher.kinds())} lexicon kinds."
        )
    content = library.content()
    print(
        f"OK: {len(content.rules.rules)} recurrence rules, the reminder plan, "
        f"{len(content.atlas.cities)} cities; {len(effects.EFFECTS)} effects."
    )
    if content.reader is not None:
        reader = content.reader
        print(
            f"OK: the learned reader: {len(reader.grams)} n-grams, threshold "
            f"{reader.threshold}, messages of {reader.min_words} words or more."
        )
    return 0


async def console(settings: Settings, user_id: int) -> int:
    """`python -m bot console`: the same service, chatting in this terminal as `user_id`."""
    library = load(settings)
    store = await open_store(settings.database_url)
    try:
        service = Service(library, store, idle_after=settings.idle_resume_after)
        return await console_channel.chat(service, user_id=user_id)
    finally:
        await store.close()
