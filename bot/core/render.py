"""Texts with {slot} placeholders filled in words a person reads.

    {muscle}          the slot in words: "calf", "front thigh", "calf and foot"
    {muscle|is/are}   the word that agrees with it: "is" for a calf, "are" for toes (a
                      label the lexicon marks `plural: true`), or for several labels at once

A slot holding a number agrees as a count (1 is one, any other number several); one
holding other text, or nothing, takes the word for one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.core.machine import Dialogue
from bot.core.matcher import Matcher
from bot.core.model import SlotValue
from bot.core.texts import SLOT_PATTERN, agreeing, counts_several


def render(dialogue: Dialogue, matcher: Matcher, text: str, slots: Mapping[str, SlotValue]) -> str:
    """Fill {slot} and {slot|one/several} placeholders; values are never re-rendered."""

    def fill(found: re.Match[str]) -> str:
        slot, agrees = found.group(1), found.group(2) is not None
        value = slots.get(slot)
        kind = dialogue.slot_kinds.get(slot)
        if isinstance(value, str) and kind is not None and kind in matcher.kinds():
            parts = value.split("+")
            if agrees:  # several labels, or one whose name is plural ("toes")
                return agreeing(found, len(parts) > 1 or matcher.plural(kind, parts[0]))
            return " and ".join(matcher.display(kind, part) for part in parts)
        if agrees:
            return agreeing(found, counts_several(value))
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return SLOT_PATTERN.sub(fill, text)
