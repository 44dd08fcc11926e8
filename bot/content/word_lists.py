"""The parts of a lexicon file that are not its labels, read and checked.

    load_negation  negation.yaml: how the language says "not", and what ends a denial
    load_units     a duration kind's units and amounts ("hour: 60", "couple: 2")
    rule_groups    a `together:`/`anywhere:` rule's word lists ("pee urine + dark brown")
    Problems       every problem found, to report them all at once (file: what, fix)

Used by bot/content/lexicon.py, which reads the labels and builds the Lexicon value.
"""

from __future__ import annotations

import re
from typing import Any

from bot.core.lexicon import DENIED, Entry, Negation
from bot.core.reading import tokenize
from bot.core.together import STEM

NEGATION_KEYS = frozenset(
    {
        "negators",
        "breaks",
        "and_words",
        "new_clause",
        "hedges",
        "reversers",
        "answers",
        "past",
        "denies_after",
        "denies_before",
        "retracts",
        "jokes",
        "pleas",
        "asks",
    }
)
_THRESHOLD = re.compile(r">=\d+(?:\.\d+)?|\d+\.\.\d+")


class Problems:
    """Collects every problem found while loading, to report them all at once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}")


def text_of(value: Any) -> str | None:
    """A YAML scalar as text; None for booleans (unquoted true/false) and non-scalars."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value)


def number_of(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def rule_groups(text: str | None) -> tuple[frozenset[str], ...] | None:
    """`pee urine + dark brown` -> ({pee, urine}, {dark, brown}); None if malformed.

    A word such as ">=5" or "30..50" stays as it is: a number threshold or range the
    matcher understands (bot.core.together);
    "-pain" is a word that counts only where a negator denies it ("no pain").
    """
    if text is None:
        return None
    groups: list[frozenset[str]] = []
    for part in text.split("+"):
        words: set[str] = set()
        for item in part.split():
            if _THRESHOLD.fullmatch(item):
                words.add(item)
            elif item.endswith(STEM) and len(item) > len(STEM):
                # "опух*": any word that begins with the stem (its tokens, as typed)
                stem = tokenize(item[: -len(STEM)])
                if len(stem) != 1:
                    return None
                words.add(stem[0] + STEM)
            elif item.startswith(DENIED) and len(item) > 1:
                # "-pain": the word counts only where it is denied ("no pain", "doesn't hurt")
                words.update(DENIED + w for w in tokenize(item[1:]))
            else:
                words.update(tokenize(item))
        if not words:
            return None
        groups.append(frozenset(words))
    return tuple(groups) if len(groups) >= 2 else None


def load_negation(
    where: str,
    doc: dict[str, Any],
    pattern: re.Pattern[str],
    phrases: dict[tuple[str, ...], list[Entry]],
    problems: Problems,
) -> Negation:
    """negation.yaml -> Negation; its hedges become plain phrases (they deny nothing)."""
    extra = set(doc) - NEGATION_KEYS
    if extra:
        problems.add(
            where,
            f"a negation file holds only {', '.join(sorted(NEGATION_KEYS))}; "
            f"remove {sorted(map(str, extra))}.",
        )
    lists: dict[str, list[tuple[str, ...]]] = {}
    for key in sorted(NEGATION_KEYS):
        raw = doc.get(key) or []
        if not isinstance(raw, list):
            problems.add(where, f"`{key}:` must be a list, like [no, not, never].")
            raw = []
        keys: list[tuple[str, ...]] = []
        for item in raw:
            t = text_of(item)
            # Marks such as "," are breaks too: read them as tokens, not as phrase keys.
            key_tokens = tuple(tokenize(t, pattern)) if t is not None else ()
            if not key_tokens:
                problems.add(where, f"`{key}:` item {item!r} must be text with a word or mark.")
                continue
            one_word = (
                *("negators", "breaks", "and_words", "new_clause", "answers"),
                "jokes",
            )
            if key in one_word and len(key_tokens) != 1:
                problems.add(
                    where, f"`{key}:` item {item!r} must be one word; put phrases in hedges."
                )
                continue
            keys.append(key_tokens)
        lists[key] = keys
    for hedge in lists["hedges"]:
        phrases.setdefault(hedge, [])
    return Negation(
        negators=frozenset(k[0] for k in lists["negators"]),
        breaks=frozenset(k[0] for k in lists["breaks"]),
        and_words=frozenset(k[0] for k in lists["and_words"]),
        new_clause=frozenset(k[0] for k in lists["new_clause"]),
        reversers=tuple(lists["reversers"]),
        hedges=frozenset(lists["hedges"]),
        answers=frozenset(k[0] for k in lists["answers"]),
        past=tuple(lists["past"]),
        denies_after=tuple(lists["denies_after"]),
        denies_before=tuple(lists["denies_before"]),
        retracts=tuple(lists["retracts"]),
        jokes=frozenset(k[0] for k in lists["jokes"]),
        pleas=tuple(lists["pleas"]),
        asks=tuple(lists["asks"]),
    )


def load_units(
    where: str,
    doc: dict[str, Any],
    units: dict[str, float],
    amounts: dict[str, float],
    problems: Problems,
) -> None:
    raw_units = doc.get("units")
    if not isinstance(raw_units, dict) or not raw_units:
        problems.add(
            where,
            "`units:` must name each unit with its minutes and words, like "
            "`hour: {minutes: 60, words: [h, hr, hrs, hour, hours]}`.",
        )
    else:
        for name, unit in raw_units.items():
            minutes = number_of(unit.get("minutes")) if isinstance(unit, dict) else None
            words = unit.get("words") if isinstance(unit, dict) else None
            if minutes is None or minutes <= 0 or not isinstance(words, list) or not words:
                problems.add(
                    where,
                    f"unit '{name}' needs `minutes:` (a number above 0) and `words:` "
                    "(a list), like `{minutes: 60, words: [h, hr, hour, hours]}`.",
                )
                continue
            for w in words:
                t = text_of(w)
                if t is None or not tokenize(t):
                    problems.add(where, f"unit '{name}': word {w!r} must be text.")
                else:
                    units[tokenize(t)[0]] = minutes
    raw_amounts = doc.get("amounts") or {}
    if not isinstance(raw_amounts, dict):
        problems.add(where, "`amounts:` must map words to numbers, like `couple: 2`.")
        return
    for word, value in raw_amounts.items():
        v = number_of(value)
        t = text_of(word)
        if v is None or t is None or len(tokenize(t)) != 1:
            problems.add(where, f"amount {word!r}: give one word and a number, like `few: 3`.")
        else:
            amounts[tokenize(t)[0]] = v
