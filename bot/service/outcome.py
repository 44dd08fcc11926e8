"""What a turn gives back, and what an effect is given.

Outcome        the replies and files for one incoming message, in order
EffectContext  everything an effect may use, passed in explicitly (never the service)
EffectOutput   what an effect adds to the turn's replies, where its state stands
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.content.loading import Content
from bot.core.model import Profile, Reply, Session
from bot.store import Store


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


@dataclass(frozen=True, slots=True)
class EffectContext:
    """What an effect gets: the store, the person's content (language), their profile,
    their session after the turn, and the time of the turn."""

    store: Store
    content: Content
    profile: Profile
    session: Session
    now: datetime

    def slot(self, name: str) -> str:
        """A text slot of the session ("" when it is not set or not text)."""
        value = self.session.slots.get(name)
        return value if isinstance(value, str) else ""

    def say(self, key: str, /, **fields: object) -> str:
        """A text of the person's language (dialogues/<language>/texts.yaml)."""
        return self.content.dialogue.texts.say(key, **fields)


@dataclass(frozen=True, slots=True)
class EffectOutput:
    """What an effect says and attaches. `ask`: an asking state to be at next instead of
    where the turn went (an answer the effect could not read is asked for again): what
    the turn said after the effect is dropped, and that state's question is asked.
    `slots`: answers the effect read for a later question, kept with the session when
    it asks (a daily interval typed at the city question)."""

    replies: tuple[Reply, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    ask: str | None = None
    slots: Mapping[str, str] = field(default_factory=dict)


#: A named effect a dialogue state asks for with `do:`; it runs after the turn is saved.
Effect = Callable[[EffectContext], Awaitable[EffectOutput]]
