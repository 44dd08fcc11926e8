"""Negation that covers only what it governs, by the words of the language's negation.yaml.

    NegationScope(lexicon.negation).denied(raw, words, neutral) -> for each word: is it denied?

A negator ("no", "not", "never") denies what follows it, up to NEGATION_REACH words,
until a clause break ("but", ",", "just"); "and" followed by a new clause ("and now my
calf") ends it too. A reverser ("before but now", "it was only for a second") takes
back every denial before it; a past marker ("years ago", "as a kid") denies what came
before it back to a break; a negator that answers the bot ("no the cramp is in my neck")
denies nothing. A retraction ("jk", "not literally") denies everything before it; a laugh
("lol", "😂") denies what came before it in its sentence when nothing in the message pleads
("help", "seriously", "should i worry"): "this playlist slaps so hard i'm having palpitations
lol". A question about what a sign is ("whats lockjaw?") marks the sign asked about
(`asked_about`). Pure.
"""

from __future__ import annotations

from bot.core.lexicon import Negation

#: A negator denies at most this many words after it.
NEGATION_REACH = 7
#: Marks that end a sentence: a laugh reaches back to one ("fainted from shock when my
#: husband cooked dinner 😂" is one joke, its "when" no end to it), past an ellipsis ("my
#: jaw is locked... in a permanent smile lol").
SENTENCE_MARKS = frozenset({".", "!", "?", ";"})


class NegationScope:
    """The negation words of one lexicon, and the scope of each denial."""

    def __init__(self, negation: Negation) -> None:
        self._negators = negation.negators
        self._breaks = negation.breaks
        self._and_words = negation.and_words
        self._new_clause = negation.new_clause
        self._reversers = _by_first_word(negation.reversers)
        self._answers = negation.answers
        past = negation.past + negation.denies_before
        # phrases by their first word: most words start none, and only those are tried
        self._past = _by_first_word(past)
        self._after = _by_first_word(negation.denies_after)
        self._retracts = _by_first_word(negation.retracts)
        self._jokes = negation.jokes
        self._pleas = _by_first_word(negation.pleas)
        self._asks = _by_first_word(negation.asks)
        #: the words that may start a laugh or a retraction: most messages hold none
        self._joke_words = negation.jokes | frozenset(self._retracts)
        #: The words negation itself reads (known words: never typo-corrected away).
        self.words = (
            negation.negators
            | negation.breaks
            | negation.and_words
            | negation.new_clause
            | negation.jokes
            | {
                w
                for phrase in (
                    past
                    + negation.denies_after
                    + negation.retracts
                    + negation.pleas
                    + negation.asks
                )
                for w in phrase
            }
        )

    def denied(self, raw: list[str], words: list[str], neutral: list[bool]) -> list[bool]:
        """For each word: is it denied by a negator before it in the same clause?

        A reverser ("before but now", "it was only for a second") takes back every
        denial before it.
        """
        denied = [False] * len(words)
        active = -1
        by_phrase = False  # the denial in reach comes from a `denies_after` phrase
        inside = 0  # words of that phrase still to pass ("so" in "laughing so hard")
        negators = self._negators
        breaks = self._breaks
        n = len(words)
        for i, w in enumerate(words):
            if inside:
                inside -= 1
                continue
            if (
                w in self._past
                and not neutral[i]
                and any(_says(words, i, p) for p in self._past[w])
            ):
                # "had a seizure years ago": what came before, back to a break, is long gone
                j = i - 1
                while j >= 0 and words[j] not in breaks:
                    denied[j] = True
                    j -= 1
            if w in self._reversers and any(
                tuple(words[i : i + len(r)]) == r for r in self._reversers[w]
            ):
                for j in range(i):
                    denied[j] = False
                active = -1
                continue
            if w in self._after:
                size = next((len(p) for p in self._after[w] if _says(words, i, p)), 0)
                if size:
                    # "ma fi wja3": denies what follows the phrase; read before the breaks,
                    # since the "ma" of "ma fi" is Italian "but"
                    active, by_phrase, inside = i + size - 1, True, size - 1
                    continue
            if w in breaks or (
                w in self._and_words and i + 1 < n and words[i + 1] in self._new_clause
            ):
                active = -1
                continue
            if (
                neutral[i]
                and not (i and neutral[i - 1])
                and not by_phrase
                and (w in negators or raw[i] in negators)
            ):
                # "no sweat and can't think straight": a phrase that starts with its own
                # negator is a claim of its own ("dor no peito" is not: "no" is "in the")
                active = -1
            if active >= 0 and i - active <= NEGATION_REACH:
                denied[i] = True
            if not neutral[i] and (w in negators or raw[i] in negators) and not _glued(words, i):
                if w in self._answers and i + 1 < n and words[i + 1] in self._new_clause:
                    continue  # "no the cramp is in my neck": an answer, then a new clause
                active, by_phrase = i, False
        return denied

    def joked(self, words: list[str]) -> list[bool] | None:
        """For each word: was it said as a joke, or taken back? None when nothing was.

        A retraction ("jk", "not literally", "its always been like that") takes back every
        word before it; a laugh ("lol", "😂") the words before it in its sentence, unless a
        plea is anywhere in the message ("cant breathe lol help"). Only warning signs are
        read through it (the matcher): "a can of coke lol" is still a drink.
        """
        if self._joke_words.isdisjoint(words):
            return None
        laughs = self._jokes
        if laughs and not laughs.isdisjoint(words) and self._pleading(words):
            laughs = frozenset()  # "cant breathe lol what do i do": a nervous laugh
        joked: list[bool] | None = None
        for i, w in enumerate(words):
            if w in laughs:
                # "i'm having palpitations lol": the sentence before the laugh was a joke
                joked = joked or [False] * len(words)
                j = i - 1
                while j >= 0 and (words[j] not in SENTENCE_MARKS or _ellipsis(words, j)):
                    joked[j] = True
                    j -= 1
            if w in self._retracts and any(_says(words, i, r) for r in self._retracts[w]):
                # "ran so hard i blacked out... jk": everything before it is taken back
                joked = joked or [False] * len(words)
                for j in range(i):
                    joked[j] = True
        return joked

    def asked_about(self, words: list[str]) -> frozenset[int]:
        """Where a sign would be asked about, not had: the word right after an `asks`
        phrase ("whats" in "whats lockjaw? saw it in a western"), when its sentence ends in
        a question mark or with the message ("what is this pain in my chest" asks about
        "this", and keeps its sign)."""
        asks = self._asks
        if not asks or asks.keys().isdisjoint(words):
            return frozenset()
        found: set[int] = set()
        n = len(words)
        for i, w in enumerate(words):
            for phrase in asks.get(w, ()):
                at = i + len(phrase)
                if at >= n or not _says(words, i, phrase):
                    continue
                end = next((j for j in range(at, n) if words[j] in SENTENCE_MARKS), n)
                if end == n or words[end] == "?":
                    found.add(at)
        return frozenset(found)

    def _pleading(self, words: list[str]) -> bool:
        """Whether a plea is anywhere in the message ("help", "what do i do")."""
        pleas = self._pleas
        return any(
            w in pleas and any(_says(words, i, p) for p in pleas[w]) for i, w in enumerate(words)
        )


def _ellipsis(words: list[str], i: int) -> bool:
    """Whether the full stop at i is part of "..." (a pause before the punchline, no end)."""
    return words[i] == "." and (
        (i > 0 and words[i - 1] == ".") or (i + 1 < len(words) and words[i + 1] == ".")
    )


def _by_first_word(phrases: tuple[tuple[str, ...], ...]) -> dict[str, list[tuple[str, ...]]]:
    """Phrases grouped by their first word."""
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        grouped.setdefault(phrase[0], []).append(phrase)
    return grouped


#: A word of a `past` phrase that stands for a year ("had a stroke in yyyy") or an age
#: ("when i was nn"). The tokenizer keeps a letter stretched for emphasis twice, so the
#: "yyyy" of the data arrives as "yy": both stand for a year.
YEARS, AGE = frozenset({"yyyy", "yy"}), "nn"


def _says(words: list[str], i: int, phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` is at word i; YEARS stand for a number from 1900 to 2099, AGE for
    one from 1 to 99."""
    if i + len(phrase) > len(words):
        return False
    for w, p in zip(words[i : i + len(phrase)], phrase, strict=True):
        if p in YEARS:
            if not (w.isdigit() and 1900 <= int(w) <= 2099):
                return False
        elif p == AGE:
            if not (w.isdigit() and 1 <= int(w) <= 99):
                return False
        elif w != p:
            return False
    return True


#: Digits that Arabizi writes as letters ("3" for ain, "7" for ha): the tokens split
#: "lesa3ni" into "lesa", "3", "ni", and "ni" is no negator there.
_LETTER_DIGITS = frozenset("235679")


def _glued(words: list[str], i: int) -> bool:
    """Whether word i is the tail of an Arabizi word split at a digit ("lesa3ni")."""
    return (
        i >= 2
        and len(words[i - 1]) == 1
        and words[i - 1] in _LETTER_DIGITS
        and words[i - 2].isalpha()
    )
