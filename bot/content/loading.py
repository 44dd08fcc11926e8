"""Everything the bot says and understands, per language, loaded and cross-checked at start-up.

    load_library(dialogues_dir, data_dir) -> Library({"en": Content(...), ...})
    library.content(profile.language)     -> the Content for that person (English if absent)

A language is a folder: dialogues/<code>/*.yaml (the machine and every text) and
data/lexicon/<code>/*.yaml (the words). What is the same in every language (the
reminder plan, the recurrence rules, the cities) is read once from data/.

Used by `python -m bot check` and by every start-up, so broken content never
reaches a person: all problems are reported together, each naming its file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.alarms import alarm_languages, load_alarms
from bot.content.cities import load_atlas
from bot.content.contract import check_labels, check_needs
from bot.content.dialogue import load_dialogue
from bot.content.languages import LANGUAGES_FILE, Language, check_languages, load_languages
from bot.content.lexicon import load_matcher
from bot.content.plan import check_calendar_words, load_plan
from bot.content.rules import RULES_FILE, check_rule_texts, load_rules
from bot.core.answers import resolve
from bot.core.contract import Needs
from bot.core.machine import Dialogue
from bot.core.matcher import Matcher
from bot.core.recurrence import RecurrenceRules
from bot.core.schedule import Plan
from bot.core.zones import Atlas
from bot.errors import ContentError, DialogueError

#: The language a person gets when theirs is unknown or not written yet.
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Content:
    """Everything of one language, and what all languages share."""

    language: str
    dialogue: Dialogue
    matcher: Matcher
    rules: RecurrenceRules
    plan: Plan  # data/reminders.yaml: how often and when to keep quiet
    atlas: Atlas  # data/cities.yaml: cities and their time zones
    alarms: Matcher | None = None  # warning signs in every language, read on every message


@dataclass(frozen=True, slots=True)
class Library:
    """The content of every language the bot speaks."""

    languages: Mapping[str, Content]
    default: str = DEFAULT_LANGUAGE
    #: data/languages.yaml: every language recognised for emergencies, spoken or not
    known: Mapping[str, Language] = field(default_factory=dict)

    def content(self, language: str | None = None) -> Content:
        """The content for a language code ("de", "pt-BR"); the default one if not spoken."""
        code = (language or "").split("-")[0].strip().lower()
        return self.languages.get(code) or self.languages[self.default]


def load_library(dialogues_dir: Path, data_dir: Path, needs: Sequence[Needs] = ()) -> Library:
    """Load every language found under `dialogues_dir`, with what they share from `data_dir`,
    and check each against what the code `needs` of it (bot/app.py gathers them).

    Raises ContentError listing every problem found.
    """
    problems: list[str] = []
    shared: dict[str, object] = {}
    for name, load in (
        ("rules", lambda: load_rules(data_dir / RULES_FILE)),
        ("plan", lambda: load_plan(data_dir / "reminders.yaml")),
        ("atlas", lambda: load_atlas(data_dir / "cities.yaml")),
        ("alarms", lambda: load_alarms(data_dir / "lexicon")),
        ("known", lambda: load_languages(data_dir / LANGUAGES_FILE)),
    ):
        try:
            shared[name] = load()
        except ContentError as exc:
            problems.extend(exc.problems)
    codes = (
        sorted(p.name for p in dialogues_dir.iterdir() if p.is_dir())
        if dialogues_dir.is_dir()
        else []
    )
    if DEFAULT_LANGUAGE not in codes:
        problems.append(
            f"{dialogues_dir}: no folder {DEFAULT_LANGUAGE!r} with the dialogue in English. "
            f"Put the *.yaml files in {dialogues_dir / DEFAULT_LANGUAGE}."
        )
    languages: dict[str, Content] = {}
    for code in codes:
        try:
            languages[code] = content = _load_language(code, dialogues_dir, data_dir, shared)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        where = (dialogues_dir / code).as_posix()
        problems.extend(check_needs(content.dialogue, needs, where=where))
        problems.extend(check_labels(content.matcher, needs, where=where))
        problems.extend(check_rule_texts(content.rules, content.dialogue.texts, where=where))
        problems.extend(check_calendar_words(content.dialogue.texts, where=where))
    known = shared.get("known")
    if isinstance(known, dict):
        problems.extend(
            check_languages(
                known,
                [c for c in alarm_languages(data_dir / "lexicon") if c not in languages],
                where=(data_dir / LANGUAGES_FILE).as_posix(),
            )
        )
    if problems:
        raise ContentError(problems)
    return Library(languages, known=known if isinstance(known, dict) else {})


def load_content(dialogues_dir: Path, data_dir: Path) -> Content:
    """The default language's content (what tests and tools that speak English need)."""
    return load_library(dialogues_dir, data_dir).content()


def _load_language(
    code: str, dialogues_dir: Path, data_dir: Path, shared: Mapping[str, object]
) -> Content:
    lexicon = data_dir / "lexicon" / code
    matcher = load_matcher(lexicon)
    dialogue = load_dialogue(dialogues_dir / code, matcher)
    button_problems = check_buttons(dialogue, matcher, lexicon)
    if button_problems:
        raise DialogueError(button_problems)
    if len(shared) < 5:  # a shared file is broken: reported already
        raise ContentError([])
    rules, plan, atlas = shared["rules"], shared["plan"], shared["atlas"]
    alarms = shared["alarms"]
    assert isinstance(rules, RecurrenceRules) and isinstance(plan, Plan)
    assert isinstance(atlas, Atlas) and isinstance(alarms, Matcher)
    return Content(code, dialogue, matcher, rules, plan, atlas, alarms)


def check_buttons(dialogue: Dialogue, matcher: Matcher, lexicon: Path) -> list[str]:
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
                f"{lexicon.as_posix()}/{state.expect}.yaml."
            )
    return problems
