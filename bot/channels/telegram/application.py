"""Building the Application (`build_application`) and running it in the current loop (`running`).

    build_application(settings, service, store=..., locks=...) -> Telegram(application, ...)
    async with running(telegram, settings): ...      polling, or a webhook with WEBHOOK_URL

The Application keeps no state of ours (bot_data stays empty): what the caller needs comes
back in the frozen `Telegram`. Opening and closing the service and the store, and the
reminder sweep, are the composition root's (bot/app.py).

Every update goes through the durable inbox and every reply through the outbox
(bot/channels/telegram/inbox.py, outbox.py): polling is Inbox's own Poller, not the
Updater (which confirms updates before they are kept); the Application's queue and its
update processor (InboxOrder) hand each update to Inbox.handle, which dispatches it
(Relay.dispatch) inside the turn's transaction. No python-telegram-bot handler is
registered.

The bot's own HTTP server (tornado, which python-telegram-bot[webhooks] brings):

    webhook mode   LISTEN:PORT       POST /<WEBHOOK_PATH>   updates from Telegram
                                     GET  /healthz          200 or 503, JSON (bot/service/health.py)
                                     GET  /metrics          Prometheus text (bot/service/metrics.py)
    HEALTH_PORT    HEALTH_HOST:HEALTH_PORT   /healthz and /metrics (polling mode, or a port
                                     of their own beside the webhook's)

python-telegram-bot's Updater.start_webhook runs a server whose routes cannot be added to
through any public interface, so in webhook mode the Updater is not used: this module serves
the webhook path as python-telegram-bot's custom-webhook example does (check the secret
token, Update.de_json, `application.update_queue.put`) and registers the address with
`Bot.set_webhook`. The Application handles the queue exactly as before.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import re
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import tornado.web
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder, BaseRateLimiter, ContextTypes
from telegram.request import BaseRequest, HTTPXRequest
from tornado.httpserver import HTTPServer

from bot.channels.telegram.bot import App, Context, ReplyBot
from bot.channels.telegram.contract import ChatService
from bot.channels.telegram.inbox import Inbox, InboxOrder, Poller
from bot.channels.telegram.outbox import Outbox
from bot.channels.telegram.pacing import Pacer
from bot.channels.telegram.relay import Relay
from bot.channels.telegram.requests import Delivery, RetryingRequest, SendOnce, WrappingRequest
from bot.config import Settings
from bot.errors import ConfigError, StoreError
from bot.locks import KeyedLocks
from bot.service.health import Health
from bot.service.metrics import Metrics
from bot.store import MemoryStore, Store

log = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org"
#: tornado routes: (path pattern, handler class, its initialize() arguments).
Routes = list[Any]
ALLOWED_UPDATES = ("message", "edited_message", "channel_post", "callback_query", "my_chat_member")


@dataclass(slots=True)
class Halt:
    """Set when the adapter cannot go on (another process polls with this token, the
    token is refused while polling): the caller stops the bot and reports `error`."""

    error: BaseException | None = None
    event: asyncio.Event = field(default_factory=asyncio.Event)

    def stop(self, error: BaseException) -> None:
        self.error = error
        self.event.set()


@dataclass(frozen=True, slots=True)
class Telegram:
    """The built adapter: python-telegram-bot's Application and our handlers behind it."""

    application: App
    relay: Relay
    inbox: Inbox
    outbox: Outbox
    delivery: Delivery
    health: Health
    metrics: Metrics
    halt: Halt
    #: getUpdates' updates as Telegram sent them, by update_id, until the Poller keeps them.
    payloads: dict[int, str]


def build_application(
    settings: Settings,
    service: ChatService,
    *,
    locks: KeyedLocks,
    store: Store | None = None,
    clock: Callable[[], datetime] | None = None,
    delivery: Delivery | None = None,
    pacer: Pacer | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    health: Health | None = None,
    metrics: Metrics | None = None,
) -> Telegram:
    """The Application with the inbox and outbox, the rate limiter, retries and per-person order.

    `store` keeps the inbox and outbox: the service's own store, so that a turn and its
    replies commit together (a MemoryStore of its own when not given: tests of the adapter
    alone). `clock` stamps them (UTC now by default). `locks` are the per-person locks the
    service takes too (one lock per person, held once per turn). `pacer` defaults to
    settings.reminder_rate. `request` replaces the HTTP
    transport for every call except getUpdates (benchmarks use an offline one); it is still
    wrapped in RetryingRequest. `health` is told of every getUpdates answer, `metrics` of
    every update and error (each a new one, checking no database, when not given).
    """
    health = health or Health(poll_max_age=settings.health_poll_max_age.total_seconds())
    metrics = metrics or Metrics()
    if not settings.telegram_token:
        raise ValueError("Settings.telegram_token is empty; set TELEGRAM_BOT_TOKEN.")
    # Opt in to python-telegram-bot's coming timedelta durations; without it every 429
    # (RetryAfter) raises a PTBDeprecationWarning inside the library.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    delivery = delivery or Delivery()
    inner = request or HTTPXRequest(
        connection_pool_size=64,
        read_timeout=delivery.read_timeout,
        write_timeout=delivery.read_timeout,
        connect_timeout=delivery.read_timeout,
        pool_timeout=delivery.read_timeout,  # many people at once wait for a connection
        media_write_timeout=max(20.0, delivery.read_timeout),
    )
    rate = delivery.messages_per_second
    api = settings.telegram_api_base_url or TELEGRAM_API
    rate_limiter: BaseRateLimiter[Any] = AIORateLimiter(
        overall_max_rate=rate,
        group_max_rate=20 if rate else 0,
        max_retries=delivery.rate_limit_retries,
    )
    poll_watch = PollWatch(
        get_updates_request or HTTPXRequest(connection_pool_size=2, read_timeout=10.0), health
    )
    bot = ReplyBot(
        settings.telegram_token,
        base_url=api_url(api, "bot"),
        base_file_url=api_url(api, "file/bot"),
        request=RetryingRequest(
            inner,
            attempts=delivery.attempts,
            first_delay=delivery.first_delay,
            max_delay=delivery.max_delay,
        ),
        get_updates_request=poll_watch,
        rate_limiter=rate_limiter,
    )
    store = store if store is not None else MemoryStore()
    now = clock or _utc_now
    outbox = Outbox(
        store,
        bot,
        clock=now,
        on_blocked=service.mark_inactive,
        pacer=pacer or Pacer(settings.reminder_rate),
    )
    relay = Relay(service, bot, outbox)
    order = InboxOrder(locks, metrics)
    application: App = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=Context))
        .concurrent_updates(order)
        .job_queue(None)
        .updater(None)
        .build()
    )
    inbox = Inbox(store, bot, relay, outbox, locks=locks, clock=now, metrics=metrics)
    order.inbox = inbox
    return Telegram(
        application, relay, inbox, outbox, delivery, health, metrics, Halt(), poll_watch.payloads
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PollWatch(WrappingRequest):
    """The getUpdates transport, telling `health` of every answer Telegram gives (HTTP 200):
    what "receiving" means for /healthz while polling. It also keeps each update of the
    answer as the JSON Telegram sent (`payloads`), for the inbox to store as it came:
    serialising python-telegram-bot's Update again costs ~0.16 ms an update."""

    def __init__(self, inner: BaseRequest, health: Health) -> None:
        super().__init__(inner)
        self._health = health
        self.payloads: dict[int, str] = {}

    async def around(self, url: str, send: SendOnce) -> tuple[int, bytes]:
        code, payload = await send()
        if code == 200:
            self._health.polled()
            self._keep(payload)
        return code, payload

    def _keep(self, payload: bytes) -> None:
        try:
            answer = json.loads(payload)
        except ValueError:
            return  # python-telegram-bot says what is wrong with it
        results = answer.get("result") if isinstance(answer, dict) else None
        if not isinstance(results, list):
            return
        if len(self.payloads) > 10_000:  # updates never taken (a failed batch): let go
            self.payloads.clear()
        for item in results:
            if isinstance(item, dict) and isinstance(item.get("update_id"), int):
                self.payloads[item["update_id"]] = json.dumps(item, ensure_ascii=False)


def api_url(base: str, kind: str) -> str:
    """TELEGRAM_API_BASE_URL -> what python-telegram-bot appends the token to."""
    if "{token}" in base:
        return base
    base = base.rstrip("/")
    return base if base.endswith("/" + kind) else f"{base}/{kind}"


def webhook_url(settings: Settings) -> str:
    """The public address Telegram posts to: WEBHOOK_URL, ending in the webhook route."""
    url = (settings.webhook_url or "").rstrip("/")
    route = settings.webhook_route
    return url if url.endswith("/" + route) else f"{url}/{route}"


@asynccontextmanager
async def running(
    telegram: Telegram, settings: Settings, *, rounds: timedelta = timedelta(seconds=5)
) -> AsyncIterator[Telegram]:
    """Start like Application.run_polling/run_webhook do, in the current loop; stop cleanly.

    First the inbox's first round: whatever the database kept from before (updates not
    yet handled, messages not yet sent) goes first. Then polling when settings.webhook_url
    is empty (the Poller), else the bot's HTTP server on listen:port with the webhook at
    webhook_route (403 to requests without the right secret token), /healthz and
    /metrics; /healthz and /metrics on HEALTH_PORT too when it is set. Pending updates
    are never dropped. The command menu is published once initialised; the inbox's
    rounds run every `rounds`. On exit: stop fetching (close the server: no more webhook
    posts), finish every update in flight, shut down. The service and the store stay
    open: they are the caller's to close.
    """
    application = telegram.application
    health = telegram.health
    ops = ops_routes(telegram)
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    poller: Poller | None = None
    try:
        await application.initialize()
        await telegram.relay.publish_commands()
        async with AsyncExitStack() as servers:
            try:
                if not settings.webhook_url:
                    # One poller per database, before anything is handled (Telegram, too,
                    # allows one per token: a 409 Conflict halts the bot).
                    await servers.enter_async_context(telegram.inbox.store.polling())
                port = settings.health_port
                if port is not None and not (settings.webhook_url and port == settings.port):
                    await servers.enter_async_context(
                        http_server(ops, settings.health_host, port, "HEALTH_PORT")
                    )
                    log.info("Health checks and metrics on %s:%s", settings.health_host, port)
                await application.start()
                queue = application.update_queue
                tasks.append(
                    asyncio.create_task(
                        telegram.inbox.forever(queue, every=rounds, stop=stop), name="inbox"
                    )
                )
                if settings.webhook_url:
                    await servers.enter_async_context(
                        http_server(
                            [webhook_route(telegram, settings), *ops],
                            settings.listen,
                            settings.port,
                            "PORT",
                        )
                    )
                    await application.bot.set_webhook(
                        url=webhook_url(settings),
                        allowed_updates=ALLOWED_UPDATES,
                        secret_token=settings.webhook_secret,
                        drop_pending_updates=False,
                    )
                    health.webhook()
                    log.info("Webhook listening on %s:%s", settings.listen, settings.port)
                else:
                    await application.bot.delete_webhook(drop_pending_updates=False)
                    poller = Poller(
                        application.bot,
                        telegram.inbox,
                        queue,
                        payloads=telegram.payloads,
                        timeout=telegram.delivery.poll_timeout,
                        allowed_updates=ALLOWED_UPDATES,
                        on_error=_polling_error(telegram.metrics),
                    )
                    polling = asyncio.create_task(poller.forever(stop), name="polling")
                    polling.add_done_callback(_halt_on_failure(telegram.halt))
                    tasks.append(polling)
                    health.polling()
                    log.info("Polling for updates")
                yield telegram
            finally:
                health.stopping()
                stop.set()
                if poller is not None:
                    # A long poll may wait its whole timeout: cancel it. What it fetched
                    # and did not keep is not confirmed, and comes again next start. A
                    # batch being kept, its turns with it, is finished and confirmed.
                    poller.interrupt()
                for task in tasks:
                    with suppress(Exception, asyncio.CancelledError):
                        await task  # the inbox round in progress finishes
                await servers.aclose()  # no more webhook posts
                if application.running:
                    await application.stop()  # waits for the updates in flight
    finally:
        await application.shutdown()


def _halt_on_failure(halt: Halt) -> Callable[[asyncio.Task[None]], None]:
    """The Poller's done callback: an error it ended with (409, token refused) halts."""

    def done(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            assert error is not None
            halt.stop(error)

    return done


def _polling_error(metrics: Metrics) -> Any:
    """start_polling's error_callback: logs as python-telegram-bot's own does, and counts."""

    def on_error(exc: TelegramError) -> None:
        metrics.error("polling", exc)
        log.error("Exception happened while polling for updates.", exc_info=exc)

    return on_error


# The bot's HTTP server ----------------------------------------------------------------------


@asynccontextmanager
async def http_server(
    routes: Routes, host: str, port: int, setting: str
) -> AsyncIterator[HTTPServer]:
    """A tornado server on host:port for the block. A port in use stops start-up with a
    ConfigError naming `setting` (PORT or HEALTH_PORT)."""
    server = HTTPServer(tornado.web.Application(routes, log_function=_log_request))
    server.add_sockets([listening_socket(host, port, setting)])
    try:
        yield server
    finally:
        server.stop()  # closes the socket
        await server.close_all_connections()


def listening_socket(host: str, port: int, setting: str) -> socket.socket:
    """A socket listening on host:port. Bound here rather than by tornado's
    HTTPServer.listen, which leaves the socket open when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"{setting}={port}: cannot listen on {host}:{port} ({exc.strerror or exc}). "
            f"Stop what uses that port, or set {setting} to a free one."
        ) from exc
    return sock


def ops_routes(telegram: Telegram) -> Routes:
    """/healthz and /metrics, for `http_server`."""
    return [
        (r"/healthz", HealthHandler, {"health": telegram.health}),
        (r"/metrics", MetricsHandler, {"metrics": telegram.metrics}),
    ]


def webhook_route(telegram: Telegram, settings: Settings) -> Any:
    """POST /<webhook route>, for `http_server`."""
    pattern = rf"/{re.escape(settings.webhook_route)}/?"
    arguments = {"telegram": telegram, "secret": settings.webhook_secret or ""}
    return (pattern, WebhookHandler, arguments)


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Requests are logged at DEBUG only: a probe every few seconds would fill the log."""
    log.debug("%s %s %s", handler.get_status(), handler.request.method, handler.request.path)


class HealthHandler(tornado.web.RequestHandler):
    """GET /healthz: 200 when every check is "ok", else 503; the checks as JSON."""

    def initialize(self, health: Health) -> None:
        self.health = health

    async def get(self) -> None:
        verdict = await self.health.check()
        self.set_status(200 if verdict.ok else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(verdict.document()))


class MetricsHandler(tornado.web.RequestHandler):
    """GET /metrics: the Prometheus text format."""

    def initialize(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def get(self) -> None:
        body, content_type = self.metrics.exposition()
        self.set_header("Content-Type", content_type)
        self.finish(body)


class WebhookHandler(tornado.web.RequestHandler):
    """POST /<webhook route>: one update from Telegram, kept in the inbox, then queued.

    403 without the right X-Telegram-Bot-Api-Secret-Token (compared in constant time),
    400 when the body is not an update, 200 once the update is in the database (seen
    before: 200 too, and handled once), 503 when the database cannot keep it (Telegram
    sends it again later).
    """

    def initialize(self, telegram: Telegram, secret: str) -> None:
        self.telegram = telegram
        self.telegram_app = telegram.application
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.debug("Webhook request without the right secret token refused")
            self.set_status(403)
            self.finish()
            return
        bot = self.telegram_app.bot
        try:
            update = Update.de_json(json.loads(self.request.body), bot)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("A webhook request that is not an update was refused: %s", exc)
            self.set_status(400)
            self.finish()
            return
        inbox = self.telegram.inbox
        try:
            todo = await inbox.receive([update], {update.update_id: self.request.body.decode()})
        except StoreError as exc:
            await inbox.refused([update], exc)
            self.set_status(503)
            self.finish()
            return
        self.set_status(200)
        self.finish()
        for each in todo:
            await self.telegram_app.update_queue.put(each)
