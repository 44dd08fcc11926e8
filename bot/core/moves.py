"""How a turn moves through the machine: arriving at states, skipping questions the
person has answered already, remembering what a message says, noting where to go `back`.

    Draft   the turn being built: slots, replies, effects, the episode
    Moves   the moves one turn makes, on one dialogue, for one person at one time

Used by engine.step, which decides what a message does; pure, like it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.advice import advise
from bot.core.answers import resolve
from bot.core.machine import BACK, Dialogue, State, minutes_slot, targets
from bot.core.matcher import Match, Matcher, Reading
from bot.core.model import Episode, Reply, SlotValue
from bot.core.recurrence import RecurrenceRules
from bot.core.render import render
from bot.core.triage import about_the_body

#: Longest chain of states one turn may pass through (guards against cycles of skips).
MAX_HOPS = 30
BACK_SLOT = "_back"
#: How many messages about the body in a row were not understood (the safety net).
UNCLEAR_SLOT = "_unclear"


@dataclass(slots=True)
class Draft:
    """The turn being built (mutable, private to one call of `step`)."""

    slots: dict[str, SlotValue]
    replies: list[Reply]
    effects: list[tuple[int, str]]
    episode: Episode | None = None
    understood: bool = True


@dataclass(frozen=True, slots=True)
class Moves:
    dialogue: Dialogue
    matcher: Matcher
    now: datetime
    history: Sequence[Episode]
    rules: RecurrenceRules | None
    user_id: int

    def resolve(self, state: State, reading: Reading) -> tuple[SlotValue, str] | None:
        """The answer `reading` gives to `state`, and where it leads; None if it gives none."""
        return resolve(self.dialogue, self.matcher, state, reading)

    def resolve_slot(
        self, state: State, slots: Mapping[str, SlotValue]
    ) -> tuple[SlotValue, str] | None:
        """Answer `state` from a slot that is already filled (the question is skipped).

        The slot is read back as if the person had just said it, so the `on:` lines
        decide exactly as they do for a typed answer.
        """
        assert state.save is not None
        value = slots[state.save]
        kind = state.expect or ""
        if isinstance(value, str) and kind in self.matcher.kinds():
            labels = tuple(Match(kind, part) for part in value.split("+"))
            reading = Reading(text="", matches=labels)
        elif isinstance(value, str):
            reading = Reading(text=value)
        else:
            reading = Reading(text="", number=float(value))
        answer = self.resolve(state, reading)
        return None if answer is None else (value, answer[1])

    def save(
        self, state: State, slots: dict[str, SlotValue], value: SlotValue, reading: Reading
    ) -> None:
        if state.save is None:
            return
        slots[state.save] = value
        keep_minutes(slots, state.save, state.expect, reading)

    def leave(self, current: State, slots: dict[str, SlotValue]) -> None:
        """Note the question being left, so a state can lead `back` to it.

        Leaving a detour (a prompt that itself leads back, such as the emergency
        or welcome-back question) keeps the question noted before it.
        """
        if current.asks and BACK not in targets(current):
            slots[BACK_SLOT] = current.name

    def remember(self, slots: dict[str, SlotValue], reading: Reading) -> None:
        """Keep what the message says about the cramp in slots not yet answered.

        Only the question that asks for a slot may change an answer already given:
        "first run back" must not turn a calf cramp into a back cramp. A kind listed
        under `several` adds the labels it did not hold yet.
        """
        for kind, slot in self.dialogue.remember.items():
            labels = reading.labels(kind)
            if labels and slot not in slots:
                slots[slot] = self.dialogue.value(kind, labels)
                keep_minutes(slots, slot, kind, reading)
            elif labels and kind in self.dialogue.several:
                # Kinds that hold several labels gather them ("a child", then "she's on
                # blood thinners").
                known = slot_labels(slots[slot])
                slots[slot] = "+".join((*known, *(x for x in labels if x not in known)))

    def hand_over(self, name: str, draft: Draft, reading: Reading) -> str:
        """Offer the message to the question of state `name`, just arrived at.

        If it answers it, that question is not shown and the conversation moves on.
        """
        state = self.dialogue.states[name]
        answer = self.resolve(state, reading)
        if answer is None:
            return name
        if draft.replies and draft.replies[-1].state == name:
            draft.replies.pop()  # the message already answers that question
        self.save(state, draft.slots, answer[0], reading)
        return self.arrive(answer[1], draft, reading)

    def question(
        self,
        state: State,
        slots: Mapping[str, SlotValue],
        hint: bool = False,
        remind: bool = False,
    ) -> Reply:
        text = self.render(state.say, slots)
        if hint:
            said = self.render(state.hint or self.dialogue.hint, slots)
            if remind:
                said = f"{said}\n{self.dialogue.texts.say('safety_net_reminder')}"
            text = f"{said}\n\n{text}"
        return Reply(text, state.buttons, state.name)

    def unclear(
        self, draft: Draft, reading: Reading, before: SlotValue, current: State | None = None
    ) -> str | None:
        """A message was not understood: the safety net's answer, if it has one.

        "remind" (say the emergency number) for a message about the body, "screen" (ask
        the screening question) when it is the second in a row; None otherwise. The
        screening question itself is not screened again.
        """
        net = self.dialogue.safety_net
        if net is None or not about_the_body(net, reading):
            return None
        if current is not None and current.name == net.screen:
            return "remind"
        count = (before if isinstance(before, int) else 0) + 1
        if count >= 2:
            return "screen"
        draft.slots[UNCLEAR_SLOT] = count
        return "remind"

    def render(self, text: str, slots: Mapping[str, SlotValue]) -> str:
        return render(self.dialogue, self.matcher, text, slots)

    def arrive(self, name: str, draft: Draft, reading: Reading) -> str:
        """Enter state `name` and pass through states until one waits for an answer."""
        for _ in range(MAX_HOPS):
            if name == BACK:
                back = draft.slots.pop(BACK_SLOT, None)
                name = (
                    back
                    if isinstance(back, str) and back in self.dialogue.states
                    else (self.dialogue.start)
                )
            state = self.dialogue.states[name]
            if state.reset:
                draft.slots.clear()
                self.remember(draft.slots, reading)
            if state.asks and state.save is not None and state.save in draft.slots:
                answer = self.resolve_slot(state, draft.slots)
                if answer is not None:
                    name = answer[1]
                    continue
            if state.do is not None:
                draft.effects.append((len(draft.replies) + (1 if state.say else 0), state.do))
            if state.advice:
                draft.replies.extend(self.advise(state, draft))
            elif state.say or state.buttons:
                if state.asks:
                    draft.replies.append(self.question(state, draft.slots))
                else:
                    draft.replies.append(Reply(self.render(state.say, draft.slots)))
            if state.asks or state.goto is None:
                return name
            name = state.goto
        raise RuntimeError(f"the dialogue loops without asking anything after state {name!r}")

    def advise(self, state: State, draft: Draft) -> list[Reply]:
        """Compose advice that fits what the person said, and log the episode."""
        reply, draft.episode = advise(
            self.dialogue,
            self.matcher,
            state,
            draft.slots,
            user_id=self.user_id,
            now=self.now,
            history=self.history,
            rules=self.rules,
        )
        return [reply]


def keep_minutes(
    slots: dict[str, SlotValue], slot: str, kind: str | None, reading: Reading
) -> None:
    """A duration answer also keeps its length in minutes, which the episode records."""
    if kind == "duration" and reading.duration_minutes is not None:
        slots[minutes_slot(slot)] = reading.duration_minutes


def slot_labels(value: SlotValue | None) -> tuple[str, ...]:
    """ "clot+dark_urine" -> ("clot", "dark_urine"); nothing -> ()."""
    return tuple(value.split("+")) if isinstance(value, str) and value else ()
