"""Is the dialogue consistent? Every check behind `python -m bot check` on the machine.

    validate(dialogue, vocabulary, top) -> [problem, ...]

Targets exist (with a did-you-mean), expected kinds and `on:` labels are ones the
lexicon can produce, every state is reachable, every `{slot}` is saved on every path
to its text, advice conditions name real slots and labels. What the Python code
relies on (effects, states, slots, texts) is checked by bot/content/contract.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.core.machine import (
    ANY_PREFIX,
    BACK,
    BUILTIN_KINDS,
    ENGINE_SLOTS,
    Dialogue,
    Vocabulary,
    entry_points,
    minutes_slot,
    targets,
)
from bot.core.texts import placeholders
from bot.errors import did_you_mean


def validate(
    dialogue: Dialogue, vocabulary: Vocabulary, top: Mapping[str, tuple[str, Any]]
) -> list[str]:
    problems: list[str] = []
    states = dialogue.states
    names = set(states)
    kinds = vocabulary.kinds() | BUILTIN_KINDS

    def check_target(where: str, target: str) -> None:
        if target not in names and target != BACK:
            problems.append(f"{where}: {target!r} is not a state.{did_you_mean(target, names)}")

    def file_of(key: str) -> str:
        return top.get(key, ("dialogue", None))[0]

    for key in ("start", "red_flag", "resume", "urgent"):
        value = getattr(dialogue, key)
        if value:
            check_target(f"{file_of(key)}: {key}", value)
    urgent = states.get(dialogue.urgent or "")
    if urgent is not None and (urgent.asks or urgent.goto is None):
        problems.append(
            f"{urgent.file}: state {urgent.name!r} answers urgent signs and lets the "
            "conversation go on: give it no 'expect:' and a 'goto:' (usually 'goto: back')."
        )
    net = dialogue.safety_net
    if net is not None:
        check_target(f"{file_of('safety_net')}: safety_net.screen", net.screen)
        for kind in sorted(net.kinds - vocabulary.kinds()):
            problems.append(
                f"{file_of('safety_net')}: safety_net.kinds: {kind!r} is not a lexicon kind."
                f"{did_you_mean(kind, vocabulary.kinds())}"
            )
    for label, target in dialogue.intents.items():
        check_target(f"intents.{label}", target)
        if "intent" in vocabulary.kinds() and label not in vocabulary.labels("intent"):
            problems.append(
                f"intents: {label!r} is not an intent label in the lexicon."
                f"{did_you_mean(label, vocabulary.labels('intent'))}"
            )
    for label in sorted(dialogue.answer_first - set(dialogue.intents)):
        problems.append(
            f"answer_first: {label!r} is not under 'intents:'. Add 'intents: {{{label}: <state>}}'."
            f"{did_you_mean(label, dialogue.intents)}"
        )
    for command, target in dialogue.commands.items():
        check_target(f"commands./{command}", target)
    for key, lists in (("prefer", dialogue.prefer), ("vague", dialogue.vague)):
        for kind, order in lists.items():
            for label in order:
                if label not in vocabulary.labels(kind):
                    problems.append(
                        f"{key}.{kind}: {label!r} is not a {kind} label the lexicon can produce."
                        f"{did_you_mean(label, vocabulary.labels(kind))}"
                    )
    for key, listed in (
        ("several", dialogue.several),
        ("first", set(dialogue.first)),
        ("second", set(dialogue.second)),
        ("numbers", set(dialogue.numbers)),
        ("sides", set(dialogue.sides)),
    ):
        for kind in sorted(listed):
            if kind not in vocabulary.kinds():
                problems.append(
                    f"{key}: {kind!r} is not a lexicon kind."
                    f"{did_you_mean(kind, vocabulary.kinds())}"
                )
    for kind, slot in dialogue.remember.items():
        if kind not in vocabulary.kinds():
            problems.append(
                f"remember: {kind!r} is not a lexicon kind (files in data/lexicon/)."
                f"{did_you_mean(kind, vocabulary.kinds())}"
            )
        if not slot.isidentifier():
            problems.append(f"remember.{kind}: slot name {slot!r} must be a single word.")

    for state in states.values():
        where = f"{state.file}: state {state.name!r}"
        for target in targets(state):
            check_target(where, target)
        for label in state.intents:
            if "intent" in vocabulary.kinds() and label not in vocabulary.labels("intent"):
                problems.append(
                    f"{where}: intents: {label!r} is not an intent label in the lexicon."
                    f"{did_you_mean(label, vocabulary.labels('intent'))}"
                )
        if state.expect is not None and state.expect not in kinds:
            problems.append(
                f"{where}: expects {state.expect!r}, which is not a lexicon kind or one of "
                f"{', '.join(sorted(BUILTIN_KINDS))}.{did_you_mean(state.expect, kinds)}"
            )
        labels = (
            vocabulary.labels(state.expect) if state.expect in vocabulary.kinds() else frozenset()
        )
        for key in state.on:
            if key.startswith(ANY_PREFIX):
                kind = key[len(ANY_PREFIX) :]
                if kind not in vocabulary.kinds():
                    problems.append(
                        f"{where}: on '{key}': {kind!r} is not a lexicon kind."
                        f"{did_you_mean(kind, vocabulary.kinds())}"
                    )
            elif state.expect in BUILTIN_KINDS or state.expect is None:
                problems.append(
                    f"{where}: on {key!r} needs 'expect:' set to a lexicon kind whose labels "
                    "include it."
                )
            elif state.expect in vocabulary.kinds() and key not in labels:
                problems.append(
                    f"{where}: {key!r} is not a {state.expect} label the lexicon can produce."
                    f"{did_you_mean(key, labels)} Known labels: {', '.join(sorted(labels))}."
                )
        if state.expect is None:
            if state.goto is None and not state.end:
                problems.append(
                    f"{where}: expects no answer and has no 'goto:'. Add 'goto: <next state>', "
                    "'expect:' with buttons, or 'end: true' if the conversation ends here."
                )
            if state.buttons:
                problems.append(
                    f"{where}: has buttons but no 'expect:'. Say what the buttons answer."
                )
        elif state.goto is None and state.expect in vocabulary.kinds():
            missing = labels - set(state.on)
            if missing and not any(k.startswith(ANY_PREFIX + state.expect) for k in state.on):
                problems.append(
                    f"{where}: no 'goto:' and 'on:' misses {', '.join(sorted(missing))}. "
                    "Add 'goto: <state>' for every other answer."
                )
        elif state.goto is None:
            problems.append(f"{where}: expects {state.expect!r} but has no 'goto:'. Add one.")
        if (state.more is None) != (not state.more_buttons):
            problems.append(
                f"{where}: 'more:' (the question for the rest) and 'more_buttons:' go "
                "together. Give both, or neither."
            )
        elif state.more is not None and state.expect not in dialogue.several:
            problems.append(
                f"{where}: 'more:' asks for the rest of a kind that holds several labels; "
                f"add {state.expect!r} to 'several:' or remove 'more:'."
            )
        if state.save is not None and not state.save.isidentifier():
            problems.append(f"{where}: slot name {state.save!r} must be a single word.")

    for number, block in enumerate(dialogue.advice, 1):
        where = f"advice block {number}"
        if block.section not in dialogue.sections:
            problems.append(
                f"{where}: section {block.section!r} is not listed under 'sections:'."
                f"{did_you_mean(block.section, dialogue.sections)}"
            )
        problems.extend(_check_conditions(where, block.when, block.unless, dialogue, vocabulary))
    problems.extend(_check_turn_helpers(dialogue, vocabulary, file_of, check_target))
    problems.extend(_check_blocks(dialogue))
    if any(s.advises for s in states.values()) and not dialogue.advice:
        problems.append("dialogue: a state has 'advice: true' but there are no advice blocks.")

    if not problems:
        problems.extend(_check_reachability(dialogue))
        problems.extend(_check_slots(dialogue))
    return problems


def _check_conditions(
    where: str,
    when: Mapping[str, tuple[str, ...]],
    unless: Mapping[str, tuple[str, ...]],
    dialogue: Dialogue,
    vocabulary: Vocabulary,
) -> list[str]:
    """`when:`/`unless:` of an advice block or a notice: known slots, known labels."""
    problems: list[str] = []
    for key, conditions in (("when", when), ("unless", unless)):
        for slot, values in conditions.items():
            slot_kind = dialogue.slot_kinds.get(slot)
            if slot_kind is None:
                problems.append(
                    f"{where}: {key!r} uses slot {slot!r}, which no state saves."
                    f"{did_you_mean(slot, dialogue.slot_kinds)}"
                )
                continue
            if slot_kind in vocabulary.kinds():
                known = vocabulary.labels(slot_kind) | {"any", "unknown"}
                for value in values:
                    if value not in known:
                        problems.append(
                            f"{where}: {slot} {value!r} is not a {slot_kind} label."
                            f"{did_you_mean(value, known)}"
                        )
    return problems


def _check_turn_helpers(
    dialogue: Dialogue,
    vocabulary: Vocabulary,
    file_of: Callable[[str], str],
    check_target: Callable[[str, str], None],
) -> list[str]:
    """`home`, `go_back`, `notices` and `answer_after`: targets, labels, conditions."""
    problems: list[str] = []
    if dialogue.home:
        check_target(f"{file_of('home')}: home", dialogue.home)
    intents = vocabulary.labels("intent") if "intent" in vocabulary.kinds() else frozenset()
    if dialogue.go_back and dialogue.go_back not in intents:
        problems.append(
            f"{file_of('go_back')}: go_back: {dialogue.go_back!r} is not an intent label in "
            "the lexicon (data/lexicon/<language>/intent.yaml)."
            f"{did_you_mean(dialogue.go_back, intents)}"
        )
    ids = {block.id for block in dialogue.advice}
    for number, notice in enumerate(dialogue.notices, 1):
        where = f"{file_of('notices')}: notice {number} ({notice.id})"
        problems.extend(_check_conditions(where, notice.when, notice.unless, dialogue, vocabulary))
        for tip in notice.covers:
            if tip not in ids:
                problems.append(
                    f"{where}: covers {tip!r}, which is no advice block's id."
                    f"{did_you_mean(tip, ids)}"
                )
    later = dialogue.answer_after
    if later is not None:
        where = f"{file_of('answer_after')}: answer_after"
        check_target(f"{where}.start", later.start)
        if later.kind not in vocabulary.kinds():
            problems.append(
                f"{where}: kind {later.kind!r} is not a lexicon kind."
                f"{did_you_mean(later.kind, vocabulary.kinds())}"
            )
        else:
            for key, states in (("states", later.states), ("now", later.now)):
                for label, target in states.items():
                    check_target(f"{where}.{key}.{label}", target)
                    if label not in vocabulary.labels(later.kind):
                        problems.append(
                            f"{where}.{key}: {label!r} is not a {later.kind} label."
                            f"{did_you_mean(label, vocabulary.labels(later.kind))}"
                        )
    return problems


def _check_blocks(dialogue: Dialogue) -> list[str]:
    """Every advice block has its own `id`, a `name`, and a `source` listed under
    `sources:`; states that tell tips name real sections."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    known = ", ".join(sorted(dialogue.sources)) or "none yet"
    for number, block in enumerate(dialogue.advice, 1):
        where = f"{block.file or 'dialogue'}: advice block {number}"
        if not block.id.isidentifier():
            problems.append(
                f"{where} ({block.section}): needs 'id:', one word naming it, e.g. "
                "'id: stretch_now'. The session keeps the ids of the tips it showed."
            )
        elif block.id in seen:
            problems.append(
                f"{where}: id {block.id!r} is also used by {seen[block.id]}. Give each its own."
            )
        else:
            seen[block.id] = f"advice block {number}"
        where = f"{where} ({block.id or block.section})"
        if not block.source:
            problems.append(
                f"{where}: needs 'source:', the part of the source it rests on: one of "
                f"{known} (listed under 'sources:' in dialogues/<language>/advice.yaml)."
            )
        elif block.source not in dialogue.sources:
            problems.append(
                f"{where}: source {block.source!r} is not listed under 'sources:'."
                f"{did_you_mean(block.source, dialogue.sources)} Known sources: {known}."
            )
        if not block.name:
            problems.append(
                f"{where}: needs 'name:', the tip in a few words (e.g. 'name: a slow stretch'), "
                'for the answer to "Where is this from?".'
            )
    for state in dialogue.states.values():
        where = f"{state.file}: state {state.name!r}"
        for section in state.tips:
            if section not in dialogue.sections:
                problems.append(
                    f"{where}: tips: {section!r} is not listed under 'sections:'."
                    f"{did_you_mean(section, dialogue.sections)}"
                )
        if state.sources and (state.advice or state.tips):
            problems.append(
                f"{where}: 'sources: true' says where the tips of the last message come from; "
                "give it its own state, without 'advice:' or 'tips:'."
            )
    return problems


def _check_reachability(dialogue: Dialogue) -> list[str]:
    seen: set[str] = set()
    todo = list(entry_points(dialogue))
    while todo:
        name = todo.pop()
        if name in seen or name == BACK:
            continue
        seen.add(name)
        todo.extend(targets(dialogue.states[name]))
    return [
        f"{state.file}: state {name!r} is unreachable: nothing leads to it. "
        "Add a transition to it from another state, or delete it."
        for name, state in dialogue.states.items()
        if name not in seen
    ]


def _check_slots(dialogue: Dialogue) -> list[str]:
    """Every {slot} in a text must be saved on every path that reaches it."""
    everything = frozenset(dialogue.slot_kinds)
    # known[s]: slots surely filled on arrival at s (a must-analysis: intersection over paths).
    known: dict[str, frozenset[str]] = {name: everything for name in dialogue.states}
    engine = frozenset(ENGINE_SLOTS)
    for entry in entry_points(dialogue):
        known[entry] = engine
    changed = True
    while changed:
        changed = False
        for name, state in dialogue.states.items():
            after = known[name] | ({state.save} if state.save else set())
            if state.expect == "duration" and state.save:
                after |= {minutes_slot(state.save)}
            for target in targets(state):
                if target == BACK:
                    continue
                base = engine if dialogue.states[target].reset else after
                narrowed = known[target] & base
                if narrowed != known[target]:
                    known[target] = narrowed
                    changed = True
    problems = []
    for name, state in dialogue.states.items():
        used = placeholders(state.say) | placeholders(state.hint or "")
        used |= placeholders(state.again or "") | placeholders(state.more or "")
        for slot in sorted(used - known[name]):
            problems.append(
                f"{state.file}: state {name!r} uses {{{slot}}}, but {slot!r} is not saved on every "
                f"path to it.{did_you_mean(slot, everything)} Save it in an earlier state "
                "or remove it from the text."
            )
    return problems
