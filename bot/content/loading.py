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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bot.content.alarms import alarm_languages, alarms_of
from bot.content.cities import CITIES_FILE, load_atlas
from bot.content.contract import check_labels, check_needs
from bot.content.dialogue import load_dialogue
from bot.content.languages import LANGUAGES_FILE, Language, check_languages, load_languages
from bot.content.lexicon import load_lexicons
from bot.content.plan import PLAN_FILE, check_calendar_words, load_plan
from bot.content.reader import READER_FILE, load_reader
from bot.content.rules import RULES_FILE, check_rule_texts, load_rules
from bot.core.answers import resolve
from bot.core.contract import Needs
from bot.core.lexicon import Lexicon
from bot.core.machine import Dialogue
from bot.core.matcher import Matcher
from bot.core.reader import Reader
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
    reader: Reader | None = None  # data/reader.json: warning signs no phrase holds


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

    Each language's lexicon is read once, for its own matcher and for the alarms.
    Raises ContentError listing every problem found.
    """
    problems: list[str] = []
    rules = _try(problems, lambda: load_rules(data_dir / RULES_FILE))
    plan = _try(problems, lambda: load_plan(data_dir / PLAN_FILE))
    atlas = _try(problems, lambda: load_atlas(data_dir / CITIES_FILE))
    known = _try(problems, lambda: load_languages(data_dir / LANGUAGES_FILE))
    reader = _try(problems, lambda: load_reader(data_dir / READER_FILE))
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
    lexicon_root = data_dir / "lexicon"
    alarm_codes = alarm_languages(lexicon_root)
    lexicons, unread = load_lexicons(lexicon_root, sorted({*alarm_codes, *codes}))
    problems.extend(unread)
    alarms = (
        None
        if unread
        else _try(problems, lambda: alarms_of({c: lexicons[c] for c in alarm_codes}, lexicon_root))
    )
    languages: dict[str, Content] = {}
    for code in codes:
        lexicon = lexicons.get(code)
        if lexicon is None:
            continue  # its problems are reported already
        try:
            dialogue, matcher = _load_language(code, dialogues_dir, lexicon_root, lexicon)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        where = (dialogues_dir / code).as_posix()
        problems.extend(check_needs(dialogue, needs, where=where))
        problems.extend(check_labels(matcher, needs, where=where))
        problems.extend(check_calendar_words(dialogue.texts, where=where))
        if rules is not None:
            problems.extend(check_rule_texts(rules, dialogue.texts, where=where))
        if rules is not None and plan is not None and atlas is not None and alarms is not None:
            languages[code] = Content(code, dialogue, matcher, rules, plan, atlas, alarms, reader)
    if known is not None:
        problems.extend(
            check_languages(
                known,
                [c for c in alarm_codes if c not in codes],
                where=(data_dir / LANGUAGES_FILE).as_posix(),
            )
        )
    if problems:
        raise ContentError(problems)
    return Library(languages, known=known or {})


_Loaded = TypeVar("_Loaded")


def _try(problems: list[str], load: Callable[[], _Loaded]) -> _Loaded | None:
    """What `load` returns, or None with its problems added to `problems`."""
    try:
        return load()
    except ContentError as exc:
        problems.extend(exc.problems)
        return None


def _load_language(
    code: str, dialogues_dir: Path, lexicon_root: Path, lexicon: Lexicon
) -> tuple[Dialogue, Matcher]:
    """One language's dialogue and matcher, its buttons checked against its words."""
    matcher = Matcher(lexicon)
    dialogue = load_dialogue(dialogues_dir / code, matcher)
    button_problems = check_buttons(dialogue, matcher, lexicon_root / code)
    if button_problems:
        raise DialogueError(button_problems)
    return dialogue, matcher


def check_buttons(dialogue: Dialogue, matcher: Matcher, lexicon: Path) -> list[str]:
    """Every button must be understood as an answer to its own question."""
    problems = []
    for state in dialogue.states.values():
        for text in (*state.buttons, *state.more_buttons):
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
