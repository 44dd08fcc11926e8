"""dialogues/<language>/*.yaml -> one Dialogue, or DialogueError listing every problem.

Every file of a language's folder is read and together they form one machine (a file
may hold only some of the states). Each problem names the file, the state and a fix;
all of them are reported at once. Consistency (targets, reachability, slots, labels)
is checked by bot/content/checks.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args

from bot.content.checks import validate
from bot.content.yamlfile import load_yaml
from bot.core.machine import (
    ENGINE_SLOTS,
    AdviceBlock,
    Dialogue,
    Later,
    Notice,
    SafetyNet,
    State,
    Vocabulary,
    minutes_slot,
)
from bot.core.model import AdviceLevel
from bot.core.texts import Texts
from bot.errors import ContentError, DialogueError, did_you_mean

_TOP_KEYS = {
    "id",
    "start",
    "states",
    "remember",
    "intents",
    "commands",
    "red_flag",
    "urgent",
    "resume",
    "safety_net",
    "answer_first",
    "advice",
    "sections",
    "sources",
    "hint",
    "several",
    "first",
    "second",
    "numbers",
    "sides",
    "prefer",
    "vague",
    "texts",
    "home",
    "go_back",
    "corrections",
    "clause_words",
    "contrast_words",
    "of_it",
    "notices",
    "answer_after",
}

#: Top-level keys that every file may add to (the others are set once).
_MERGED_KEYS = {
    "states",
    "commands",
    "intents",
    "remember",
    "advice",
    "sections",
    "sources",
    "texts",
}

_STATE_KEYS = {
    "say",
    "buttons",
    "expect",
    "save",
    "on",
    "goto",
    "else",
    "hint",
    "again",
    "more",
    "more_buttons",
    "do",
    "advice",
    "tips",
    "sources",
    "reset",
    "anytime",
    "end",
    "intents",
    "reopen",
}

_BLOCK_KEYS = {
    "id",
    "section",
    "when",
    "unless",
    "say",
    "level",
    "why",
    "source",
    "name",
    "priority",
}
_NET_KEYS = {"screen", "kinds", "words", "cramp_kinds"}
_NOTICE_KEYS = {"id", "when", "unless", "say", "covers"}
_LATER_KEYS = {"start", "kind", "states", "details", "now"}

_LEVELS: tuple[str, ...] = get_args(AdviceLevel)


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
    sources: dict[str, str] = {}
    texts: dict[str, str] = {}
    advice: list[AdviceBlock] = []
    for name, data in files:
        for key, value in data.items():
            if key not in _TOP_KEYS:
                problems.append(
                    f"{name}: unknown top-level key {key!r}.{did_you_mean(key, _TOP_KEYS)}"
                )
            elif key in _MERGED_KEYS:
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
        for key, value in _mapping(data.get("sources"), name, "sources", problems).items():
            if not isinstance(value, str) or not value.strip():
                problems.append(
                    f"{name}: sources.{key} must say in words what that part of the source "
                    "is about, e.g. 'relief: the article's part on easing a cramp'."
                )
            elif str(key) in sources:
                problems.append(f"{name}: sources.{key} is defined twice. Keep one.")
            else:
                sources[str(key)] = " ".join(value.split())
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
    hint = setting("hint")
    if hint is None:
        problems.append(
            "dialogue: no 'hint:'. Add 'hint: <what to say when an answer is not understood>', "
            "e.g. 'hint: Sorry, I didn't get that. Tap a button or answer in a few words.'"
        )
        hint = ""
    slot_kinds = _slot_kinds(states, remember)
    dialogue = Dialogue(
        id=setting("id") or "dialogue",
        start=start,
        states=states,
        remember=remember,
        intents=intents,
        commands=commands,
        red_flag=red_flag,
        urgent=setting("urgent"),
        resume=setting("resume"),
        sections=sections,
        advice=tuple(advice),
        hint=hint,
        slot_kinds=slot_kinds,
        texts=Texts(texts),
        several=frozenset(_names(top.get("several", ("", None))[1])),
        first=_words_by_kind(top, "first", problems),
        second=_words_by_kind(top, "second", problems),
        numbers=_words_by_kind(top, "numbers", problems),
        sides=_words_by_kind(top, "sides", problems),
        answer_first=frozenset(_names(top.get("answer_first", ("", None))[1])),
        prefer={
            str(kind): tuple(_names(order))
            for kind, order in _mapping(
                top.get("prefer", ("", None))[1], "dialogue", "prefer", problems
            ).items()
        },
        vague={
            str(kind): tuple(_names(labels))
            for kind, labels in _mapping(
                top.get("vague", ("", None))[1], "dialogue", "vague", problems
            ).items()
        },
        safety_net=_safety_net(top.get("safety_net", ("", None)), problems),
        sources=sources,
        home=setting("home"),
        go_back=setting("go_back"),
        correction_words=_words(top, "corrections"),
        clause_words=_words(top, "clause_words"),
        contrast_words=_words(top, "contrast_words"),
        of_it=_words_by_kind(top, "of_it", problems),
        notices=_notices(top.get("notices", ("", None)), problems),
        answer_after=_answer_after(top.get("answer_after", ("", None)), problems),
    )
    problems.extend(validate(dialogue, vocabulary, top))
    if problems:
        raise DialogueError(problems)
    return dialogue


def _words(top: Mapping[str, tuple[str, Any]], key: str) -> frozenset[str]:
    """A list of words (`corrections`, `clause_words`, `contrast_words`), lower-cased."""
    return frozenset(w.lower() for w in _names(top.get(key, ("", None))[1]))


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _words_by_kind(
    top: Mapping[str, tuple[str, Any]], key: str, problems: list[str]
) -> dict[str, frozenset[str]]:
    """A `kind: [words]` setting (`first`, `second`, `numbers`, `sides`), checked."""
    file, value = top.get(key, ("dialogue", None))
    return {
        str(kind): frozenset(_names(words))
        for kind, words in _mapping(value, file or "dialogue", key, problems).items()
    }


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
    more_buttons = body.get("more_buttons") or []
    if not isinstance(more_buttons, list) or not all(
        isinstance(b, str | int) for b in more_buttons
    ):
        problems.append(f"{where}: 'more_buttons' must be a list of texts, e.g. [Hot, No].")
        more_buttons = []
    on = body.get("on") or {}
    if not isinstance(on, dict):
        problems.append(f"{where}: 'on' must map answers to states, e.g. 'yes: ask_duration'.")
        on = {}
    intents = body.get("intents") or {}
    if not isinstance(intents, dict):
        problems.append(f"{where}: 'intents' must map intents to states, e.g. 'restart: menu'.")
        intents = {}
    texts = {}
    for key in ("say", "expect", "save", "goto", "else", "hint", "again", "more", "do"):
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
        again=texts["again"].strip() if texts["again"] else None,
        more=texts["more"].strip() if texts["more"] else None,
        more_buttons=tuple(str(b) for b in more_buttons),
        do=texts["do"],
        advice=bool(body.get("advice", False)),
        tips=tuple(_names(body.get("tips"))),
        sources=bool(body.get("sources", False)),
        reset=bool(body.get("reset", False)),
        anytime=bool(body.get("anytime", False)),
        reopen=bool(body.get("reopen", False)),
        end=bool(body.get("end", False)),
        intents={str(k): str(v) for k, v in intents.items()},
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
    why = block.get("why", "")
    if not isinstance(why, str):
        problems.append(f"{where}: 'why' must be text, e.g. 'why: the cramp was very painful'.")
        why = ""
    fields = {}
    for key, example in (("id", "stretch_now"), ("source", "relief"), ("name", "a slow stretch")):
        value = block.get(key, "")
        if not isinstance(value, str):
            problems.append(f"{where}: {key!r} must be text, e.g. '{key}: {example}'.")
            value = ""
        fields[key] = " ".join(value.split())
    priority = block.get("priority", 50)
    if not isinstance(priority, int) or isinstance(priority, bool):
        problems.append(
            f"{where}: 'priority' must be a whole number (the lowest is told first), "
            "e.g. 'priority: 20'."
        )
        priority = 50
    return AdviceBlock(
        section=str(block.get("section", "")),
        say=block["say"].strip(),
        when=_conditions(where, "when", block.get("when"), problems),
        level=level,
        unless=_conditions(where, "unless", block.get("unless"), problems),
        why=" ".join(why.split()),
        id=fields["id"],
        source=fields["source"],
        name=fields["name"],
        priority=priority,
        file=file,
    )


def _conditions(where: str, key: str, raw: Any, problems: list[str]) -> dict[str, tuple[str, ...]]:
    """`when:` or `unless:` of an advice block: slot -> the labels it is tested against."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(
            f"{where}: {key!r} must map slots to values, e.g. '{key}: {{timing: now}}'."
        )
        return {}
    return {
        str(slot): tuple(str(v) for v in (values if isinstance(values, list) else [values]))
        for slot, values in raw.items()
    }


def _notices(entry: tuple[str, Any], problems: list[str]) -> tuple[Notice, ...]:
    """`notices:` at the top of a file: a list of `- id: ..., when: ..., say: ...`."""
    file, raw = entry
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{file}: 'notices' must be a list (each '- id: ...').")
        return ()
    notices: list[Notice] = []
    for number, item in enumerate(raw, 1):
        where = f"{file}: notice {number}"
        if not isinstance(item, dict) or not all(
            isinstance(item.get(key), str) for key in ("id", "say")
        ):
            problems.append(f"{where}: needs 'id:' (a name) and 'say:' (the line to say).")
            continue
        problems.extend(_unknown_fields(where, item, _NOTICE_KEYS))
        if any(n.id == item["id"] for n in notices):
            problems.append(f"{where}: id {item['id']!r} is used twice. Give each its own.")
        notices.append(
            Notice(
                id=item["id"],
                say=" ".join(item["say"].split()),
                when=_conditions(where, "when", item.get("when"), problems),
                unless=_conditions(where, "unless", item.get("unless"), problems),
                covers=tuple(_names(item.get("covers"))),
            )
        )
    return tuple(notices)


def _answer_after(entry: tuple[str, Any], problems: list[str]) -> Later | None:
    """`answer_after:` at the top of a file: `start`, `kind`, `states`, `details`."""
    file, raw = entry
    if raw is None:
        return None
    where = f"{file}: answer_after"
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("start"), str)
        or not isinstance(raw.get("kind"), str)
        or not isinstance(raw.get("states"), dict)
    ):
        problems.append(
            f"{where}: must be a mapping with 'start: <state>', 'kind: <lexicon kind>' and "
            "'states: {label: state}'."
        )
        return None
    problems.extend(_unknown_fields(where, raw, _LATER_KEYS))
    now = raw.get("now") or {}
    if not isinstance(now, dict):
        problems.append(f"{where}: 'now' must map labels to states, e.g. 'causes: causes'.")
        now = {}
    details = raw.get("details", 2)
    if not isinstance(details, int) or details < 1:
        problems.append(f"{where}: 'details' must be a whole number of 1 or more.")
        details = 2
    return Later(
        start=raw["start"],
        kind=raw["kind"],
        states={str(k): str(v) for k, v in raw["states"].items()},
        details=details,
        now={str(k): str(v) for k, v in now.items()},
    )


def _safety_net(entry: tuple[str, Any], problems: list[str]) -> SafetyNet | None:
    """`safety_net:` at the top of a file: `screen`, `kinds` and `words`."""
    file, raw = entry
    if raw is None:
        return None
    where = f"{file}: safety_net"
    if not isinstance(raw, dict) or not isinstance(raw.get("screen"), str):
        problems.append(
            f"{where}: must be a mapping with 'screen: <state>' and the 'kinds:' and "
            "'words:' that make a message about the body."
        )
        return None
    problems.extend(_unknown_fields(where, raw, _NET_KEYS))
    stray = set(_names(raw.get("cramp_kinds"))) - set(_names(raw.get("kinds")))
    if stray:
        problems.append(
            f"{where}: 'cramp_kinds' {sorted(stray)} must be among its 'kinds'; add them there."
        )
    return SafetyNet(
        screen=raw["screen"],
        kinds=frozenset(_names(raw.get("kinds"))),
        words=frozenset(w.lower() for w in _names(raw.get("words"))),
        cramp_kinds=frozenset(_names(raw.get("cramp_kinds"))),
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


def _unknown_fields(where: str, mapping: Mapping[Any, Any], known: set[str]) -> list[str]:
    return [
        f"{where}: unknown field {key!r}.{did_you_mean(str(key), known)}"
        for key in mapping
        if key not in known
    ]
