"""Texts with {slot} placeholders filled in words a person reads."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.core.machine import Dialogue
from bot.core.matcher import Matcher
from bot.core.model import SlotValue
from bot.core.texts import SLOT_PATTERN


def render(dialogue: Dialogue, matcher: Matcher, text: str, slots: Mapping[str, SlotValue]) -> str:
    """Fill {slot} placeholders with words a person reads; values are never re-rendered."""

    def fill(found: re.Match[str]) -> str:
        slot = found.group(1)
        value = slots.get(slot)
        if value is None:
            return ""
        kind = dialogue.slot_kinds.get(slot)
        if isinstance(value, str) and kind is not None and kind in matcher.kinds():
            return " and ".join(matcher.display(kind, part) for part in value.split("+"))
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return SLOT_PATTERN.sub(fill, text)
