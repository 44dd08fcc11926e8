"""A second reader of warning signs, learned from the labelled messages: it hears an
emergency, or a sign that needs a doctor today, told in words no lexicon phrase holds
("each breath is like pulling air through a wet cloth", "pale and cold and numb").

    reader = Reader(grams, intercepts=(b_emergency, b_today), threshold=0.8, min_words=6)
    reader.hears("every breath feels like pulling air through a wet cloth")
        -> Heard(emergency=True, today=True)

The lexicon decides first (bot/core/engine.py); the reader is asked only when the lexicon
found no sign, so it can only add an escalation, never take one back. Its verdicts are
two logistic regressions over the same features, trained by `python -m bot train-reader`
(bot/content/reader.py) on the labelled sets: one says "emergency", the other "emergency
or get seen today". A message shorter than `min_words` words is not asked: its few
n-grams say too little ("i feel sick", "like a 6"), and the lexicon reads short messages
well; every message the reader alone caught on the held-out part it was tuned on had six
words or more. Words are counted between spaces, so a language written without them would
never be judged (none of the bot's is).

The features are scikit-learn's `char_wb` n-grams (each word padded with a space on both
sides, every run of `sizes` letters), binary, weighted by their idf and scaled to unit
length: the words' shapes, so typos and inflections share most of their n-grams. Only
n-grams seen in training count. The score is computed here as scikit-learn computes it
(tests/unit/content/test_reader.py checks the two agree), without scikit-learn at run time.

Each word's n-grams are found once and kept (`_word_grams`, at most WORDS_KEPT words,
then started afresh): a message is then the union of its words' sets, and its two sums
run in C. bench/bench_matcher.py prints what a message costs with and without that cache.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

#: Words whose n-grams are kept; past that, the cache starts afresh (a bound on memory,
#: far above the few thousand words people use). Longer words are never kept.
WORDS_KEPT = 50_000
LONGEST_KEPT = 30


@dataclass(frozen=True, slots=True)
class Heard:
    """The reader's two verdicts on one message."""

    emergency: bool
    today: bool  # an emergency, or a sign that needs a doctor today


@dataclass(slots=True, eq=False)
class Reader:
    """Two linear models over the same character n-grams.

    `grams`: each n-gram seen in training -> (idf, emergency weight, today weight).
    `intercepts`: (emergency, today). `threshold`: the probability from which a verdict
    is yes; `threshold_today`, for "see a doctor today" alone (it is said in the middle of
    the questions, so a false one costs more); `threshold_strict`, for both, where the
    lexicon read the message as something else: a sign denied ("no chest pain or shortness
    of breath": the n-grams of a denied sign are those of the sign), or a drink ("had a gel
    and some wter": a typo's n-grams are rare, not alarming). `min_words`: shorter messages are
    not judged. `sizes`: the shortest and longest n-gram.
    """

    grams: Mapping[str, tuple[float, float, float]]
    intercepts: tuple[float, float]
    threshold: float
    threshold_today: float = 0.9
    threshold_strict: float = 0.98
    min_words: int = 6
    sizes: tuple[int, int] = (3, 4)
    _idf2: dict[str, float] = field(init=False, repr=False)
    _emergency: dict[str, float] = field(init=False, repr=False)
    _today: dict[str, float] = field(init=False, repr=False)
    _logit: float = field(init=False, repr=False)
    _logit_today: float = field(init=False, repr=False)
    _logit_strict: float = field(init=False, repr=False)
    _words: dict[str, frozenset[str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._idf2 = {g: idf * idf for g, (idf, _, _) in self.grams.items()}
        self._emergency = {g: idf * w for g, (idf, w, _) in self.grams.items()}
        self._today = {g: idf * w for g, (idf, _, w) in self.grams.items()}
        self._logit = _logit(self.threshold)
        self._logit_today = _logit(self.threshold_today)
        self._logit_strict = _logit(self.threshold_strict)
        self._words = {}

    def probabilities(self, text: str) -> tuple[float, float]:
        """(emergency, today) probabilities of `text`, as scikit-learn's predict_proba."""
        emergency, today = self._scores(text)
        return _sigmoid(emergency), _sigmoid(today)

    def hears(self, text: str, *, strict: bool = False) -> Heard:
        """The verdicts on `text`; `strict`: the lexicon read it as something else (a sign
        denied, a drink), so the reader must be surer."""
        if len(text.split()) < self.min_words:
            return Heard(emergency=False, today=False)
        emergency, today = self._scores(text)
        said = emergency > (self._logit_strict if strict else self._logit)
        today_bar = self._logit_strict if strict else self._logit_today
        return Heard(emergency=said, today=said or today > today_bar)

    def _scores(self, text: str) -> tuple[float, float]:
        grams = frozenset().union(*map(self._word_grams, text.lower().split()))
        length = math.sqrt(sum(map(self._idf2.__getitem__, grams)))
        if not length:
            return self.intercepts
        emergency = sum(map(self._emergency.__getitem__, grams)) / length
        today = sum(map(self._today.__getitem__, grams)) / length
        return self.intercepts[0] + emergency, self.intercepts[1] + today

    def _word_grams(self, word: str) -> frozenset[str]:
        """The n-grams of one word that the models know."""
        known = self._words.get(word)
        if known is None:
            known = frozenset(g for g in word_grams(word, self.sizes) if g in self._idf2)
            if len(word) <= LONGEST_KEPT:
                if len(self._words) >= WORDS_KEPT:
                    self._words.clear()
                self._words[word] = known
        return known


def word_grams(word: str, sizes: tuple[int, int]) -> list[str]:
    """scikit-learn's char_wb n-grams of one (lower-cased) word, in order."""
    padded = f" {word} "
    grams = []
    for n in range(sizes[0], sizes[1] + 1):
        if len(padded) <= n:
            grams.append(padded)  # a word shorter than n: itself, padded, once
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def _logit(probability: float) -> float:
    return math.log(probability / (1 - probability))


def _sigmoid(score: float) -> float:
    return 1 / (1 + math.exp(-score)) if score > -700 else 0.0
