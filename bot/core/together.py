"""`together:` and `anywhere:` rules: words of every group of a rule found in a message.

    "pee urine + dark brown"     a word of each list, close together in one clause
    "sudden + -pain + leg arm"   -word: the word counts only where it is denied ("no pain")
    "took + >=5 + pills"         >=N: a number at least N (not a strength, not a time of day)
    ">=15 + k km"                a number before a unit the rule names counts at any size
    "30..50 + degrees c"         N..M: a number from N to M, only just before a unit the
                                 rule names ("33 degrees"; "bent 90 degrees" is out of range)
    "опух* + икр*"               stem*: any word that begins with the stem, for languages that
                                 inflect ("опухла", "опухшая", "опухшую"; "икра", "икру")

A rule's groups come from the lexicon (core/lexicon.py); `near` says which rules a
message meets and whether a denial covers them. Pure.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from bot.core.lexicon import DENIED, Together

#: Written after a word of a rule, it stands for any word that begins so ("опух*").
STEM = "*"
STEM_CACHE = 16384  # words whose stems are remembered
#: Words of a `together:` rule must fall within this many words.
TOGETHER_REACH = 8
_STRENGTH = frozenset({"mg", "ml", "mcg", "g", "s", "milligrams"})
_STRENGTH_FROM = 1000  # a threshold this high counts milligrams ("3200mg")
_CLOCK = frozenset({"am", "pm", "oclock"})  # "9am": a time of day
_HOURS = 24  # "at 10" is a time of day; "at 190" no time
_MOST_PILLS = 60  # a larger number below such a threshold is a strength ("a 400 ibuprofen")
#: Units of distance and time: a number before one is a measure, whatever its size, and
#: counts for a rule that names the unit ("a 100k ride", "a 90 min run").
_MEASURE = frozenset(
    {"k", "km", "kms", "mi", "mile", "miles", "min", "mins", "minute", "minutes", "hour", "hours"}
)


class TogetherRules:
    """The lexicon's combination rules, indexed by word."""

    def __init__(self, rules: Sequence[Together], breaks: frozenset[str]) -> None:
        self._rules = tuple(rules)
        self._breaks = breaks
        # word -> every (rule, group) it belongs to
        self._index: dict[str, list[tuple[int, int]]] = {}
        # Number thresholds (">=5"): (lowest number, rule, group), checked on numbers only;
        # ranges ("30..50"): (lowest, highest, rule, group), numbers before a unit only.
        self._thresholds: list[tuple[float, int, int]] = []
        self._ranges: list[tuple[float, float, int, int]] = []
        # stems ("опух*"): stem -> every (rule, group); words are looked up by their first
        # letters, one length of stem at a time
        self._stems: dict[str, list[tuple[int, int]]] = {}
        for r, (_, _, groups, _) in enumerate(self._rules):
            for g, group in enumerate(groups):
                for w in group:
                    if w.startswith(">="):
                        self._thresholds.append((float(w[2:]), r, g))
                    elif w.endswith(STEM) and len(w) > len(STEM):
                        self._stems.setdefault(w[: -len(STEM)], []).append((r, g))
                    elif (span := number_range(w)) is not None:
                        self._ranges.append((*span, r, g))
                    else:
                        self._index.setdefault(w, []).append((r, g))
        self._stem_sizes = tuple(sorted({len(s) for s in self._stems}))
        self._stem_spots = functools.lru_cache(maxsize=STEM_CACHE)(self._stem_spots_uncached)
        self._rule_words = [frozenset().union(*groups) for _, _, groups, _ in self._rules]
        #: Rules that name no unit of distance or time: a reading such as a pulse counts
        self._unitless = frozenset(r for r, ws in enumerate(self._rule_words) if not ws & _MEASURE)
        self._denied_words = any(w.startswith(DENIED) for w in self._index)
        #: Every word some rule names (they are known words, never typo-corrected away).
        self.words = frozenset(self._index)

    def __bool__(self) -> bool:
        return bool(self._rules)

    def stem_of(self, word: str) -> str | None:
        """The longest of the rules' stems that begins `word`, or None."""
        if not self._stems or not word[0].isalpha():
            return None
        stems = self._stems
        found = [word[:size] for size in self._stem_sizes if size <= len(word)]
        return next((s for s in reversed(found) if s in stems), None)

    def _stem_spots_uncached(self, word: str) -> tuple[tuple[int, int], ...]:
        """Every (rule, group) whose stem begins `word`."""
        if not word[0].isalpha():
            return ()
        stems = self._stems
        return tuple(
            spot
            for size in self._stem_sizes
            if size <= len(word) and word[:size] in stems
            for spot in stems[word[:size]]
        )

    def near(
        self, words: list[str], denied: list[bool], skip: list[bool]
    ) -> list[tuple[list[int], str, str, bool]]:
        """Rules met: (positions, kind, label, negated).

        A `together:` rule needs a word of every group close together in one clause; an
        `anywhere:` rule, a word of every group anywhere, preferring words not denied.
        """
        hits: dict[int, list[tuple[int, int]]] = {}
        wanted: set[tuple[int, int]] = set()  # (position, rule): denials a rule asks for
        index = self._index
        thresholds = self._thresholds
        stemmed = self._stem_spots if self._stems else None
        n = len(words)
        for i, w in enumerate(words):
            if skip[i]:
                if thresholds and w[0].isdigit() and i + 1 < n:
                    # "4 hours" is a duration, yet counts for a rule that names its unit
                    unit = words[i + 1]
                    value = float(w)
                    for low, rule, group in thresholds:
                        if value >= low and unit in self._rule_words[rule]:
                            hits.setdefault(rule, []).append((i, group))
                continue
            spots = index.get(w)
            if spots is not None:
                for rule, group in spots:
                    hits.setdefault(rule, []).append((i, group))
            if stemmed:
                for rule, group in stemmed(w):
                    hits.setdefault(rule, []).append((i, group))
            if denied[i] and self._denied_words:
                spots = index.get(DENIED + w)
                if spots is not None:
                    for rule, group in spots:
                        wanted.add((i, rule))  # "no pain": a denial this rule asks for
                        hits.setdefault(rule, []).append((i, group))
            if self._ranges and w[0].isdigit() and i + 1 < n:
                value = float(w)
                for low, high, rule, group in self._ranges:
                    if low <= value <= high and words[i + 1] in self._rule_words[rule]:
                        hits.setdefault(rule, []).append((i, group))
            if thresholds and w[0].isdigit():
                value = float(w)
                # "a 400 ibuprofen", "200mg": a strength, not a count of pills
                strength = i + 1 < n and words[i + 1] in _STRENGTH
                # "had 2 at 9am", "at 10": a time of day, not a count of pills
                clock = (i + 1 < n and words[i + 1] in _CLOCK) or (
                    i > 0 and words[i - 1] == "at" and value <= _HOURS  # "stuck at 190": no time
                )
                count = not strength and not clock and value <= _MOST_PILLS
                measure = words[i + 1] if i + 1 < n and words[i + 1] in _MEASURE else None
                for low, rule, group in thresholds:
                    if value >= low and (
                        count
                        # ">=170": a threshold above any count of pills, in a rule that names
                        # no unit, is a reading ("pulse 190"): not a strength or a time of day
                        or (
                            _MOST_PILLS < low < _STRENGTH_FROM
                            and not strength
                            and not clock
                            and rule in self._unitless
                        )
                        or low >= _STRENGTH_FROM
                        or (measure is not None and measure in self._rule_words[rule])
                    ):
                        hits.setdefault(rule, []).append((i, group))
        out: list[tuple[list[int], str, str, bool]] = []
        breaks = self._breaks
        for rule, spots in hits.items():
            kind, label, groups, anywhere = self._rules[rule]
            need = len(groups)
            if len({g for _, g in spots}) < need:
                continue
            if anywhere:
                chosen: dict[int, int] = {}
                for pos, g in spots:
                    # the first word of each group, or a later one not denied
                    if g not in chosen or (denied[chosen[g]] and not denied[pos]):
                        chosen[g] = pos
                if len(set(chosen.values())) < need:
                    # one word fills one group only ("heavy" is not both the feeling and
                    # the ache): the groups with the fewest words choose first
                    chosen = _distinct(spots, need, denied)
                    if not chosen:
                        continue
                positions = sorted(chosen.values())
                negated = any(denied[p] and (p, rule) not in wanted for p in positions)
                out.append((positions, kind, label, negated))
                continue
            spots.sort()
            for a, (first, _) in enumerate(spots):
                seen: dict[int, int] = {}
                for pos, g in spots[a:]:
                    if pos - first > TOGETHER_REACH:
                        break
                    if g not in seen and pos not in seen.values():
                        seen[g] = pos  # one word fills one group only
                    if len(seen) == need:
                        break
                if len(seen) == need and not any(
                    w in breaks for w in words[first : max(seen.values())]
                ):
                    positions = sorted(seen.values())
                    negated = any(denied[p] and (p, rule) not in wanted for p in positions)
                    out.append((positions, kind, label, negated))
                    break
        return out


def number_range(word: str) -> tuple[float, float] | None:
    """ "30..50" -> (30.0, 50.0): a range of numbers in a rule; None for any other word."""
    low, dots, high = word.partition("..")
    if not dots or not low.isdigit() or not high.isdigit() or int(low) > int(high):
        return None
    return float(low), float(high)


def _distinct(spots: list[tuple[int, int]], need: int, denied: list[bool]) -> dict[int, int]:
    """A different word for each of `need` groups (group -> position), or {} if none.

    Greedy: the groups with the fewest candidate words choose first, each its first word
    not denied and not yet taken.
    """
    by_group: dict[int, list[int]] = {}
    for pos, g in spots:
        by_group.setdefault(g, []).append(pos)
    chosen: dict[int, int] = {}
    taken: set[int] = set()
    for g in sorted(by_group, key=lambda k: len(by_group[k])):
        free = [p for p in by_group[g] if p not in taken]
        if not free:
            return {}
        best = next((p for p in free if not denied[p]), free[0])
        chosen[g] = best
        taken.add(best)
    return chosen if len(chosen) == need else {}
