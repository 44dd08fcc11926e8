"""The words of one language, as plain values: what bot.content.lexicon reads from
data/lexicon/<language>/*.yaml and checks, and what a Matcher is built from.

    Lexicon.phrases   ("chest", "pain") -> (Entry("red_flag", "chest_pain"),)
    Lexicon.display   "body_part" -> {"quad": "thigh (front)", ...}
    Lexicon.ranges    "severity" -> ((0, "mild"), (4, "moderate"), (7, "severe"))
    Lexicon.units     "hrs" -> 60 (minutes);  Lexicon.amounts  "couple" -> 2
    Lexicon.together  Together("red_flag", "dark_urine", ({"pee", "urine"}, {"dark"}))

No checks here: a Lexicon is already valid when the loader hands it over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["Entry", "Lexicon", "Together"]


@dataclass(frozen=True, slots=True)
class Entry:
    """What one phrase means for one kind."""

    kind: str
    label: str
    minutes: float | None = None  # for approximate durations ("since last night")


class Together(NamedTuple):
    """A `together:` rule: a word of every group, close together in one clause, means
    `label` of `kind` ("my pee is really dark" -> red_flag dark_urine)."""

    kind: str
    label: str
    groups: tuple[frozenset[str], ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Every phrase, label, range and unit of one language, checked and ready for a Matcher.

    `phrases` maps a phrase, as tokens, to what it means; a plain phrase ("chest press")
    maps to no entries, so it hides the lexicon words inside it. `plain_words` are words
    never corrected as typos ("call" is not "calf"); `symbols` are the marks such as 👍
    that some phrase uses, so they are read as tokens.
    """

    phrases: Mapping[tuple[str, ...], tuple[Entry, ...]]
    display: Mapping[str, Mapping[str, str]]
    ranges: Mapping[str, tuple[tuple[float, str], ...]]
    units: Mapping[str, float]
    amounts: Mapping[str, float]
    plain_words: frozenset[str]
    symbols: frozenset[str]
    together: tuple[Together, ...] = ()
