"""The words of one language, as plain values: what bot.content.lexicon reads from
data/lexicon/<language>/*.yaml and checks, and what a Matcher is built from.

    Lexicon.phrases   ("chest", "pain") -> (Entry("red_flag", "chest_pain"),)
    Lexicon.display   "body_part" -> {"quad": "front thigh", ...}
    Lexicon.plural    {("body_part", "toes"), ...}: labels whose display name is plural
    Lexicon.ranges    "severity" -> ((0, "mild"), (4, "moderate"), (7, "severe"))
    Lexicon.units     "hrs" -> 60 (minutes);  Lexicon.amounts  "couple" -> 2
    Lexicon.together  Together("urgent", "dark_urine", ({"pee", "urine"}, {"dark"}))
    Lexicon.negation  Negation(negators={"no", "not", ...}, breaks={",", "but", ...}, ...)

No checks here: a Lexicon is already valid when the loader hands it over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["DENIED", "Entry", "Lexicon", "Negation", "Together"]

DENIED = "-"  # a rule word "-pain" counts only where it is denied ("no pain")


@dataclass(frozen=True, slots=True)
class Entry:
    """What one phrase means for one kind."""

    kind: str
    label: str
    minutes: float | None = None  # for approximate durations ("since last night")
    #: an `asked:` phrase: it means its label only in the answer to that kind's question
    asked: bool = False


class Together(NamedTuple):
    """A `together:` rule: a word of every group, close together in one clause, means
    `label` of `kind` ("my pee is really dark" -> urgent dark_urine).

    A group may hold a number threshold such as ">=5": any number of five or more
    ("took 8 ibuprofen"); a word written "-pain" (DENIED) counts only where a negator
    denies it ("no pain, but my leg won't move"). An `anywhere` rule (`anywhere:` in the
    file) lets its words be anywhere in the message, across clauses ("diabetic, ... now
    shaky and sweaty").
    """

    kind: str
    label: str
    groups: tuple[frozenset[str], ...]
    anywhere: bool = False


@dataclass(frozen=True, slots=True)
class Negation:
    """How one language says "not" (data/lexicon/<language>/negation.yaml).

    `negators` deny what follows them until one of `breaks`, or "and" (`and_words`) followed
    by one of `new_clause`. `reversers` (phrases, as tokens) take back every denial made
    before them ("never had chest pain before but now I do"). `hedges` ("not sure if") are
    also loaded as phrases that mean nothing, so their negator denies nothing, yet their
    words still count toward rules ("cannot move"). `answers` ("no", "nope") deny nothing
    when a new clause follows them at once ("no the cramp is in my neck"). `past` phrases
    deny what came before them in their clause: a sign long gone ("had a seizure years ago
    as a kid"). `denies_after` phrases deny what follows them, like a negator ("ma fi",
    "laughing so hard"); `denies_before` phrases deny what came before them in their clause,
    like `past` (a denial that follows its noun: Turkish "agrim yok", Hindi "koi dard
    nahi"; a joke: "breathless from laughing"). `retracts` ("jk", "not literally", "its always
    been like that") deny everything before them in the message. A laugh of `jokes` ("lol",
    "😂", "wkwk") denies what came before it in its sentence, unless the message holds one
    of `pleas` ("help", "seriously", "should i worry"): a sign said as a joke. An `asks`
    phrase ("whats", "what does") followed at once by a sign, in a sentence that ends in a
    question mark or with the message, asks what the sign is ("whats lockjaw?", "what does
    confusion mean as a heat sign?"): that sign is not had. Empty: nothing is denied.
    """

    negators: frozenset[str] = frozenset()
    breaks: frozenset[str] = frozenset()
    and_words: frozenset[str] = frozenset()
    new_clause: frozenset[str] = frozenset()
    reversers: tuple[tuple[str, ...], ...] = ()
    hedges: frozenset[tuple[str, ...]] = frozenset()
    answers: frozenset[str] = frozenset()
    past: tuple[tuple[str, ...], ...] = ()
    denies_after: tuple[tuple[str, ...], ...] = ()
    denies_before: tuple[tuple[str, ...], ...] = ()
    retracts: tuple[tuple[str, ...], ...] = ()
    jokes: frozenset[str] = frozenset()
    pleas: tuple[tuple[str, ...], ...] = ()
    asks: tuple[tuple[str, ...], ...] = ()


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
    negation: Negation = Negation()
    #: (kind, label) pairs whose display name is plural ("toes"), for words that agree
    plural: frozenset[tuple[str, str]] = frozenset()
    #: Phrases that mean their label only as the whole message (`alone:`): "gatorade" is a
    #: drink had, "foot cramp in the water" none.
    alone: Mapping[tuple[str, ...], Entry] = field(default_factory=dict)
