"""What the Telegram adapter needs: of the service (ChatService), and of the content (NEEDS).

Every sentence the adapter says itself lives in the YAML (`texts:` in dialogues/<code>/),
read through `ChatService.texts(language).say(key, **fields)`; NEEDS names those keys and
the fields the adapter fills, so `python -m bot check` refuses content that lacks one.
"""

from __future__ import annotations

from typing import Protocol

from bot.core.contract import Needs
from bot.core.model import ButtonPress
from bot.core.texts import Texts
from bot.service import Outcome


class ChatService(Protocol):
    """What the adapter needs from bot.service.turns.Service."""

    async def handle(
        self,
        user_id: int,
        text: str,
        *,
        button: ButtonPress | None = None,
        language: str | None = None,
    ) -> Outcome: ...

    async def mark_inactive(self, user_id: int) -> None: ...

    def texts(self, language: str | None = None) -> Texts: ...


#: The command menu published with setMyCommands, in this order; each one's description is
#: the text "command_<name>".
COMMANDS: tuple[str, ...] = (
    "start",
    "help",
    "cramp",
    "history",
    "reminders",
    "forget",
    "export",
    "cancel",
)

NEEDS = Needs(
    who="the Telegram adapter (bot/channels/telegram)",
    texts={
        "private_only": ("link",),  # a group or channel: "talk to me in private{link}"
        "text_only": (),  # a sticker, photo, voice message...
        "edits_not_read": (),  # an edited message
        "retrying": (),  # a turn failed: rolled back, tried again on its own
        "gave_up": (),  # ... and failed every time
        **{f"command_{name}": () for name in COMMANDS},
    },
)
