"""Everything the bot says and understands, loaded and cross-checked at start-up.

    load_content(dialogues_dir, data_dir) -> Content(dialogue, matcher, rules, hydration)

Used by `python -m bot check` and by every start-up, so broken content never
reaches a person: all problems are reported together, each naming its file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.core.engine import resolve
from bot.core.machine import Dialogue, load_dialogue
from bot.core.matcher import Matcher, load_matcher
from bot.core.recurrence import RULES_FILE, RecurrenceRules, load_rules
from bot.errors import ContentError, DialogueError
from bot.service.reminders import Hydration


@dataclass(frozen=True, slots=True)
class Content:
    dialogue: Dialogue
    matcher: Matcher
    rules: RecurrenceRules
    hydration: Hydration  # the reminder plan and the cities


def load_content(dialogues_dir: Path, data_dir: Path) -> Content:
    """Load lexicons, rules, reminder plan, cities and the dialogue.

    Raises ContentError listing every problem found.
    """
    problems: list[str] = []
    matcher = rules = hydration = None
    try:
        matcher = load_matcher(data_dir)
    except ContentError as exc:
        problems.extend(exc.problems)
    try:
        rules = load_rules(data_dir / RULES_FILE)
    except ContentError as exc:
        problems.extend(exc.problems)
    try:
        hydration = Hydration.load(data_dir)
    except ContentError as exc:
        problems.extend(exc.problems)
    if matcher is None or rules is None or hydration is None:
        raise ContentError(problems)
    dialogue = load_dialogue(dialogues_dir, matcher)
    button_problems = check_buttons(dialogue, matcher)
    if button_problems:
        raise DialogueError(button_problems)
    return Content(dialogue, matcher, rules, hydration)


def check_buttons(dialogue: Dialogue, matcher: Matcher) -> list[str]:
    """Every button must be understood as an answer to its own question."""
    problems = []
    for state in dialogue.states.values():
        for text in state.buttons:
            reading = matcher.read(text)
            if resolve(dialogue, matcher, state, reading) is not None:
                continue
            if reading.get("intent") in dialogue.intents:
                continue
            problems.append(
                f"{state.file}: state {state.name!r}: the button {text!r} is not understood as "
                f"a {state.expect} answer. Rename it, or add its words to "
                f"data/lexicon/{state.expect}.yaml."
            )
    return problems
