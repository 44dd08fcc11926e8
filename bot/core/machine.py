"""The dialogue as a value: a frozen state machine (the model; no I/O).

    Dialogue   every state, the global intents and commands, the advice blocks, the texts
    State      one node: what it says, what answer it expects, where each answer leads
    targets(state), entry_points(dialogue)   the machine's edges, for the engine and checks

bot/content/dialogue.py builds it from dialogues/<language>/*.yaml and bot/content/checks.py
refuses an inconsistent one; the file format is documented in dialogues/README.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.model import SlotValue
from bot.core.reading import CLAUSE_MARKS
from bot.core.texts import Texts

#: Answer kinds that need no lexicon.
BUILTIN_KINDS = frozenset({"number", "text"})
#: A target that means "the question the person was at before" (used by the resume prompt).
BACK = "back"
#: Slots the engine fills itself, usable in texts and advice conditions (slot -> kind).
#: `emergency_steps` and `urgent_steps` hold, while their state speaks, what to do now
#: for the signs read (composed from texts: see bot/core/triage.py).
ENGINE_SLOTS = {
    "red_flag": "red_flag",
    "recurring": "recurring",
    "urgent": "urgent",
    "emergency_steps": "text",
    "urgent_steps": "text",
    "recurrence": "text",  # what the recurrence rule that fired says (bot/core/advice.py)
}
ANY_PREFIX = "any "


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
    #: the question put another way, instead of the hint, when the person says again what
    #: is known already or is not sure ("its still goin" at "How long has it lasted?")
    again: str | None = None
    #: the question for the rest, when the slot already holds some labels of a kind that
    #: holds several ("mile 22 of the marathon": "Anything else?"), with those of
    #: `more_buttons` whose labels it does not hold yet
    more: str | None = None
    more_buttons: tuple[str, ...] = ()
    do: str | None = None
    advice: bool = False  # the care-level line and the top tips; logs the episode
    tips: tuple[str, ...] = ()  # the advice sections this state's message draws on
    sources: bool = False  # says where the tips just given come from
    reset: bool = False
    anytime: bool = False  # its buttons stay valid after the conversation moves on
    #: its buttons still answer later, once no question is open (the menu, the advice)
    reopen: bool = False
    end: bool = False  # the conversation ends here; the next message begins at `start`
    #: intent label -> state, in place of the dialogue's `intents:` while at this state
    #: ("start over" in the reminder settings leaves them, rather than start a cramp)
    intents: Mapping[str, str] = field(default_factory=dict)

    @property
    def asks(self) -> bool:
        """True when the state waits for an answer."""
        return self.expect is not None

    @property
    def advises(self) -> bool:
        """True when what the state says is composed from the advice blocks."""
        return self.advice or bool(self.tips) or self.sources


@dataclass(frozen=True, slots=True)
class AdviceBlock:
    """A tip, shown when every condition in `when` holds and none in `unless` does.

    `why` says in a few words why its `level` applies (the level line). `id` names it in
    the session (which tips were shown), `source` the part of the source it rests on (a
    key of `Dialogue.sources`), `name` the tip in a few words ("a slow stretch"), and
    `priority` how soon it is told: the lowest first.
    """

    section: str
    say: str
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    level: str = "self_care"
    unless: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    why: str = ""
    id: str = ""
    source: str = ""
    name: str = ""
    priority: int = 50
    file: str = ""


@dataclass(frozen=True, slots=True)
class Notice:
    """A line said once per cramp, first thing, as soon as its conditions hold.

    "Stretch it gently and hold" as soon as the person says the muscle is cramping
    now, before any further question. `when`/`unless` read like an advice block's.
    """

    id: str
    say: str
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unless: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: the ids of the advice blocks it says already: once said, the advice leaves them out
    covers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Later:
    """A question said alongside a cramp, answered after the advice (`answer_after:`).

    "calf cramped after my run, lasted 10 min, why does this keep happening?": a
    message with a label of `kind` in `states` and at least `details` details of the
    cramp (kinds of `remember:`) starts the cramp questions at `start`; once the
    advice is given, the state for the label answers the question. With fewer details
    (one at least), the state for the label under `now` answers it first.
    """

    start: str
    kind: str
    states: Mapping[str, str]
    details: int = 2
    #: label -> the state answering it at once, when the message gives at least one
    #: detail but fewer than `details` ("my toes cramped, should I be worried?"): said,
    #: then the cramp questions start at `start` with what the message said
    now: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SafetyNet:
    """What the bot does with a message about the body that it does not understand.

    `kinds`: lexicon kinds, and `words`: plain words ("unwell", "sick"), that make a
    message about the body. Such a message not understood gets the reminder of the
    emergency number; two in a row lead to `screen`, a question whose buttons are
    warning signs. `cramp_kinds` name only the cramp itself ("stilllll cramping"): a
    message about the body through them alone, with none of `words`, is someone
    answering about their cramp; it gets the reminder, never the screening question.
    """

    screen: str
    kinds: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    cramp_kinds: frozenset[str] = frozenset()


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
    urgent: str | None  # state that answers a sign that needs care today, then leads back
    resume: str | None  # state that welcomes back a person idle mid-conversation
    sections: Mapping[str, str]  # advice section id -> heading, in order
    advice: tuple[AdviceBlock, ...]
    hint: str
    slot_kinds: Mapping[str, str]  # slot -> the kind whose labels it holds
    texts: Texts = field(default_factory=Texts)  # what the code says, by key (`texts:`)
    several: frozenset[str] = frozenset()  # kinds whose slots keep every label mentioned
    #: kind -> words that make the first label mentioned count ("mostly the calf, quad a
    #: bit too")
    first: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: kind -> words or phrases that tie the label nearest them in their clause to less
    #: than another ("quad a bit, but mostly my calf": the quad is not the one)
    second: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: kind -> words that say a bare number is of that kind ("the pain was 9")
    numbers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: kind -> phrases that say where on the answer given it is ("right side" after
    #: "hip"): a label read inside one of them changes no answer given before
    sides: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: intents answered before anything else the message says (a dose question), then
    #: the message goes on to the question, as for an urgent sign
    answer_first: frozenset[str] = frozenset()
    prefer: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> labels first
    #: kind -> labels that give way to any other of their kind said with them ("leg")
    vague: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    safety_net: SafetyNet | None = None  # what a message about the body not understood gets
    #: what an advice block's `source:` may name -> what that part of the source is about
    sources: Mapping[str, str] = field(default_factory=dict)
    #: where `back` leads when no question is noted (a person with nothing under way)
    home: str | None = None
    #: the intent label that goes back to the previous question, its answer cleared
    go_back: str | None = None
    #: words that mark a message as a correction ("wait no, it's my quad")
    correction_words: frozenset[str] = frozenset()
    #: words that join the parts of a message ("and", "but"): a drink's "now" is its part's
    clause_words: frozenset[str] = frozenset()
    #: words that set one part against another ("but"): a drink told against the cramp
    contrast_words: frozenset[str] = frozenset()
    #: `sides`: the sides of a part said as "of it" ("back of it"); `it`: the words for it
    of_it: Mapping[str, frozenset[str]] = field(default_factory=dict)
    notices: tuple[Notice, ...] = ()  # lines said once per cramp, before the next question
    answer_after: Later | None = None  # questions said alongside a cramp, answered after
    #: the slots some question saves (derived from `states`)
    questions: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        saved = frozenset(state.save for state in self.states.values() if state.save)
        object.__setattr__(self, "questions", saved)

    def value(
        self,
        kind: str,
        labels: tuple[str, ...],
        tokens: Sequence[str] = (),
        spots: Sequence[tuple[str, int]] = (),
    ) -> str:
        """The slot value for labels of `kind` found in one message (of words `tokens`,
        each label at the token index of `spots`).

        All of them ("hot+intense") for kinds listed under `several`; else the first
        of them in the kind's `prefer` order; else, when the message has one of the
        kind's `first` or `second` words and no correction word, the one they point to
        (`lead`); else the last one mentioned ("the back of the knee, the calf"). A label
        listed under `vague` counts only alone ("the back of my leg, the calf" is the calf),
        and so does one read inside a `sides` phrase ("glute, right side" is the glutes).
        """
        if kind in self.several:
            return "+".join(labels)
        labels = self.definite(kind, labels)
        sides = self.sides.get(kind)
        if sides and len(labels) > 1:
            # "glute, right side": a label read inside a `sides` phrase gives way.
            inside = {i + k for i, width in spans(tokens, sides) for k in range(width)}
            outside = {label for label, at in spots if at not in inside}
            labels = tuple(label for label in labels if label in outside) or labels
        for label in self.prefer.get(kind, ()):
            if label in labels:
                return label
        if self.first_counts(kind, tokens):
            return self.lead(kind, labels, tokens, spots)
        return last_said(labels, spots)

    def asks_cramp(self, state: State) -> bool:
        """Whether `state` asks about the cramp: its answer is one `remember` keeps."""
        return state.save is not None and state.save in self.remember.values()

    def definite(self, kind: str, labels: tuple[str, ...]) -> tuple[str, ...]:
        """`labels` without the kind's `vague` ones, unless those are all there is ("the
        back of my leg, the calf" is the calf; "the leg" alone stays the leg)."""
        vague = self.vague.get(kind, ())
        return tuple(label for label in labels if label not in vague) or labels

    def lead(
        self,
        kind: str,
        labels: tuple[str, ...],
        tokens: Sequence[str],
        spots: Sequence[tuple[str, int]],
    ) -> str:
        """Of several labels, the one a `first` word points to: the label nearest it in
        its own clause ("hamstring and calf, the calf is worse", "quad a bit, but mostly
        my calf": the calf; "both my calf and my quad": the calf). Failing that, the first
        named that a `second` word ("too", "a bit") does not point to ("mostly the calf,
        quad a bit too": the calf); failing that, the first named."""
        places = [(label, at) for label, at in spots if label in labels]
        clause = [0] * (len(tokens) + 1)
        for i, token in enumerate(tokens):
            clause[i + 1] = clause[i] + (token in CLAUSE_MARKS)

        def nearest(i: int, width: int) -> str | None:
            here = [
                (min(abs(at - i), abs(at - (i + width - 1))), at < i, label)
                for label, at in places
                if at < len(tokens) and clause[at] == clause[i]
            ]
            return min(here)[2] if here else None

        for i, width in spans(tokens, self.first.get(kind, frozenset())):
            found = nearest(i, width)
            if found is not None:
                return found
        lesser = {
            found
            for i, width in spans(tokens, self.second.get(kind, frozenset()))
            if (found := nearest(i, width)) is not None
        }
        rest = [label for label in labels if label not in lesser]
        return rest[0] if rest else labels[0]

    def first_counts(self, kind: str, tokens: Sequence[str]) -> bool:
        """Whether a `first` or `second` word of `kind` in a message (of words `tokens`)
        chooses among its labels: it has one and no correction word."""
        marks = self.first.get(kind, frozenset()) | self.second.get(kind, frozenset())
        return bool(spans(tokens, marks)) and not any(t in self.correction_words for t in tokens)

    def intent(self, state: State, label: str | None) -> str | None:
        """Where intent `label` leads from `state`: its own `intents:`, else the dialogue's."""
        if label is None:
            return None
        return state.intents.get(label) or self.intents.get(label)


def minutes_slot(slot: str) -> str:
    """Where the engine keeps, beside a duration saved in `slot`, its length in minutes."""
    return f"{slot}_minutes"


def targets(state: State) -> Iterator[str]:
    """Every state this one can move to."""
    yield from state.on.values()
    yield from state.intents.values()
    for target in (state.goto, state.otherwise):
        if target is not None:
            yield target


def entry_points(dialogue: Dialogue) -> list[str]:
    """States the machine can jump to from anywhere: start, red flag, urgent, the safety
    net's screen, commands, intents."""
    entries = [dialogue.start, dialogue.red_flag]
    for other in (dialogue.resume, dialogue.urgent, dialogue.home):
        if other:
            entries.append(other)
    if dialogue.safety_net is not None:
        entries.append(dialogue.safety_net.screen)
    entries.extend(dialogue.commands.values())
    entries.extend(dialogue.intents.values())
    if dialogue.answer_after is not None:
        # Its `states` are reached only after the advice, as the advice's follow-ups are.
        entries.append(dialogue.answer_after.start)
    entries.extend(name for name, state in dialogue.states.items() if state.anytime)
    return [name for name in entries if name in dialogue.states]


def slot_labels(value: SlotValue | None) -> tuple[str, ...]:
    """ "clot+dark_urine" -> ("clot", "dark_urine"); nothing -> ()."""
    return tuple(value.split("+")) if isinstance(value, str) and value else ()


def last_said(labels: tuple[str, ...], spots: Sequence[tuple[str, int]]) -> str:
    """Of `labels`, the one said last: the one whose last mention (`spots`, each label at
    its token index) comes last ("foot cramped, toes fine, it's the arch" is the foot),
    else the last listed."""
    last = {label: at for label, at in spots if label in labels}
    if not last:
        return labels[-1]
    return max(last, key=last.__getitem__)


def spans(tokens: Sequence[str], phrases: frozenset[str]) -> list[tuple[int, int]]:
    """Where each of `phrases` (a word, or words joined by spaces: "a bit") stands in
    `tokens`, in order: its first index and its length in words."""
    found = []
    for phrase in phrases:
        words = phrase.split()
        for i in range(len(tokens) - len(words) + 1):
            if list(tokens[i : i + len(words)]) == words:
                found.append((i, len(words)))
    return sorted(found)
