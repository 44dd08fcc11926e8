"""One turn of the engine (bot.core.engine.step) on the shipped content, for unit tests.

turn("calf cramp", "menu")               the dialogue and the English matcher only
full_turn("chest feels tight", "menu")   as the service runs it: with the recurrence
                                         rules, every language's warning signs and
                                         the learned reader (each may be overridden)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.engine import Turn, step
from bot.core.model import Session
from tests.helpers.shipped import shipped_content

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)

Slots = dict[str, str | float]


def turn(text: str, state: str = "menu", slots: Slots | None = None, **kw: object) -> Turn:
    """`text` at `state`, the session holding `slots`, a minute after the last message."""
    content = shipped_content()
    session = Session(7, state, dict(slots or {}), updated_at=NOW - timedelta(minutes=1))
    return step(content.dialogue, session, text, matcher=content.matcher, now=NOW, **kw)  # type: ignore[arg-type]


def full_turn(text: str, state: str = "menu", slots: Slots | None = None, **kw: object) -> Turn:
    """`turn` with everything the service passes the engine (Service.handle)."""
    content = shipped_content()
    readers: dict[str, object] = {
        "rules": content.rules,
        "alarms": content.alarms,
        "reader": content.reader,
    }
    return turn(text, state, slots, **{**readers, **kw})
