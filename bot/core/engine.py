"""One conversational turn, as a pure function.

    step(dialogue, session, text, *, matcher, now, ...) -> Turn

Order of business for every message:

1. A button press for a question that has passed is refused, and the current
   question is asked again (unless its state is marked `anytime`, or `reopen` and
   no question is open now).
2. Red flags come first, whatever the state: the emergency state answers, with
   what to do for each sign (and, for someone else, CPR and a defibrillator).
   Where the lexicon finds no sign, the learned reader (bot/core/reader.py) may
   still hear one, told in other words: it is escalated as DESCRIBED.
   Signs that need care today come next: the urgent state answers, then the
   conversation goes on where it was. An intent listed under `answer_first` (a
   dose question) is answered the same way, before anything else the message says.
3. A person idle for too long in the middle of the questions is welcomed back
   and asked whether to continue or start over.
4. A /command jumps to its state.
5. "go back" / "undo" returns to the question answered last, its answer cleared
   (the dialogue's `go_back`). At a question that takes any words, an intent
   ("start over", "cancel") is taken as the intent, not as the answer.
6. A message that tells a whole cramp and asks a question ("... why does this keep
   happening?") starts the cramp questions; the question waits for the advice
   (`answer_after`), as one asked in the middle of the questions does.
7. The current question takes the answer it expects. In the cramp questions, an
   answer to another question is kept and said back ("Got it: a few minutes."), and
   a correction ("wait no, it's my quad") changes an earlier answer and says so;
   then the open question is asked again, unless the message answered it. Failing
   that a global intent (help, restart, cancel) applies; failing that the question
   is asked again with a hint. A message about the body that is not understood also
   gets a reminder of the emergency number; two in a row, a screening question (the
   dialogue's safety net).
8. Before the next question, a notice whose conditions now hold is said once
   ("stretch it now" for a muscle cramping now).

Whatever the message says about the cramp (muscle, duration, severity...) is
remembered on the way, so a later question that it already answers is skipped.
No I/O, no clock: `now` and the person's history are passed in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.advice import ADVISED_SLOT, amended
from bot.core.answers import UNSURE, as_asked, held, pressed
from bot.core.contract import Needs
from bot.core.machine import BACK, Dialogue, State, slot_labels
from bot.core.matcher import Match, Matcher, Reading
from bot.core.model import ButtonPress, Episode, Reply, Session, SlotValue
from bot.core.moves import (
    AGAIN_SLOT,
    BACK_HERE,
    BACK_SLOT,
    THEN_SLOT,
    UNCLEAR_SLOT,
    Draft,
    Moves,
    correction_cues,
    drop_question,
)
from bot.core.reader import Reader
from bot.core.reading import CLAUSE_MARKS, tokenize
from bot.core.recurrence import RecurrenceRules
from bot.core.triage import (
    DESCRIBED,
    LONG_CRAMP,
    TEXTS,
    emergency_steps,
    names_the_cramp,
    still_cramping_for_hours,
    urgent_steps,
)
from bot.errors import closest

#: The one word of the going-back phrases that means other things too ("my back"), and
#: the most words a message may have for that word alone to mean "go back".
BARE_BACK, BARE_BACK_WORDS = "back", 3
#: Where the engine reads whom a message is about, and the signs told already.
WHO_SLOT, URGENT_SLOT = "who", "urgent"
#: The intent of "hi": a new person's introduction greets them already.
GREETING = "greeting"
#: Timing words in a clause about a drink are the drink's (engine._drink_time), unless the
#: clause names the cramp too; clauses end at a mark or one of these words.
TIMING, CRAMP_KINDS = "timing", frozenset({"body_part", "symptom"})
#: The fewest letters of a one-word message read as the word of a button.
BUTTON_WORD = 3
#: What the engine itself says (dialogues/<language>/texts.yaml).
NEEDS = Needs(
    who="the engine (bot/core/engine.py)",
    texts={
        "stale_button": (),
        "unknown_command": ("command", "known"),
        "unknown_command_guess": ("command", "guess", "known"),
        "answer_noted": ("said",),
        "answer_changed": ("now", "before"),
        "also_noted": ("also", "kept"),
        "went_back": (),
        "nothing_to_go_back_to": (),
        "answer_later": (),
        "answer_left": (),
        BACK_HERE: (),
        **TEXTS,
    },
    labels={"who": ("other",), "intent": (GREETING,)},
)


@dataclass(frozen=True, slots=True)
class Turn:
    """What one message produced: replies, the new session, and what to record or do.

    `effects` pairs an effect name ("history", "export", "forget") with the index
    in `replies` where its output belongs. `understood`: a button, or a message in which
    the matcher found something without guessing at typos (the service tells a person
    writing in a language the bot does not speak that it understands English for now).
    """

    replies: tuple[Reply, ...]
    session: Session
    episode: Episode | None = None
    amended: Episode | None = None  # the logged episode, as a correction changed it
    effects: tuple[tuple[int, str], ...] = ()
    red_flags: tuple[str, ...] = ()
    urgent: tuple[str, ...] = ()  # signs for which the person was told to get seen today
    understood: bool = True


def step(
    dialogue: Dialogue,
    session: Session,
    text: str,
    *,
    matcher: Matcher,
    now: datetime,
    button: ButtonPress | None = None,
    history: Sequence[Episode] = (),
    rules: RecurrenceRules | None = None,
    idle_after: timedelta | None = None,
    alarms: Matcher | None = None,
    reader: Reader | None = None,
) -> Turn:
    """Advance `session` by one message (or button press) and say what happens.

    `alarms` reads warning signs (red_flag) in every language the bot knows them in,
    whatever the person's own: an emergency is escalated however it is written. Signs
    that need care today (urgent) are read there too, where a language has them.
    `reader` hears both in a message typed (not a button's words) where neither found one.
    """
    current = dialogue.states.get(session.state) or dialogue.states[dialogue.start]
    # "Anything else?" when the first message named a condition (`more:`): as asked.
    current = as_asked(dialogue, matcher, current, session.slots)
    draft = Draft(slots=dict(session.slots), replies=[], effects=[])
    ctx = Moves(dialogue, matcher, now, history, rules, session.user_id)

    read_as: list[Reading] = []  # the message as read, once it is
    unclear = draft.slots.pop(UNCLEAR_SLOT, 0)
    then = draft.slots.pop(THEN_SLOT, None)
    draft.then = then if isinstance(then, str) and then in dialogue.states else None

    def finish(state: str, red_flags: tuple[str, ...] = (), urgent: tuple[str, ...] = ()) -> Turn:
        if not red_flags:
            # "Stretch it now", before the next question (the advice says it itself).
            ctx.tell(draft, say=draft.episode is None)
            if read_as:
                _note_also(ctx, session.slots, draft, read_as[0])
        if draft.then is not None:
            draft.slots[THEN_SLOT] = draft.then
        new = Session(
            user_id=session.user_id,
            state=state,
            slots=draft.slots,
            updated_at=now,
            turn=session.turn + 1,
        )
        return Turn(
            replies=tuple(draft.replies),
            session=new,
            episode=draft.episode,
            amended=draft.amended,
            effects=tuple(draft.effects),
            red_flags=red_flags,
            urgent=urgent,
            understood=draft.understood,
        )

    def again(*said: str) -> Turn:
        """Say `said`, then the open question again; the person stays at it."""
        draft.replies.extend(Reply(line) for line in said)
        draft.replies.append(ctx.question(current, draft.slots))
        return finish(current.name)

    if button is not None:
        other = dialogue.states.get(button.state)
        label = None if other is None else pressed(other, button, text)
        if other is not None and other.anytime and other is not current and label is not None:
            # A button of a message that stays valid (a reminder's "I drank"): answer it,
            # and let its states lead back to the question the person was at.
            reading = matcher.read(label)
            answer = ctx.resolve(other, reading)
            if answer is not None:
                ctx.leave(current, draft.slots)
                ctx.save(other, draft.slots, answer[0], reading)
                return finish(ctx.arrive(answer[1], draft, reading))
        # A sibling's button counts as the current question's: states that answer the
        # same way (one `on:` map, as the advice and its follow-ups share) take each
        # other's buttons, so "Next time" on the advice still works after "Why?".
        sibling = other is not None and bool(other.on) and other.on == current.on
        if not sibling:
            label = pressed(current, button, text)
        if (
            (button.state != current.name and not sibling)
            or label is None
            or session.state != current.name
        ):
            old = _reopened(dialogue, other, current, button, text, draft.slots)
            if other is None or old is None:
                return again(dialogue.texts.say("stale_button"))
            reading = matcher.read(old)
            answer = ctx.resolve(other, reading)
            if answer is None:
                return again(dialogue.texts.say("stale_button"))
            # An old button that still makes sense ("Next time" under the advice, once the
            # chat has moved on to the menu): answered as when it was offered.
            ctx.leave(current, draft.slots)
            return finish(ctx.arrive(answer[1], draft, reading))
        text = label

    text = text.strip()
    reading = _of_it(dialogue, matcher, text, matcher.read(text))
    reading = _as_the_answer(reading, current.expect)
    reading = _session_time(dialogue, current, draft.slots, reading)
    read_as.append(reading)
    # Words reached only by typo correction ("desde" read as "yes") are not understood.
    draft.understood = any(m.score >= 100 for m in reading.matches)
    red_flags = reading.labels("red_flag")
    heard = None  # what `alarms` reads, in every language
    if not red_flags and alarms is not None:
        heard = alarms.read(text)
        red_flags = heard.labels("red_flag")
    learned = None  # what the learned reader hears, where the lexicons found no sign
    if not red_flags and reader is not None and _for_the_reader(dialogue, text, button, reading):
        strict = _denies_a_sign(reading, heard) or bool(_errand_states(dialogue, current, reading))
        learned = reader.hears(text, strict=strict)
        red_flags = (DESCRIBED,) if learned.emergency else ()
    if red_flags:
        draft.slots["red_flag"] = " and ".join(matcher.display("red_flag", r) for r in red_flags)
        said_who = (*reading.labels("who"), *(heard.labels("who") if heard else ()))
        someone_else = "other" in (*said_who, draft.slots.get(WHO_SLOT))
        draft.slots["emergency_steps"] = emergency_steps(
            dialogue.texts, red_flags, someone_else=someone_else
        )
        ctx.leave(current, draft.slots)
        stopped = ctx.arrive(dialogue.red_flag, draft, reading)
        draft.slots.pop("emergency_steps")
        return finish(stopped, red_flags)

    if reading.labels("timing") == ("after",):
        # "cramped for 3 hours last night, fine now": no long cramp, for every step below
        # (what is remembered as told already included), whoever read it.
        reading = _without(reading, "urgent", LONG_CRAMP)
        heard = None if heard is None else _without(heard, "urgent", LONG_CRAMP)
    # "sipping an electrolyte drink now": the "now" is the drink's, not the cramp's.
    reading = _drink_time(dialogue, current, reading)
    reading = _unsigned(reading)
    reading = _thanks_opened(matcher, reading)

    first = reading.get("intent")
    if first in dialogue.answer_first and first in dialogue.intents and button is None:
        # Answered before the cramp details the message also gives ("how much ibuprofen
        # for my calf cramp"); its state leads back and the message goes on to the question.
        ctx.remember(draft.slots, reading)
        _leave_for_detour(ctx, current, draft)
        stopped = ctx.arrive(dialogue.intents[first], draft, reading)
        return finish(ctx.hand_over(stopped, draft, reading))

    told = slot_labels(draft.slots.get(URGENT_SLOT))
    signs = reading.labels("urgent") or (heard.labels("urgent") if heard is not None else ())
    if LONG_CRAMP not in signs and still_cramping_for_hours(
        reading, str(draft.slots.get("timing"))
    ):
        # "about 6 hrs, still knotted up": urgent at once, whatever question it answers.
        signs = (*signs, LONG_CRAMP)
    if not signs and learned is not None and learned.today:
        signs = (DESCRIBED,)
    urgent = tuple(sign for sign in signs if sign not in told)
    if urgent and dialogue.urgent is not None:
        # Said at once, then the conversation goes on: the urgent state leads back to
        # the question the person was at, and the message may answer it.
        ctx.remember(draft.slots, reading)
        draft.slots[URGENT_SLOT] = "+".join((*told, *urgent))
        draft.slots["urgent_steps"] = urgent_steps(dialogue.texts, urgent)
        _leave_for_detour(ctx, current, draft)
        stopped = ctx.arrive(dialogue.urgent, draft, reading)
        draft.slots.pop("urgent_steps", None)
        return finish(ctx.hand_over(stopped, draft, reading), urgent=urgent)

    command = _command(text)
    if (
        dialogue.resume is not None
        and idle_after is not None
        and session.updated_at is not None
        and now - session.updated_at > idle_after
        and current.save is not None
        and command is None
    ):
        # Keep what the message says (an answer to the old question included), so
        # "carry on" skips whatever it already answered.
        ctx.remember(draft.slots, reading)
        answer = ctx.resolve(current, reading)
        if answer is not None:
            ctx.save(current, draft.slots, answer[0], reading)
        ctx.leave(current, draft.slots)
        return finish(ctx.arrive(dialogue.resume, draft, reading))

    if command is not None:
        target = dialogue.commands.get(command)
        if target is None:
            known = ", ".join(f"/{c}" for c in dialogue.commands)
            close = closest(command, dialogue.commands)
            said = (
                dialogue.texts.say(
                    "unknown_command_guess", command=command, guess=close, known=known
                )
                if close
                else dialogue.texts.say("unknown_command", command=command, known=known)
            )
            return again(said)
        ctx.leave(current, draft.slots)
        return finish(ctx.arrive(target, draft, Reading(text)))

    if button is None:
        # A button answers its own question only: "None of these" on the screening
        # question says nothing about the workout.
        ctx.remember(draft.slots, reading)
    if not current.asks:
        # A new person (or a state left mid-way): say what this state says, then
        # let the message answer the question that follows, if it does.
        # An `end` state (no goto) means the conversation starts over.
        entry = current.name if current.goto is not None else dialogue.start
        stopped = ctx.arrive(entry, draft, reading)
        offered = dialogue.states[stopped]
        later = _asked_later(dialogue, reading)
        details = _details(dialogue, reading)
        if later is not None and details >= later[1]:
            # A whole cramp and a question at its end: the cramp first, the question after.
            drop_question(draft, stopped)
            return finish(_take_later(ctx, draft, offered, reading, later))
        soon = _asked_now(dialogue, reading)
        if soon is not None and not offered.advises and details:
            # A question and a muscle: the answer now, then the cramp questions.
            drop_question(draft, stopped)
            return finish(_answer_now(ctx, draft, offered, reading, soon))
        answered = ctx.resolve(offered, reading) is not None
        wanted = reading.get("intent")
        jump = dialogue.intent(offered, wanted)
        if wanted == GREETING and entry != stopped:
            jump = None  # "hi" to the introduction: it said hello itself
        if jump is not None and not answered:
            ctx.leave(offered, draft.slots)
            drop_question(draft, stopped)  # the intent's state asks what comes next
            return finish(ctx.arrive(jump, draft, reading))
        if offered.asks and not answered and ctx.unclear(draft, reading, unclear) is not None:
            # Nothing in the message answered the question it was offered to.
            draft.replies.append(Reply(dialogue.texts.say("safety_net_reminder")))
        # What the message also asks done goes before the question it answers.
        at = len(draft.replies) - (bool(draft.replies) and draft.replies[-1].state == stopped)
        handed = ctx.hand_over(stopped, draft, reading)
        if answered:
            _errands(dialogue, offered, reading, draft, at)
        return finish(handed)

    back = _goes_back(dialogue, current, reading, button)
    if back:
        previous = ctx.step_back(draft)
        if previous is not None:
            draft.replies.append(Reply(dialogue.texts.say("went_back")))
            return finish(ctx.arrive(previous, draft, Reading("")))
        if current.expect == "text":
            # A question that takes any words must not take "go back" as its answer.
            return again(dialogue.texts.say("nothing_to_go_back_to"))
    intent = reading.get("intent")
    if current.expect == "text" and button is None and intent is not None:
        target = dialogue.intent(current, intent)
        if target is not None:
            # "start over", "cancel", "help" at a question that takes any words (a city,
            # a time): the intent, not an answer.
            ctx.leave(current, draft.slots)
            return finish(ctx.arrive(target, draft, reading))
    if ADVISED_SLOT in draft.slots and button is None and current.save is None:
        # "wait no its my quad" after the advice, or after "thx" (the advised cramp is still
        # the one in hand): the cramp's answer changes, said back in a few words, and what
        # that changes of the advice is said; the questions do not restart, and the logged
        # cramp is amended. Past the advice itself, only a marked correction counts.
        changed, noted, _ = ctx.correct(
            session.slots, draft.slots, reading, None, advised=current.advises
        )
        advice = next((s for s in dialogue.states.values() if s.advice), None)
        if not changed and noted and reading.number is not None and not current.advises:
            # "i said 6 but its more like a 4" after "thx": moderate either way, said back.
            draft.replies.append(Reply(" ".join(noted)))
            return finish(current.name)
        if not changed and advice is not None and current.advises and reading.number is not None:
            # "and it was more like 9/10" when it was "really bad": the same, said back.
            repeated = _said_again(dialogue, draft.slots, reading)
            if repeated:
                said = ctx.render(", ".join(repeated), draft.slots)
                text = f"{dialogue.texts.say('answer_noted', said=said)} {advice.say}".strip()
                draft.replies.append(Reply(text, current.buttons, current.name))
                return finish(current.name)
        if changed and advice is not None:
            draft.replies.append(Reply(" ".join(changed)))
            at = len(draft.replies)
            stopped = ctx.arrive(advice.name, draft, reading)
            if at < len(draft.replies) and draft.replies[at].state == advice.name:
                was = ctx.advise(advice, Draft(slots=dict(session.slots), replies=[], effects=[]))
                draft.replies[at] = _what_changed(draft.replies[at], was[0], advice.say)
            # The logged episode takes the corrected answers: /history and /export say them.
            draft.amended = amended(dialogue, matcher, session.user_id, draft.slots)
            return finish(stopped)
    later = _asked_later(dialogue, reading)
    asking_cramp = dialogue.asks_cramp(current)
    details = _details(dialogue, reading)
    if later is not None and not asking_cramp and details >= later[1]:
        return finish(_take_later(ctx, draft, current, reading, later))
    soon = _asked_now(dialogue, reading)
    if soon is not None and details and not asking_cramp and not current.advises:
        return finish(_answer_now(ctx, draft, current, reading, soon))
    # Answers to other cramp questions are said back only in the cramp questions.
    changed, noted, used = (
        ctx.correct(session.slots, draft.slots, reading, current.save, current)
        if button is None and asking_cramp
        else ([], [], False)
    )
    answer = ctx.resolve(current, reading)
    if used:
        # "no wait more like 20" after "10 min": the number went to the length given last.
        answer = None
    elif changed and answer is not None:
        # "no wait, it's more like 8": the "no" marks the correction; it answers nothing.
        answer = ctx.resolve(current, _without_words(reading, dialogue.correction_words))
    if later is not None and asking_cramp:
        # "why does this keep happening?" in the middle of the questions: after the advice.
        draft.then, draft.then_new = later[0], True
        if answer is None and not changed:
            return again(dialogue.texts.say("answer_later"))
    if answer is None and back:
        return again(dialogue.texts.say("nothing_to_go_back_to"))
    if answer is None and button is None and not changed and not noted:
        answer = _button_meant(ctx, current, reading)
        if answer is None and current.again is not None and asking_cramp:
            unsure = UNSURE in reading.labels("intent")
            repeated = _said_again(dialogue, draft.slots, reading)
            if draft.slots.get(AGAIN_SLOT) != current.name and (unsure or repeated):
                # "its still goin" at "How long has it lasted so far?", or "dunno":
                # the question in other words ("A guess is fine"), not the hint.
                draft.slots[AGAIN_SLOT] = current.name
                said = (
                    dialogue.texts.say(
                        "answer_noted", said=ctx.render(", ".join(repeated), draft.slots)
                    )
                    if repeated
                    else ""
                )
                asked = ctx.render(current.again, draft.slots)
                text = f"{said} {asked}".strip()
                draft.replies.append(Reply(text, current.buttons, current.name))
                return finish(current.name)
            if unsure and current.goto is not None:
                # Not sure, asked twice: the question stays unanswered, the others go on.
                draft.replies.append(Reply(dialogue.texts.say("answer_left")))
                return finish(ctx.arrive(current.goto, draft, reading))
    if answer is None:
        # An intent, unless the message corrects an answer ("nvm its my hammy actually").
        target = dialogue.intent(current, intent)
        if not changed and target is not None:
            ctx.leave(current, draft.slots)
            return finish(ctx.arrive(target, draft, reading))
        if (
            current.save is not None
            and current.save in draft.slots
            and not held(current, session.slots)
        ):
            # The message filled the slot another way; "Anything else?" (`more:`) is
            # answered only by what it adds.
            answer = ctx.resolve_slot(current, draft.slots)
    # Answers to other questions than the one asked (or changed ones), said back in a
    # few words; the open question goes on (asked again unless this message answers it).
    if answer is None and (changed or noted):
        _errands(dialogue, current, reading, draft, len(draft.replies))
        return again(" ".join((*changed, *noted)))
    if changed:
        draft.replies.append(Reply(" ".join(changed)))
    if answer is None:
        if current.otherwise is not None:
            stopped = ctx.arrive(current.otherwise, draft, reading)
            return finish(ctx.hand_over(stopped, draft, reading))
        net = ctx.unclear(draft, reading, unclear, current)
        if net == "screen" and dialogue.safety_net is not None:
            ctx.leave(current, draft.slots)
            return finish(ctx.arrive(dialogue.safety_net.screen, draft, reading))
        draft.replies.append(ctx.question(current, draft.slots, hint=True, remind=net == "remind"))
        return finish(current.name)
    value, target = answer
    ctx.save(current, draft.slots, value, reading)
    at = len(draft.replies)
    stopped = ctx.arrive(target, draft, reading)
    _errands(dialogue, current, reading, draft, at)
    return finish(stopped)


def _reopened(
    dialogue: Dialogue,
    other: State | None,
    current: State,
    button: ButtonPress,
    text: str,
    slots: dict[str, SlotValue],
) -> str | None:
    """The answer an old button still gives, or None when it has passed.

    A button of a state marked `reopen` (the menu, the advice and its follow-ups) answers
    while no question is open (the person is at a state that saves nothing), and one
    about the advice while the advised cramp is still the one in hand: "Why did it
    happen?" after "thanks" still fits, a pain score or "Next time" in the middle of the
    next cramp's questions does not.
    """
    if other is None or not other.reopen or current.save is not None:
        return None
    if other.advises and ADVISED_SLOT not in slots:
        return None
    return pressed(other, button, text)


def _leave_for_detour(ctx: Moves, current: State, draft: Draft) -> None:
    """Before a state that speaks and leads `back` (an urgent sign, a dose question):
    note where back is. For a new person that is the introduction, then the menu."""
    if current.asks:
        ctx.leave(current, draft.slots)
    else:
        draft.slots[BACK_SLOT] = current.name if current.goto is not None else ctx.dialogue.start


def _goes_back(
    dialogue: Dialogue, current: State, reading: Reading, button: ButtonPress | None
) -> bool:
    """Whether the message asks to go back to the previous question ("go back", "undo").

    A button's own words answer its question: "Back" at "Where is the cramp?" is the back.
    The bare word "back" asks it only in a message of a few words ("back", "oops back"):
    in "first class back since christmas" or "the back of her leg" it is something else.
    """
    if dialogue.go_back is None or button is not None:
        return False
    starts = [
        m.start for m in reading.matches if m.kind == "intent" and m.label == dialogue.go_back
    ]
    if not starts:
        return False
    bare = all(reading.tokens[i] == BARE_BACK for i in starts if i < len(reading.tokens))
    if bare and len(reading.text.split()) > BARE_BACK_WORDS:
        return False
    typed = reading.text.strip().lower()
    return not any(typed == label.lower() for label in current.buttons)


def _asked_later(dialogue: Dialogue, reading: Reading) -> tuple[str, int] | None:
    """The state answering a question the message asks that waits for the advice
    (`answer_after:`), and how many cramp details make the message a description."""
    later = dialogue.answer_after
    if later is None:
        return None
    asked = [later.states[label] for label in reading.labels(later.kind) if label in later.states]
    return (asked[-1], later.details) if asked else None


def _note_also(ctx: Moves, before: Mapping[str, SlotValue], draft: Draft, reading: Reading) -> None:
    """ "mostly the calf, quad a bit too": the muscle kept is the first named (`first:`);
    the others are noted in a few words before the next question."""
    dialogue = ctx.dialogue
    for kind in dialogue.first:
        slot = dialogue.remember.get(kind)
        kept = None if slot is None else draft.slots.get(slot)
        if slot is None or kept == before.get(slot) or not isinstance(kept, str):
            continue
        if not dialogue.first_counts(kind, reading.tokens):
            continue
        vague = dialogue.vague.get(kind, ())
        others = [x for x in reading.labels(kind) if x != kept and x not in vague]
        if not others:
            continue
        also = " and ".join(ctx.matcher.display(kind, label) for label in others)
        note = dialogue.texts.say(
            "also_noted", also=also, kept=ctx.render(f"{{{slot}}}", draft.slots)
        )
        asks = bool(draft.replies) and draft.replies[-1].state is not None
        draft.replies.insert(len(draft.replies) - asks, Reply(note))


def _asked_now(dialogue: Dialogue, reading: Reading) -> str | None:
    """The state answering at once a question the message asks along with a few details
    of a cramp (`answer_after: now:`), before the cramp questions."""
    later = dialogue.answer_after
    if later is None:
        return None
    asked = [later.now[label] for label in reading.labels(later.kind) if label in later.now]
    return asked[-1] if asked else None


def _answer_now(ctx: Moves, draft: Draft, current: State, reading: Reading, name: str) -> str:
    """ "my toes cramped, should I be worried?": the answer, without its buttons, then the
    cramp questions with what the message said."""
    assert ctx.dialogue.answer_after is not None
    ctx.leave(current, draft.slots)
    at = len(draft.replies)
    ctx.arrive(name, draft, reading)
    # Its own words, without buttons; not a question it leads on to (the menu).
    draft.replies[at:] = [
        Reply(reply.text) for reply in draft.replies[at:] if reply.state in (None, name)
    ]
    stopped = ctx.arrive(ctx.dialogue.answer_after.start, draft, reading)
    return ctx.hand_over(stopped, draft, reading)


def _details(dialogue: Dialogue, reading: Reading) -> int:
    """How many of the cramp questions the message answers (muscle, timing, duration...)."""
    return sum(
        1
        for kind, slot in dialogue.remember.items()
        if slot in dialogue.questions and reading.labels(kind)
    )


def _take_later(
    ctx: Moves, draft: Draft, current: State, reading: Reading, later: tuple[str, int]
) -> str:
    """Start the cramp questions with what the message says; its question waits."""
    assert ctx.dialogue.answer_after is not None
    ctx.leave(current, draft.slots)
    draft.then, draft.then_new = later[0], True
    stopped = ctx.arrive(ctx.dialogue.answer_after.start, draft, reading)
    # Once the advice and the answer are given, the message has said all it had to.
    return stopped if draft.episode is not None else ctx.hand_over(stopped, draft, reading)


def _what_changed(now: Reply, was: Reply, closing: str) -> Reply:
    """The advice `now`, keeping only the lines that `was` (the same advice before the
    answer changed) did not say, and its closing line: after "wait no its my quad" the
    tips that name the front thigh, not the care level and tips said already."""
    said = set(was.text.splitlines())
    lines = [line for line in now.text.splitlines() if line.strip() and line not in said]
    end = closing.strip()
    kept = [line for line in lines if line != end]
    text = "\n".join(kept) + (f"\n\n{end}" if end else "")
    return Reply(text.strip(), now.buttons, now.state)


def _button_meant(ctx: Moves, current: State, reading: Reading) -> tuple[SlotValue, str] | None:
    """The answer of the button a one-word message means, at a question it does not answer:
    the one button with that word ("long": "Hard or long session", "break": "First session
    after a break"), or failing that the one button with a word it begins ("after": "Sore
    afterwards"). A bare number is no button: Telegram shows none, and the console maps
    the numbers it prints itself.
    """
    buttons = current.buttons
    words = [t for t in reading.tokens if t[:1].isalnum()]
    if not buttons or len(words) != 1 or len(words[0]) < BUTTON_WORD or words[0][0].isdigit():
        return None
    word = words[0]
    said = [(b, tokenize(b)) for b in buttons]
    exact = [b for b, parts in said if word in parts]
    begun = [b for b, parts in said if any(p.startswith(word) for p in parts)]
    found = exact or begun
    meant = found[0] if len(found) == 1 else None
    return None if meant is None else ctx.resolve(current, ctx.matcher.read(meant))


_SIGNED = re.compile(r"(?:^|(?<=[\s(]))[-+\u2212\u2013]\s?\d")


def _unsigned(reading: Reading) -> Reading:
    """A signed number ("-3") is no pain score, length or button: the reading without it."""
    if not _SIGNED.search(reading.text):
        return reading
    return replace(reading, number=None, duration_minutes=None)


@functools.cache
def _of_it_pattern(
    sides: frozenset[str], it: frozenset[str], part: frozenset[str]
) -> re.Pattern[str]:
    """ "back of it", "back part": a side (the dialogue's `of_it: sides:`), then "of" and a
    word for it, or a word for a part of it."""

    def alternatives(words: frozenset[str]) -> str:
        return "|".join(re.escape(w) for w in sorted(words)) or "(?!)"

    return re.compile(
        rf"\b({alternatives(sides)})\s+(?:of\s+(?:{alternatives(it)})|(?:{alternatives(part)}))\b",
        re.I,
    )


def _of_it(dialogue: Dialogue, matcher: Matcher, text: str, reading: Reading) -> Reading:
    """ "thigh cramp, back of it" or "thigh, the back part" read as "thigh cramp, back of
    thigh" (the hamstring): the "it" is the part named before it, when that part is named
    in one word. The sides and the words for "it" and for a part are the dialogue's
    `of_it:`."""
    sides, it = dialogue.of_it.get("sides"), dialogue.of_it.get("it")
    part = dialogue.of_it.get("part", frozenset())
    if not sides or not it:
        return reading
    found = _of_it_pattern(sides, it, part).search(text)
    if found is None:
        return reading
    tokens = reading.tokens
    at = next(
        (
            i
            for i in range(len(tokens) - 1)
            if tokens[i] in sides and (tokens[i + 1] == "of" or tokens[i + 1] in part)
        ),
        None,
    )
    named = [
        m.start
        for m in reading.matches
        if m.kind == "body_part" and at is not None and m.start < at
    ]
    if not named:
        return reading
    word = tokens[named[-1]]
    said = f"{found.group(1)} of {word}"
    again = matcher.read(text[: found.start()] + said + text[found.end() :])
    return again if again.get("body_part") is not None else reading


#: Kinds a thanks may carry without being about anything else: "many thanks, most helpful
#: indeed" ("indeed" is a yes), "appreciate it man", "cheers coach" (who is told of),
#: "thanks so much, he's ok now" (how the cramp is).
_WITH_THANKS = frozenset({"yes_no", "who", "timing"})
THANKS = "thanks"


def _thanks_opened(matcher: Matcher, reading: Reading) -> Reading:
    """A message that opens or ends with thanks and says nothing else the bot reads, in
    words it does not know ("cheers coach", "Thank you ever so much, that was genuinely
    helpful", "Jolly good, thanks.") is thanks: small talk counts only alone, and these
    words kept it from counting."""
    if reading.get("intent") is not None or reading.number is not None:
        return reading
    if any(m.kind not in _WITH_THANKS for m in reading.matches):
        return reading
    words = [t for t in reading.tokens if t not in CLAUSE_MARKS]
    head, tail = words[:3], words[-3:]
    said = [head[:size] for size in range(len(head), 0, -1)]
    said += [tail[-size:] for size in range(len(tail), 0, -1) if len(words) > size]
    for part in said:
        if matcher.read(" ".join(part)).get("intent") == THANKS:
            return replace(reading, matches=(Match("intent", THANKS), *reading.matches))
    return reading


def _said_again(dialogue: Dialogue, slots: Mapping[str, SlotValue], reading: Reading) -> list[str]:
    """The answers a message gives that were given already, the same ("still going" once
    the cramp is known to be going on), in words; empty when it says anything new."""
    said = []
    for kind, slot in dialogue.remember.items():
        labels = reading.labels(kind)
        if not labels or slot not in dialogue.questions:
            continue
        if slots.get(slot) != dialogue.value(kind, labels):
            return []
        said.append(f"{{{slot}}}")
    return said


def _errand_states(dialogue: Dialogue, state: State, reading: Reading) -> list[State]:
    """The states of intents in `reading` that only do something and lead back (a drink:
    `drank_noted`), from `state`."""
    found = []
    for label in reading.labels("intent"):
        name = dialogue.intent(state, label)
        errand = None if name is None else dialogue.states.get(name)
        if errand is not None and errand.do and errand.goto == BACK and not errand.say:
            found.append(errand)
    return found


def _errands(dialogue: Dialogue, state: State, reading: Reading, draft: Draft, at: int) -> None:
    """Do what the message also asks done on the way, when it answers a question too:
    "now, just drank some water" at "Is it cramping right now?" logs the drink (its
    words go before the next question) and answers the question. A drink set against
    the cramp ("drank loads but still cramping") tells how it came about: not logged."""
    if dialogue.contrast_words & set(reading.tokens):
        return  # "i drank loads but its still cramping": the drink is part of the story
    for errand in _errand_states(dialogue, state, reading):
        assert errand.do is not None
        if all(name != errand.do for _, name in draft.effects):
            draft.effects.append((at, errand.do))


def _drink_time(dialogue: Dialogue, state: State, reading: Reading) -> Reading:
    """`reading` without the timing words of a clause that tells a drink and no cramp.

    "sipping an electrolyte drink now" says when the drink is, not whether the cramp is
    going on; "still cramping, drinking water now" keeps the "still" of its first clause.
    A clause ends at a mark (",", ".") or a joining word ("and", "but").
    """
    drinks = {
        m.start
        for m in reading.matches
        if m.kind == "intent"
        and not m.negated
        and _errand_states(dialogue, state, Reading(reading.text, (m,)))
    }
    if not drinks or not reading.labels(TIMING):
        return reading
    clause = []
    count = 0
    for token in reading.tokens:
        count += token in CLAUSE_MARKS or token in dialogue.clause_words
        clause.append(count)

    def where(m: Match) -> int:
        return clause[m.start] if m.start < len(clause) else -1

    drinking = {where(m) for m in reading.matches if m.start in drinks}
    cramping = {where(m) for m in reading.matches if m.kind in CRAMP_KINDS}
    about_drink = drinking - cramping
    kept = tuple(m for m in reading.matches if m.kind != TIMING or where(m) not in about_drink)
    return reading if len(kept) == len(reading.matches) else replace(reading, matches=kept)


def _as_the_answer(reading: Reading, kind: str | None) -> Reading:
    """`reading` without what `asked:` phrases said of any kind but `kind`, the one the
    open question asks for: "a bit" answers "how bad is it?", but "dunno, a bit, maybe 2
    min" at "how long?" says nothing of the pain, nor "back on court" of the back."""
    if not any(m.asked and m.kind != kind for m in reading.matches):
        return reading
    kept = tuple(m for m in reading.matches if not m.asked or m.kind == kind)
    return replace(reading, matches=kept)


def _session_time(
    dialogue: Dialogue, current: State, slots: Mapping[str, SlotValue], reading: Reading
) -> Reading:
    """`reading` without its length of time when that is the workout's: said at a cramp
    question about something else than a length, once the cramp's length is told, in a message that
    names no cramp, muscle or "still" ("been out nearly 3 hrs, long sesh", "over two hours,
    not hot though" at the question about the session)."""
    if (
        reading.duration_minutes is None
        or not dialogue.asks_cramp(current)
        or current.expect == "duration"
    ):
        return reading
    told = any(s.expect == "duration" and s.save in slots for s in dialogue.states.values())
    if not told or names_the_cramp(reading) or correction_cues(dialogue, reading):
        return reading
    kept = tuple(m for m in reading.matches if m.kind != "duration")
    return replace(reading, matches=kept, duration_minutes=None)


def _without_words(reading: Reading, words: frozenset[str]) -> Reading:
    """`reading` without the matches that begin at one of `words` ("no", "wait")."""
    kept = tuple(
        m
        for m in reading.matches
        if not (m.start < len(reading.tokens) and reading.tokens[m.start] in words)
    )
    return replace(reading, matches=kept)


def _without(reading: Reading, kind: str, label: str) -> Reading:
    """`reading` without its matches of `label` of `kind`."""
    kept = tuple(m for m in reading.matches if m.kind != kind or m.label != label)
    return reading if len(kept) == len(reading.matches) else replace(reading, matches=kept)


def _for_the_reader(
    dialogue: Dialogue, text: str, button: ButtonPress | None, reading: Reading
) -> bool:
    """Whether the learned reader is asked about a message the lexicons found no sign in:
    not for a button's words or a /command, nor for a question answered first (a dose
    question names medicines)."""
    if button is not None or _command(text) is not None:
        return False
    return not any(label in dialogue.answer_first for label in reading.labels("intent"))


def _denies_a_sign(reading: Reading, heard: Reading | None) -> bool:
    """Whether a lexicon read a warning sign in the message and found it denied ("no chest
    pain or shortness of breath"): the reader weighs words, not what denies them, so it
    must be surer there (Reader.hears `strict`)."""
    return any(
        read is not None and bool(read.negated("red_flag") or read.negated("urgent"))
        for read in (reading, heard)
    )


def _command(text: str) -> str | None:
    """ "/start@CrampCoachBot now" -> "start"; None when the text is not a command."""
    if not text.startswith("/") or len(text) < 2:
        return None
    word = text[1:].split(maxsplit=1)[0] if text[1:].strip() else ""
    return word.split("@", 1)[0].lower() or None
