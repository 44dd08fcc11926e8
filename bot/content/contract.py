"""Does the dialogue of a language give the Python code what it relies on?

    check_needs(dialogue, needs) -> [problem, ...]
    check_forms(dialogue) -> [problem, ...]   (part of check_needs)

Each piece of code declares its Needs (bot/core/contract.py) next to itself: the texts
it says and the fields it fills in, the states and slots it names, the effects it
provides for `do:`. The composition root gathers them (bot/app.py) and every start-up
and `python -m bot check` run this, so a state renamed in the YAML, a misspelt effect
or a missing text is reported with its file, state and a did-you-mean, before anyone
is answered. The renderer's side of the bargain: every `{...}` in a text is one of the
placeholder forms it knows (`{muscle}`, `{muscle|is/are}`; bot/core/texts.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.contract import Needs
from bot.core.machine import Dialogue, Vocabulary
from bot.core.texts import malformed, placeholders
from bot.errors import did_you_mean


def check_needs(dialogue: Dialogue, needs: Iterable[Needs], *, where: str = "") -> list[str]:
    """Every problem between `dialogue` and what the code needs of it.

    `where` names the language folder ("dialogues/en") in the messages.
    """
    needs = list(needs)
    place = f"{where}: " if where else ""
    problems: list[str] = []
    effects = {effect: need.who for need in needs for effect in need.effects}
    if effects:  # code that provides effects is checked against: every `do:` names one
        for state in dialogue.states.values():
            if state.do is not None and state.do not in effects:
                problems.append(
                    f"{state.file}: state {state.name!r}: do {state.do!r} is not an effect."
                    f"{did_you_mean(state.do, effects)} Effects: {', '.join(sorted(effects))}."
                )
    saved = dialogue.questions
    texts = dialogue.texts.entries
    for need in needs:
        for name in need.states:
            wanted = dialogue.states.get(name)
            if wanted is None:
                problems.append(
                    f"{place}{need.who} needs a state {name!r}, which the dialogue lacks."
                    f"{did_you_mean(name, dialogue.states)} Add it, or keep its old name."
                )
            elif name in need.buttons and not wanted.buttons:
                problems.append(
                    f"{wanted.file}: state {name!r} needs buttons: {need.who} sends them."
                )
        for slot in need.slots:
            if slot not in saved:
                problems.append(
                    f"{place}{need.who} reads the slot {slot!r}, which no state saves."
                    f"{did_you_mean(slot, saved)} Add 'save: {slot}' to the state that asks it."
                )
        for key, fields in need.texts.items():
            text = texts.get(key)
            if text is None:
                problems.append(
                    f"{place}texts: {key!r} is missing; {need.who} says it."
                    f"{did_you_mean(key, texts)} Add it under 'texts:'."
                )
                continue
            unknown = sorted(placeholders(text) - set(fields))
            if unknown:
                given = ", ".join("{" + f + "}" for f in fields) or "none"
                problems.append(
                    f"{place}texts: {key!r} uses {', '.join('{' + u + '}' for u in unknown)}, "
                    f"which {need.who} does not fill (it fills: {given}). Remove it."
                )
    problems.extend(check_forms(dialogue, where=where))
    return problems


def check_forms(dialogue: Dialogue, *, where: str = "") -> list[str]:
    """Every `{...}` in every text of the dialogue must be `{slot}` or `{slot|one/several}`."""
    place = f"{where}: " if where else ""
    texts: list[tuple[str, str]] = [(f"{place}hint", dialogue.hint)]
    for state in dialogue.states.values():
        for field, text in (
            ("say", state.say),
            ("hint", state.hint or ""),
            ("again", state.again or ""),
            ("more", state.more or ""),
        ):
            texts.append((f"{state.file}: state {state.name!r} {field}", text))
    for number, block in enumerate(dialogue.advice, 1):
        for field, text in (("say", block.say), ("why", block.why)):
            texts.append((f"{place}advice block {number} ({block.section}) {field}", text))
    for notice in dialogue.notices:
        texts.append((f"{place}notice {notice.id!r} say", notice.say))
    for key, text in dialogue.texts.entries.items():
        texts.append((f"{place}texts: {key!r}", text))
    return [
        f"{name}: {{...}} holds {bad!r}, which is no placeholder. Write {{slot}} for the "
        "slot in words, or {slot|one/several} for the word that agrees with it, "
        "like {muscle|is/are}."
        for name, text in texts
        for bad in malformed(text)
    ]


def check_labels(vocabulary: Vocabulary, needs: Iterable[Needs], *, where: str = "") -> list[str]:
    """Every lexicon label the code reads must be one the lexicon can produce."""
    place = f"{where}: " if where else ""
    problems: list[str] = []
    for need in needs:
        for kind, labels in need.labels.items():
            known = vocabulary.labels(kind)
            for label in labels:
                if label not in known:
                    problems.append(
                        f"{place}{need.who} reads the {kind} label {label!r}, which the lexicon "
                        f"cannot produce.{did_you_mean(label, known)} Add it to {kind}.yaml."
                    )
    return problems
