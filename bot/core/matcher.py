"""Text -> what it says: symptoms, muscles, durations, severity, yes/no, context, red flags.

Pure: no I/O after loading. The lexicons live in data/lexicon/*.yaml (see the comment at
the top of each file for its format).

How a message is read, step by step:

    "nO chest pain, just my calff 😩 2hrs"
      1. lower case, keep words, numbers and a few marks     no chest pain , just my calff 2 hrs
      2. fix small typos in unknown words (cached)           ... calff -> calf
      3. amounts of time  "2 hrs", "1h30", "half an hour"    duration = 120 min -> "hour"
         pain scores      "7/10", "8 out of 10", "pain 9"    severity by the ranges in the file
      4. phrases, longest first, one table for every kind    chest pain -> red_flag:chest_pain
         `together:` rules, words close together in any order  "pee is dark" -> dark_urine
      5. negation: "no", "not", "didn't", ... deny what follows until a clause break
         ("," "but" "just" ...)                              chest_pain negated, calf not

Typos are fixed one word at a time with rapidfuzz, only for words of four letters or more
that are in no lexicon and in no list of plain words, and only towards words with the same
first letter and a length that can reach the score cutoff ("call" stays "call", being a
plain word; "sitting" never becomes "fitting"). The result is cached (bounded), so a word
is looked up once per process, and the per-message cost hardly grows with the lexicon.
Phrases that mean nothing but hide a lexicon word ("chest press") are listed as
plain_phrases in data/lexicon/plain_words.yaml.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from bot.errors import ContentError

__all__ = [
    "MAX_CHARS",
    "MAX_TOKENS",
    "Match",
    "Matcher",
    "Reading",
    "load_matcher",
    "tokenize",
]

MAX_CHARS = 4000  # a longer message is cut here before it is read
MAX_TOKENS = 500  # and only its first 500 words and marks are looked at
RED_FLAG_WINDOW = 1000  # longer messages are also scanned for red flags in windows this long
RED_FLAG_SCAN = 65536  # up to this many characters
_OVERLAP = 100  # windows overlap so a warning sign on a boundary is not split
CACHE_SIZE = 16384  # words whose typo correction is remembered
NEGATION_REACH = 7  # a negator denies at most this many words after it
TOGETHER_REACH = 8  # words of a `together:` rule must fall within this many words


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


NEGATORS = _words(
    "no not never without dont didnt doesnt isnt wasnt arent werent havent hasnt hadnt "
    "nothing denies deny denied cant cannot wont couldnt wouldnt shouldnt aint nor neither "
    "mustnt neednt didn dint dnt doesn isn wasn havnt"
)
CLAUSE_BREAKS = _words(
    ", . ; ! ? but just only though tho however except although because cuz coz then "
    "when while whereas yet"
)
# After "and", these start a new clause: "didn't stretch and now my calf cramps".
_NEW_CLAUSE = _words("now then my i im its it the his her he she so")
# Words that may stand before a pain score: "pain 9", "pain is like a 7", "rate it 6".
_SCORE_WORDS = frozenset(["pain", "level", "severity", "rating", "rate", "rated", "score"])
_SCORE_FILLERS = _words("a an is at of about like around maybe its it prob probably")
# Words after an amount of time that make it the length of a workout, not of a cramp.
_NOT_A_CRAMP_TIME = _words(
    "run ride hike session workout game match race walk swim bike cycle class training "
    "practice shift drive flight off"
)
_PLAIN_WORDS_KEY = "plain_words"
_PLAIN_PHRASES_KEY = "plain_phrases"
_KIND_KEYS = frozenset({"kind", "labels", "units", "amounts", "approximate"})
_LABEL_KEYS = frozenset({"display", "phrases", "from", "together"})

_WORD = r"\d+(?:\.\d+)?|[^\W\d_]+(?:'[^\W\d_]+)*"
_MARKS = r"[,.;!?/\n]"
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True, slots=True)
class Match:
    """One thing found in a message: `label` of lexicon `kind`, maybe negated ("no chest pain")."""

    kind: str
    label: str
    negated: bool = False
    score: float = 100.0
    start: int = 0  # index of the first token it covers


@dataclass(frozen=True, slots=True)
class Reading:
    """Everything the matcher understood in one message."""

    text: str
    matches: tuple[Match, ...] = ()
    duration_minutes: float | None = None
    number: float | None = None

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

    def negated(self, kind: str) -> tuple[str, ...]:
        """Every label of `kind` the person denied ("no chest pain", "not hot")."""
        seen: dict[str, None] = {}
        for m in self.matches:
            if m.kind == kind and m.negated:
                seen.setdefault(m.label, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class _Entry:
    """What one phrase means for one kind."""

    kind: str
    label: str
    minutes: float | None = None  # for approximate durations ("since last night")


@dataclass(frozen=True, slots=True)
class _Lexicon:
    """Everything load_matcher read, checked and ready to build a Matcher from."""

    phrases: Mapping[tuple[str, ...], tuple[_Entry, ...]]
    display: Mapping[str, Mapping[str, str]]
    ranges: Mapping[str, tuple[tuple[float, str], ...]]
    units: Mapping[str, float]
    amounts: Mapping[str, float]
    plain_words: frozenset[str]
    symbols: frozenset[str]
    together: tuple[tuple[str, str, tuple[frozenset[str], ...]], ...] = ()


def _token_pattern(symbols: Iterable[str]) -> re.Pattern[str]:
    extra = "|".join(re.escape(s) for s in sorted(symbols, key=len, reverse=True))
    return re.compile(f"{_WORD}|{_MARKS}" + (f"|{extra}" if extra else ""))


_DEFAULT_PATTERN = _token_pattern(())


def tokenize(text: str, pattern: re.Pattern[str] = _DEFAULT_PATTERN) -> list[str]:
    """Lower-case words, numbers and clause marks of `text`; apostrophes dropped.

    "Can't breathe!!" -> ["cant", "breathe", "!", "!"]; "1h30" -> ["1", "h", "30"].
    Only the first MAX_CHARS characters and MAX_TOKENS tokens are kept.
    """
    text = text[:MAX_CHARS]
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # full-width letters, ligatures
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    tokens = pattern.findall(text, 0, MAX_CHARS)
    del tokens[MAX_TOKENS:]
    return [t.replace("'", "") if "'" in t else t for t in tokens]


class Matcher:
    """Reads messages against a loaded lexicon. Build it with load_matcher()."""

    def __init__(self, lexicon: _Lexicon) -> None:
        self._phrases = dict(lexicon.phrases)
        self._display = {k: dict(v) for k, v in lexicon.display.items()}
        self._kinds = frozenset(self._display)  # asked for by every {slot} a reply fills
        self._ranges = dict(lexicon.ranges)
        self._units = dict(lexicon.units)
        self._amounts = dict(lexicon.amounts)
        self._pattern = _token_pattern(lexicon.symbols)
        # `together:` rules: word -> every (rule, group) it belongs to.
        self._together = lexicon.together
        self._together_index: dict[str, list[tuple[int, int]]] = {}
        for r, (_, _, groups) in enumerate(self._together):
            for g, group in enumerate(groups):
                for w in group:
                    self._together_index.setdefault(w, []).append((r, g))
        # The longest phrase starting with each word: most words start none.
        self._reach: dict[str, int] = {}
        for key in self._phrases:
            self._reach[key[0]] = max(self._reach.get(key[0], 0), len(key))
        # Phrases made of several words that contain a negator ("not too bad") are
        # phrases, not negations.
        self._negating_phrases = frozenset(
            k for k in self._phrases if len(k) > 1 and any(w in NEGATORS for w in k)
        )
        phrase_words = {w for key in self._phrases for w in key}
        self._known = frozenset(
            phrase_words
            | set(self._units)
            | set(self._amounts)
            | lexicon.plain_words
            | NEGATORS
            | CLAUSE_BREAKS
            | _SCORE_WORDS
            | _SCORE_FILLERS
            | _NOT_A_CRAMP_TIME
            | set(self._together_index)
            | {"and", "of", "out", "outta", "in", "ago", "for"}
        )
        targets = sorted(
            w
            for w in phrase_words
            | set(self._units)
            | set(self._amounts)
            | set(self._together_index)
            if len(w) >= 3 and w.isalpha()
        )
        self._targets: dict[tuple[str, int], list[str]] = {}
        for w in targets:
            self._targets.setdefault((w[0], len(w)), []).append(w)
        self._correct = functools.lru_cache(maxsize=CACHE_SIZE)(self._correct_uncached)

    # -- the fixed interface ---------------------------------------------------------------

    def read(self, text: str) -> Reading:
        """Everything found in `text`. Never raises on any string.

        Only the start of a very long message is read in full (MAX_CHARS, MAX_TOKENS),
        but warning signs are looked for all the way to RED_FLAG_SCAN characters:
        a red flag at the end of a long story must not be cut off.
        """
        reading = self._read(text)
        if len(text) <= RED_FLAG_WINDOW:
            return reading
        flags = [
            m
            for start in range(0, min(len(text), RED_FLAG_SCAN), RED_FLAG_WINDOW - _OVERLAP)
            for m in self._read(text[start : start + RED_FLAG_WINDOW]).matches
            if m.kind == "red_flag"
        ]
        if not flags:
            return reading
        return replace(reading, matches=reading.matches + tuple(flags))

    def _read(self, text: str) -> Reading:
        raw = tokenize(text, self._pattern) if text else []
        if not raw:
            return Reading(text=text)
        words: list[str] = []
        scores: list[float] = []
        for t in raw:
            w, s = self._correct(t)
            words.append(w)
            scores.append(s)
        n = len(words)
        used = [False] * n
        found: list[tuple[int, Match, float | None]] = []  # (start, match, minutes)
        # Amounts read first (durations, pain scores): (start, end, index in found or -1).
        # A longer phrase that wholly contains one ("snooze 1 hour") still wins over it.
        amounts: list[tuple[int, int, int]] = []

        for start, end, minutes in self._durations(words):
            if _ago(words, start, end):
                continue  # "2 hrs ago" says when it began, not how long it lasted
            for i in range(start, end):
                used[i] = True
            label = self.label_for_number("duration", minutes)
            amounts.append((start, end, len(found) if label is not None else -1))
            if label is not None:
                found.append((start, Match("duration", label, False, 100.0, start), minutes))

        score_number: float | None = None
        for start, end, value in self._pain_scores(words, used):
            for i in range(start, end):
                used[i] = True
            label = self.label_for_number("severity", value)
            if score_number is None:
                score_number = value
            amounts.append((start, end, len(found) if label is not None else -1))
            if label is not None:
                found.append((start, Match("severity", label, False, 100.0, start), None))
        replaced: set[int] = set()  # indexes in found of amounts a longer phrase took over

        # Phrases: at each word the longest phrase wins; a phrase listed under several
        # kinds gives one match per kind.
        neutral = [False] * n  # negators that are part of a longer phrase
        in_phrase = [False] * n  # "temp 40" is a warning sign, not a number answer
        phrases = self._phrases
        reach = self._reach
        i = 0
        while i < n:
            longest = reach.get(words[i], 0)
            if not longest or used[i]:
                i += 1
                continue
            for size in range(min(longest, n - i), 0, -1):
                key = tuple(words[i : i + size])
                entries = phrases.get(key)
                if entries is None:
                    continue
                if any(used[i : i + size]):
                    inside = [a for a in amounts if i <= a[0] and a[1] <= i + size]
                    taken = sum(a[1] - a[0] for a in inside)
                    if taken != sum(used[i : i + size]) or taken >= size:
                        continue  # overlaps an amount it does not wholly contain
                    replaced.update(a[2] for a in inside if a[2] >= 0)
                score = min(scores[i : i + size])
                for e in entries:
                    found.append((i, Match(e.kind, e.label, False, score, i), e.minutes))
                if key in self._negating_phrases:
                    for j in range(i, i + size):
                        neutral[j] = True
                for j in range(i, i + size):
                    in_phrase[j] = True
                i += size
                break
            else:
                i += 1

        if replaced:
            found = [f for k, f in enumerate(found) if k not in replaced]
        near = self._near(words) if self._together_index else []
        if not found and not near:
            return Reading(
                text=text, number=self._bare_number(words, used, in_phrase, score_number)
            )

        denied = self._negation(raw, words, neutral)
        by_phrase = {(m.kind, m.label) for _, m, _ in found}
        for positions, kind, label in near:
            if (kind, label) not in by_phrase:
                start = positions[0]
                negated = any(denied[p] for p in positions)
                found.append((start, Match(kind, label, negated, 100.0, start), None))
        found.sort(key=lambda f: f[0])
        matches: list[Match] = []
        duration: float | None = None
        for start, m, approx in found:
            if denied[start] and not m.negated:
                m = Match(m.kind, m.label, True, m.score, m.start)
            elif duration is None and m.kind == "duration" and approx is not None:
                duration = approx
            matches.append(m)
        return Reading(
            text=text,
            matches=tuple(matches),
            duration_minutes=duration,
            number=self._bare_number(words, used, in_phrase, score_number),
        )

    def kinds(self) -> frozenset[str]:
        """Every kind of lexicon loaded: body_part, symptom, duration, ..."""
        return self._kinds

    def labels(self, kind: str) -> frozenset[str]:
        """Every label `read` can produce for `kind` (empty for an unknown kind)."""
        return frozenset(self._display.get(kind, ()))

    def display(self, kind: str, label: str) -> str:
        """Words for people: ("body_part", "quad") -> "thigh (front)".

        An unknown kind or label gives the label with spaces for underscores.
        """
        return self._display.get(kind, {}).get(label, label.replace("_", " "))

    def label_for_number(self, kind: str, number: float) -> str | None:
        """The label whose range holds `number`: ("severity", 8) -> "severe".

        None when `kind` has no ranges, the number is below the first one, or not finite.
        """
        ranges = self._ranges.get(kind)
        if not ranges or not math.isfinite(number):
            return None
        found: str | None = None
        for low, label in ranges:
            if number >= low:
                found = label
            else:
                break
        return found

    # -- additions ---------------------------------------------------------------------------

    def clear_cache(self) -> None:
        """Forget every remembered typo correction (for benchmarks and tests)."""
        self._correct.cache_clear()

    def correct(self, word: str) -> str:
        """The lexicon word a typed word is read as: "calv" -> "calf", "call" -> "call"."""
        return self._correct(word.lower().replace("'", ""))[0]

    def phrases(self) -> tuple[str, ...]:
        """Every distinct phrase of every kind, as read (lower case, marks dropped)."""
        return tuple(" ".join(key) for key in self._phrases)

    # -- steps -------------------------------------------------------------------------------

    def _correct_uncached(self, token: str) -> tuple[str, float]:
        if token in self._known or len(token) < 4 or not token.isalpha():
            return token, 100.0
        size = len(token)
        cutoff = 75.0 if size == 4 else 80.0 if size <= 6 else 88.0
        # fuzz.ratio is at most 200 * shorter / (sum of lengths): only words of a close
        # enough length can reach the cutoff, so only those are compared.
        candidates = [
            w
            for other in range(size // 2, size * 2 + 1)
            if 200 * min(size, other) / (size + other) >= cutoff
            for w in self._targets.get((token[0], other), ())
        ]
        if not candidates:
            return token, 100.0
        best = process.extract(token, candidates, scorer=fuzz.ratio, limit=2, score_cutoff=cutoff)
        if not best:
            return token, 100.0
        if len(best) == 2 and best[0][1] == best[1][1]:
            return token, 100.0  # two words fit equally well: do not guess
        return best[0][0], float(best[0][1])

    def _near(self, words: list[str]) -> list[tuple[list[int], str, str]]:
        """`together:` rules met: a word of every group, close together, in one clause."""
        hits: dict[int, list[tuple[int, int]]] = {}
        for i, w in enumerate(words):
            for rule, group in self._together_index.get(w, ()):
                hits.setdefault(rule, []).append((i, group))
        out: list[tuple[list[int], str, str]] = []
        for rule, spots in hits.items():
            kind, label, groups = self._together[rule]
            need = len(groups)
            if len({g for _, g in spots}) < need:
                continue
            for a, (first, _) in enumerate(spots):
                seen: dict[int, int] = {}
                for pos, g in spots[a:]:
                    if pos - first > TOGETHER_REACH:
                        break
                    seen.setdefault(g, pos)
                    if len(seen) == need:
                        break
                if len(seen) == need and not any(
                    w in CLAUSE_BREAKS for w in words[first : max(seen.values())]
                ):
                    out.append((sorted(seen.values()), kind, label))
                    break
        return out

    def _amount(self, words: list[str], i: int) -> tuple[float, int, bool] | None:
        """A number at words[i]: (value, index after it, written in digits)."""
        w = words[i]
        if w[0].isdigit():
            return float(w), i + 1, True
        value = self._amounts.get(w)
        if value is None:
            return None
        j = i + 1
        n = len(words)
        if (
            w in ("a", "an")
            and j < n
            and words[j] in self._amounts
            and words[j]
            not in (
                "a",
                "an",
            )
        ):
            value = self._amounts[words[j]]
            j += 1
        elif value >= 20 and j < n and 0 < self._amounts.get(words[j], 0) < 10:
            value += self._amounts[words[j]]  # "twenty five"
            j += 1
        if value == 0.5 and j < n and words[j] in ("a", "an"):
            j += 1  # "half an hour"
        if j < n and words[j] == "of":
            j += 1  # "a couple of hours"
            if j < n and words[j] in ("a", "an"):
                j += 1  # "a quarter of an hour"
        return value, j, False

    def _durations(self, words: list[str]) -> list[tuple[int, int, float]]:
        """Every amount of time: (first index, index after, minutes)."""
        out: list[tuple[int, int, float]] = []
        units = self._units
        n = len(words)
        i = 0
        while i < n:
            amount = self._amount(words, i)
            if amount is None:
                i += 1
                continue
            value, j, digits = amount
            if words[j : j + 3] == ["and", "a", "half"]:
                value += 0.5  # "one and a half hours"
                j += 3
            unit = units.get(words[j]) if j < n else None
            if unit is None or (len(words[j]) == 1 and not digits):
                i += 1
                continue
            minutes = value * unit
            k = j + 1
            if words[k : k + 3] == ["and", "a", "half"]:
                minutes += 0.5 * unit  # "an hour and a half"
                k += 3
            elif k < n and words[k][0].isdigit():
                smaller = units.get(words[k + 1]) if k + 1 < n else None
                if smaller is not None and smaller < unit:
                    minutes += float(words[k]) * smaller  # "1 hr 30 min"
                    k += 2
                elif smaller is None and unit == units.get("hour"):
                    minutes += float(words[k])  # "1h30"
                    k += 1
            if (k < n and words[k] in _NOT_A_CRAMP_TIME) or (i > 0 and words[i - 1] == "in"):
                i = k  # "a 2 hour run", "first run in 3 days": not how long the cramp lasted
                continue
            out.append((i, k, minutes))
            i = k
        return out

    def _pain_scores(self, words: list[str], used: list[bool]) -> list[tuple[int, int, float]]:
        """Pain scores: "7/10", "8 out of 10", "pain 9" -> (start, end, value)."""
        out: list[tuple[int, int, float]] = []
        n = len(words)
        for i, w in enumerate(words):
            if used[i] or not w[0].isdigit():
                continue
            value = float(w)
            after = words[i + 1 : i + 4]
            if after[:2] == ["/", "10"] or after[:2] == ["outta", "10"]:
                out.append((i, i + 3, value))
            elif after == ["out", "of", "10"]:
                out.append((i, i + 4, value))
            elif value <= 10 and (i + 1 >= n or words[i + 1] != "/"):
                j = i - 1
                while j >= 0 and i - j <= 4 and words[j] in _SCORE_FILLERS:
                    j -= 1
                if j >= 0 and words[j] in _SCORE_WORDS:
                    out.append((i, i + 1, value))
        return out

    def _bare_number(
        self, words: list[str], used: list[bool], in_phrase: list[bool], score: float | None
    ) -> float | None:
        """The pain score if one was given, else the first number not part of anything."""
        if score is not None:
            return score
        for i, w in enumerate(words):
            if not used[i] and not in_phrase[i] and w[0].isdigit():
                return float(w)
        if len(words) <= 2:
            for w in words:
                value = self._amounts.get(w)
                if value is not None and value >= 1 and w not in ("a", "an"):
                    return value
        return None

    @staticmethod
    def _negation(raw: list[str], words: list[str], neutral: list[bool]) -> list[bool]:
        """For each word: is it denied by a negator before it in the same clause?"""
        denied = [False] * len(words)
        active = -1
        for i, w in enumerate(words):
            if w in CLAUSE_BREAKS or (
                w in ("and", "n") and i + 1 < len(words) and words[i + 1] in _NEW_CLAUSE
            ):
                active = -1
                continue
            if active >= 0 and i - active <= NEGATION_REACH:
                denied[i] = True
            if not neutral[i] and (w in NEGATORS or raw[i] in NEGATORS):
                active = i
        return denied


# -- loading ------------------------------------------------------------------------------------


_BEGAN = frozenset({"started", "began", "begin", "start", "starting", "since", "going", "been"})


def _ago(words: list[str], start: int, end: int) -> bool:
    """True for "2 hrs ago", but not for "started 2 hrs ago" (that is how long it lasts)."""
    if end >= len(words) or words[end] != "ago":
        return False
    return not any(w in _BEGAN for w in words[max(0, start - 3) : start])


class _Problems:
    """Collects every problem found while loading, to report them all at once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.items.append(f"{where}: {what}")


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    best = process.extractOne(word, list(choices), scorer=fuzz.ratio, score_cutoff=60)
    return f" Did you mean '{best[0]}'?" if best else ""


def _phrase_key(phrase: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
    return tuple(t for t in tokenize(phrase, pattern) if t not in {",", ".", ";", "!", "?"})


def _text(value: Any) -> str | None:
    """A YAML scalar as text; None for booleans (unquoted yes/no/on/off) and non-scalars."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _read_yaml(path: Path, where: str, problems: _Problems) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        problems.add(where, f"cannot be read ({e}). Save it as UTF-8 text.")
        return None
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        problems.add(
            where,
            f"YAML syntax error{line}: {problem}. Check the indentation, colons and quotes "
            "on that line and the one before it.",
        )
        return None


def load_matcher(folder: Path) -> Matcher:
    """Read the lexicon of one language (data/lexicon/<language>/*.yaml) into a Matcher.

    Raises ContentError listing every problem, each naming the file, the label and the fix.
    """
    return Matcher(_load_lexicon(folder))


def _load_lexicon(folder: Path) -> _Lexicon:
    problems = _Problems()
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        raise ContentError(
            f"{folder.as_posix()}: no lexicon files (*.yaml) found. "
            "Run the bot from the project folder, or point it at the folder holding lexicon/."
        )
    docs: list[tuple[str, dict[str, Any]]] = []
    for path in files:
        where = path.as_posix()
        doc = _read_yaml(path, where, problems)
        if doc is None and not any(p.startswith(where) for p in problems.items):
            problems.add(where, "is empty. Write `kind:` and `labels:`, or delete the file.")
        elif doc is not None and not isinstance(doc, dict):
            problems.add(where, "must be a mapping with `kind:` and `labels:` at the top.")
        elif doc is not None:
            docs.append((where, doc))

    # Symbols such as 👍 are tokens only if some phrase uses them.
    symbols: set[str] = set()
    for _, doc in docs:
        for label_doc in (
            (doc.get("labels") or {}).values() if isinstance(doc.get("labels"), dict) else ()
        ):
            if isinstance(label_doc, dict) and isinstance(label_doc.get("phrases"), list):
                for p in label_doc["phrases"]:
                    if isinstance(p, str):
                        symbols.update(ch for ch in p if not (ch.isalnum() or ch in " '-_"))
    symbols -= set(",.;!?/\n")
    pattern = _token_pattern(symbols)

    phrases: dict[tuple[str, ...], list[_Entry]] = {}
    owner: dict[tuple[str, str], tuple[str, str]] = {}  # (kind, phrase) -> (file, label)
    display: dict[str, dict[str, str]] = {}
    ranges: dict[str, tuple[tuple[float, str], ...]] = {}
    units: dict[str, float] = {}
    amounts: dict[str, float] = {}
    plain: set[str] = set()
    together: list[tuple[str, str, tuple[frozenset[str], ...]]] = []

    def add_phrase(where: str, kind: str, label: str, text: str, minutes: float | None) -> None:
        key = _phrase_key(text, pattern)
        if not key:
            problems.add(
                where, f"label '{label}': phrase {text!r} has no letters or numbers. Remove it."
            )
            return
        previous = owner.get((kind, " ".join(key)))
        if previous is not None and previous[1] != label:
            problems.add(
                where,
                f"label '{label}': phrase {text!r} is also under label '{previous[1]}' "
                f"in {previous[0]}. Keep it under one label only.",
            )
            return
        if previous is not None:
            return  # listed twice under the same label: harmless
        owner[(kind, " ".join(key))] = (where, label)
        phrases.setdefault(key, []).append(_Entry(kind, label, minutes))

    for where, doc in docs:
        if _PLAIN_WORDS_KEY in doc or _PLAIN_PHRASES_KEY in doc:
            extra = set(doc) - {_PLAIN_WORDS_KEY, _PLAIN_PHRASES_KEY}
            if extra:
                problems.add(
                    where,
                    "a plain-words file holds only `plain_words:` and `plain_phrases:`; "
                    f"remove {sorted(map(str, extra))}.",
                )
            plain_phrases = doc.get(_PLAIN_PHRASES_KEY) or []
            if not isinstance(plain_phrases, list):
                problems.add(
                    where, "`plain_phrases:` must be a list, like [chest press, cant feel]."
                )
                plain_phrases = []
            for phrase in plain_phrases:
                t = _text(phrase)
                plain_key = _phrase_key(t, pattern) if t is not None else ()
                if not plain_key:
                    problems.add(where, f"plain phrase {phrase!r} must be text with words.")
                else:
                    phrases.setdefault(plain_key, [])
            words = doc.get(_PLAIN_WORDS_KEY) or []
            if not isinstance(words, list):
                problems.add(where, "`plain_words:` must be a list, like [call, crap, more].")
                continue
            for w in words:
                t = _text(w)
                if t is None:
                    problems.add(where, f"plain word {w!r} must be text. Put it in quotes.")
                else:
                    plain.update(tokenize(t))
            continue

        for top in doc:
            if top not in _KIND_KEYS:
                problems.add(
                    where,
                    f"unknown key '{top}'.{_did_you_mean(str(top), _KIND_KEYS)} "
                    f"Allowed at the top: {', '.join(sorted(_KIND_KEYS))}.",
                )
        kind = _text(doc.get("kind"))
        if kind is None or not re.fullmatch(r"[a-z][a-z0-9_]*", kind):
            problems.add(
                where,
                "needs `kind:` with a lower-case name such as `kind: body_part` "
                "(letters, digits and _).",
            )
            continue
        if kind in display:
            problems.add(where, f"kind '{kind}' is already defined in another file. Merge them.")
            continue
        labels = doc.get("labels")
        if not isinstance(labels, dict) or not labels:
            problems.add(
                where,
                f"kind '{kind}' needs `labels:` with at least one label, each with "
                "`phrases:` (a list of words people type).",
            )
            continue
        computed = "units" in doc  # durations: amounts are computed, phrases are optional
        display[kind] = {}
        kind_ranges: list[tuple[float, str]] = []
        for raw_label, label_doc in labels.items():
            label = _text(raw_label)
            if label is None:
                problems.add(
                    where,
                    f'label {raw_label!r} must be text. Put it in quotes, like "yes": '
                    "(YAML reads yes, no, on and off without quotes as true/false).",
                )
                continue
            if label_doc is None:
                label_doc = {}
            if not isinstance(label_doc, dict):
                problems.add(
                    where,
                    f"label '{label}' must hold `display:` and `phrases:`, each on its own "
                    "indented line.",
                )
                continue
            for key in label_doc:
                if key not in _LABEL_KEYS:
                    problems.add(
                        where,
                        f"label '{label}': unknown key '{key}'."
                        f"{_did_you_mean(str(key), _LABEL_KEYS)} "
                        f"Allowed: {', '.join(sorted(_LABEL_KEYS))}.",
                    )
            shown = label_doc.get("display", label.replace("_", " "))
            shown_text = _text(shown)
            if shown_text is None or not shown_text.strip():
                problems.add(where, f"label '{label}': `display:` must be text. Quote it.")
                shown_text = label.replace("_", " ")
            display[kind][label] = shown_text
            if "from" in label_doc:
                low = _number(label_doc["from"])
                if low is None:
                    problems.add(
                        where,
                        f"label '{label}': `from:` must be a number, like `from: 4`.",
                    )
                else:
                    kind_ranges.append((low, label))
            rules = label_doc.get("together") or []
            if not isinstance(rules, list):
                problems.add(
                    where,
                    f"label '{label}': `together:` must be a list, like "
                    "`together: [face + droop drooping]`.",
                )
                rules = []
            for rule in rules:
                rule_text = _text(rule)
                groups = tuple(frozenset(tokenize(part)) for part in (rule_text or "").split("+"))
                if rule_text is None or len(groups) < 2 or not all(groups):
                    problems.add(
                        where,
                        f"label '{label}': together rule {rule!r} needs two or more word "
                        "lists joined by +, like `pee urine + dark brown`.",
                    )
                    continue
                together.append((kind, label, groups))
            phrase_list = label_doc.get("phrases")
            if phrase_list is None or phrase_list == []:
                if not computed and not rules:
                    problems.add(
                        where,
                        f"label '{label}' has no phrases. Add a list under phrases:, "
                        f"like `phrases: [{label.replace('_', ' ')}]`.",
                    )
                continue
            if not isinstance(phrase_list, list):
                problems.add(
                    where,
                    f"label '{label}': `phrases:` must be a list, like "
                    f"`phrases: [{label.replace('_', ' ')}, another way to say it]`.",
                )
                continue
            for p in phrase_list:
                text = _text(p)
                if text is None:
                    problems.add(
                        where,
                        f"label '{label}': phrase {p!r} must be text. Put it in quotes "
                        "(YAML reads yes, no, on and off without quotes as true/false).",
                    )
                    continue
                add_phrase(where, kind, label, text, None)
        if kind_ranges:
            kind_ranges.sort()
            lows = [low for low, _ in kind_ranges]
            if len(set(lows)) != len(lows):
                problems.add(where, f"kind '{kind}': two labels have the same `from:` number.")
            ranges[kind] = tuple(kind_ranges)

        if computed:
            _load_units(where, doc, units, amounts, problems)
        approx = doc.get("approximate")
        if approx is not None:
            if not isinstance(approx, dict):
                problems.add(where, "`approximate:` must map phrases to minutes: `all day: 480`.")
            elif not kind_ranges:
                problems.add(
                    where, "`approximate:` needs labels with `from:` minutes to sort them into."
                )
            else:
                for phrase, minutes in approx.items():
                    m = _number(minutes)
                    text = _text(phrase)
                    if m is None or text is None or m < 0:
                        problems.add(
                            where,
                            f"approximate {phrase!r}: give a phrase and a number of minutes, "
                            "like `since last night: 720`.",
                        )
                        continue
                    label = next((lb for low, lb in reversed(kind_ranges) if m >= low), None)
                    if label is None:
                        problems.add(where, f"approximate {phrase!r}: {m} is below every label.")
                        continue
                    add_phrase(where, kind, label, text, m)
        elif "amounts" in doc and not computed:
            problems.add(where, "`amounts:` only works together with `units:`.")

    if problems.items:
        raise ContentError(problems.items)
    return _Lexicon(
        phrases={k: tuple(v) for k, v in phrases.items()},
        display=display,
        ranges=ranges,
        units=units,
        amounts=amounts,
        plain_words=frozenset(plain),
        symbols=frozenset(symbols),
        together=tuple(together),
    )


def _load_units(
    where: str,
    doc: dict[str, Any],
    units: dict[str, float],
    amounts: dict[str, float],
    problems: _Problems,
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
            minutes = _number(unit.get("minutes")) if isinstance(unit, dict) else None
            words = unit.get("words") if isinstance(unit, dict) else None
            if minutes is None or minutes <= 0 or not isinstance(words, list) or not words:
                problems.add(
                    where,
                    f"unit '{name}' needs `minutes:` (a number above 0) and `words:` "
                    "(a list), like `{minutes: 60, words: [h, hr, hour, hours]}`.",
                )
                continue
            for w in words:
                t = _text(w)
                if t is None or not tokenize(t):
                    problems.add(where, f"unit '{name}': word {w!r} must be text.")
                else:
                    units[tokenize(t)[0]] = minutes
    raw_amounts = doc.get("amounts") or {}
    if not isinstance(raw_amounts, dict):
        problems.add(where, "`amounts:` must map words to numbers, like `couple: 2`.")
        return
    for word, value in raw_amounts.items():
        v = _number(value)
        t = _text(word)
        if v is None or t is None or len(tokenize(t)) != 1:
            problems.add(where, f"amount {word!r}: give one word and a number, like `few: 3`.")
        else:
            amounts[tokenize(t)[0]] = v
