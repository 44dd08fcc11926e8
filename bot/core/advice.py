"""Which advice fits this person now, how urgent it is, and the episode to log.

    advise(dialogue, matcher, state, slots, user_id=..., now=..., history=..., rules=...)
        -> (the advice Reply, the Episode with its advice level)

An advice block of the dialogue is shown when every condition of its `when:` holds
for the slots (`any`: answered, `unknown`: not answered) and none of its `unless:`
does ("not when cautions include pregnant"). The recurrence rules (core/recurrence.py)
look at the person's history; what they say opens the last section and raises the
level to see_doctor. The answer opens with one line saying its care level and why
(texts level_<level>; the why comes from the block that set the level). Pure: the
history and the time come in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import get_args

from bot.core.contract import Needs
from bot.core.machine import AdviceBlock, Dialogue, Notice, State, minutes_slot
from bot.core.matcher import Matcher
from bot.core.model import AdviceLevel, Episode, Reply, SlotValue
from bot.core.recurrence import RecurrenceRules, check
from bot.core.render import render

_LEVEL_ORDER: dict[str, int] = {level: n for n, level in enumerate(get_args(AdviceLevel))}
#: The slots an episode is made of, and the `context` labels it records as flags.
EPISODE_SLOTS = ("muscle", "duration", "severity", "timing", "conditions")
CONDITIONS = ("returning", "hot", "intense")
NEEDS = Needs(
    who="the cramp log (bot/core/advice.py)",
    slots=EPISODE_SLOTS,
    labels={"context": CONDITIONS},
    texts={
        **{f"level_{level}": ("why",) for level in get_args(AdviceLevel) if level != "info"},
        "why_self_care": (),
        "why_recurring": (),
    },
)


def advise(
    dialogue: Dialogue,
    matcher: Matcher,
    state: State,
    slots: dict[str, SlotValue],
    *,
    user_id: int,
    now: datetime,
    history: Sequence[Episode],
    rules: RecurrenceRules | None,
) -> tuple[Reply, Episode]:
    """Compose the advice that fits `slots` (which gain `recurring`), and the episode."""
    episode = episode_of(user_id, now, slots)
    hits = check(rules, history, episode, now, dialogue.texts) if rules else ()
    if hits:
        slots["recurring"] = hits[0].rule_id
    else:
        slots.pop("recurring", None)
    sections: dict[str, list[str]] = {key: [] for key in dialogue.sections}
    level: AdviceLevel = "self_care"
    why = dialogue.texts.say("why_self_care")
    for block in dialogue.advice:
        if fits(block, slots):
            sections[block.section].append(render(dialogue, matcher, block.say, slots))
            if _LEVEL_ORDER[block.level] > _LEVEL_ORDER[level]:
                level = block.level  # type: ignore[assignment]
                why = render(dialogue, matcher, block.why, slots) if block.why else why
    if hits:
        # What the recurrence rules say opens the last section ("when to get help").
        said = [render(dialogue, matcher, hit.text, slots) for hit in hits]  # fills {muscle}
        sections[list(sections)[-1]][:0] = [" ".join(text.split()) for text in said]
        if _LEVEL_ORDER[level] < _LEVEL_ORDER["see_doctor"]:
            level = "see_doctor"
            why = dialogue.texts.say("why_recurring")
    parts = [dialogue.texts.say(f"level_{level}", why=why)]
    if state.say:
        parts.append(render(dialogue, matcher, state.say, slots))
    for key, paragraphs in sections.items():
        if paragraphs:
            heading = dialogue.sections[key]
            parts.append(heading + "\n" + "\n".join(f"• {p}" for p in paragraphs))
    reply = Reply("\n\n".join(parts), state.buttons, state.name)
    return reply, replace(episode, advice_level=level)


def fits(block: AdviceBlock | Notice, slots: Mapping[str, SlotValue]) -> bool:
    """Whether every `when:` condition of `block` (or notice) holds and no `unless:` does."""
    return all(holds(slots.get(slot), values) for slot, values in block.when.items()) and not any(
        holds(slots.get(slot), values) for slot, values in block.unless.items()
    )


def holds(value: SlotValue | None, wanted: tuple[str, ...]) -> bool:
    """Whether a slot's value meets an advice block's condition."""
    if "any" in wanted and value is not None:
        return True
    if "unknown" in wanted and value is None:
        return True
    if value is None:
        return False
    parts = value.split("+") if isinstance(value, str) else [str(value).lower()]
    return any(part in wanted for part in parts)


def episode_of(user_id: int, now: datetime, slots: Mapping[str, SlotValue]) -> Episode:
    """The cramp as the slots describe it (the episode logged with the advice)."""

    def text(name: str) -> str | None:
        value = slots.get(name)
        return value if isinstance(value, str) else None

    minutes = slots.get(minutes_slot("duration"))
    conditions = (text("conditions") or "").split("+")
    known = text("conditions") is not None
    return Episode(
        user_id=user_id,
        at=now,
        muscle=text("muscle"),
        duration_minutes=float(minutes) if isinstance(minutes, int | float) else None,
        severity=text("severity"),
        timing=text("timing"),
        returning=("returning" in conditions) if known else None,
        hot=("hot" in conditions) if known else None,
        intense=("intense" in conditions) if known else None,
    )
