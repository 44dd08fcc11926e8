"""The one async seam: load session -> engine.step -> save -> act -> replies.

(Interface fixed; implementation in progress.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain import ButtonPress, Reply


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file for the person: the /history chart (photo) or the /export document."""

    kind: Literal["photo", "document"]
    filename: str
    data: bytes
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to send back for one incoming message, in order: replies, then attachments."""

    replies: tuple[Reply, ...]
    attachments: tuple[Attachment, ...] = ()


class Service:
    async def handle(
        self,
        user_id: int,
        text: str,
        *,
        button: ButtonPress | None = None,
        language: str | None = None,
    ) -> Outcome:
        """Handle one message (text, or a command such as "/start") or one button press.

        Messages from the same person are handled one at a time, in arrival order.
        Never raises for bad input; a store failure yields an apology Outcome.
        """
        raise NotImplementedError

    async def mark_inactive(self, user_id: int) -> None:
        """The person blocked the bot: send them nothing more."""
        raise NotImplementedError
