"""Text -> what it says: symptoms, muscles, durations, severity, yes/no, context, red flags.

Pure: no I/O. A Matcher is built from a Lexicon value (bot.core.lexicon), which
bot.content.lexicon.load_matcher reads from data/lexicon/<language>/*.yaml (see the comment
at the top of each file for its format).

How a message is read, step by step:

    "nO chest pain, just my calff 😩 2hrs"
      1. lower case, keep words, numbers and a few marks     no chest pain , just my calff 2 hrs
         (bot.core.reading.tokenize)
      2. fix small typos in unknown words (cached)           ... calff -> calf
      3. amounts of time  "2 hrs", "1h30", "half an hour"    duration = 120 min -> "hour"
         pain scores      "7/10", "8 out of 10", "pain 9"    severity by the ranges in the file
         (bot.core.amounts)
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
from dataclasses import replace

from rapidfuzz import fuzz, process

from bot.core.amounts import (
    NOT_A_CRAMP_TIME,
    SCORE_FILLERS,
    SCORE_WORDS,
    ago,
    bare_number,
    durations,
    pain_scores,
)
from bot.core.lexicon import Lexicon
from bot.core.reading import MAX_CHARS, MAX_TOKENS, Match, Reading, token_pattern, tokenize

__all__ = [
    "CLAUSE_BREAKS",
    "MAX_CHARS",
    "MAX_TOKENS",
    "NEGATORS",
    "Match",
    "Matcher",
    "Reading",
    "tokenize",
]

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


class Matcher:
    """Reads messages against one language's Lexicon.

    Built by bot.content.lexicon.load_matcher(folder), or from a Lexicon value directly.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self._phrases = dict(lexicon.phrases)
        self._display = {k: dict(v) for k, v in lexicon.display.items()}
        self._kinds = frozenset(self._display)  # asked for by every {slot} a reply fills
        self._ranges = dict(lexicon.ranges)
        self._units = dict(lexicon.units)
        self._amounts = dict(lexicon.amounts)
        self._pattern = token_pattern(lexicon.symbols)
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
            | SCORE_WORDS
            | SCORE_FILLERS
            | NOT_A_CRAMP_TIME
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

        for start, end, minutes in durations(words, self._units, self._amounts):
            if ago(words, start, end):
                continue  # "2 hrs ago" says when it began, not how long it lasted
            for i in range(start, end):
                used[i] = True
            label = self.label_for_number("duration", minutes)
            amounts.append((start, end, len(found) if label is not None else -1))
            if label is not None:
                found.append((start, Match("duration", label, False, 100.0, start), minutes))

        score_number: float | None = None
        for start, end, value in pain_scores(words, used):
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
                text=text, number=bare_number(words, used, in_phrase, score_number, self._amounts)
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
            number=bare_number(words, used, in_phrase, score_number, self._amounts),
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

    # -- typo correction --------------------------------------------------------------------

    def correct(self, word: str) -> str:
        """The lexicon word a typed word is read as: "calv" -> "calf", "call" -> "call"."""
        return self._correct(word.lower().replace("'", ""))[0]

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
