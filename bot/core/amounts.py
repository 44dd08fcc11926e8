"""Numbers in a message: amounts of time, pain scores, a bare number, "ago".

    durations(["cramp", "for", "1", "h", "30"], units, amounts) -> [(2, 5, 90.0)]
    pain_scores(["pain", "is", "like", "a", "7"], used)         -> [(4, 5, 7.0)]
    bare_number(["about", "6", "i", "guess"], ...)              -> 6.0
    ago(["2", "hrs", "ago"], 0, 2)                               -> True
    ages(["my", "7", "year", "old"], used)                       -> [(1, 4, 7.0)]

Every function takes the words of a message as the matcher read them (tokens, typos
fixed) and the units ("hrs" -> 60 minutes) and amounts ("couple" -> 2) of the lexicon.
Pure: the Matcher (bot.core.matcher) calls these in step 3 of reading a message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "AGE_WORDS",
    "NOT_A_CRAMP_TIME",
    "SCORE_FILLERS",
    "SCORE_WORDS",
    "ages",
    "ago",
    "bare_number",
    "durations",
    "pain_scores",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that may stand before a pain score: "pain 9", "pain is like a 7", "rate it 6".
SCORE_WORDS = _words("pain level severity rating rate rated score")
SCORE_FILLERS = _words("a an is at of about like around maybe its it prob probably")
#: Words after an amount of time that make it the length of a workout, not of a cramp.
NOT_A_CRAMP_TIME = _words(
    "run ride hike session workout game match race walk swim bike cycle class training "
    "practice shift drive flight off walking running riding hiking cycling swimming "
    "biking climbing rowing paddling playing training skiing dancing driving lifting"
)
#: A number in words said as a figure ("i would say a four"): a message this short, the
#: word before it (or none), and the word after it (or none).
_SAID_WORDS = 8
_SAID_BEFORE = _words("a an like about around maybe prob probably say solid bout roughly its")
_SAID_AFTER = _words(
    "out outta ish tbh maybe prob probably i id or lol haha / , . ! ? now today rn"
)
#: Words that make a number an age: "7 year old", "7yo", "7-year-old", "aged 82", "I'm 15".
AGE_WORDS = _words("year years yr yrs yo yos old aged age")
_AGE_AFTER = _words("year years yr yrs yo yos y")
_AGE_BEFORE = _words("aged age im hes shes")
#: People whose age may follow in brackets or a comma: "my dad (68)", "mum, 79,".
_AGE_OF = _words(
    "dad mum mom father mother grandad grandpa grandma gran nan husband wife son daughter "
    "boy girl kid child player runner friend partner neighbour neighbor swimmer"
)
#: Words that may follow "I'm 15": "I'm 15 and ...", not "I'm 30 weeks".
_AGE_THEN = _words("and but so now too with on btw")
_AGE_OF_THEN = _words("was is has had and on")  # "my dad (68) was cramping"
OLDEST = 110  # a larger number is not an age

#: Units of a span of time: a number before one is no bare answer ("7 hours of walking").
_SPANS = _words(
    "sec secs second seconds min mins minute minutes hour hours hr hrs h day days week "
    "weeks wk wks month months mo mos mths year years yr yrs"
)
#: Units of a temperature: "30 degrees" is the weather, no pain score.
_TEMPERATURES = _words("degrees degree deg c celsius f fahrenheit")
#: Things counted: "played 6 games today" is no pain score.
_COUNTS = _words(
    "games matches sets laps reps rounds races heats sessions times goals overs "
    "miles km kms k sprints intervals hills climbs game match lap rep round race heat "
    "session goal sprint interval hill climb"
)
#: Words after a number that make it no answer: a span of time, a temperature or a count.
_NOT_ANSWERS = _SPANS | _TEMPERATURES | _COUNTS
#: Words after an amount of time that make what follows come after it, not be it: "cramp
#: for 3 hours after my run" is the cramp's length.
_THEN = _words("after since before from following post during then and but or , . ! ?")
#: A number this large before a one-letter unit is a distance: "ran the 200m", "400m reps".
_DISTANCE = 100
#: Words before an amount of time that say more or less than it: "over 2 hours".
_MORE_OR_LESS = _words("over under")
#: Words before "2 hrs ago" that make it how long the cramp has lasted: "started 2 hrs ago".
_BEGAN = _words("started began begin start starting since going been")


def _amount(
    words: Sequence[str], i: int, amounts: Mapping[str, float]
) -> tuple[float, int, bool] | None:
    """A number at words[i]: (value, index after it, written in digits)."""
    w = words[i]
    if w[0].isdigit():
        return float(w), i + 1, True
    value = amounts.get(w)
    if value is None:
        return None
    j = i + 1
    n = len(words)
    if w in ("a", "an") and j < n and words[j] in amounts and words[j] not in ("a", "an"):
        value = amounts[words[j]]
        j += 1
    elif value >= 20 and j < n and 0 < amounts.get(words[j], 0) < 10:
        value += amounts[words[j]]  # "twenty five"
        j += 1
    if value == 0.5 and j < n and words[j] in ("a", "an"):
        j += 1  # "half an hour"
    if j < n and words[j] == "of":
        j += 1  # "a couple of hours"
        if j < n and words[j] in ("a", "an"):
            j += 1  # "a quarter of an hour"
    return value, j, False


def durations(
    words: Sequence[str], units: Mapping[str, float], amounts: Mapping[str, float]
) -> list[tuple[int, int, float]]:
    """Every amount of time: (first index, index after, minutes).

    "2 hrs", "1h30", "1 hr 30 min", "half an hour", "an hour and a half", "twenty five
    minutes". Not "a 2 hour run" or "in 3 days": those are not how long a cramp lasted.
    """
    out: list[tuple[int, int, float]] = []
    n = len(words)
    i = 0
    while i < n:
        amount = _amount(words, i, amounts)
        if amount is None:
            i += 1
            continue
        value, j, digits = amount
        if words[j : j + 3] == ["and", "a", "half"]:
            value += 0.5  # "one and a half hours"
            j += 3
        unit = units.get(words[j]) if j < n else None
        if unit is None or (len(words[j]) == 1 and (not digits or value >= _DISTANCE)):
            i += 1  # "the 200m", "a 400m": a distance, not minutes
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
        after = k + 1 if k + 1 < n and words[k] == "of" else k  # "7 hours of walking"
        if (
            after + 1 < n
            and words[after + 1] in NOT_A_CRAMP_TIME
            and words[after] not in _THEN
            and not words[after][0].isdigit()
        ):
            after += 1  # "a 12hr night shift", "a 2 hour easy run": one word before the session
        if (after < n and words[after] in NOT_A_CRAMP_TIME) or (i > 0 and words[i - 1] == "in"):
            i = k  # "a 2 hour run", "first run in 3 days": not how long the cramp lasted
            continue
        # "over 2 hours", "under a minute": the word before belongs to the amount, so it is
        # read as nothing else ("over" alone is a cramp that has let go: timing.yaml)
        start = i
        if i > 0 and words[i - 1] in _MORE_OR_LESS and not (out and out[-1][1] == i):
            start = i - 1
        out.append((start, k, minutes))
        i = k
    return out


def pain_scores(words: Sequence[str], used: Sequence[bool]) -> list[tuple[int, int, float]]:
    """Pain scores: "7/10", "8 out of 10", "pain 9" -> (start, end, value).

    Words already `used` (by a duration) are skipped.
    """
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
            while j >= 0 and i - j <= 4 and words[j] in SCORE_FILLERS:
                j -= 1
            if j >= 0 and words[j] in SCORE_WORDS:
                top, end = _top_of_range(words, i, used, [False] * n)  # "pain 6-7"
                out.append((i, end, top))
    return out


def bare_number(
    words: Sequence[str],
    used: Sequence[bool],
    in_phrase: Sequence[bool],
    score: float | None,
    amounts: Mapping[str, float],
) -> float | None:
    """The pain score if one was given, else the first number not part of anything
    (nor of a span of time: "4 months off").

    A short answer in words counts too: "two" -> 2.0 ("a" and "an" do not), and so does
    a whole number in words said as a figure in a short message: "i would say a four",
    "like seven", "prob a six tbh", "seven out of ten" (not "had like three cramps").
    """
    if score is not None:
        return score
    for i, w in enumerate(words):
        if not used[i] and not in_phrase[i] and w[0].isdigit():
            if i + 1 < len(words) and words[i + 1] in _NOT_ANSWERS:
                # "7 hours of walking", "4 months off": a span, not an answer; "like 30
                # degrees": the weather
                continue
            if (
                i
                and words[i - 1] in _TAKEN_BACK
                and any(w[0].isdigit() and not used[j] for j, w in enumerate(words[i + 1 :], i + 1))
            ):
                continue  # "i said 7 but it's more like a 4": the number after counts
            return _top_of_range(words, i, used, in_phrase)[0]
    if len(words) <= 2:
        for w in words:
            value = amounts.get(w)
            if value is not None and value >= 1 and w not in ("a", "an"):
                return value
    if len(words) <= _SAID_WORDS:
        n = len(words)
        for i, w in enumerate(words):
            value = amounts.get(w)
            if (
                value is None
                or used[i]
                or in_phrase[i]
                or w in ("a", "an")
                or not 0 < value <= 10
                or value != int(value)
            ):
                continue
            # "pain is six": after a score word, the fillers of a score ("is", "at") too
            before = _SAID_BEFORE | SCORE_FILLERS if SCORE_WORDS & set(words[:i]) else _SAID_BEFORE
            if (i == 0 or words[i - 1] in before) and (i + 1 == n or words[i + 1] in _SAID_AFTER):
                return value
    return None


#: Words before a number that take it back when another number follows: "i said 7 but
#: it's more like a 4", "not 8, a 5".
_TAKEN_BACK = _words("said not")
#: Words between the two ends of a range of scores: "6 or 7", "6 to 7" ("6-7" has none).
_RANGE_WORDS = _words("or to")


def _top_of_range(
    words: Sequence[str], i: int, used: Sequence[bool], in_phrase: Sequence[bool]
) -> tuple[float, int]:
    """The number at `i`, or the top of the range it opens when both ends are scores
    out of 10 ("6-7", "6 or 7", "7 to 8" is 8): the worse end counts, to be safe. With
    the index after it."""
    value = float(words[i])
    j = i + 1 + (i + 1 < len(words) and words[i + 1] in _RANGE_WORDS)
    if j < len(words) and words[j][0].isdigit() and not used[j] and not in_phrase[j]:
        top = float(words[j])
        if value < top <= 10 and (j + 1 >= len(words) or words[j + 1] not in _SPANS):
            return top, j + 1
    return value, i + 1


def ago(words: Sequence[str], start: int, end: int) -> bool:
    """True for "2 hrs ago", but not for "started 2 hrs ago" (that is how long it lasts)."""
    if end >= len(words) or words[end] != "ago":
        return False
    return not any(w in _BEGAN for w in words[max(0, start - 3) : start])


def ages(words: Sequence[str], used: Sequence[bool]) -> list[tuple[int, int, float]]:
    """Ages in years: (first index, index after, years).

    "7 year old", "7yo", "7-year-old" (read as 7 year old), "15 yrs", "aged 82", "age 70",
    "I'm 15", "he's 80", "my dad (68)", "my son is 10". Words already `used` (durations:
    "I'm 30 weeks pregnant") are skipped.
    """
    out: list[tuple[int, int, float]] = []
    n = len(words)
    for i, w in enumerate(words):
        if used[i] or not w[0].isdigit():
            continue
        value = float(w)
        if value > OLDEST or value != int(value):
            continue
        nxt = words[i + 1] if i + 1 < n else ""
        before = words[i - 1] if i > 0 else ""
        if nxt in _AGE_AFTER:
            end = i + 2
            if end < n and words[end] == "old":
                end += 1
            elif nxt == "y" and end + 1 < n and words[end] == "/" and words[end + 1] == "o":
                end += 2  # "82 y/o"
            elif nxt in ("year", "years", "yr", "yrs") and not (end < n and words[end] == "old"):
                continue  # "15 years" alone is a duration or a span, not an age
            out.append((i, end, value))
        elif (
            (before in _AGE_BEFORE and (not nxt.isalpha() or nxt in _AGE_THEN))
            or (before in _AGE_OF and value >= 1 and (not nxt.isalpha() or nxt in _AGE_OF_THEN))
            or (
                before == "is"  # "my son is 10", not "pain is 7"
                and i > 1
                and words[i - 2] in _AGE_OF
                and (not nxt.isalpha() or nxt in _AGE_THEN)
            )
        ):
            out.append((i - (before in ("aged", "age")), i + 1, value))
    return out
