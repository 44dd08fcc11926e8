"""Building the Application (`build_application`) and running it in the current loop (`running`).

    build_application(settings, service, locks=...) -> Telegram(application, relay, ...)
    async with running(telegram, settings): ...      polling, or a webhook with WEBHOOK_URL

The Application keeps no state of ours (bot_data stays empty): what the caller needs comes
back in the frozen `Telegram`. Opening and closing the service, and the reminder sweep, are
the composition root's (bot/app.py).

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

import hmac
import json
import logging
import os
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import tornado.web
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest
from tornado.httpserver import HTTPServer

from bot.channels.telegram.bot import App, Context, ReplyBot
from bot.channels.telegram.contract import ChatService
from bot.channels.telegram.order import PerUserOrder
from bot.channels.telegram.pacing import Pacer
from bot.channels.telegram.relay import Relay
from bot.channels.telegram.requests import Delivery, RetryingRequest, SendOnce, WrappingRequest
from bot.config import Settings
from bot.errors import ConfigError
from bot.service.health import Health
from bot.service.locks import KeyedLocks
from bot.service.metrics import Metrics

log = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org"
#: tornado routes: (path pattern, handler class, its initialize() arguments).
Routes = list[Any]
ALLOWED_UPDATES = ("message", "edited_message", "channel_post", "callback_query", "my_chat_member")


@dataclass(frozen=True, slots=True)
class Telegram:
    """The built adapter: python-telegram-bot's Application and our handlers behind it."""

    application: App
    relay: Relay
    delivery: Delivery
    health: Health
    metrics: Metrics


def build_application(
    settings: Settings,
    service: ChatService,
    *,
    locks: KeyedLocks,
    delivery: Delivery | None = None,
    pacer: Pacer | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    health: Health | None = None,
    metrics: Metrics | None = None,
) -> Telegram:
    """The Application with every handler, the rate limiter, retries and per-person order.

    `locks` are the per-person locks the service takes too (one lock per person, held once
    per turn). `pacer` defaults to settings.reminder_rate. `request` replaces the HTTP
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
        get_updates_request=PollWatch(
            get_updates_request or HTTPXRequest(connection_pool_size=2, read_timeout=10.0),
            health,
        ),
        rate_limiter=rate_limiter,
    )
    relay = Relay(service, bot, pacer=pacer or Pacer(settings.reminder_rate))
    application: App = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=Context))
        .concurrent_updates(MeasuredOrder(locks, metrics))
        .job_queue(None)
        .build()
    )
    not_private = ~filters.ChatType.PRIVATE
    application.add_handler(CallbackQueryHandler(relay.on_button))
    application.add_handler(MessageHandler(not_private, relay.on_group))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, relay.on_edit))
    application.add_handler(MessageHandler(filters.TEXT, relay.on_text))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL, relay.on_not_text)
    )
    application.add_handler(
        ChatMemberHandler(relay.on_membership, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_error_handler(relay.on_error)
    application.add_error_handler(_counter_of_errors(metrics))
    return Telegram(application, relay, delivery, health, metrics)


class MeasuredOrder(PerUserOrder):
    """PerUserOrder that counts each update in, and times its handling once its person's
    turn has come (`metrics`: received, handled, cramp_turn_seconds)."""

    def __init__(self, locks: KeyedLocks, metrics: Metrics) -> None:
        super().__init__(locks)
        self.metrics = metrics

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self.metrics.received()

        async def timed() -> None:
            start = time.perf_counter()
            try:
                await coroutine
            finally:
                self.metrics.handled(time.perf_counter() - start)

        await super().do_process_update(update, timed())


def _counter_of_errors(metrics: Metrics) -> Any:
    """An error handler beside Relay.on_error (which logs and apologises): counts by kind."""

    async def count(update: object, context: Context) -> None:
        metrics.error("update", context.error)

    return count


class PollWatch(WrappingRequest):
    """The getUpdates transport, telling `health` of every answer Telegram gives (HTTP 200):
    what "receiving" means for /healthz while polling."""

    def __init__(self, inner: BaseRequest, health: Health) -> None:
        super().__init__(inner)
        self._health = health

    async def around(self, url: str, send: SendOnce) -> tuple[int, bytes]:
        code, payload = await send()
        if code == 200:
            self._health.polled()
        return code, payload


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
async def running(telegram: Telegram, settings: Settings) -> AsyncIterator[Telegram]:
    """Start like Application.run_polling/run_webhook do, in the current loop; stop cleanly.

    Polling when settings.webhook_url is empty, else the bot's HTTP server on listen:port
    with the webhook at webhook_route (403 to requests without the right secret token),
    /healthz and /metrics; /healthz and /metrics on HEALTH_PORT too when it is set. Pending
    updates are never dropped. The command menu is published once initialised. On exit:
    stop fetching (close the server: no more webhook posts), finish every update in flight,
    shut down. The service stays open: it is the caller's to close.
    """
    application = telegram.application
    updater = application.updater
    if updater is None:
        raise RuntimeError("This Application was built without an Updater.")
    health = telegram.health
    ops = ops_routes(telegram)
    try:
        await application.initialize()
        await telegram.relay.publish_commands()
        async with AsyncExitStack() as servers:
            try:
                port = settings.health_port
                if port is not None and not (settings.webhook_url and port == settings.port):
                    await servers.enter_async_context(
                        http_server(ops, settings.health_host, port, "HEALTH_PORT")
                    )
                    log.info("Health checks and metrics on %s:%s", settings.health_host, port)
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
                    await updater.start_polling(
                        timeout=timedelta(seconds=telegram.delivery.poll_timeout),
                        allowed_updates=ALLOWED_UPDATES,
                        drop_pending_updates=False,
                        error_callback=_polling_error(telegram.metrics),
                    )
                    health.polling()
                    log.info("Polling for updates")
                await application.start()
                yield telegram
            finally:
                health.stopping()
                if updater.running:
                    await updater.stop()
                await servers.aclose()  # no more webhook posts
                if application.running:
                    await application.stop()  # waits for the updates in flight
    finally:
        await application.shutdown()


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
    arguments = {"telegram_app": telegram.application, "secret": settings.webhook_secret or ""}
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
    """POST /<webhook route>: one update from Telegram into the Application's queue.

    403 without the right X-Telegram-Bot-Api-Secret-Token (compared in constant time),
    400 when the body is not an update, 200 once the update is queued.
    """

    def initialize(self, telegram_app: App, secret: str) -> None:
        self.telegram_app = telegram_app
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
        bot.insert_callback_data(update)
        await self.telegram_app.update_queue.put(update)
        self.set_status(200)
        self.finish()
