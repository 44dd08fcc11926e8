"""The python-telegram-bot types the adapter is built on: ReplyBot, Context and App.

ReplyBot is python-telegram-bot's ExtBot with one addition, `send_text`, which sends a text
message without turning Telegram's answer into a Message object (nothing reads it).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

#: The Bot API method `send_text` calls. Telegram reads method names case-insensitively
#: (core.telegram.org/bots/api#making-requests); spelt in lower case it is not one of
#: Bot's own attribute names, so `do_api_request` does not warn "use Bot.send_message".
SEND_MESSAGE = "sendmessage"


class ReplyBot(ExtBot[Any]):
    """python-telegram-bot's ExtBot, plus `send_text` for the bot's own text messages.

    `Bot.send_message` turns the Message that Telegram answers with into a Message object,
    which is about a third of python-telegram-bot's cost of one reply (bench/bench_telegram.py).
    No reply's Message is ever read here, so `send_text` goes through the public
    `Bot.do_api_request` without a `return_type`: the same path as `send_message` (rate
    limiter, RetryingRequest, the same exceptions: Forbidden, RetryAfter, BadRequest...),
    and the answer is left as it came. Its keyboard arrives as JSON text, serialised once
    per question by ButtonCodec.
    """

    __slots__ = ()

    async def send_text(self, chat_id: int, text: str, reply_markup: str | None = None) -> None:
        """sendMessage with `text` and an optional inline keyboard (JSON) to `chat_id`."""
        api_kwargs: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if reply_markup is not None:
            api_kwargs["reply_markup"] = reply_markup
        await self.do_api_request(SEND_MESSAGE, api_kwargs=api_kwargs, return_type=None)


class Context(CallbackContext[ReplyBot, dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """What the handlers get: `context.bot` is the ReplyBot."""

    __slots__ = ()


App = Application[ReplyBot, Context, dict[Any, Any], dict[Any, Any], dict[Any, Any], None]
