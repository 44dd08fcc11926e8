"""Which advice fits this person now, how urgent it is, and the episode to log.

    advise(dialogue, matcher, state, slots, user_id=..., now=..., history=..., rules=...)
        -> (the Reply, the Episode with its advice level, or None)

An advice block of the dialogue fits when every condition of its `when:` holds for
the slots (`any`: answered, `unknown`: not answered) and none of its `unless:` does
("not when cautions include pregnant"). Three kinds of state advise:

    advice: true    the care-level line (texts level_<level>; the why comes from the
                    block that set the level), then the TOP_TIPS fitting tips of its
                    `tips:` sections with the lowest `priority`; logs the episode once
    tips: [...]     the rest of the fitting tips of those sections, by priority, under
                    their headings ("Why did it happen?", "Next time", ...)
    sources: true   which part of the source each tip of the last message rests on

No message goes past about WORD_LIMIT words: a tip that would is left for later. The
recurrence rules (core/recurrence.py) look at the person's history; the first that
fires raises the level to see_doctor and its words are kept in the slot `recurrence`
for the tip that says them. Pure: the history and the time come in.
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
#: How many tips the advice itself gives; the rest wait behind the follow-up buttons.
TOP_TIPS = 3
#: About how many words one message may have (emergency replies excepted).
WORD_LIMIT = 90
#: The ids of the tips the last message showed, space-separated ("Where is this from?").
SHOWN_SLOT = "_shown"
#: The ids of the top tips the advice gave: the follow-ups do not repeat them.
TOP_SLOT = "_top"
#: Set once the advice for this cramp is given: the episode is logged once.
ADVISED_SLOT = "_advised"
#: The notices said already in this conversation (each is said once), space-separated;
#: one marked UNSAID was left unsaid because the advice came in the same message.
TOLD_SLOT, UNSAID = "_told", "~"
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
) -> tuple[Reply, Episode | None]:
    """What a state that advises says, from `slots`; the episode to log, if any.

    `advice: true`: the care-level line and the top tips; the episode, the first time
    only (the slots gain `recurring` and `recurrence`). `tips:` alone: the rest of the
    advice of its sections. `sources: true`: where the tips just shown come from. The
    slot SHOWN_SLOT keeps the ids of the tips each message showed.
    """
    if state.sources:
        return Reply(sources_said(dialogue, matcher, state, slots), state.buttons, state.name), None
    episode = None
    if state.advice and ADVISED_SLOT not in slots:
        episode = episode_of(user_id, now, slots)
        hits = check(rules, history, episode, now, dialogue.texts) if rules else ()
        slots.pop("recurring", None)
        slots.pop("recurrence", None)
        if hits:
            # One rule's words are enough: the others say much the same.
            slots["recurring"] = hits[0].rule_id
            slots["recurrence"] = " ".join(render(dialogue, matcher, hits[0].text, slots).split())
        slots[ADVISED_SLOT] = advised_mark(now)
    level, why = care_level(dialogue, matcher, slots)
    # A tip a notice said already ("stretch it now", first thing) is not said again.
    told = set(str(slots.get(TOLD_SLOT, "")).split())
    covered = {tip for n in dialogue.notices if n.id in told for tip in n.covers}
    fitting = [block for block in dialogue.advice if fits(block, slots) and block.id not in covered]
    parts: list[str] = []
    if state.advice:
        line = dialogue.texts.say(f"level_{level}", why=why)
        used = words(line) + words(render(dialogue, matcher, state.say, slots))
        shown = top_tips(dialogue, matcher, fitting, state.tips, slots, used=used)
        slots[TOP_SLOT] = " ".join(block.id for block in shown)
        parts.append(line)
        parts.append("\n".join(f"• {render(dialogue, matcher, b.say, slots)}" for b in shown))
    else:
        top = str(slots.get(TOP_SLOT, "")).split()
        sections = state.tips or tuple(dialogue.sections)
        rest = [b for b in fitting if b.id not in top and b.section in sections]
        shown = _within(dialogue, matcher, rest, slots, used=words(state.say))
        parts.extend(_by_section(dialogue, matcher, shown, slots))
    if state.say:
        parts.append(render(dialogue, matcher, state.say, slots))
    slots[SHOWN_SLOT] = " ".join(block.id for block in shown)
    reply = Reply("\n\n".join(p for p in parts if p), state.buttons, state.name)
    return reply, None if episode is None else replace(episode, advice_level=level)


def advised_mark(now: datetime) -> str:
    """What ADVISED_SLOT keeps: the time the episode was logged, the store's key to it."""
    return now.isoformat()


def amended(
    dialogue: Dialogue, matcher: Matcher, user_id: int, slots: Mapping[str, SlotValue]
) -> Episode | None:
    """The logged episode as the slots now describe it, after a correction after the
    advice ("wait no its my quad"): at the time it was logged, with the care level the
    slots now give. None when the slots do not say when it was logged (a session from
    before the time was kept there)."""
    mark = slots.get(ADVISED_SLOT)
    try:
        at = datetime.fromisoformat(mark) if isinstance(mark, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        return None
    level, _ = care_level(dialogue, matcher, slots)
    return replace(episode_of(user_id, at, slots), advice_level=level)


def care_level(
    dialogue: Dialogue, matcher: Matcher, slots: Mapping[str, SlotValue]
) -> tuple[AdviceLevel, str]:
    """The care level the fitting blocks (and a recurrence rule that fired) set, and why."""
    level: AdviceLevel = "self_care"
    why = dialogue.texts.say("why_self_care")
    for block in dialogue.advice:
        if fits(block, slots) and _LEVEL_ORDER[block.level] > _LEVEL_ORDER[level]:
            level = block.level  # type: ignore[assignment]
            why = render(dialogue, matcher, block.why, slots) if block.why else why
    if "recurring" in slots and _LEVEL_ORDER[level] < _LEVEL_ORDER["see_doctor"]:
        level = "see_doctor"
        why = dialogue.texts.say("why_recurring")
    return level, why


def top_tips(
    dialogue: Dialogue,
    matcher: Matcher,
    fitting: Sequence[AdviceBlock],
    sections: Sequence[str],
    slots: Mapping[str, SlotValue],
    *,
    used: int = 0,
) -> list[AdviceBlock]:
    """The TOP_TIPS tips that matter most: the fitting blocks of `sections` (all, when
    none are named) by `priority`, lowest first (ties: in file order), leaving out any
    that would take the message past WORD_LIMIT words (`used` are taken already)."""
    candidates = [b for b in fitting if not sections or b.section in sections]
    return _within(dialogue, matcher, candidates, slots, used=used, most=TOP_TIPS)


def sources_said(
    dialogue: Dialogue, matcher: Matcher, state: State, slots: Mapping[str, SlotValue]
) -> str:
    """Which part of the source each tip of the last message rests on, in words.

    Tips are grouped by source: "A slow stretch and warmth: the article's part on
    easing a cramp." With no tips shown yet, every source is named.
    """
    ids = str(slots.get(SHOWN_SLOT, "")).split()
    blocks = {block.id: block for block in dialogue.advice}
    names: dict[str, list[str]] = {}
    for tip in ids:
        block = blocks.get(tip)
        if block is not None and block.name not in names.setdefault(block.source, []):
            names[block.source].append(block.name)
    if names:
        lines = [
            f"• {_capital(_listed(tips))}: {dialogue.sources[key]}." for key, tips in names.items()
        ]
    else:
        lines = [f"• {_capital(about)}." for about in dialogue.sources.values()]
    said = "\n".join(lines)
    if state.say:  # here the state's line leads: it says what the source is
        said = f"{render(dialogue, matcher, state.say, slots)}\n{said}"
    return said


def _within(
    dialogue: Dialogue,
    matcher: Matcher,
    blocks: Sequence[AdviceBlock],
    slots: Mapping[str, SlotValue],
    *,
    used: int,
    most: int | None = None,
) -> list[AdviceBlock]:
    """`blocks` by priority (lowest first, then file order) while the words stay within
    WORD_LIMIT (a heading counts for each section); at most `most` of them."""
    chosen: list[AdviceBlock] = []
    sections: set[str] = set()
    for block in sorted(blocks, key=lambda b: b.priority):
        if most is not None and len(chosen) >= most:
            break
        cost = words(render(dialogue, matcher, block.say, slots))
        if most is None and block.section not in sections:
            cost += words(dialogue.sections.get(block.section, ""))
        if used + cost <= WORD_LIMIT:
            chosen.append(block)
            sections.add(block.section)
            used += cost
    return chosen


def _by_section(
    dialogue: Dialogue,
    matcher: Matcher,
    blocks: Sequence[AdviceBlock],
    slots: Mapping[str, SlotValue],
) -> list[str]:
    """The blocks as bullets under their section's heading, sections in their order."""
    parts = []
    for key, heading in dialogue.sections.items():
        said = [render(dialogue, matcher, b.say, slots) for b in blocks if b.section == key]
        if said:
            parts.append(heading + "\n" + "\n".join(f"• {line}" for line in said))
    return parts


def words(text: str) -> int:
    """How many words a person reads in `text` (bullets are no words)."""
    return sum(1 for word in text.split() if any(ch.isalnum() for ch in word))


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


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
