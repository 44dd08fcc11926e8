"""A full turn through python-telegram-bot's Application: `python -m bench.bench_telegram`

Three Applications, measured in the same run on the same prepared updates, each update through
`update_processor.process_update(update, application.process_update(update))` one at a time
(ours: kept in the inbox first, as the Poller does, then processed):

    echo     a bare python-telegram-bot echo handler (the ceiling for this machine)
    echo+keys  the same echo, its reply with four inline buttons (python-telegram-bot's
             own cost of a reply with a keyboard, which most of our replies carry)
    adapter  our Application (inbox, per-user order, outbox, rate limiter, retries) + a no-op
             service, on the MemoryStore
    full     our Application + the real service (engine, content), inbox and outbox on
             SQLite in a temp dir: a turn is the inbox write, the turn's transaction
             (turn, queued replies, update handled) and the sends with their deletes

and, for scale, `service`: the real service's handle() alone, no Telegram at all.

`adapter` can beat `echo`: the echo's reply_text parses the Message Telegram answers with,
which ReplyBot.send_text does not (bot/channels/telegram/bot.py says why). Everything runs on the
event loop the bot runs on (bot/eventloop.py: uvloop where installed), named in the output.

No network: an offline BaseRequest answers every Bot API call locally with a plausible result,
so the figures are python-telegram-bot + adapter + service, JSON in and out included.
Targets: full >= 50% of the echo rate, p99 < 2 ms.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import BaseRequest, RequestData

from bench.stats import percentile
from bot import eventloop
from bot.app import load
from bot.channels.telegram.application import Telegram, build_application
from bot.channels.telegram.contract import ChatService
from bot.channels.telegram.inbox import Inbox
from bot.channels.telegram.requests import Delivery
from bot.config import Settings
from bot.core.model import ButtonPress, Reply
from bot.core.texts import Texts
from bot.service import KeyedLocks, Outcome, Service
from bot.store import Store, open_store

TOKEN = "123456:BENCH-token-0123456789abcdefghij"
USERS = 300
ROUNDS = 5
SCRIPT = (
    "/start",
    "I have a cramp",
    "calf",
    "right now",
    "a few minutes",
    "mild",
    "none of these",
    "how to prevent it",
)
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Cramp Coach", "username": "cc_bot"}


class OfflineRequest(BaseRequest):
    """Answers every Bot API call at once, without a socket."""

    calls = 0  # every instance together

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        OfflineRequest.calls += 1
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        result: Any = True
        if endpoint == "getMe":
            result = BOT_USER
        elif endpoint.startswith("send"):
            chat_id = int(str(params.get("chat_id", 1)))
            result = {
                "message_id": OfflineRequest.calls,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        elif endpoint == "getUpdates":
            result = []
        return 200, json.dumps({"ok": True, "result": result}).encode()


class NoService:
    """A service that answers instantly: measures the adapter alone."""

    async def handle(
        self,
        user_id: int,
        text: str,
        *,
        button: ButtonPress | None = None,
        language: str | None = None,
    ) -> Outcome:
        return Outcome((Reply("ok", ("Yes", "No"), "q"),))

    async def mark_inactive(self, user_id: int) -> None:
        pass

    def texts(self, language: str | None = None) -> Texts:
        return Texts({})


def updates_json() -> list[dict[str, Any]]:
    updates = []
    update_id = 0
    for text in SCRIPT:
        for user in range(1, USERS + 1):
            update_id += 1
            updates.append(
                {
                    "update_id": update_id,
                    "message": {
                        "message_id": update_id,
                        "date": 0,
                        "chat": {"id": user, "type": "private", "first_name": "B"},
                        "from": {"id": user, "is_bot": False, "first_name": "B"},
                        "text": text,
                    },
                }
            )
    return updates


async def measure(
    application: Any, raw: list[dict[str, Any]], inbox: Inbox | None = None
) -> list[float]:
    """Per-update latency in seconds, processing one update at a time (kept in `inbox`
    first, when given, and that counted in)."""
    updates = [Update.de_json(u, application.bot) for u in raw]
    payloads = [json.dumps(u) for u in raw]  # what the Poller keeps: Telegram's own JSON
    processor = application.update_processor
    clock = time.perf_counter
    latencies = []
    gc.collect()
    for update, payload in zip(updates, payloads, strict=True):
        start = clock()
        if inbox is not None:
            await inbox.receive([update], {update.update_id: payload})
        await processor.process_update(update, application.process_update(update))
        latencies.append(clock() - start)
    return latencies


async def echo_application(*, keyboard: bool = False) -> Any:
    """The bare echo bot; with `keyboard`, its reply carries four inline buttons as ours do."""
    markup = (
        InlineKeyboardMarkup(
            [[InlineKeyboardButton(f"Choice {n}", callback_data=f"q|bench|{n}")] for n in range(4)]
        )
        if keyboard
        else None
    )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message and update.message.text:
            await update.message.reply_text(update.message.text, reply_markup=markup)

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(OfflineRequest())
        .get_updates_request(OfflineRequest())
        .job_queue(None)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


def offline_settings(database_url: str) -> Settings:
    """Settings for a bot that talks to OfflineRequest, never to a network."""
    return Settings(
        telegram_token=TOKEN,
        telegram_api_base_url="http://offline.invalid",
        database_url=database_url,
    )


def settings_in(tmp: Path) -> Settings:
    return offline_settings(f"sqlite:///{tmp / 'bench.sqlite'}")


def our_application(
    settings: Settings, service: ChatService, locks: KeyedLocks, store: Store | None = None
) -> Telegram:
    """Our Application as bot/app.py builds it, offline and with the rate limiter off,
    without polling: updates are fed directly."""
    delivery = Delivery(messages_per_second=0)  # Telegram's 30/s would measure the limiter
    return build_application(
        settings,
        service,
        locks=locks,
        store=store,
        delivery=delivery,
        request=OfflineRequest(),
        get_updates_request=OfflineRequest(),
    )


async def full_round(tmp: Path, raw: list[dict[str, Any]]) -> dict[str, float]:
    """Our Application on the real service, wired as bot/app.py does: one lock per person."""
    settings = settings_in(tmp)
    library = load(settings)
    store = await open_store(settings.database_url)
    try:
        locks = KeyedLocks()
        service = Service(library, store, idle_after=settings.idle_resume_after, locks=locks)
        return await run_one(our_application(settings, service, locks, store), raw)
    finally:
        await store.close()


def summary(latencies: list[float], calls: int) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "rate": len(latencies) / sum(latencies),
        "p50": statistics.median(ordered) * 1000,
        "p99": percentile(ordered, 0.99) * 1000,
        "calls": calls / len(latencies),
    }


async def run_one(built: Any, raw: list[dict[str, Any]]) -> dict[str, float]:
    ours = isinstance(built, Telegram)
    application = built.application if ours else built
    inbox = built.inbox if ours else None
    await application.initialize()
    try:
        await measure(application, raw[: len(raw) // 10], inbox)  # warm up
        before = OfflineRequest.calls
        latencies = await measure(application, raw, inbox)
        calls = OfflineRequest.calls - before
    finally:
        await application.shutdown()
    return summary(latencies, calls)


async def service_alone(tmp: Path, raw: list[dict[str, Any]]) -> dict[str, float]:
    settings = Settings(database_url=f"sqlite:///{tmp / 'alone.sqlite'}")
    store = await open_store(settings.database_url)
    service = Service(load(settings), store, idle_after=settings.idle_resume_after)
    try:
        turns = [(u["message"]["from"]["id"], u["message"]["text"]) for u in raw]
        for user, text in turns[: len(turns) // 10]:
            await service.handle(user, text)
        latencies = []
        clock = time.perf_counter
        for user, text in turns:
            start = clock()
            await service.handle(user, text)
            latencies.append(clock() - start)
    finally:
        await store.close()
    return summary(latencies, 0)


async def one_round(raw: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    results = {"echo": await run_one(await echo_application(), raw)}
    results["echo+keys"] = await run_one(await echo_application(keyboard=True), raw)
    with tempfile.TemporaryDirectory() as tmp:
        adapter = our_application(settings_in(Path(tmp)), NoService(), KeyedLocks())
        results["adapter"] = await run_one(adapter, raw)
    with tempfile.TemporaryDirectory() as tmp:
        results["full"] = await full_round(Path(tmp), raw)
    with tempfile.TemporaryDirectory() as tmp:
        results["service"] = await service_alone(Path(tmp), raw)
    return results


async def main() -> int:
    raw = updates_json()
    rounds = [await one_round(raw) for _ in range(ROUNDS)]
    # Each figure is the median over the rounds: one noisy neighbour does not decide it.
    results = {
        name: {key: statistics.median(r[name][key] for r in rounds) for key in rounds[0][name]}
        for name in rounds[0]
    }
    full = results["full"]

    print(
        f"{len(raw)} updates ({USERS} people x {len(SCRIPT)} messages), one at a time; "
        f"median of {ROUNDS} rounds; {eventloop.name()} event loop\n"
    )
    print(f"{'':10}{'updates/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'API calls':>11}{'vs echo':>9}")
    echo_rate = results["echo"]["rate"]
    for name, r in results.items():
        share = r["rate"] / echo_rate
        print(
            f"{name:10}{r['rate']:12.0f}{r['p50']:10.3f}{r['p99']:10.3f}"
            f"{r['calls']:11.2f}{share:9.0%}"
        )
    overhead = full["p50"] - results["service"]["p50"]
    print(f"\nTelegram side of a full turn (full p50 - service p50): {overhead:.3f} ms")
    keys = results["echo+keys"]["rate"]
    print(f"full vs an echo whose reply has a keyboard: {full['rate'] / keys:.0%}")
    ok = full["rate"] >= 0.5 * echo_rate and full["p99"] < 2.0
    print(
        f"\ntargets: full >= 50% of echo ({full['rate'] / echo_rate:.0%}), "
        f"p99 < 2 ms ({full['p99']:.3f} ms): {'met' if ok else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(eventloop.run(main()))
