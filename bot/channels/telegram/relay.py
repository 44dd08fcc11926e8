"""Telegram, one adapter among several: Update -> Service.handle -> messages and keyboards.

    Telegram ──getUpdates (polling) or POST (webhook, secret checked)──▶ Application
        │  PerUserOrder: one person's updates one at a time, in order;
        │  different people at the same time
        ▼
    Relay (the handlers), top to bottom:
        button press   -> answer it, remove that keyboard, ButtonPress -> service
        group/channel  -> "private chats only" (health details stay private)
        edited message -> "send it again as a new message" (edits are not read)
        text/command   -> service
        anything else  -> "I can only read text"
        ▼
    Relay.deliver: Reply -> sendMessage (split at 4096, inline keyboard on the last part;
                   ReplyBot.send_text, which does not parse the Message Telegram returns)
                   Attachment -> sendPhoto / sendDocument
                   Forbidden (the person blocked the bot) -> service.mark_inactive, stop

    Outgoing calls: ReplyBot (an ExtBot) -> AIORateLimiter (429: waits retry_after, retries)
                           -> RetryingRequest (timeouts, network errors, 5xx: back-off)
                           -> HTTPXRequest

One error handler logs with the traceback, apologises if there is a chat, and goes on.
The bot token is redacted from every log record (`redact_secrets_in_logs`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import random
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from telegram import (
    BotCommand,
    CallbackQuery,
    Chat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import MessageLimit
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    CallbackContext,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot import eventloop
from bot.channels.telegram.pacing import Pacer
from bot.config import Settings
from bot.core.model import ButtonPress, Reply
from bot.service.locks import KeyedLocks
from bot.service.reminders import SendLater, SendResult, sweep_forever
from bot.service.turns import Attachment, Outcome, Service, create_service

log = logging.getLogger(__name__)


class ReplyBot(ExtBot[Any]):
    """python-telegram-bot's ExtBot, plus `send_text` for the bot's own text messages.

    `Bot.send_message` turns the Message that Telegram answers with into a Message object,
    which is about a third of python-telegram-bot's cost of one reply (bench/bench_telegram.py).
    No reply's Message is ever read here, so `send_text` posts the same request through the
    same path (rate limiter, RetryingRequest, the same exceptions: Forbidden, RetryAfter...)
    and leaves the answer as it came. Its keyboard arrives as JSON text, serialised once per
    question by ButtonCodec.
    """

    __slots__ = ()

    async def send_text(self, chat_id: int, text: str, reply_markup: str | None = None) -> None:
        """sendMessage with `text` and an optional inline keyboard (JSON) to `chat_id`."""
        await self._post(
            "sendMessage", {"chat_id": chat_id, "text": text, "reply_markup": reply_markup}
        )


class Context(CallbackContext[ReplyBot, dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """What the handlers get: `context.bot` is the ReplyBot."""

    __slots__ = ()


App = Application[ReplyBot, Context, dict[Any, Any], dict[Any, Any], dict[Any, Any], None]


class ChatService(Protocol):
    """What the adapter needs from bot.service.Service."""

    async def handle(
        self,
        user_id: int,
        text: str,
        *,
        button: ButtonPress | None = None,
        language: str | None = None,
    ) -> Outcome: ...

    async def mark_inactive(self, user_id: int) -> None: ...

    async def close(self) -> None: ...


ServiceFactory = Callable[[Settings], Awaitable[ChatService]]


COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Start (or restart) a cramp check"),
    ("help", "What I can do"),
    ("cramp", "Tell me about a cramp"),
    ("history", "Your past cramps, as a chart"),
    ("reminders", "Drinking reminders, time zone and quiet hours"),
    ("forget", "Delete everything I know about you"),
    ("export", "Download everything I know about you"),
    ("cancel", "Stop the current question"),
)

TELEGRAM_API = "https://api.telegram.org"
ALLOWED_UPDATES = ("message", "edited_message", "channel_post", "callback_query", "my_chat_member")

PRIVATE_ONLY = (
    "I only talk in private chats, so that health details stay between you and me. "
    "Please open a private chat with me{link} and say hi there."
)
TEXT_ONLY = (
    "I can only read text. Please describe it in words, for example: "
    "“cramp in my left calf, started 5 minutes ago”."
)
EDITS_NOT_READ = (
    "I don't read edited messages. If you meant to change your answer, "
    "please send it again as a new message."
)
APOLOGY = (
    "Sorry, something went wrong on my side. Please try again in a moment; "
    "if it keeps happening, send /cancel and start over."
)

# ---------------------------------------------------------------------------------------------
# Callback data: "q|<state>|<index>", or "h|<hash of state>|<index>" when that exceeds 64 bytes.

CALLBACK_DATA_LIMIT = 64  # bytes, a Bot API limit
FORGED_STATE = "?"  # never a dialogue state: the engine treats the press as stale


class ButtonCodec:
    """Encodes (state, index) into callback_data and back, within Telegram's 64 bytes.

    Long state names are replaced by a hash; the hashes this process has sent are remembered.
    A hash it does not know (after a restart) or garbled data decodes to state "?", which the
    engine answers with "that question has passed" and the current question again.
    """

    def __init__(self, remember: int = 10_000) -> None:
        self._long_states: dict[str, str] = {}
        self._remember = remember
        self._markups: dict[tuple[str | None, tuple[str, ...]], str] = {}

    def markup(self, reply: Reply) -> str | None:
        """The keyboard for `reply` as the JSON that sendMessage takes, built once per question."""
        if not reply.buttons:
            return None
        key = (reply.state, reply.buttons)
        found = self._markups.get(key)
        if found is None:
            if len(self._markups) >= 1024:
                self._markups.clear()
            found = json.dumps(keyboard(reply, self).to_dict())
            self._markups[key] = found
        return found

    def encode(self, state: str, index: int) -> str:
        data = f"q|{state}|{index}"
        if len(data.encode()) <= CALLBACK_DATA_LIMIT:
            return data
        digest = hashlib.sha256(state.encode()).hexdigest()[:32]
        if len(self._long_states) >= self._remember:
            self._long_states.pop(next(iter(self._long_states)))
        self._long_states[digest] = state
        return f"h|{digest}|{index}"

    def decode(self, data: str | None) -> ButtonPress:
        kind, _, rest = (data or "").partition("|")
        state, _, number = rest.rpartition("|")
        if kind == "h":
            state = self._long_states.get(state, FORGED_STATE)
        elif kind != "q" or not state:
            return ButtonPress(FORGED_STATE, 0)
        if not (number.isdigit() and len(number) <= 3):
            return ButtonPress(FORGED_STATE, 0)
        return ButtonPress(state, int(number))


def keyboard(reply: Reply, codec: ButtonCodec) -> InlineKeyboardMarkup:
    """Reply.buttons as an inline keyboard: short labels share a row, long ones get their own."""
    rows: list[list[InlineKeyboardButton]] = [[]]
    width = 0
    for index, label in enumerate(reply.buttons):
        if rows[-1] and (len(rows[-1]) == 3 or width + len(label) > 30):
            rows.append([])
            width = 0
        data = codec.encode(reply.state or "", index)
        rows[-1].append(InlineKeyboardButton(label, callback_data=data))
        width += len(label)
    return InlineKeyboardMarkup(rows)


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split text into messages of at most `limit` UTF-16 units (Telegram's measure).

    Cuts at a paragraph break if one is in reach, else at a line break, else at a space,
    else mid-word. Empty or blank text gives no messages.
    """
    parts: list[str] = []
    rest = text.strip()
    while rest:
        if _fits(rest, limit):
            parts.append(rest)
            break
        fits = len(_prefix_within(rest, limit))
        cut = -1
        for separator in ("\n\n", "\n", " "):
            # a separator may start right after the part: the part ends before it
            cut = rest.rfind(separator, 0, fits + len(separator))
            if cut > 0:
                break
        if cut <= 0:
            cut = fits
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [part for part in parts if part]


def _fits(text: str, limit: int) -> bool:
    """At most `limit` UTF-16 units, Telegram's measure. No character takes more than
    two, so most replies are known to fit without being counted."""
    return 2 * len(text) <= limit or _utf16_len(text) <= limit


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _prefix_within(text: str, limit: int) -> str:
    """The longest prefix of `text` that is at most `limit` UTF-16 units long."""
    prefix = text[:limit]
    while _utf16_len(prefix) > limit:
        prefix = prefix[: -max(1, (_utf16_len(prefix) - limit) // 2)]
    return prefix


# ---------------------------------------------------------------------------------------------
# Ordering: one person's updates one after the other; different people concurrently.


_NO_LIMIT = 1 << 30


class PerUserOrder(BaseUpdateProcessor):
    """Serialises updates per person (asyncio.Lock each) while different people run concurrently.

    The Application starts one task per update in arrival order and asyncio locks are FIFO, so a
    person's updates are handled in the order Telegram sent them. Locks are dropped once idle.
    The person's lock is taken before a slot of the concurrency limit: a backlog from one
    person waits on their own lock and never holds the slots everyone else needs.
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        # python-telegram-bot's own limit is taken before do_process_update runs, so it
        # is set out of the way; the real limit (_slots) comes after the person's lock.
        super().__init__(_NO_LIMIT)
        self._locks = KeyedLocks()
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _sender(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        async with self._locks.hold(key), self._slots:
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: locks are dropped as soon as they are idle."""


def _sender(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


# ---------------------------------------------------------------------------------------------
# Outgoing requests: retry timeouts, network errors and 5xx with exponential back-off.


@dataclass(frozen=True, slots=True)
class Delivery:
    """How hard to try when Telegram is slow or failing. Tests shorten every figure."""

    attempts: int = 5  # per request, for timeouts, network errors and 5xx
    first_delay: float = 0.5  # seconds before the first retry, doubled each time
    max_delay: float = 8.0
    read_timeout: float = 10.0  # seconds to wait for an answer to one request
    rate_limit_retries: int = 3  # 429 "Too Many Requests": wait retry_after, try again
    messages_per_second: float = 30  # Telegram's global limit (0 switches throttling off)
    poll_timeout: float = 10.0  # long-poll seconds for getUpdates


class RetryingRequest(BaseRequest):
    """Wraps a BaseRequest; retries timeouts, network errors and 5xx answers with back-off.

    429 is left to AIORateLimiter (it raises RetryAfter above this layer); 4xx are final.
    A retried request may reach Telegram twice if the first answer was lost: one duplicate
    message is better than a lost one.
    """

    def __init__(
        self,
        inner: BaseRequest,
        *,
        attempts: int = 5,
        first_delay: float = 0.5,
        max_delay: float = 8.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._inner = inner
        self._attempts = max(1, attempts)
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._sleep = sleep

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]  # the URL itself holds the token: never log it
        delay = self._first_delay
        for attempt in range(1, self._attempts + 1):
            try:
                code, payload = await self._inner.do_request(
                    url,
                    method,
                    request_data,
                    read_timeout=read_timeout,
                    write_timeout=write_timeout,
                    connect_timeout=connect_timeout,
                    pool_timeout=pool_timeout,
                )
            except NetworkError as exc:  # TimedOut is a NetworkError
                if attempt == self._attempts:
                    raise
                problem = f"{type(exc).__name__}: {exc.message}"
            else:
                if code < 500 or attempt == self._attempts:
                    return code, payload
                problem = f"HTTP {code}"
            pause = min(delay, self._max_delay) * (1 + random.random() / 4)
            log.warning(
                "%s failed (%s); retry %d of %d in %.2fs",
                endpoint,
                problem,
                attempt,
                self._attempts - 1,
                pause,
            )
            await self._sleep(pause)
            delay *= 2
        raise AssertionError("unreachable: the last attempt returns or raises")


# ---------------------------------------------------------------------------------------------
# Sending an Outcome.


def merged(replies: Sequence[Reply], limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[Reply]:
    """Join a reply without buttons to the one after it, while the text fits one message.

    "That question has passed" and the question itself, or the advice and "Anything
    else?", arrive as one message with the buttons under it: fewer messages to read,
    and fewer to count against Telegram's rate limits.
    """
    joined: list[Reply] = []
    for reply in replies:
        last = joined[-1] if joined else None
        text = f"{last.text}\n\n{reply.text}" if last is not None else reply.text
        if last is not None and not last.buttons and _fits(text, limit):
            joined[-1] = Reply(text, reply.buttons, reply.state)
        else:
            joined.append(reply)
    return joined


async def _send_attachment(bot: ReplyBot, chat_id: int, attachment: Attachment) -> None:
    caption: str | None = attachment.caption or None
    if caption is not None and len(caption) > MessageLimit.CAPTION_LENGTH:
        for part in split_text(caption):
            await bot.send_text(chat_id, part)
        caption = None
    if attachment.kind == "photo":
        await bot.send_photo(
            chat_id, photo=attachment.data, filename=attachment.filename, caption=caption
        )
    else:
        await bot.send_document(
            chat_id, document=attachment.data, filename=attachment.filename, caption=caption
        )


async def _blocked(service: ChatService, user_id: int, exc: Forbidden) -> None:
    log.info("User %s blocked the bot (%s); marking them inactive", user_id, exc.message)
    await service.mark_inactive(user_id)


# ---------------------------------------------------------------------------------------------
# The handlers.


class Relay:
    """Turns Telegram updates into Service calls and Outcomes into messages."""

    def __init__(self, settings: Settings, service_factory: ServiceFactory) -> None:
        self._settings = settings
        self._service_factory = service_factory
        self._service: ChatService | None = None
        self.codec = ButtonCodec()
        self.pacer = Pacer(settings.reminder_rate)
        self._sweeper: asyncio.Task[None] | None = None
        self._stop_sweeps = asyncio.Event()

    @property
    def service(self) -> ChatService:
        if self._service is None:
            raise RuntimeError("The service is not open: start the Application with running().")
        return self._service

    # Life cycle (post_init / post_shutdown) ---------------------------------------------------

    async def open(self, application: App) -> None:
        """Open the service inside the running loop, then publish the command menu."""
        self._service = await self._service_factory(self._settings)
        try:
            await application.bot.set_my_commands(
                [BotCommand(name, description) for name, description in COMMANDS]
            )
        except TelegramError as exc:
            log.warning(
                "Could not publish the command menu (%s); commands still work when typed. "
                "It is published again at the next start.",
                exc,
            )

    def start_sweeps(self, application: App) -> None:
        """Start the one periodic reminder sweep (only a service that sends reminders has it)."""
        service = self.service
        if self._sweeper is not None or not isinstance(service, Service):
            return
        bot = application.bot

        async def send(user_id: int, reply: Reply) -> SendResult:
            return await self.send_reminder(bot, user_id, reply)

        self._stop_sweeps = asyncio.Event()
        self._sweeper = asyncio.create_task(
            sweep_forever(
                service,
                send,
                every=self._settings.reminder_sweep_every,
                stop=self._stop_sweeps,
            ),
            name="reminder-sweep",
        )

    async def stop_sweeps(self, grace: float = 10.0) -> None:
        """Let the sweep in progress finish its sends and records; cancel it after `grace` s."""
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is None:
            return
        self._stop_sweeps.set()
        try:
            await asyncio.wait_for(asyncio.shield(sweeper), grace)
        except TimeoutError:
            sweeper.cancel()
            with suppress(asyncio.CancelledError):
                await sweeper
        except Exception:
            # Shutting down must go on (updates in flight, closing the database).
            log.exception("The reminder sweep had stopped with an error")

    async def send_reminder(self, bot: ReplyBot, user_id: int, reply: Reply) -> SendResult:
        """One reminder, paced: after replies in flight, <= rate overall, 1 s apart per chat.

        Forbidden -> "blocked"; a 429 that AIORateLimiter's own retries did not absorb
        pauses every reminder and raises SendLater, so the sweep stops and retries later.
        """
        await self.pacer.acquire(user_id)
        try:
            await bot.send_text(user_id, reply.text, self.codec.markup(reply))
        except Forbidden as exc:
            log.info("User %s blocked the bot (%s); stopping their reminders", user_id, exc.message)
            return "blocked"
        except BadRequest as exc:
            if not _gone(exc):
                raise
            log.info(
                "User %s cannot be reached (%s); stopping their reminders", user_id, exc.message
            )
            return "blocked"
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            self.pacer.pause(seconds)
            raise SendLater(seconds) from exc
        return "sent"

    async def close(self, application: App) -> None:
        await self.stop_sweeps()
        if self._service is not None:
            service, self._service = self._service, None
            await service.close()
            log.info("Service closed")

    # Updates ----------------------------------------------------------------------------------

    async def on_button(self, update: Update, context: Context) -> None:
        """Answer the press, remove the pressed keyboard, pass the press to the service."""
        query = update.callback_query
        user = update.effective_user
        if query is None or user is None:
            return
        await _answer(query)
        message = query.message
        if message is not None and message.chat.type != Chat.PRIVATE:
            return  # this bot sends no keyboards to groups: nothing to do
        if isinstance(message, Message):  # not too old to edit
            await _remove_keyboard(query)
        press = self.codec.decode(query.data)
        outcome = await self.service.handle(
            user.id, _label(message, query.data), button=press, language=user.language_code
        )
        chat_id = message.chat.id if message is not None else user.id
        await self.deliver(context.bot, user.id, chat_id, outcome)

    async def deliver(self, bot: ReplyBot, user_id: int, chat_id: int, outcome: Outcome) -> None:
        """Send replies (split, keyboard on the last part) then attachments, in order.

        Every message spends a token of the budget reminders share, without waiting:
        replies go first, and reminders hold back while one is being sent. If the person
        has blocked the bot they are marked inactive and nothing more is sent; other
        errors go to the error handler.
        """
        with self.pacer.interactive():
            try:
                for reply in merged(outcome.replies):
                    parts = split_text(reply.text)
                    if not parts and reply.buttons:
                        parts = ["…"]
                    for number, part in enumerate(parts, start=1):
                        markup = self.codec.markup(reply) if number == len(parts) else None
                        self.pacer.take(chat_id)
                        await bot.send_text(chat_id, part, markup)
                for attachment in outcome.attachments:
                    self.pacer.take(chat_id)
                    await _send_attachment(bot, chat_id, attachment)
            except Forbidden as exc:
                await _blocked(self.service, user_id, exc)

    async def on_group(self, update: Update, context: Context) -> None:
        """Groups and supergroups: say the bot works in private chats only.

        Only when spoken to (a command, a mention, a reply to the bot): a group's
        ordinary chatter gets no answer, and neither do channel posts.
        """
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None or chat.type == Chat.CHANNEL:
            return
        text = message.text or message.caption or ""
        replied = message.reply_to_message
        spoken_to = (
            text.startswith("/")
            or f"@{context.bot.username}".lower() in text.lower()
            or (
                replied is not None
                and replied.from_user is not None
                and replied.from_user.id == context.bot.id
            )
        )
        if spoken_to:
            await self._notice(context, chat.id, _private_only(context))

    async def on_edit(self, update: Update, context: Context) -> None:
        """Edited messages are not read: the conversation has moved on since."""
        chat = update.effective_chat
        if chat is not None:
            await self._notice(context, chat.id, EDITS_NOT_READ)

    async def on_text(self, update: Update, context: Context) -> None:
        """Text and commands go to the service as they are."""
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None or message.text is None:
            return
        outcome = await self.service.handle(user.id, message.text, language=user.language_code)
        await self.deliver(context.bot, user.id, message.chat.id, outcome)

    async def on_not_text(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice, video, locations, contacts, documents...: ask for words."""
        chat = update.effective_chat
        if chat is not None:
            await self._notice(context, chat.id, TEXT_ONLY)

    async def on_membership(self, update: Update, context: Context) -> None:
        """Blocked in a private chat -> inactive; added to a group -> private-only notice."""
        change = update.my_chat_member
        if change is None:
            return
        status = change.new_chat_member.status
        if change.chat.type == Chat.PRIVATE:
            if status == ChatMember.BANNED:
                log.info("User %s blocked the bot; marking them inactive", change.from_user.id)
                await self.service.mark_inactive(change.from_user.id)
        elif status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
            await self._notice(context, change.chat.id, _private_only(context))

    async def on_error(self, update: object, context: Context) -> None:
        """The one error handler: log with the traceback, apologise if there is a chat, go on."""
        error = context.error
        user = update.effective_user if isinstance(update, Update) else None
        if isinstance(error, Forbidden) and user is not None and self._service is not None:
            await _blocked(self._service, user.id, error)
            return
        if not isinstance(update, Update):
            log.error("Error outside an update: %s", error, exc_info=error)
            return
        # Log ids only: the update itself may carry health details.
        log.error(
            "Update %s from user %s failed: %s",
            update.update_id,
            user.id if user else None,
            error,
            exc_info=error,
        )
        chat = update.effective_chat
        if chat is None or chat.type != Chat.PRIVATE:
            return
        try:
            await context.bot.send_text(chat.id, APOLOGY)
        except TelegramError as exc:
            log.warning("Could not apologise to chat %s either: %s", chat.id, exc)

    async def _notice(self, context: Context, chat_id: int, text: str) -> None:
        try:
            await context.bot.send_text(chat_id, text)
        except Forbidden as exc:
            if chat_id > 0:  # private chats have the person's id
                await _blocked(self.service, chat_id, exc)
            else:
                log.info("Chat %s does not let me write (%s)", chat_id, exc.message)


def _gone(exc: BadRequest) -> bool:
    """Telegram says this chat no longer exists: sending again can never work."""
    text = exc.message.lower()
    return "chat not found" in text or "user is deactivated" in text


async def _answer(query: CallbackQuery) -> None:
    """Best effort: "query is too old", or a network failure after the retries, must not
    keep the press itself from being handled."""
    try:
        await query.answer()
    except TelegramError as exc:
        log.info("Could not answer callback query: %s", exc.message)


async def _remove_keyboard(query: CallbackQuery) -> None:
    """Best effort, like _answer: the keyboard may be gone already, or too old to edit."""
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:
        log.info("Could not remove the keyboard: %s", exc.message)


def _label(message: object, data: str | None) -> str:
    """The text of the pressed button, read from the message's own keyboard."""
    if isinstance(message, Message) and message.reply_markup is not None:
        for row in message.reply_markup.inline_keyboard:
            for button in row:
                if button.callback_data == data:
                    return button.text
    return ""


def _private_only(context: Context) -> str:
    return PRIVATE_ONLY.format(link=f" (https://t.me/{context.bot.username})")


# ---------------------------------------------------------------------------------------------
# Building and running.


def build_application(
    settings: Settings,
    service_factory: ServiceFactory,
    *,
    delivery: Delivery | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> App:
    """The Application with every handler, the rate limiter, retries and per-person order.

    `request` replaces the HTTP transport for every call except getUpdates (benchmarks use an
    offline one); it is still wrapped in RetryingRequest.
    """
    if not settings.telegram_token:
        raise ValueError("Settings.telegram_token is empty; set TELEGRAM_BOT_TOKEN.")
    # Opt in to python-telegram-bot's coming timedelta durations; without it every 429
    # (RetryAfter) raises a PTBDeprecationWarning inside the library.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    delivery = delivery or Delivery()
    relay = Relay(settings, service_factory)
    inner = request or HTTPXRequest(
        connection_pool_size=64,
        read_timeout=delivery.read_timeout,
        write_timeout=delivery.read_timeout,
        connect_timeout=delivery.read_timeout,
        pool_timeout=delivery.read_timeout,  # many people at once wait for a connection
        media_write_timeout=max(20.0, delivery.read_timeout),
    )
    rate = delivery.messages_per_second
    api = settings.telegram_api_base_url
    rate_limiter: BaseRateLimiter[Any] = AIORateLimiter(
        overall_max_rate=rate,
        group_max_rate=20 if rate else 0,
        max_retries=delivery.rate_limit_retries,
    )
    bot = ReplyBot(
        settings.telegram_token,
        base_url=_api_url(api or TELEGRAM_API, "bot"),
        base_file_url=_api_url(api or TELEGRAM_API, "file/bot"),
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
    builder = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=Context))
        .concurrent_updates(PerUserOrder())
        .job_queue(None)
        .post_init(relay.open)
        .post_shutdown(relay.close)
    )
    application: App = builder.build()
    application.bot_data["relay"] = relay
    application.bot_data["delivery"] = delivery

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
    return application


def _api_url(base: str, kind: str) -> str:
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
async def running(application: App, settings: Settings) -> AsyncIterator[App]:
    """Start like Application.run_polling/run_webhook do, in the current loop; stop cleanly.

    Polling when settings.webhook_url is empty, else a webhook server on listen:port at
    webhook_route that answers 403 to requests without the right secret token. Pending
    updates are never dropped. On exit: stop fetching, finish every update in flight, shut
    down, close the service.
    """
    delivery: Delivery = application.bot_data["delivery"]
    updater = application.updater
    if updater is None:
        raise RuntimeError("This Application was built without an Updater.")
    try:
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
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
                timeout=timedelta(seconds=delivery.poll_timeout),
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
            log.info("Polling for updates")
        await application.start()
        relay: Relay = application.bot_data["relay"]
        relay.start_sweeps(application)
        try:
            yield application
        finally:
            await relay.stop_sweeps()
            if updater.running:
                await updater.stop()
            await application.stop()  # waits for the updates in flight
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


async def serve(application: App, settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then stop cleanly (see `running`)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        async with running(application, settings):
            await stop.wait()
            log.info("Stop signal received; finishing the updates in flight")
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def run(settings: Settings) -> None:
    """Run the bot until SIGTERM/SIGINT: polling without WEBHOOK_URL, a webhook with it."""
    redact_secrets_in_logs(settings.telegram_token, settings.webhook_secret)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs URLs, which hold the token
    application = build_application(settings, create_service)
    try:
        log.info("Starting on the %s event loop", eventloop.name())
        eventloop.run(serve(application, settings))
    except InvalidToken:
        # python-telegram-bot's own message quotes the token: say it without.
        log.error(
            "Telegram rejected TELEGRAM_BOT_TOKEN (401/404). Copy the token again from "
            "@BotFather; if TELEGRAM_API_BASE_URL is set, check that it points at a Bot API server."
        )
        raise SystemExit(2) from None


# ---------------------------------------------------------------------------------------------
# Logs never show the token.

REDACTED = "[REDACTED]"


class SecretFilter(logging.Filter):
    """Replaces secrets (the bot token, its secret half, the webhook secret) in log records."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        found: set[str] = set()
        for secret in secrets:
            if secret:
                found.add(secret)
                _, colon, half = secret.partition(":")
                if colon and len(half) >= 8:
                    found.add(half)
        self._secrets = sorted(found, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # malformed arguments: let the handler report it
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def redact_secrets_in_logs(*secrets: str | None) -> Callable[[], None]:
    """Apply a SecretFilter to every log record of every logger; returns a function that undoes it.

    It hooks the record factory rather than handlers, so handlers added later (pytest's caplog,
    a new file handler) never see the secret either.
    """
    secret_filter = SecretFilter(secrets)
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        secret_filter.filter(record)
        return record

    logging.setLogRecordFactory(factory)

    def undo() -> None:
        if logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous)

    return undo
