"""What answers a question: a reading, a button press, or a bare number.

    resolve(dialogue, matcher, state, reading)   -> (value, next state), or None
    pressed(state, button, label)                -> the answer a button press gives
    takes_numbers(dialogue, matcher, state)      -> whether a bare number answers it
    current_question(dialogue, matcher, session) -> the question as it was asked

A bare number answers a question whose kind has `from:` ranges by those ranges, before
any words it comes with ("pretty bad, an 8" is severe, by the 8): at
the duration question "10" is 10 minutes (the label "minutes"; the figure is kept too,
bot.core.moves.keep_minutes), at the pain question "7" is a score. A bare "no" ("nah",
"n/a"), or "not sure" ("idk"), answers a question whose kind has a `none` label ("Did any
of these apply?").

Pure: used by the engine on every turn, and by the content check to make sure every
button answers its own question.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.core.machine import ANY_PREFIX, Dialogue, State, slot_labels
from bot.core.matcher import Matcher
from bot.core.model import ButtonPress, Reply, Session, SlotValue
from bot.core.reading import Reading
from bot.core.render import render

#: The label of a kind that "no" answers ("None of these"), and the "no" it reads.
NONE, YES_NO, NO = "none", "yes_no", "no"
#: The intent of "not sure", "idk", which answers such a question as "no" does.
INTENT, UNSURE = "intent", "unsure"


def current_question(dialogue: Dialogue, matcher: Matcher, session: Session) -> Reply | None:
    """The question the person is at, as it was asked (None when they are at none)."""
    state = dialogue.states.get(session.state)
    if state is None or not state.asks:
        return None
    state = as_asked(dialogue, matcher, state, session.slots)
    text = render(dialogue, matcher, state.say, session.slots)
    return Reply(text, state.buttons, state.name)


def held(state: State, slots: Mapping[str, SlotValue]) -> tuple[str, ...]:
    """The labels the slot of a question with `more:` holds already (none: ())."""
    if state.more is None or state.save is None:
        return ()
    return slot_labels(slots.get(state.save))


def as_asked(
    dialogue: Dialogue, matcher: Matcher, state: State, slots: Mapping[str, SlotValue]
) -> State:
    """The question as it is put to the person. A question with `more:` whose slot holds
    some labels already ("long ride": a hard session) asks for the rest ("Anything
    else?"), with the buttons of `more_buttons` whose labels it does not hold yet; its
    button presses count in that list. The state itself when there is no rest to ask:
    no label held, "none" held, or every choice held. (Moves.arrive does not ask it
    when the message that reaches it named the labels: a whole cramp told at once.)"""
    have = held(state, slots)
    if not have or NONE in have:
        return state

    def labels(button: str) -> set[str]:
        answer = resolve(dialogue, matcher, state, matcher.read(button))
        return set(slot_labels(None if answer is None else answer[0]))

    given = {button: labels(button) for button in state.more_buttons}
    rest = tuple(b for b in state.more_buttons if not given[b] <= set(have))
    if not any(given[b] - {NONE} for b in rest):
        return state
    return replace(state, say=state.more or state.say, buttons=rest)


def takes_numbers(dialogue: Dialogue, matcher: Matcher, name: str) -> bool:
    """Whether a bare number answers the question asked in state `name`."""
    state = dialogue.states.get(name)
    if state is None or state.expect is None:
        return False
    if state.expect == "number":
        return True
    return state.expect in matcher.kinds() and matcher.label_for_number(state.expect, 1) is not None


def pressed(state: State, button: ButtonPress, label: str) -> str | None:
    """The answer a press of `button` on a question of `state` gives, or None (stale).

    Normally one of the state's own buttons. A state that expects free text and has no
    buttons of its own may be answered by buttons an action offered (the cities that
    match a typed local time); then the answer is the pressed button's label, which
    the adapter reads from the message the bot itself sent and passes as the text.
    """
    if 0 <= button.index < len(state.buttons):
        return state.buttons[button.index]
    if not state.buttons and state.expect == "text" and label.strip():
        return label.strip()[:500]
    return None


def resolve(
    dialogue: Dialogue, matcher: Matcher, state: State, reading: Reading
) -> tuple[SlotValue, str] | None:
    """The answer `reading` gives to `state` and where it leads, or None.

    The `on:` lines are tried in the order they are written; the first that fits
    wins. An answer that fits none of them leads to `goto:`.
    """
    kind = state.expect
    if kind is None:
        return None
    value: SlotValue | None = None
    labels: tuple[str, ...] = ()
    if kind == "text":
        value = reading.text.strip()[:500] or None
    elif kind == "number":
        value = reading.number
    else:
        labels = reading.labels(kind)
        if reading.number is not None:
            # "pretty bad, an 8": the figure is the answer, the words only colour it
            by_number = matcher.label_for_number(kind, reading.number)
            labels = (by_number,) if by_number else labels
        if (
            not labels
            and kind != YES_NO
            and (
                reading.labels(YES_NO) == (NO,)
                or UNSURE in reading.labels(INTENT)
                or (reading.number == 0 and not reading.matches)
            )
        ):
            # "no", "not sure" ("idk" at "Did any of these apply?") or a bare "0": none
            # that they know of
            labels = (NONE,) if NONE in matcher.labels(kind) else ()
        if labels:
            value = dialogue.value(kind, labels, reading.tokens, reading.spots(kind))
    for key, target in state.on.items():
        if key.startswith(ANY_PREFIX):
            other = key[len(ANY_PREFIX) :]
            # "nah" after the advice is no session told ("none of these"): no `any context`
            found = tuple(label for label in reading.labels(other) if label != NONE)
            if found:
                return (value if value is not None else dialogue.value(other, found)), target
        elif key in labels:
            return (value if value is not None else key), target
    if value is None or state.goto is None:
        return None
    return value, state.goto
