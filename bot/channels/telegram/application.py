"""Building the Application (`build_application`) and running it in the current loop (`running`).

    build_application(settings, service, locks=...) -> Telegram(application, relay, delivery)
    async with running(telegram, settings): ...      polling, or a webhook with WEBHOOK_URL

The Application keeps no state of ours (bot_data stays empty): what the caller needs comes
back in the frozen `Telegram`. Opening and closing the service, and the reminder sweep, are
the composition root's (bot/app.py).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

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

from bot.channels.telegram.bot import App, Context, ReplyBot
from bot.channels.telegram.contract import ChatService
from bot.channels.telegram.order import PerUserOrder
from bot.channels.telegram.pacing import Pacer
from bot.channels.telegram.relay import Relay
from bot.channels.telegram.requests import Delivery, RetryingRequest
from bot.config import Settings
from bot.service.locks import KeyedLocks

log = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org"
ALLOWED_UPDATES = ("message", "edited_message", "channel_post", "callback_query", "my_chat_member")


@dataclass(frozen=True, slots=True)
class Telegram:
    """The built adapter: python-telegram-bot's Application and our handlers behind it."""

    application: App
    relay: Relay
    delivery: Delivery


def build_application(
    settings: Settings,
    service: ChatService,
    *,
    locks: KeyedLocks,
    delivery: Delivery | None = None,
    pacer: Pacer | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> Telegram:
    """The Application with every handler, the rate limiter, retries and per-person order.

    `locks` are the per-person locks the service takes too (one lock per person, held once
    per turn). `pacer` defaults to settings.reminder_rate. `request` replaces the HTTP
    transport for every call except getUpdates (benchmarks use an offline one); it is still
    wrapped in RetryingRequest.
    """
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
        get_updates_request=(
            get_updates_request or HTTPXRequest(connection_pool_size=2, read_timeout=10.0)
        ),
        rate_limiter=rate_limiter,
    )
    relay = Relay(service, bot, pacer=pacer or Pacer(settings.reminder_rate))
    application: App = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=Context))
        .concurrent_updates(PerUserOrder(locks))
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
    return Telegram(application, relay, delivery)


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

    Polling when settings.webhook_url is empty, else a webhook server on listen:port at
    webhook_route that answers 403 to requests without the right secret token. Pending
    updates are never dropped. The command menu is published once initialised. On exit:
    stop fetching, finish every update in flight, shut down. The service stays open: it
    is the caller's to close.
    """
    application = telegram.application
    updater = application.updater
    if updater is None:
        raise RuntimeError("This Application was built without an Updater.")
    try:
        await application.initialize()
        await telegram.relay.publish_commands()
        if settings.webhook_url:
            await updater.start_webhook(
                listen=settings.listen,
                port=settings.port,
                url_path=settings.webhook_route,
                webhook_url=webhook_url(settings),
                secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
            log.info("Webhook listening on %s:%s", settings.listen, settings.port)
        else:
            await updater.start_polling(
                timeout=timedelta(seconds=telegram.delivery.poll_timeout),
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
            log.info("Polling for updates")
        await application.start()
        try:
            yield telegram
        finally:
            if updater.running:
                await updater.stop()
            await application.stop()  # waits for the updates in flight
    finally:
        await application.shutdown()
