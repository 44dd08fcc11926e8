"""data/languages.yaml -> what the bot says in each language it recognises but does not speak.

    load_languages(path) -> {"es": Language("Español", emergency="⚠️ ...", english_only="...")}

A language recognised for emergencies (its data/lexicon/<code>/red_flag.yaml) has an entry
here: its own name, the emergency reply in it, and the notice that the bot understands
English for now, both naming emergency numbers. Checked by `python -m bot check`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.content.yamlfile import load_yaml
from bot.errors import ContentError

__all__ = ["LANGUAGES_FILE", "Language", "check_languages", "load_languages"]

LANGUAGES_FILE = "languages.yaml"
_KEYS = frozenset({"name", "emergency", "english_only"})
#: A text must name at least one emergency number (112, 911, 999, 000, 103, 15 ...).
_NUMBER = re.compile(r"\b(?:112|911|999|000|1\d\d|15|997|123)\b")


@dataclass(frozen=True, slots=True)
class Language:
    """One language as the bot knows it before it speaks it: its texts may be empty."""

    name: str
    emergency: str = ""  # the emergency reply in this language
    english_only: str = ""  # "I understand English for now", with the emergency numbers


def load_languages(path: Path) -> dict[str, Language]:
    """Read data/languages.yaml. Raises ContentError listing every problem."""
    where = path.as_posix()
    doc = load_yaml(path)
    if not isinstance(doc, dict) or not doc:
        raise ContentError([f"{where}: must map language codes to `name:` and texts."])
    problems: list[str] = []
    languages: dict[str, Language] = {}
    for code, entry in doc.items():
        if not isinstance(code, str) or not re.fullmatch(r"[a-z]{2,3}", code):
            problems.append(f"{where}: {code!r} is not a language code such as `es`.")
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            problems.append(f"{where}: '{code}' needs `name:` (the language's own name).")
            continue
        for key in sorted(set(map(str, entry)) - _KEYS):
            problems.append(f"{where}: '{code}': unknown key '{key}'. Allowed: {sorted(_KEYS)}.")
        texts = {key: entry.get(key) or "" for key in ("emergency", "english_only")}
        for key, text in texts.items():
            if not isinstance(text, str):
                problems.append(f"{where}: '{code}': `{key}:` must be text.")
            elif code != "en" and not _NUMBER.search(text):
                problems.append(
                    f"{where}: '{code}': `{key}:` must name an emergency number (112, 911...)."
                )
        languages[code] = Language(
            entry["name"], str(texts["emergency"]), str(texts["english_only"])
        )
    if problems:
        raise ContentError(problems)
    return languages


def check_languages(
    languages: Mapping[str, Language], recognised: Iterable[str], *, where: str
) -> list[str]:
    """Every language whose warning signs are read, and that the bot does not speak (no
    dialogues/<code>), has its texts in data/languages.yaml."""
    problems = []
    for code in recognised:
        # load_languages refuses an entry without both texts, so only a missing one is left
        if code != "en" and code not in languages:
            problems.append(
                f"{where}: '{code}' has warning signs (data/lexicon/{code}/red_flag.yaml) "
                "but no `emergency:` and `english_only:` texts here. Add them."
            )
    return problems
