"""Telegram, one adapter among several: Update -> ChatService.handle -> messages and keyboards.

    Telegram ──getUpdates (polling) or POST (webhook, secret checked)──▶ Application
        │  PerUserOrder (order.py): one person's updates one at a time, in order, under
        │  the per-person lock the service shares; different people at the same time
        ▼
    Relay (relay.py, the handlers), top to bottom:
        button press   -> answer it, remove that keyboard, ButtonPress -> service
        group/channel  -> "private chats only" (health details stay private)
        edited message -> "send it again as a new message" (edits are not read)
        text/command   -> service
        anything else  -> "I can only read text"
        ▼
    Relay.deliver: Reply -> sendMessage (messages.py: joined, split at 4096; buttons.py:
                   inline keyboard on the last part; ReplyBot.send_text in bot.py, which
                   does not parse the Message Telegram returns)
                   Attachment -> sendPhoto / sendDocument
                   Forbidden (the person blocked the bot) -> service.mark_inactive, stop
    Relay.send_reminder: the Send function the reminder sweep takes (paced: pacing.py)

    Outgoing calls: ReplyBot (an ExtBot) -> AIORateLimiter (429: waits retry_after, retries)
                           -> RetryingRequest (requests.py: timeouts, network errors, 5xx)
                           -> HTTPXRequest

application.py builds it (`build_application`) and runs it (`running`); bot/app.py wires it
to the service and the sweep. One error handler logs with the traceback, apologises if there
is a chat, and goes on. redaction.py keeps the bot token out of every log record. What the
adapter needs of the service and of the content is in contract.py (ChatService, NEEDS).
"""

from bot.channels.telegram.contract import NEEDS

__all__ = ["NEEDS"]
