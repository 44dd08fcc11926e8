"""How a turn moves through the machine: arriving at states, skipping questions the
person has answered already, remembering what a message says, noting where to go `back`.

    Draft   the turn being built: slots, replies, effects, the episode
    Moves   the moves one turn makes, on one dialogue, for one person at one time

Used by engine.step, which decides what a message does; pure, like it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.advice import TOLD_SLOT, UNSAID, advise, fits
from bot.core.answers import NONE, as_asked, held, resolve, takes_numbers
from bot.core.machine import BACK, Dialogue, State, minutes_slot, slot_labels, spans, targets
from bot.core.matcher import Match, Matcher, Reading
from bot.core.model import Episode, Reply, SlotValue
from bot.core.reading import CLAUSE_MARKS
from bot.core.recurrence import RecurrenceRules
from bot.core.render import render
from bot.core.saying import duration_words
from bot.core.triage import about_the_body, only_the_cramp

#: Longest chain of states one turn may pass through (guards against cycles of skips).
MAX_HOPS = 30
BACK_SLOT = "_back"
#: The short line over a state's buttons when the conversation comes back to it.
BACK_HERE = "back_here"
#: How many messages about the body in a row were not understood (the safety net).
UNCLEAR_SLOT = "_unclear"
#: A question said alongside a cramp, answered after the advice (Dialogue.answer_after).
THEN_SLOT = "_then"
#: The questions answered so far in this conversation, oldest first ("go back" pops one).
TRAIL_SLOT = "_trail"
#: The questions skipped because a message answered them before they were asked
#: ("realy bad" said first: the pain question is never asked), space-separated.
SKIPPED_SLOT = "_skipped"
#: The kind whose labels a pain score from 0 to 10 gives, and its top.
SCORE_KIND, SCORE_TOP = "severity", 10
#: The question at which the person was last asked again in other words (`again:`).
AGAIN_SLOT = "_again"


@dataclass(slots=True)
class Draft:
    """The turn being built (mutable, private to one call of `step`)."""

    slots: dict[str, SlotValue]
    replies: list[Reply]
    effects: list[tuple[int, str]]
    episode: Episode | None = None
    #: the logged episode as a correction after the advice changed it
    amended: Episode | None = None
    understood: bool = True
    #: replies before this index come first (an urgent care line); notices go here
    lead: int = 0
    #: the state that answers a question said alongside a cramp, once the advice is given
    then: str | None = None
    #: whether `then` was asked in this message (a reset keeps only such a question)
    then_new: bool = False


def correction_cues(dialogue: Dialogue, reading: Reading) -> list[int]:
    """Where a message marks itself as a correction: each correction word (the dialogue's
    `corrections:`) that begins no answer ("not that bad", "nope") and denies none ("not
    hot though": that is the answer)."""
    answers = {m.start for m in reading.matches if m.kind in dialogue.remember}
    answers |= {
        m.start - k
        for m in reading.matches
        if m.negated and m.kind in dialogue.remember
        for k in (1, 2)
    }
    words, tokens = dialogue.correction_words, reading.tokens
    return [
        i
        for i, token in enumerate(tokens)
        if (token in words or " ".join(tokens[i : i + 2]) in words) and i not in answers
    ]


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

    def known(self, state: State, slots: Mapping[str, SlotValue]) -> bool:
        """Whether the answer to `state` is known, so it need not be asked: a vague one
        ("cramp in the leg": the dialogue's `vague:` labels) is asked all the same."""
        assert state.save is not None
        value = slots.get(state.save)
        return value is not None and value not in self.dialogue.vague.get(state.expect or "", ())

    def save(
        self, state: State, slots: dict[str, SlotValue], value: SlotValue, reading: Reading
    ) -> None:
        if state.save is None:
            return
        have = [x for x in held(state, slots) if x != NONE]
        if have:
            # "Anything else?" (`more:`): the labels held stay; "no" adds nothing.
            added = [x for x in slot_labels(value) if x not in have and x != NONE]
            value = "+".join((*have, *added))
        slots[state.save] = value
        keep_minutes(slots, state.save, state.expect, reading)
        note_answered(slots, state.name)

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
                slots[slot] = self.dialogue.value(kind, labels, reading.tokens, reading.spots(kind))
                keep_minutes(slots, slot, kind, reading)
            elif labels and kind in self.dialogue.several:
                # Kinds that hold several labels gather them ("a child", then "she's on
                # blood thinners"); a "none" gives way to what is said after it.
                known = [x for x in slot_labels(slots[slot]) if x != NONE]
                gathered = (*known, *(x for x in labels if x not in known))
                slots[slot] = "+".join(x for x in gathered if x != NONE or len(gathered) == 1)

    def hand_over(self, name: str, draft: Draft, reading: Reading) -> str:
        """Offer the message to the question of state `name`, just arrived at.

        If it answers it, that question is not shown and the conversation moves on.
        """
        state = self.dialogue.states[name]
        answer = self.resolve(state, reading)
        if answer is None:
            return name
        have = held(state, draft.slots)
        if have and set(slot_labels(answer[0])) <= set(have):
            return name  # "Anything else?" is not answered by what it was asked after
        drop_question(draft, name)  # the message already answers that question
        self.save(state, draft.slots, answer[0], reading)
        return self.arrive(answer[1], draft, reading)

    def question(
        self,
        state: State,
        slots: Mapping[str, SlotValue],
        hint: bool = False,
        remind: bool = False,
    ) -> Reply:
        state = as_asked(self.dialogue, self.matcher, state, slots)
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
        screening question itself is not screened again, and a message about the cramp
        alone ("stilllll cramping" at "is it cramping right now?") is someone answering
        the question in words the bot missed: it is reminded, never screened.
        """
        net = self.dialogue.safety_net
        if net is None or not about_the_body(net, reading):
            return None
        if current is not None and current.name == net.screen:
            return "remind"
        if only_the_cramp(net, reading):
            if isinstance(before, int) and before:
                draft.slots[UNCLEAR_SLOT] = before  # neither counted nor forgotten
            return "remind"
        count = (before if isinstance(before, int) else 0) + 1
        if count >= 2:
            return "screen"
        draft.slots[UNCLEAR_SLOT] = count
        return "remind"

    def render(self, text: str, slots: Mapping[str, SlotValue]) -> str:
        return render(self.dialogue, self.matcher, text, slots)

    def step_back(self, draft: Draft) -> str | None:
        """The question answered last, its answer cleared; None when there is none."""
        trail = trail_of(draft.slots)
        while trail:
            name = trail.pop()
            state = self.dialogue.states.get(name)
            if state is None or state.save is None:
                continue
            draft.slots.pop(state.save, None)
            draft.slots.pop(minutes_slot(state.save), None)
            draft.slots[TRAIL_SLOT] = " ".join(trail)
            return name
        draft.slots.pop(TRAIL_SLOT, None)
        return None

    def correct(
        self,
        before: Mapping[str, SlotValue],
        slots: dict[str, SlotValue],
        reading: Reading,
        asked: str | None,
        current: State | None = None,
        advised: bool = False,
    ) -> tuple[list[str], list[str], bool]:
        """Take what the message changes of answers given before; say what it gave.

        "wait no actually it's my quad not my hamstring": an answer already given is
        replaced only when the message marks itself as a correction (one of the
        dialogue's `corrections:` words) or names the old answer too. Kinds that
        gather labels (`several`) are only added to, by `remember`. Returns what to
        say back: the answers changed ("front of the thigh, not the hamstring"), and
        the answers to questions not asked yet that `remember` kept (slot `asked`,
        the open question's, aside); and whether a bare number went to an answer given
        before ("no wait more like 20"), so that it answers nothing else (`number`).

        After the advice (`advised`), a message that gives one answer only, another than
        the one given ("and it was more like 9/10"), is a correction without a word for
        it; so is one at a question (`current`, the question open) that gives only one
        answer, of another question ("its my calf" at the timing question, after
        "hamstring"). Past the advice (after "thx") only a marked correction counts.
        """
        questions = self.dialogue.questions
        tokens = reading.tokens
        cues = correction_cues(self.dialogue, reading)
        cue = bool(cues)
        reading = self._past_opening(reading)
        reading, sides = self._past_sides(before, reading)
        answered = current is not None and self.resolve(current, reading) is not None
        # "its my calf" after "hamstring": a message that gives one answer only, another
        # than the one given, changes it without a correction word.
        given = [
            (kind, labels)
            for kind, slot in self.dialogue.remember.items()
            if slot in questions and (labels := reading.labels(kind))
        ]
        sole = (
            len(given) == 1
            and len(given[0][1]) == 1
            and all(m.kind == given[0][0] for m in reading.matches)
            and (advised or (current is not None and not answered))
        )
        changed: list[str] = []
        noted: list[str] = list(sides)
        for kind, slot in self.dialogue.remember.items():
            labels = reading.labels(kind)
            # "right leg front of thigh" after "quad": a `vague` label said with another
            # of its kind changes nothing, as it counts for nothing in a first answer.
            labels = self.dialogue.definite(kind, labels)
            if not labels or slot not in questions or slot == asked:
                continue
            old = before.get(slot)
            if old is None:
                if slot in slots:
                    noted.append(self._said(slot, slots))
                continue
            if kind in self.dialogue.several:
                continue
            new = tuple(label for label in labels if label != old)
            # "wait no, more like 10 min" after "3 mins": the same label, another figure
            figure = reading.duration_minutes
            refigured = figure is not None and before.get(minutes_slot(slot)) not in (None, figure)
            if not (new or ((cue or (advised and sole)) and refigured)):
                continue
            if not (cue or sole or old in labels or old in reading.negated(kind)):
                continue
            # "just my leg is sore now" after "hamstring": the hamstring is in the leg; only
            # "my leg, not my hamstring" (the old answer denied) changes it
            vague = self.dialogue.vague.get(kind, ())
            if (
                new
                and set(new) <= set(vague)
                and old not in vague
                and old not in reading.negated(kind)
            ):
                continue
            slots[slot] = self.dialogue.value(kind, new or labels)
            keep_minutes(slots, slot, kind, reading)
            changed.append(
                self.dialogue.texts.say(
                    "answer_changed",
                    now=self._said(slot, slots),
                    before=self._said(slot, before),
                )
            )
        used = False
        if not changed:
            # "7 and it's not easing" at "how bad is it?": a number before every correction
            # word answers the question open, and corrects nothing.
            digits = next((i for i, t in enumerate(tokens) if t[:1].isdigit()), None)
            answers_open = (
                cue
                and answered
                and digits is not None
                and digits < cues[0]
                and current is not None
                and self.takes_numbers(current)
            )
            heard, used = self.number(
                before, slots, reading, current, cue and not answers_open, advised, answered
            )
            (noted if heard and heard[0] is None else changed).extend(
                x for x in heard if x is not None
            )
        said = [self.dialogue.texts.say("answer_noted", said=", ".join(noted))] if noted else []
        return changed, said, used

    def number(
        self,
        before: Mapping[str, SlotValue],
        slots: dict[str, SlotValue],
        reading: Reading,
        current: State | None,
        cue: bool,
        advised: bool,
        answered: bool,
    ) -> tuple[list[str | None], bool]:
        """The one rule for a bare number at a question it does not answer (`answered`:
        whether the message answers the question open, `current`).

        - While the pain score is not known, a number from 0 to 10 at a question that takes
          no numbers is the pain score ("7" at "Where is the cramp?"): noted, said back;
          one that gives the level known already ("8" once "realy bad" gave severe) is
          said back too.
        - An answer given before (the pain score, read from words such as "realy bad" or
          given) changes only with a correction word ("no wait, more like 8", "actually the
          pain was 9"), or after the advice when the message names the answer's kind
          (`numbers:` words: "the pain was 9"; a length with its unit).
        A signed number ("-3") is none (the engine reads it without). Returns what to say
        back (led by None when it was noted, not changed) and whether the number was used.
        """
        number = reading.number
        if number is None:
            return [], False
        if (
            current is not None
            and not reading.matches
            and not self.takes_numbers(current)
            and 0 <= number <= SCORE_TOP
            and not answered
        ):
            label = self.matcher.label_for_number(SCORE_KIND, number)
            for state in self.dialogue.states.values():
                if state.expect != SCORE_KIND or state.save is None or label is None:
                    continue
                if state.save not in slots:
                    slots[state.save] = label
                if slots[state.save] == label and not cue:
                    # Noted, or "8" once "realy bad" gave severe: the same, said back.
                    return [None, self._said(state.save, slots)], True
                break
        named = self._named_kind(reading)
        if not (cue or (advised and named is not None)):
            return [], False
        changed = self._correct_last(before, slots, number, named)
        return list(changed), bool(changed)

    def _past_sides(
        self, before: Mapping[str, SlotValue], reading: Reading
    ) -> tuple[Reading, list[str]]:
        """`reading` without the labels read inside a `sides` phrase of a kind answered
        before: "right side" after "hip" says where on the hip, not a side stitch. Also
        what to say back for each ("hip, right side"), when the message names no other
        label of the kind ("glute, right side" changes the muscle, and says so itself)."""
        dropped: set[int] = set()
        said: list[str] = []
        for kind, phrases in self.dialogue.sides.items():
            slot = self.dialogue.remember.get(kind)
            if slot is None or before.get(slot) is None:
                continue
            found = spans(reading.tokens, phrases)
            inside = {i + k for i, width in found for k in range(width)}
            matches = list(enumerate(reading.matches))
            hits = {n for n, m in matches if m.kind == kind and m.start in inside}
            if not hits:
                continue
            dropped |= hits
            if any(m.kind == kind and n not in hits for n, m in matches):
                continue
            for i, width in found:
                side = " ".join(reading.tokens[i : i + width])
                said.append(f"{self._said(slot, before)}, {side}")
        if not dropped:
            return reading, []
        kept = tuple(m for n, m in enumerate(reading.matches) if n not in dropped)
        return replace(reading, matches=kept), said

    def takes_numbers(self, state: State) -> bool:
        """Whether a bare number answers `state`."""
        return takes_numbers(self.dialogue, self.matcher, state.name)

    def _named_kind(self, reading: Reading) -> str | None:
        """The kind a number is said to be of: one of its `numbers:` words ("the pain was
        9") or, for a length, its unit; None when the message names none."""
        tokens = set(reading.tokens)
        for kind, words in self.dialogue.numbers.items():
            if tokens & words:
                return kind
        return None

    def _said(self, slot: str, slots: Mapping[str, SlotValue]) -> str:
        """An answer as said back: a length by its figure ("about 10 min"), else in words."""
        minutes = slots.get(minutes_slot(slot))
        if isinstance(minutes, int | float):
            return duration_words(minutes, self.dialogue.texts) or ""
        return self.render(f"{{{slot}}}", slots)

    def _past_opening(self, reading: Reading) -> Reading:
        """The message read without the correction words it opens with ("no wait, ...").

        Read whole, the opening "no" of "no wait its more like 8/10" would deny the 8/10.
        """
        words = self.dialogue.correction_words
        skip = 0
        while skip < len(reading.tokens) and (
            reading.tokens[skip] in words or reading.tokens[skip] in CLAUSE_MARKS
        ):
            skip += 1
        if skip == 0 or skip == len(reading.tokens):
            return reading
        pattern = re.compile(r"^(?:[\W_]*(?:" + "|".join(map(re.escape, words)) + r")\b)+", re.I)
        rest = pattern.sub("", reading.text)
        return self.matcher.read(rest) if rest != reading.text else reading

    def _correct_last(
        self,
        before: Mapping[str, SlotValue],
        slots: dict[str, SlotValue],
        number: float,
        named: str | None = None,
    ) -> list[str | None]:
        """An answer given before, given again as a number: that of the kind the message
        `named` ("pain"), else of the question answered last if a number answers it, else
        of the one answered question a number answers. A length keeps its figure: "10
        min", then "no wait more like 20", is 20 minutes. What to say back, led by None
        when the number gives the answer held already ("sorry i meant a 4 not 6": moderate
        either way)."""

        def label_of(state: State) -> str | None:
            if state.save is None or before.get(state.save) is None:
                return None
            if state.expect not in self.matcher.kinds():
                return None
            if named is not None and state.expect != named:
                return None
            return self.matcher.label_for_number(state.expect, number)

        trail = [self.dialogue.states[n] for n in trail_of(before) if n in self.dialogue.states]
        fitting = [s for s in self.dialogue.states.values() if label_of(s) is not None]
        state = trail[-1] if trail and label_of(trail[-1]) else None
        if state is None and len({s.save for s in fitting}) > 1 and named is None:
            # no question answered last to go by ("actually more like a 9" after "thx"): a
            # length says its unit, so a bare number is not one
            fitting = [s for s in fitting if s.save and minutes_slot(s.save) not in before]
        if state is None and len({s.save for s in fitting}) == 1:
            state = fitting[0]
        label = None if state is None else label_of(state)
        if state is None or state.save is None or label is None:
            return []
        minutes = minutes_slot(state.save)
        refigured = minutes in before and before[minutes] != number
        if label == before[state.save] and not refigured:
            return [None, self._said(state.save, slots)]
        slots[state.save] = label
        if minutes in before:
            slots[minutes] = number
        return [
            self.dialogue.texts.say(
                "answer_changed",
                now=self._said(state.save, slots),
                before=self._said(state.save, before),
            )
        ]

    def tell(self, draft: Draft, say: bool = True) -> None:
        """Say the notices whose conditions now hold and that were not said yet.

        With `say` False they are only marked, as UNSAID (the advice itself covers them,
        and leaves out nothing for them: see advice.advise).
        """
        told = set(trail_of(draft.slots, TOLD_SLOT))
        lines = []
        for notice in self.dialogue.notices:
            if {notice.id, UNSAID + notice.id}.isdisjoint(told) and fits(notice, draft.slots):
                lines.append(Reply(self.render(notice.say, draft.slots)))
                told.add(notice.id if say else UNSAID + notice.id)
        if lines:
            if say:
                draft.replies[draft.lead : draft.lead] = lines
                # What effects say stays with the replies it was placed among, after these.
                draft.effects[:] = [
                    (at + len(lines) if at >= draft.lead else at, name)
                    for at, name in draft.effects
                ]
            draft.slots[TOLD_SLOT] = " ".join(sorted(told))

    def arrive(self, name: str, draft: Draft, reading: Reading) -> str:
        """Enter state `name` and pass through states until one waits for an answer."""
        for _ in range(MAX_HOPS):
            returned = name == BACK
            if returned:
                back = draft.slots.pop(BACK_SLOT, None)
                name = (
                    back
                    if isinstance(back, str) and back in self.dialogue.states
                    else (self.dialogue.home or self.dialogue.start)
                )
            state = self.dialogue.states[name]
            said_its_piece = state.advises or not state.buttons
            if returned and state.save is None and not state.reset and said_its_piece:
                # Back at a state that has said its piece (the advice or a follow-up, a
                # closing line): its buttons again under a short line, not all of it. A
                # menu is asked again as it is: its question is the short line.
                if state.buttons:
                    said = self.dialogue.texts.say(BACK_HERE)
                    draft.replies.append(Reply(said, state.buttons, name))
                if state.asks or state.goto is None:
                    return name
                name = state.goto
                continue
            if state.reset:
                draft.slots.clear()
                self.remember(draft.slots, reading)
                if not draft.then_new:
                    draft.then = None  # "start over" drops a question asked before
            if (
                state.asks
                and state.save is not None
                and self.known(state, draft.slots)
                and (
                    # "Anything else?" (`more:`) when the slot was told in an earlier
                    # message; a whole cramp told at once gets the advice at once.
                    bool(reading.labels(state.expect or ""))
                    or as_asked(self.dialogue, self.matcher, state, draft.slots) is state
                )
            ):
                answer = self.resolve_slot(state, draft.slots)
                if answer is not None:
                    note_answered(draft.slots, name)
                    note_answered(draft.slots, name, SKIPPED_SLOT)
                    name = answer[1]
                    continue
            if state.do is not None:
                draft.effects.append((len(draft.replies) + (1 if state.say else 0), state.do))
            if state.advises:
                draft.replies.extend(self.advise(state, draft))
                draft.slots.pop(TRAIL_SLOT, None)  # the episode is logged: no going back past it
            elif state.say or state.buttons:
                if state.asks:
                    draft.replies.append(self.question(state, draft.slots))
                else:
                    draft.replies.append(Reply(self.render(state.say, draft.slots)))
            if name == self.dialogue.urgent:
                draft.lead = len(draft.replies)
            if state.advice and draft.then is not None:
                # The question said alongside the cramp, now that the advice is given. Its
                # answer carries the buttons from here on: the advice's own are dropped.
                if state.asks and draft.replies and draft.replies[-1].state == name:
                    draft.replies[-1] = Reply(draft.replies[-1].text)
                name, draft.then = draft.then, None
                continue
            if state.asks or state.goto is None:
                return name
            name = state.goto
        raise RuntimeError(f"the dialogue loops without asking anything after state {name!r}")

    def advise(self, state: State, draft: Draft) -> list[Reply]:
        """Compose advice that fits what the person said, and log the episode (once)."""
        reply, episode = advise(
            self.dialogue,
            self.matcher,
            state,
            draft.slots,
            user_id=self.user_id,
            now=self.now,
            history=self.history,
            rules=self.rules,
        )
        draft.episode = episode or draft.episode  # a follow-up in the same turn keeps it
        return [reply]


def keep_minutes(
    slots: dict[str, SlotValue], slot: str, kind: str | None, reading: Reading
) -> None:
    """A duration answer also keeps its length in minutes, which the episode records."""
    if kind != "duration":
        return
    minutes = reading.duration_minutes
    if minutes is None and not reading.labels(kind):
        minutes = reading.number  # a bare number at the duration question: minutes
    if minutes is not None:
        slots[minutes_slot(slot)] = minutes


def drop_question(draft: Draft, name: str) -> None:
    """Take back the question of state `name` just offered, when the message answers it
    or goes elsewhere."""
    if draft.replies and draft.replies[-1].state == name:
        draft.replies.pop()


def note_answered(slots: dict[str, SlotValue], name: str, slot: str = TRAIL_SLOT) -> None:
    """Add question `name` to the trail of answered questions (once, at the end), or to
    another list of question names kept in `slot`."""
    trail = [n for n in trail_of(slots, slot) if n != name]
    slots[slot] = " ".join((*trail, name))


def trail_of(slots: Mapping[str, SlotValue], slot: str = TRAIL_SLOT) -> list[str]:
    """The names kept, space-separated, in `slot`."""
    value = slots.get(slot)
    return value.split() if isinstance(value, str) else []
