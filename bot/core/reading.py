"""What a message says, as found by the matcher, and the words it is read as.

    tokenize("Can't breathe!!")  -> ["cant", "breathe", "!", "!"]
    Reading.get("body_part")     -> "calf"        the first label of a kind, not denied
    Reading.labels("red_flag")   -> ("chest_pain",)
    Reading.negated("red_flag")  -> ("fainting",)  what the person said they do not have
    Reading.tokens               -> ("no", "chest", "pain", ",", "calff", "👍")  as read

Pure values and one pure function; the Matcher (bot.core.matcher) builds Readings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["MAX_CHARS", "MAX_TOKENS", "Match", "Reading", "token_pattern", "tokenize"]

MAX_CHARS = 4000  # a longer message is cut here before it is read
MAX_TOKENS = 500  # and only its first 500 words and marks are looked at

# Combining marks that Python's \w does not count as letters but that belong inside a
# word: Devanagari vowel signs (सीने), Arabic and Persian vowel marks, Latin accents left
# after NFKC. Without them "सीने" would fall apart into "स" and "न".
_MARK = (
    r"[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670"
    r"\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963]"
)
_LETTERS = rf"[^\W\d_]+(?:{_MARK}+[^\W\d_]*)*"
_WORD = rf"\d+(?:\.\d+)?|{_LETTERS}(?:'{_LETTERS})*"
_MARKS = r"[,.;!?/\n]"
#: The clause marks of other scripts, read as their Latin ones: the Arabic comma, semicolon
#: and question mark, the Devanagari full stop, the CJK full stop and comma.
_SCRIPT_MARKS = str.maketrans({"،": ",", "؛": ";", "؟": "?", "।": ".", "。": ".", "、": ","})
#: A letter typed three times or more in a row, for emphasis ("stilllll", "sooo bad").
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
#: The zero-width non-joiner, written inside Persian words between a stem and its prefix or
#: ending: read as a space, as the lexicon's phrases are (typed either way).
_ZWNJ = "\u200c"
#: The marks that end a clause; a phrase in a lexicon file is read without them.
CLAUSE_MARKS = frozenset({",", ".", ";", "!", "?"})


@dataclass(frozen=True, slots=True)
class Match:
    """One thing found in a message: `label` of lexicon `kind`, maybe negated ("no chest pain")."""

    kind: str
    label: str
    negated: bool = False
    score: float = 100.0
    start: int = 0  # index of the first token it covers
    #: read from an `asked:` phrase: it counts only as the answer to its kind's question
    #: ("a bit" is a mild pain at "how bad is it?", nothing in "dunno, a bit. 2 min")
    asked: bool = False


@dataclass(frozen=True, slots=True)
class Reading:
    """Everything the matcher understood in one message."""

    text: str
    matches: tuple[Match, ...] = ()
    duration_minutes: float | None = None
    number: float | None = None
    #: The tokens read (tokenize with the lexicon's symbols, before typo correction);
    #: Match.start indexes them.
    tokens: tuple[str, ...] = ()

    def get(self, kind: str) -> str | None:
        """The first label of `kind` that is not negated, or None."""
        for m in self.matches:
            if m.kind == kind and not m.negated:
                return m.label
        return None

    def labels(self, kind: str) -> tuple[str, ...]:
        """Every label of `kind` that is not negated, in order, without repeats."""
        seen: dict[str, None] = {}
        for m in self.matches:
            if m.kind == kind and not m.negated:
                seen.setdefault(m.label, None)
        return tuple(seen)

    def spots(self, kind: str) -> tuple[tuple[str, int], ...]:
        """Every label of `kind` that is not negated, with the token index it starts at."""
        return tuple((m.label, m.start) for m in self.matches if m.kind == kind and not m.negated)

    def negated(self, kind: str) -> tuple[str, ...]:
        """Every label of `kind` the person denied ("no chest pain", "not hot")."""
        seen: dict[str, None] = {}
        for m in self.matches:
            if m.kind == kind and m.negated:
                seen.setdefault(m.label, None)
        return tuple(seen)


def token_pattern(symbols: Iterable[str] = ()) -> re.Pattern[str]:
    """The pattern of one token: a word, a number, a clause mark, or one of `symbols` (👍)."""
    extra = "|".join(re.escape(s) for s in sorted(symbols, key=len, reverse=True))
    return re.compile(f"{_WORD}|{_MARKS}" + (f"|{extra}" if extra else ""))


_DEFAULT_PATTERN = token_pattern()


def tokenize(text: str, pattern: re.Pattern[str] = _DEFAULT_PATTERN) -> list[str]:
    """Lower-case words, numbers and clause marks of `text`; apostrophes dropped.

    "Can't breathe!!" -> ["cant", "breathe", "!", "!"]; "1h30" -> ["1", "h", "30"].
    A letter stretched for emphasis is kept twice: "stilllll" -> "still", "sooo" -> "soo"
    (no English word holds a letter three times in a row).
    Only the first MAX_CHARS characters and MAX_TOKENS tokens are kept.
    """
    text = text[:MAX_CHARS]
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # full-width letters, ligatures
        if _ZWNJ in text:
            text = text.replace(_ZWNJ, " ")  # Persian "نمی‌کشه" as "نمی کشه", "سینه‌ام" "سینه ام"
        text = text.translate(_SCRIPT_MARKS)  # "رفتم، چند": the Arabic comma ends a clause too
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    if _STRETCHED.search(text):
        text = _STRETCHED.sub(r"\1\1", text)
    tokens = pattern.findall(text, 0, MAX_CHARS)
    del tokens[MAX_TOKENS:]
    return [t.replace("'", "") if "'" in t else t for t in tokens]


def phrase_key(phrase: str, pattern: re.Pattern[str] = _DEFAULT_PATTERN) -> tuple[str, ...]:
    """A phrase as the matcher looks it up: its tokens without clause marks."""
    return tuple(t for t in tokenize(phrase, pattern) if t not in CLAUSE_MARKS)
