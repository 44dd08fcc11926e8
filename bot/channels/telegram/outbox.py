"""The outbox: a turn's replies queued with the turn, then sent, each message once.

    Outbox.put(user_id, chat_id, outcome)   in the turn's transaction: the replies as
                                            Telegram messages (joined while short, split
                                            at 4096 units, keyboard on the last part)
    Outbox.flush(user_id)                   after the commit: send the person's queued
                                            messages in order, each deleted once sent

A crash after a message went out and before its row was deleted sends that one message
again at the next flush: at most one duplicate per crash, as Telegram's sendMessage has
no idempotency key. A message Telegram refuses for good (the person blocked the bot, the
chat is gone, a request it calls bad) is dropped with a log line; a network failure or a
429 after the retries leaves it queued, and the person's later messages wait behind it
until the next flush (the inbox's round, bot/channels/telegram/inbox.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.channels.telegram.bot import ReplyBot
from bot.channels.telegram.buttons import ButtonCodec
from bot.channels.telegram.messages import CAPTION_LIMIT, merged, split_text
from bot.channels.telegram.pacing import Pacer
from bot.errors import StoreError
from bot.service import Outcome
from bot.store import Store
from bot.store.mailbox import Outgoing

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
#: Called when a person has blocked the bot: mark them inactive (Service.mark_inactive).
OnBlocked = Callable[[int], Awaitable[None]]


class Outbox:
    """Replies into the store's outbox, and from there to Telegram."""

    def __init__(
        self,
        store: Store,
        bot: ReplyBot,
        *,
        clock: Clock,
        on_blocked: OnBlocked,
        pacer: Pacer | None = None,
        codec: ButtonCodec | None = None,
    ) -> None:
        self.store = store
        self.bot = bot
        self.clock = clock
        self.on_blocked = on_blocked
        self.pacer = pacer or Pacer()
        self.codec = codec or ButtonCodec()

    def messages(self, user_id: int, chat_id: int, outcome: Outcome) -> list[Outgoing]:
        """The Outcome as Telegram messages, in order: replies, then attachments."""
        found: list[Outgoing] = []
        for reply in merged(outcome.replies):
            parts = split_text(reply.text)
            if not parts and reply.buttons:
                parts = ["…"]
            for number, part in enumerate(parts, start=1):
                markup = self.codec.markup(reply) if number == len(parts) else None
                found.append(Outgoing(user_id, chat_id, "text", part, markup))
        for attachment in outcome.attachments:
            caption = attachment.caption
            if len(caption) > CAPTION_LIMIT:  # too long for a caption: as text before it
                found.extend(Outgoing(user_id, chat_id, "text", p) for p in split_text(caption))
                caption = ""
            found.append(
                Outgoing(
                    user_id,
                    chat_id,
                    attachment.kind,
                    caption,
                    filename=attachment.filename,
                    data=attachment.data,
                )
            )
        return found

    async def put(self, user_id: int, chat_id: int, outcome: Outcome) -> None:
        """Queue the Outcome's messages (in the caller's transaction, when there is one)."""
        await self.store.queue_messages(self.messages(user_id, chat_id, outcome), self.clock())

    async def flush(self, user_id: int, *, paced: bool = False) -> int:
        """Send this person's queued messages in order. Returns how many went out.

        Replies take a token of the budget reminders share without waiting (the Pacer):
        they go first. `paced` (the reminder sweep's sends) waits for a token instead,
        behind replies in flight. Stops at the first message that fails for a reason
        that may pass; a person who blocked the bot (or whose chat is gone) is marked
        inactive, their reminders stopped and their queue emptied.
        """
        sent = 0
        unrecorded: int | None = None  # sent, but the database went away before its delete
        try:
            async with self.store.sending(user_id):
                for message in await self.store.queued_messages(user_id):
                    assert message.id is not None
                    try:
                        await self._paced(message, paced)
                    except Forbidden as exc:
                        await self._unreachable(user_id, exc.message)
                        return sent
                    except BadRequest as exc:
                        if _gone(exc):
                            await self._unreachable(user_id, exc.message)
                            return sent
                        log.warning(
                            "Telegram refused a message to chat %s for good (%s); dropped",
                            message.chat_id,
                            exc.message,
                        )
                    except TelegramError as exc:
                        if isinstance(exc, RetryAfter):
                            self.pacer.pause(_seconds(exc.retry_after))
                        log.warning(
                            "Could not send to chat %s (%s); it stays queued and is sent at "
                            "the next inbox round",
                            message.chat_id,
                            exc,
                        )
                        return sent
                    else:
                        sent += 1
                    unrecorded = message.id
                    await self.store.message_sent(message.id)
                    unrecorded = None
        except StoreError:
            if unrecorded is None:
                raise
            # The connection that held the person is gone (and with it their lock): take
            # the sent message out on a new one, or it goes out twice.
            await self._sent(unrecorded)
        return sent

    async def _paced(self, message: Outgoing, paced: bool) -> None:
        if paced:
            await self.pacer.acquire(message.chat_id)
            await self.send(message)
            return
        with self.pacer.interactive():
            self.pacer.take(message.chat_id)
            await self.send(message)

    async def _sent(self, message_id: int, attempts: int = 5) -> None:
        """Take a sent message out, trying again while the database is briefly away (a
        connection lost, 0.2 s to 3.2 s apart): each failure here is a message sent twice
        later."""
        for attempt in range(1, attempts + 1):
            try:
                await self.store.message_sent(message_id)
                return
            except StoreError:
                if attempt == attempts:
                    raise
                await asyncio.sleep(0.1 * 2**attempt)

    async def _unreachable(self, user_id: int, why: str) -> None:
        log.info("User %s cannot be reached (%s); stopping their messages", user_id, why)
        await self.store.drop_messages(user_id)
        await self.on_blocked(user_id)

    async def send(self, message: Outgoing) -> None:
        """One queued message, as it was queued."""
        bot, chat_id = self.bot, message.chat_id
        if message.kind == "text":
            await bot.send_text(chat_id, message.body, message.markup)
        elif message.kind == "photo":
            await bot.send_photo(
                chat_id,
                photo=message.data or b"",
                filename=message.filename,
                caption=message.body or None,
            )
        else:
            await bot.send_document(
                chat_id,
                document=message.data or b"",
                filename=message.filename,
                caption=message.body or None,
            )


def _gone(exc: BadRequest) -> bool:
    """Telegram says this chat no longer exists: sending again can never work."""
    text = exc.message.lower()
    return "chat not found" in text or "user is deactivated" in text


def _seconds(wait: float | timedelta) -> float:
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
