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
         The words come from data/lexicon/<language>/negation.yaml: negators, breaks,
         hedges that deny nothing ("not sure if I passed out") and reversers that take a
         denial back ("never had chest pain before but now I do").
      6. rules: `together:` (close, one clause) and `anywhere:` (the whole message)
         "diabetic ... shaky and sweaty" -> hypoglycemia; a list may be a number (">=5")
         ages ("my 7 year old", "I'm 15", "aged 82") -> caution child / teen / older

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
from dataclasses import replace

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.amounts import (
    AGE_WORDS,
    NOT_A_CRAMP_TIME,
    SCORE_FILLERS,
    SCORE_WORDS,
    ages,
    ago,
    bare_number,
    durations,
    pain_scores,
)
from bot.core.lexicon import Lexicon
from bot.core.negation import NegationScope
from bot.core.reading import (
    CLAUSE_MARKS,
    MAX_TOKENS,
    Match,
    Reading,
    token_pattern,
    tokenize,
)
from bot.core.together import TogetherRules

__all__ = [
    "MAX_TOKENS",
    "Match",
    "Matcher",
    "Reading",
]

# A sentence of one or two words cut off by a full stop ("cant. breathe. help."): such
# messages are also read with the full stops taken out, for warning signs only.
_STACCATO = re.compile(r"(?:^|[.!?])\s*[\w']+(?:\s+[\w']+)?\s*\.")
_STOPS = re.compile(r"\s*\.+\s*")
RED_FLAG_WINDOW = 1000  # longer messages are also scanned for red flags in windows this long
RED_FLAG_SCAN = 65536  # up to this many characters
_OVERLAP = 100  # windows overlap so a warning sign on a boundary is not split
CACHE_SIZE = 16384  # words whose typo correction is remembered


#: Words shorter than this are never corrected as typos. The warning signs of every
#: language read together (bot.content.alarms) correct from 5 letters only: a short word of
#: one language is too often a slip away from another's ("avec" is not "avc", "sein" not
#: "stein"); each language's own matcher reads its short typos ("cheat" pain is "chest").
SHORTEST_TYPO = 4
AGE_KIND = "caution"  # ages ("my 7 year old") are placed by this kind's `from:` ranges

#: Small talk: labels that count only when the message says nothing else. "ok" and
#: "thanks!" are small talk; in "ok so my calf cramped" or "ok but my leg is numb" the
#: "ok" is dropped, so the rest of the message is read as if it were not there.
SMALL_TALK = frozenset(
    {
        ("intent", "thanks"),
        ("intent", "ok"),
        ("intent", "bye"),
        ("intent", "greeting"),
        ("topic", "chat"),
    }
)
#: Kinds that a laugh or a retraction denies ("i'm having palpitations lol"); the rest of a
#: message is read as if it were said in earnest ("and a can of coke lol" is a drink).
WARNING_KINDS = frozenset({"red_flag", "urgent"})
#: What a message without any text is read as, when the lexicon has this intent.
EMPTY = ("intent", "empty")
#: Kinds whose words count toward no `together:` rule: "cramps every night since the
#: doctor changed my dose" says how often, not that one cramp has lasted since last night.
RULE_BLIND = frozenset({"frequency"})


class Matcher:
    """Reads messages against one language's Lexicon.

    Built by bot.content.lexicon.load_matcher(folder), or from a Lexicon value directly.
    """

    def __init__(self, lexicon: Lexicon, *, shortest_typo: int = SHORTEST_TYPO) -> None:
        self._shortest_typo = shortest_typo
        self._phrases = dict(lexicon.phrases)
        self._alone = dict(lexicon.alone)
        self._alone_longest = max(map(len, self._alone), default=0)
        self._display = {k: dict(v) for k, v in lexicon.display.items()}
        self._kinds = frozenset(self._display)  # asked for by every {slot} a reply fills
        self._plural = lexicon.plural
        self._ranges = dict(lexicon.ranges)
        self._units = dict(lexicon.units)
        self._amounts = dict(lexicon.amounts)
        self._pattern = token_pattern(lexicon.symbols)
        negation = lexicon.negation
        self._negation = NegationScope(negation)
        self._rules = TogetherRules(lexicon.together, negation.breaks)
        # The lengths of the phrases starting with each word, longest first: most words
        # start none, and only lengths that exist are looked up.
        sizes: dict[str, set[int]] = {}
        for key in self._phrases:
            sizes.setdefault(key[0], set()).add(len(key))
        self._sizes = {w: tuple(sorted(s, reverse=True)) for w, s in sizes.items()}
        # Phrases made of several words that contain a negator ("not too bad"), or a word
        # that denies what came before it (Turkish "nabzi yok", no pulse), are phrases, not
        # negations.
        denying = negation.negators | {
            p[0] for p in negation.past + negation.denies_before if len(p) == 1
        }
        self._negating_phrases = frozenset(
            k for k in self._phrases if len(k) > 1 and any(w in denying for w in k)
        )
        # What each phrase is, fixed once the lexicon is loaded (not worked out per message):
        # small talk ("thanks a lot"), or plain, so that no rule may use its words: a plain
        # phrase ("dark yellow", not a hedge) or one of kinds no rule reads ("every night").
        self._small_talk = frozenset(
            k for k, es in self._phrases.items() if any((e.kind, e.label) in SMALL_TALK for e in es)
        )
        self._plain = frozenset(
            k
            for k, es in self._phrases.items()
            if (not es and k not in negation.hedges)
            or (es and all(e.kind in RULE_BLIND for e in es))
        )
        phrase_words = {w for key in self._phrases for w in key}
        self._known = frozenset(
            phrase_words
            | set(self._units)
            | set(self._amounts)
            | lexicon.plain_words
            | self._negation.words
            | AGE_WORDS
            | SCORE_WORDS
            | SCORE_FILLERS
            | NOT_A_CRAMP_TIME
            | self._rules.words
            | {"and", "of", "out", "outta", "in", "ago", "for"}
        )
        targets = sorted(
            w
            for w in phrase_words | set(self._units) | set(self._amounts) | self._rules.words
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
        if not text.strip():
            kind, label = EMPTY
            if label in self._display.get(kind, {}):
                return Reading(text=text, matches=(Match(kind, label),))
            return Reading(text=text)
        reading = self._read(text)
        if len(reading.tokens) <= self._alone_longest and not text.rstrip().endswith("?"):
            # "gatorade", "💧 water": what an `alone:` phrase means as the whole message
            # (a question, "gatorade?", asks rather than tells). The tokens read already,
            # without clause marks, are the phrase's key (reading.phrase_key).
            key = tuple(t for t in reading.tokens if t not in CLAUSE_MARKS)
            alone = self._alone.get(key)
            if alone is not None and alone.label not in reading.labels(alone.kind):
                reading = replace(
                    reading, matches=(*reading.matches, Match(alone.kind, alone.label))
                )
        if "." in text and len(text) <= RED_FLAG_WINDOW and _STACCATO.search(text):
            # "cant. breathe.": words cut apart by full stops are read together for signs
            joined = self._read(_STOPS.sub(" ", text))
            extra = tuple(
                m
                for m in joined.matches
                if m.kind == "red_flag" and not m.negated and m.label not in reading.labels(m.kind)
            )
            if extra:
                reading = replace(reading, matches=reading.matches + extra)
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
        tokens = tuple(raw)
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
        when: list[int] = []  # "6 hours ago": a time, counted toward no rule

        for start, end, minutes in durations(words, self._units, self._amounts):
            if ago(words, start, end):
                when.extend(range(start, end))
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
        # Ages ("82 yo": not a greeting): placed by the caution ranges, read by nothing else.
        for start, end, years in ages(words, used):
            label = self.label_for_number(AGE_KIND, years)
            if label is not None:
                for j in range(start, end):
                    used[j] = True
                found.append((start, Match(AGE_KIND, label, False, 100.0, start), None))

        # Phrases: at each word the longest phrase wins; a phrase listed under several
        # kinds gives one match per kind.
        neutral = [False] * n  # negators that are part of a longer phrase
        in_phrase = [False] * n  # "temp 40" is a warning sign, not a number answer
        plain = [False] * n  # words of a plain phrase ("faint hearted", "dark yellow")
        chat = [False] * n  # words of small talk ("ok", "thanks a lot")
        phrases = self._phrases
        starts = self._sizes
        small_talk, plain_phrases = self._small_talk, self._plain
        i = 0
        while i < n:
            lengths = starts.get(words[i])
            if lengths is None or used[i]:
                i += 1
                continue
            for size in lengths:
                if size > n - i:
                    continue
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
                    found.append((i, Match(e.kind, e.label, False, score, i, e.asked), e.minutes))
                if key in self._negating_phrases:
                    for j in range(i, i + size):
                        neutral[j] = True
                small = key in small_talk
                rule_proof = key in plain_phrases  # "dark yellow", "every night"
                for j in range(i, i + size):
                    in_phrase[j] = True
                    chat[j] = small
                    if rule_proof:
                        plain[j] = True
                i += size
                break
            else:
                i += 1

        if replaced:
            found = [f for k, f in enumerate(found) if k not in replaced]
        if any(chat) and not all(c or w in CLAUSE_MARKS for c, w in zip(chat, words, strict=True)):
            # Small talk with something else: only the something else counts.
            found = [f for f in found if (f[1].kind, f[1].label) not in SMALL_TALK]
        rules = bool(self._rules)
        if not found and not rules:
            return Reading(
                text=text,
                number=bare_number(words, used, in_phrase, score_number, self._amounts),
                tokens=tokens,
            )
        denied = self._negation.denied(raw, words, neutral)
        if rules:
            # Numbers that are durations, pain scores or ages count toward no rule.
            for j in range(n):
                if (used[j] or in_phrase[j]) and words[j][0].isdigit():
                    plain[j] = True
            for j in when:
                plain[j] = True
        near = self._rules.near(words, denied, plain) if rules else []
        if not found and not near:
            return Reading(
                text=text,
                number=bare_number(words, used, in_phrase, score_number, self._amounts),
                tokens=tokens,
            )
        by_phrase = {(m.kind, m.label) for _, m, _ in found if not denied[m.start]}
        # A rule has said whether a denial covers it: "havent been on the bike since the
        # summer" begins with a denied word its rule asks for ("-been"), yet is not denied.
        by_rule: set[int] = set()
        for positions, kind, label, negated in near:
            if (kind, label) not in by_phrase:
                start = positions[0]
                match = Match(kind, label, negated, 100.0, start)
                by_rule.add(id(match))
                found.append((start, match, None))
        found.sort(key=lambda f: f[0])
        # a warning sign said as a joke or taken back ("palpitations lol", "... jk")
        warned = any(m.kind in WARNING_KINDS for _, m, _ in found)
        joked = self._negation.joked(words) if warned else None
        asked_about = self._negation.asked_about(words) if warned else frozenset()
        matches: list[Match] = []
        duration: float | None = None
        for start, m, approx in found:
            if (
                (denied[start] and not m.negated and id(m) not in by_rule)
                or (joked is not None and joked[start] and m.kind in WARNING_KINDS)
                or (start in asked_about and m.kind in WARNING_KINDS)
            ):
                m = Match(m.kind, m.label, True, m.score, m.start, m.asked)
            elif duration is None and m.kind == "duration" and approx is not None:
                duration = approx
            matches.append(m)
        return Reading(
            text=text,
            matches=tuple(matches),
            duration_minutes=duration,
            number=bare_number(words, used, in_phrase, score_number, self._amounts),
            tokens=tokens,
        )

    def kinds(self) -> frozenset[str]:
        """Every kind of lexicon loaded: body_part, symptom, duration, ..."""
        return self._kinds

    def labels(self, kind: str) -> frozenset[str]:
        """Every label `read` can produce for `kind` (empty for an unknown kind)."""
        return frozenset(self._display.get(kind, ()))

    def plural(self, kind: str, label: str) -> bool:
        """Whether the display name of a label is plural: ("body_part", "toes") -> True."""
        return (kind, label) in self._plural

    def display(self, kind: str, label: str) -> str:
        """Words for people: ("body_part", "quad") -> "front thigh".

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
        if token in self._known:
            return token, 100.0
        if _CHANDRABINDU in token or _ANUSVARA in token:
            # the Hindi nasal written either way: "साँस" is "सांस", "साँप" is "सांप"
            for other in (
                token.replace(_CHANDRABINDU, _ANUSVARA),
                token.replace(_ANUSVARA, _CHANDRABINDU),
            ):
                if other in self._known:
                    return other, 100.0
        if not token.isalpha():
            return token, 100.0
        if token[0] in _AR_FIRST:
            # Arabic "and", "the", "with the" written onto the word: "وبرجع" is "و برجع",
            # "الكولا" is "كولا", "بصدري" is "صدري"
            for prefix in _AR_PREFIXES:
                rest = token[len(prefix) :]
                # (a short rest only after "and": "ومش" is "و مش"; "بنت" is no "ب نت")
                if (
                    token.startswith(prefix)
                    and rest in self._known
                    and (len(rest) >= 3 or prefix == _WA)
                ):
                    return rest, 100.0
        if len(token) < self._shortest_typo:
            return token, 100.0
        stem = self._rules.stem_of(token)
        word, score = self._nearest(token)
        if stem is not None and (not word.startswith(stem) or OSA.distance(token, word) > 1):
            # a form of a rule's stem ("опухшая" of "опух*"; a Turkish verb denied inside
            # it, "did not faint", of its stem) stays itself, unless one slip from a word
            # with the same stem ("respirrer" is "respirer", of "respir*")
            return token, 100.0
        return word, score

    def _nearest(self, token: str) -> tuple[str, float]:
        """The lexicon word `token` is a typo of, with its score; itself when none is."""
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
        if not best and size >= 5:
            # One slip in a longer word ("siezure", "slurrex") scores under the cutoff;
            # one edit (a swap of two letters counts as one) is still forgiven.
            one = process.extract(token, candidates, scorer=OSA.distance, limit=2, score_cutoff=1)
            if len(one) == 1 or (len(one) == 2 and one[0][1] < one[1][1]):
                return one[0][0], 80.0
            return token, 100.0
        if not best:
            return token, 100.0
        if len(best) == 2 and best[0][1] == best[1][1]:
            # Two words fit equally well: take the one a slip to a neighbouring key makes
            # ("chesr" is "chest", r beside t, not "chess"), or the only one a single slip
            # makes ("atmne" is "atmen", two letters swapped, not "atmet"); else do not guess.
            slips = [w for w, _, _ in best if _key_slip(token, w)]
            if len(slips) != 1:
                slips = [w for w, _, _ in best if OSA.distance(token, w) == 1]
            if len(slips) == 1:
                return slips[0], float(best[0][1])
            return token, 100.0
        return best[0][0], float(best[0][1])


#: The Arabic "and", "and the", "with the", "the" and "with", written as one word with the
#: next, the longest first.
_AR_PREFIXES = ("\u0648\u0627\u0644", "\u0628\u0627\u0644", "\u0627\u0644", "\u0648", "\u0628")
_AR_FIRST = frozenset(p[0] for p in _AR_PREFIXES)
_WA = "\u0648"

#: The two ways Hindi writes a nasal vowel, used interchangeably on phones.
_CHANDRABINDU = "\u0901"
_ANUSVARA = "\u0902"

#: Rows of a QWERTY keyboard: a letter typed for its neighbour on the row or the rows
#: above and below is the commonest slip on a phone.
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEY_AT = {c: (r, i) for r, row in enumerate(_ROWS) for i, c in enumerate(row)}


def _key_slip(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with one letter replaced by a neighbouring key."""
    if len(typed) != len(word):
        return False
    diff = [(a, b) for a, b in zip(typed, word, strict=True) if a != b]
    if len(diff) != 1 or diff[0][0] not in _KEY_AT or diff[0][1] not in _KEY_AT:
        return False
    (r1, i1), (r2, i2) = _KEY_AT[diff[0][0]], _KEY_AT[diff[0][1]]
    # rows are staggered: a key touches the one above it and the one to its right above
    return (r1 == r2 and abs(i1 - i2) == 1) or (abs(r1 - r2) == 1 and -1 <= i1 - i2 <= 1)
