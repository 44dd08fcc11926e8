"""The handlers: Telegram updates -> ChatService calls, and Outcomes -> messages.

    button press   -> answer it, remove that keyboard, ButtonPress -> service
    group/channel  -> "private chats only" (only when spoken to)
    edited message -> "send it again as a new message"
    text/command   -> service
    anything else  -> "I can only read text"
    an error       -> log with the traceback, apologise in a private chat, go on

Relay.deliver sends an Outcome; Relay.send_reminder is the Send function of the reminder
sweep. Both go through the ReplyBot the Relay was given and the Pacer they share.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import BotCommand, CallbackQuery, Chat, ChatMember, Message, Update
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.channels.telegram.bot import Context, ReplyBot
from bot.channels.telegram.buttons import ButtonCodec
from bot.channels.telegram.contract import COMMANDS, ChatService
from bot.channels.telegram.messages import CAPTION_LIMIT, merged, split_text
from bot.channels.telegram.pacing import Pacer
from bot.core.model import Reply
from bot.service import Attachment, Outcome, SendLater, SendResult

log = logging.getLogger(__name__)


class Relay:
    """Turns Telegram updates into ChatService calls and Outcomes into messages."""

    def __init__(
        self,
        service: ChatService,
        bot: ReplyBot,
        *,
        pacer: Pacer | None = None,
        codec: ButtonCodec | None = None,
    ) -> None:
        self.service = service
        self.bot = bot
        self.pacer = pacer or Pacer()
        self.codec = codec or ButtonCodec()

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
        """Send replies (split, keyboard on the last part) then attachments, in order.

        Every message spends a token of the budget reminders share, without waiting:
        replies go first, and reminders hold back while one is being sent. If the person
        has blocked the bot they are marked inactive and nothing more is sent; other
        errors go to the error handler.
        """
        bot, pacer = self.bot, self.pacer
        with pacer.interactive():
            try:
                for reply in merged(outcome.replies):
                    parts = split_text(reply.text)
                    if not parts and reply.buttons:
                        parts = ["…"]
                    for number, part in enumerate(parts, start=1):
                        markup = self.codec.markup(reply) if number == len(parts) else None
                        pacer.take(chat_id)
                        await bot.send_text(chat_id, part, markup)
                for attachment in outcome.attachments:
                    pacer.take(chat_id)
                    await send_attachment(bot, chat_id, attachment)
            except Forbidden as exc:
                await self._blocked(user_id, exc)

    async def send_reminder(self, user_id: int, reply: Reply) -> SendResult:
        """One reminder, paced: after replies in flight, <= rate overall, 1 s apart per chat.

        Forbidden -> "blocked"; a 429 that AIORateLimiter's own retries did not absorb
        pauses every reminder and raises SendLater, so the sweep stops and retries later.
        """
        await self.pacer.acquire(user_id)
        try:
            await self.bot.send_text(user_id, reply.text, self.codec.markup(reply))
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
        await self.deliver(user.id, chat_id, outcome)

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
            or f"@{self.bot.username}".lower() in text.lower()
            or (
                replied is not None
                and replied.from_user is not None
                and replied.from_user.id == self.bot.id
            )
        )
        if spoken_to:
            await self._notice(chat.id, self._private_only(update))

    async def on_edit(self, update: Update, context: Context) -> None:
        """Edited messages are not read: the conversation has moved on since."""
        chat = update.effective_chat
        if chat is not None:
            await self._notice(chat.id, self._say(update, "edits_not_read"))

    async def on_text(self, update: Update, context: Context) -> None:
        """Text and commands go to the service as they are."""
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None or message.text is None:
            return
        outcome = await self.service.handle(user.id, message.text, language=user.language_code)
        await self.deliver(user.id, message.chat.id, outcome)

    async def on_not_text(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice, video, locations, contacts, documents...: ask for words."""
        chat = update.effective_chat
        if chat is not None:
            await self._notice(chat.id, self._say(update, "text_only"))

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
            await self._notice(change.chat.id, self._private_only(update))

    async def on_error(self, update: object, context: Context) -> None:
        """The one error handler: log with the traceback, apologise if there is a chat, go on."""
        error = context.error
        user = update.effective_user if isinstance(update, Update) else None
        if isinstance(error, Forbidden) and user is not None:
            await self._blocked(user.id, error)
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
            await self.bot.send_text(chat.id, self._say(update, "apology"))
        except TelegramError as exc:
            log.warning("Could not apologise to chat %s either: %s", chat.id, exc)

    # Helpers ----------------------------------------------------------------------------------

    def _say(self, update: Update, key: str, **fields: object) -> str:
        """The text `key` in the language of the person the update comes from."""
        user = update.effective_user
        return self.service.texts(user.language_code if user else None).say(key, **fields)

    def _private_only(self, update: Update) -> str:
        return self._say(update, "private_only", link=f" (https://t.me/{self.bot.username})")

    async def _notice(self, chat_id: int, text: str) -> None:
        try:
            await self.bot.send_text(chat_id, text)
        except Forbidden as exc:
            if chat_id > 0:  # private chats have the person's id
                await self._blocked(chat_id, exc)
            else:
                log.info("Chat %s does not let me write (%s)", chat_id, exc.message)

    async def _blocked(self, user_id: int, exc: Forbidden) -> None:
        log.info("User %s blocked the bot (%s); marking them inactive", user_id, exc.message)
        await self.service.mark_inactive(user_id)


async def send_attachment(bot: ReplyBot, chat_id: int, attachment: Attachment) -> None:
    """A photo or a document; a caption too long for one goes ahead as text messages."""
    caption: str | None = attachment.caption or None
    if caption is not None and len(caption) > CAPTION_LIMIT:
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
