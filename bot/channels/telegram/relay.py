"""The handlers: Telegram updates -> ChatService calls, and Outcomes -> the outbox.

`Relay.dispatch(update)` picks the handler, in this order (the first that fits):

    button press   -> ButtonPress -> service      (acknowledge() answered it and removed
                                                   its keyboard before the turn began)
    my_chat_member -> blocked in private: inactive; added to a group: private-only notice
    group/channel  -> "private chats only" (only when spoken to)
    edited message -> "send it again as a new message"
    text/command   -> service
    anything else  -> "I can only read text"

It runs inside the turn's transaction (bot/channels/telegram/inbox.py): what it says is
queued in the outbox (bot/channels/telegram/outbox.py), sent once the turn is committed.
`on_error` (log with the traceback, apologise in a private chat) is called by the inbox
when a turn fails. Relay.send_reminder is the Send function of the reminder sweep; it
shares the outbox's Pacer.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import BotCommand, CallbackQuery, Chat, ChatMember, Message, Update
from telegram.error import TelegramError
from telegram.ext import filters

from bot.channels.telegram.bot import ReplyBot
from bot.channels.telegram.contract import COMMANDS, ChatService
from bot.channels.telegram.order import sender
from bot.channels.telegram.outbox import Outbox
from bot.core.model import Reply
from bot.service import Outcome, SendResult

log = logging.getLogger(__name__)


class Relay:
    """Turns Telegram updates into ChatService calls and Outcomes into messages."""

    def __init__(self, service: ChatService, bot: ReplyBot, outbox: Outbox) -> None:
        self.service = service
        self.bot = bot
        self.outbox = outbox
        self.codec = outbox.codec

    async def publish_commands(self) -> None:
        """The command menu, its descriptions in the default language's texts."""
        texts = self.service.texts()
        commands = [BotCommand(name, texts.say(f"command_{name}")) for name in COMMANDS]
        try:
            await self.bot.set_my_commands(commands)
        except TelegramError as exc:
            log.warning(
                "Could not publish the command menu (%s); commands still work when typed. "
                "It is published again at the next start.",
                exc,
            )

    # Sending ----------------------------------------------------------------------------------

    async def deliver(self, user_id: int, chat_id: int, outcome: Outcome) -> None:
        """Queue the Outcome's messages in the outbox, with the turn."""
        await self.outbox.put(user_id, chat_id, outcome)

    async def send_reminder(self, user_id: int, reply: Reply) -> SendResult:
        """The reminder sweep's Send: the reminder queued in the outbox (`deliver`), in the
        transaction that records it (bot/service/sweep.py); `Inbox.send_reminders` sends
        it, paced behind replies. Blocked people are found when it is sent."""
        await self.deliver(user_id, user_id, Outcome((reply,)))
        return "sent"

    # Updates ----------------------------------------------------------------------------------

    async def dispatch(self, update: Update) -> None:
        """Run the handler that fits the update (see the module docstring); none fits: nothing."""
        handler = self.handler(update)
        if handler is not None:
            await handler(update)

    def handler(self, update: Update) -> Callable[[Update], Awaitable[None]] | None:
        if update.callback_query is not None:
            return self.on_button
        if update.my_chat_member is not None:
            return self.on_membership
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None:
            return None
        if chat.type != Chat.PRIVATE:
            return self.on_group
        if update.edited_message is not None:
            return self.on_edit
        if update.message is None:
            return None
        if message.text is not None:
            return self.on_text
        if filters.StatusUpdate.ALL.check_update(update):
            return None
        return self.on_not_text

    async def acknowledge(self, update: Update) -> None:
        """A button press: answer it (the spinner stops) and remove the pressed keyboard,
        before the turn and outside its transaction. Best effort: a press answered late,
        or a keyboard gone already, must not keep the press from being handled."""
        query = update.callback_query
        if query is None:
            return
        await _answer(query)
        message = query.message
        if isinstance(message, Message) and message.chat.type == Chat.PRIVATE:
            await _remove_keyboard(query)  # a Message: not too old to edit

    async def on_button(self, update: Update) -> None:
        """Pass the press to the service (acknowledge() has answered it)."""
        query = update.callback_query
        user = update.effective_user
        if query is None or user is None:
            return
        message = query.message
        if message is not None and message.chat.type != Chat.PRIVATE:
            return  # this bot sends no keyboards to groups: nothing to do
        press = self.codec.decode(query.data)
        outcome = await self.service.handle(
            user.id, _label(message, query.data), button=press, language=user.language_code
        )
        chat_id = message.chat.id if message is not None else user.id
        await self.deliver(user.id, chat_id, outcome)

    async def on_group(self, update: Update) -> None:
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
            or f"@{self.bot.username}".lower() in text.lower()
            or (
                replied is not None
                and replied.from_user is not None
                and replied.from_user.id == self.bot.id
            )
        )
        if spoken_to:
            await self._notice(update, chat.id, self._private_only(update))

    async def on_edit(self, update: Update) -> None:
        """Edited messages are not read: the conversation has moved on since."""
        chat = update.effective_chat
        if chat is not None:
            await self._notice(update, chat.id, self._say(update, "edits_not_read"))

    async def on_text(self, update: Update) -> None:
        """Text and commands go to the service as they are."""
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None or message.text is None:
            return
        outcome = await self.service.handle(user.id, message.text, language=user.language_code)
        await self.deliver(user.id, message.chat.id, outcome)

    async def on_not_text(self, update: Update) -> None:
        """Stickers, photos, voice, video, locations, contacts, documents...: ask for words."""
        chat = update.effective_chat
        if chat is not None:
            await self._notice(update, chat.id, self._say(update, "text_only"))

    async def on_membership(self, update: Update) -> None:
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
            await self._notice(update, change.chat.id, self._private_only(update))

    async def on_error(self, update: Update, error: BaseException, text: str) -> None:
        """The one error handler, called by the inbox when a turn failed: log with the
        traceback, say `text` (the key of a text: "retrying" or "gave_up") if there is a
        private chat, go on. (A turn sends nothing itself: a person who blocked the bot
        is found by the outbox.)"""
        user = update.effective_user
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
            await self.bot.send_text(chat.id, self._say(update, text))
        except TelegramError as exc:
            log.warning("Could not apologise to chat %s either: %s", chat.id, exc)

    # Helpers ----------------------------------------------------------------------------------

    def _say(self, update: Update, key: str, **fields: object) -> str:
        """The text `key` in the language of the person the update comes from."""
        user = update.effective_user
        return self.service.texts(user.language_code if user else None).say(key, **fields)

    def _private_only(self, update: Update) -> str:
        return self._say(update, "private_only", link=f" (https://t.me/{self.bot.username})")

    async def _notice(self, update: Update, chat_id: int, text: str) -> None:
        """A notice of the adapter's own, queued like a turn's replies."""
        await self.deliver(sender(update) or chat_id, chat_id, Outcome((Reply(text),)))


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
