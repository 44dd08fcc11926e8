"""The dialogue as data: dialogues/*.yaml -> a frozen, validated state machine.

No I/O besides reading the YAML files. Validation needs the lexicon only to know
which labels exist, so `load_dialogue` takes a `Vocabulary` (the matcher is one).
Every problem names the file, the state and a fix; all problems are reported at
once in one DialogueError.

The file format is documented in dialogues/README.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, get_args

from bot.content.yamlfile import load_yaml
from bot.core.model import AdviceLevel
from bot.core.texts import SLOT_PATTERN, Texts
from bot.errors import ContentError, DialogueError, did_you_mean

#: Answer kinds that need no lexicon.
BUILTIN_KINDS = frozenset({"number", "text"})
#: Effects a state can ask the service to carry out when it is reached.
ACTIONS = frozenset(
    {
        "forget",
        "export",
        "history",
        # hydration reminders (bot/service/reminders.py)
        "start_series",
        "daily_on",
        "daily_off",
        "stop_reminders",
        "snooze",
        "snooze_long",
        "drank",
        "reminders_status",
        "set_timezone",
        "set_quiet",
    }
)
#: A target that means "the question the person was at before" (used by the resume prompt).
BACK = "back"
#: Slots the engine fills itself, usable in texts and advice conditions.
ENGINE_SLOTS = {"red_flag": "red_flag", "recurring": "recurring"}
ANY_PREFIX = "any "

_TOP_KEYS = {
    "id",
    "start",
    "states",
    "remember",
    "intents",
    "commands",
    "red_flag",
    "resume",
    "advice",
    "sections",
    "hint",
    "several",
    "prefer",
    "texts",
}
#: Top-level keys that every file may add to (the others are set once).
_MERGED_KEYS = {"states", "commands", "intents", "remember", "advice", "sections", "texts"}
_STATE_KEYS = {
    "say",
    "buttons",
    "expect",
    "save",
    "on",
    "goto",
    "else",
    "hint",
    "do",
    "advice",
    "reset",
    "anytime",
    "end",
}
_BLOCK_KEYS = {"section", "when", "say", "level"}
_LEVELS: tuple[str, ...] = get_args(AdviceLevel)


class Vocabulary(Protocol):
    """What validation needs to know about the lexicon."""

    def kinds(self) -> frozenset[str]: ...

    def labels(self, kind: str) -> frozenset[str]: ...


@dataclass(frozen=True, slots=True)
class State:
    """One node of the machine. See dialogues/README.md for each field."""

    name: str
    file: str
    say: str = ""
    buttons: tuple[str, ...] = ()
    expect: str | None = None
    save: str | None = None
    on: Mapping[str, str] = field(default_factory=dict)
    goto: str | None = None
    otherwise: str | None = None  # `else:` in YAML
    hint: str | None = None
    do: str | None = None
    advice: bool = False
    reset: bool = False
    anytime: bool = False  # its buttons stay valid after the conversation moves on
    end: bool = False  # the conversation ends here; the next message begins at `start`

    @property
    def asks(self) -> bool:
        """True when the state waits for an answer."""
        return self.expect is not None


@dataclass(frozen=True, slots=True)
class AdviceBlock:
    """A paragraph of advice, shown when every condition in `when` holds."""

    section: str
    say: str
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    level: str = "self_care"


@dataclass(frozen=True, slots=True)
class Dialogue:
    """The whole machine, merged from every file in dialogues/."""

    id: str
    start: str
    states: Mapping[str, State]
    remember: Mapping[str, str]  # lexicon kind -> slot, filled from any message
    intents: Mapping[str, str]  # intent label -> state, from any state
    commands: Mapping[str, str]  # /command -> state
    red_flag: str  # state that answers any red flag
    resume: str | None  # state that welcomes back a person idle mid-conversation
    sections: Mapping[str, str]  # advice section id -> heading, in order
    advice: tuple[AdviceBlock, ...]
    hint: str
    slot_kinds: Mapping[str, str]  # slot -> the kind whose labels it holds
    texts: Texts = field(default_factory=Texts)  # what the code says, by key (`texts:`)
    several: frozenset[str] = frozenset()  # kinds whose slots keep every label mentioned
    prefer: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> labels first

    def value(self, kind: str, labels: tuple[str, ...]) -> str:
        """The slot value for labels of `kind` found in one message.

        All of them ("hot+intense") for kinds listed under `several`; else the first
        of them in the kind's `prefer` order; else the last one mentioned.
        """
        if kind in self.several:
            return "+".join(labels)
        for label in self.prefer.get(kind, ()):
            if label in labels:
                return label
        return labels[-1]


def minutes_slot(slot: str) -> str:
    """Where the engine keeps, beside a duration saved in `slot`, its length in minutes."""
    return f"{slot}_minutes"


def load_dialogue(directory: Path, vocabulary: Vocabulary) -> Dialogue:
    """Load and validate every *.yaml file in `directory` as one machine."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise DialogueError(f"{directory}: no *.yaml dialogue files. Add one, e.g. cramp.yaml.")
    raw: list[tuple[str, dict[str, Any]]] = []
    problems: list[str] = []
    for path in files:
        try:
            data = load_yaml(path)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(f"{path.name}: the file must be a mapping with a 'states:' key.")
            continue
        raw.append((f"{directory.name}/{path.name}", data))
    if problems:
        raise DialogueError(problems)
    return build_dialogue(raw, vocabulary)


def build_dialogue(files: list[tuple[str, dict[str, Any]]], vocabulary: Vocabulary) -> Dialogue:
    """Merge parsed files into one Dialogue, or raise DialogueError listing every problem."""
    problems: list[str] = []
    top: dict[str, tuple[str, Any]] = {}
    states: dict[str, State] = {}
    commands: dict[str, str] = {}
    intents: dict[str, str] = {}
    remember: dict[str, str] = {}
    sections: dict[str, str] = {}
    texts: dict[str, str] = {}
    advice: list[AdviceBlock] = []
    for name, data in files:
        for key, value in data.items():
            if key not in _TOP_KEYS:
                problems.append(
                    f"{name}: unknown top-level key {key!r}.{did_you_mean(key, _TOP_KEYS)}"
                )
            elif key in {
                "states",
                "commands",
                "intents",
                "remember",
                "advice",
                "sections",
                "texts",
            }:
                continue
            elif key in top:
                problems.append(f"{name}: {key!r} is already set in {top[key][0]}. Keep one.")
            else:
                top[key] = (name, value)
        for state_name, body in _mapping(data.get("states"), name, "states", problems).items():
            if state_name in states:
                problems.append(
                    f"{name}: state {state_name!r} is also defined in {states[state_name].file}. "
                    "Rename one of them."
                )
                continue
            state = _parse_state(name, str(state_name), body, problems)
            if state is not None:
                states[state.name] = state
        for table, target in (("commands", commands), ("intents", intents), ("remember", remember)):
            for key, value in _mapping(data.get(table), name, table, problems).items():
                if not isinstance(value, str):
                    problems.append(f"{name}: {table}.{key} must be a name, not {value!r}.")
                elif str(key).lstrip("/") in target:
                    problems.append(f"{name}: {table}.{key} is defined twice. Keep one.")
                else:
                    target[str(key).lstrip("/")] = value
        for key, value in _mapping(data.get("sections"), name, "sections", problems).items():
            sections[str(key)] = str(value)
        for key, value in _mapping(data.get("texts"), name, "texts", problems).items():
            if not isinstance(value, str):
                problems.append(f"{name}: texts.{key} must be text. Put it in quotes.")
            elif str(key) in texts:
                problems.append(f"{name}: texts.{key} is defined twice. Keep one.")
            else:
                texts[str(key)] = value.strip()
        blocks = data.get("advice") or []
        if not isinstance(blocks, list):
            problems.append(f"{name}: 'advice' must be a list of blocks (each '- section: ...').")
        else:
            for number, block in enumerate(blocks, 1):
                parsed = _parse_block(name, number, block, problems)
                if parsed is not None:
                    advice.append(parsed)

    def setting(key: str) -> str | None:
        value = top.get(key, ("", None))[1]
        return None if value is None else str(value)

    start = setting("start")
    if start is None:
        problems.append("dialogue: no 'start:' state. Add 'start: <state name>' to one file.")
        start = ""
    red_flag = setting("red_flag")
    if red_flag is None:
        problems.append(
            "dialogue: no 'red_flag:' state. Red flags must be answered from every state: "
            "add 'red_flag: <state name>'."
        )
        red_flag = ""
    slot_kinds = _slot_kinds(states, remember)
    dialogue = Dialogue(
        id=setting("id") or "dialogue",
        start=start,
        states=states,
        remember=remember,
        intents=intents,
        commands=commands,
        red_flag=red_flag,
        resume=setting("resume"),
        sections=sections,
        advice=tuple(advice),
        hint=setting("hint")
        or "Sorry, I didn't catch that. Tap a button or answer in a few words.",
        slot_kinds=slot_kinds,
        texts=Texts(texts),
        several=frozenset(_names(top.get("several", ("", None))[1])),
        prefer={
            str(kind): tuple(_names(order))
            for kind, order in _mapping(
                top.get("prefer", ("", None))[1], "dialogue", "prefer", problems
            ).items()
        },
    )
    problems.extend(_validate(dialogue, vocabulary, top))
    if problems:
        raise DialogueError(problems)
    return dialogue


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _mapping(value: Any, file: str, key: str, problems: list[str]) -> Mapping[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{file}: {key!r} must be a mapping of names to values.")
        return {}
    return value


def _parse_state(file: str, name: str, body: Any, problems: list[str]) -> State | None:
    where = f"{file}: state {name!r}"
    if not isinstance(body, dict):
        problems.append(f"{where}: must be a mapping with 'say:' and other fields.")
        return None
    problems.extend(_unknown_fields(where, body, _STATE_KEYS))
    buttons = body.get("buttons") or []
    if not isinstance(buttons, list) or not all(isinstance(b, str | int) for b in buttons):
        problems.append(f"{where}: 'buttons' must be a list of texts, e.g. [Calf, Thigh].")
        buttons = []
    on = body.get("on") or {}
    if not isinstance(on, dict):
        problems.append(f"{where}: 'on' must map answers to states, e.g. 'yes: ask_duration'.")
        on = {}
    texts = {}
    for key in ("say", "expect", "save", "goto", "else", "hint", "do"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(f"{where}: {key!r} must be text, not {value!r}.")
            value = None
        texts[key] = value
    return State(
        name=name,
        file=file,
        say=(texts["say"] or "").strip(),
        buttons=tuple(str(b) for b in buttons),
        expect=texts["expect"],
        save=texts["save"],
        on={str(k): str(v) for k, v in on.items()},
        goto=texts["goto"],
        otherwise=texts["else"],
        hint=texts["hint"].strip() if texts["hint"] else None,
        do=texts["do"],
        advice=bool(body.get("advice", False)),
        reset=bool(body.get("reset", False)),
        anytime=bool(body.get("anytime", False)),
        end=bool(body.get("end", False)),
    )


def _parse_block(file: str, number: int, block: Any, problems: list[str]) -> AdviceBlock | None:
    where = f"{file}: advice block {number}"
    if not isinstance(block, dict) or not isinstance(block.get("say"), str):
        problems.append(f"{where}: needs 'section:' and 'say:' text.")
        return None
    problems.extend(_unknown_fields(where, block, _BLOCK_KEYS))
    level = str(block.get("level", "self_care"))
    if level not in _LEVELS:
        problems.append(f"{where}: level {level!r} is not one of {', '.join(_LEVELS)}.")
    when: dict[str, tuple[str, ...]] = {}
    raw_when = block.get("when") or {}
    if not isinstance(raw_when, dict):
        problems.append(f"{where}: 'when' must map slots to values, e.g. 'when: {{timing: now}}'.")
        raw_when = {}
    for slot, values in raw_when.items():
        items = values if isinstance(values, list) else [values]
        when[str(slot)] = tuple(str(v) for v in items)
    return AdviceBlock(
        section=str(block.get("section", "")),
        say=block["say"].strip(),
        when=when,
        level=level,
    )


def _slot_kinds(states: Mapping[str, State], remember: Mapping[str, str]) -> dict[str, str]:
    kinds = {slot: kind for kind, slot in remember.items()}
    for state in states.values():
        if state.save and state.expect:
            kinds.setdefault(state.save, state.expect)
            if state.expect == "duration":
                kinds.setdefault(minutes_slot(state.save), "number")
    kinds.update(ENGINE_SLOTS)
    return kinds


def targets(state: State) -> Iterator[str]:
    """Every state this one can move to."""
    yield from state.on.values()
    for target in (state.goto, state.otherwise):
        if target is not None:
            yield target


def _validate(
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

    for key in ("start", "red_flag", "resume"):
        value = getattr(dialogue, key)
        if value:
            check_target(f"{file_of(key)}: {key}", value)
    for label, target in dialogue.intents.items():
        check_target(f"intents.{label}", target)
        if "intent" in vocabulary.kinds() and label not in vocabulary.labels("intent"):
            problems.append(
                f"intents: {label!r} is not an intent label in the lexicon."
                f"{did_you_mean(label, vocabulary.labels('intent'))}"
            )
    for command, target in dialogue.commands.items():
        check_target(f"commands./{command}", target)
    for kind, order in dialogue.prefer.items():
        for label in order:
            if label not in vocabulary.labels(kind):
                problems.append(
                    f"prefer.{kind}: {label!r} is not a {kind} label the lexicon can produce."
                    f"{did_you_mean(label, vocabulary.labels(kind))}"
                )
    for kind in dialogue.several:
        if kind not in vocabulary.kinds():
            problems.append(
                f"several: {kind!r} is not a lexicon kind.{did_you_mean(kind, vocabulary.kinds())}"
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
        if state.do is not None and state.do not in ACTIONS:
            problems.append(
                f"{where}: do {state.do!r} is not an action. "
                f"Use one of {', '.join(sorted(ACTIONS))}."
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
        for slot, values in block.when.items():
            slot_kind = dialogue.slot_kinds.get(slot)
            if slot_kind is None:
                problems.append(
                    f"{where}: 'when' uses slot {slot!r}, which no state saves."
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
    if any(s.advice for s in states.values()) and not dialogue.advice:
        problems.append("dialogue: a state has 'advice: true' but there are no advice blocks.")

    if not problems:
        problems.extend(_check_reachability(dialogue))
        problems.extend(_check_slots(dialogue))
    return problems


def entry_points(dialogue: Dialogue) -> list[str]:
    """States the machine can jump to from anywhere: start, red flag, commands, intents."""
    entries = [dialogue.start, dialogue.red_flag]
    if dialogue.resume:
        entries.append(dialogue.resume)
    entries.extend(dialogue.commands.values())
    entries.extend(dialogue.intents.values())
    entries.extend(name for name, state in dialogue.states.items() if state.anytime)
    return [name for name in entries if name in dialogue.states]


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
        texts = [state.say, state.hint or ""]
        used = {m.group(1) for text in texts for m in SLOT_PATTERN.finditer(text)}
        for slot in sorted(used - known[name]):
            problems.append(
                f"{state.file}: state {name!r} uses {{{slot}}}, but {slot!r} is not saved on every "
                f"path to it.{did_you_mean(slot, everything)} Save it in an earlier state "
                "or remove it from the text."
            )
    return problems


def _unknown_fields(where: str, mapping: Mapping[Any, Any], known: set[str]) -> list[str]:
    return [
        f"{where}: unknown field {key!r}.{did_you_mean(str(key), known)}"
        for key in mapping
        if key not in known
    ]
