"""Telegram, one adapter among several: Update -> inbox -> ChatService.handle -> outbox.

    Telegram ──getUpdates (Poller, inbox.py) or POST (webhook, secret checked)──▶
    Inbox.receive: kept in the database FIRST; only then the offset moves / the 200 goes
        ▼
    Application's queue -> InboxOrder (inbox.py, on PerUserOrder in order.py): one
        person's updates one at a time, in order, under the per-person lock the service
        shares; different people at the same time
        ▼
    Inbox.handle: per pending update of the person, oldest first, ONE transaction:
        Relay.dispatch (relay.py), top to bottom:
            button press   -> ButtonPress -> service (answered, keyboard removed, before)
            my_chat_member -> blocked: inactive; added to a group: "private chats only"
            group/channel  -> "private chats only" (health details stay private)
            edited message -> "send it again as a new message" (edits are not read)
            text/command   -> service
            anything else  -> "I can only read text"
        Relay.deliver -> Outbox.put: Reply -> messages (messages.py: joined, split at
            4096; buttons.py: inline keyboard on the last part), Attachment -> photo or
            document, queued in the outbox
        + the update marked handled
        ▼
    Outbox.flush (outbox.py), after the commit: each queued message sent (ReplyBot.send_text
        in bot.py, which does not parse the Message Telegram returns), then taken out;
        Forbidden (blocked) or a chat gone -> service.mark_inactive, queue emptied
    Relay.send_reminder: the sweep's Send, queued in the outbox in the transaction that
        records the reminder; Inbox.send_reminders sends it, paced (pacing.py)
    Inbox.round, every few seconds: updates pending a while go back on the queue, queued
        messages are sent, old handled ids are forgotten

    Outgoing calls: ReplyBot (an ExtBot) -> AIORateLimiter (429: waits retry_after, retries)
                           -> RetryingRequest (requests.py: timeouts, network errors, 5xx)
                           -> HTTPXRequest

application.py builds it (`build_application`) and runs it (`running`); bot/app.py wires it
to the service, the store and the sweep. A failed turn is rolled back, logged with the
traceback and tried again; the person is told once. redaction.py keeps the bot token out
of every log record. What the adapter needs of the service and of the content is in
contract.py (ChatService, NEEDS).
"""

from bot.channels.telegram.contract import NEEDS

__all__ = ["NEEDS"]
