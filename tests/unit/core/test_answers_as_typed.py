"""Answers as people type them on a phone (the third held-out round's families), and what
each rule must not catch.

Every message below was written for these tests, in voices beyond the held-out set's:
drinks going on now and of any kind, thanks with its trimmings, "over" at the timing
question, letters stretched for emphasis, temperatures, spans of a session, returns,
a pain score in words. The mechanisms: data/lexicon/en (intent `drank`, context, timing,
severity, plain_answers.yaml), bot/core/reading.py (stretched letters), bot/core/together.py
(number ranges), bot/core/amounts.py ("over 2 hours", spans that are no bare answer),
bot/core/answers.py (a figure before the words) and the safety net (bot/core/moves.py).
"""

from __future__ import annotations

import pytest

from bot.content.lexicon import load_matcher
from bot.core.engine import step
from bot.core.matcher import Matcher
from bot.core.reading import tokenize
from bot.core.together import number_range
from tests.helpers.engine import NOW, turn
from tests.helpers.paths import ROOT
from tests.helpers.shipped import shipped_content

CONTENT = shipped_content()
DIALOGUE = CONTENT.dialogue


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_matcher(ROOT / "data" / "lexicon" / "en")


DRINKS = [
    "drinking coconut water",
    "sipping a recovery shake now",
    "drinking a big bottle of electrolytes rn",
    "chugging a lucozade atm",
    "had a protein shake",
    "just had a recovery shake",
    "cracked open a cold beer 🍺",
    "popped open a can of coke",
    "sucked down my whole camelbak",
    "knocked back a pint of squash",
    "had a pint of squash when we got back to the car",
    "took a shot of pickle juice",
    "I drinked an aquarius",
    "I have drunk one apple spritzer",
    "I drink now one bottle mineral water",
    "and a can of coke lol",
    "and now a cup of tea lol",
    "and another glass",
    "drank a cola",
    "had a can of pepsi",
    "slurped a smoothie",
    "nursing a latte",
    "downed some tailwind",
    "had a cider after",
    "drinking squash",
    "had a carton of oj",
]

NOT_DRINKS = [
    "i forgot to drink",
    "should i drink more",
    "should i be drinking electrolytes",
    "is drinking coffee bad for cramps",
    "does drinking pickle juice help",
    "had squash practice and my calf cramped",
    "had a pop in my calf",
    "had to shake my leg out",
    "had the shakes after",
    "and can i ask something",
    "put the bottle down and my calf cramped",
    "took a shot at goal and my hamstring went",
    "i had cramps and can barely walk",
]


@pytest.mark.parametrize("message", DRINKS)
def test_a_drink_however_it_is_put(matcher: Matcher, message: str) -> None:
    assert "drank" in matcher.read(message).labels("intent"), message


@pytest.mark.parametrize("message", NOT_DRINKS)
def test_no_drink_where_none_was_had(matcher: Matcher, message: str) -> None:
    assert "drank" not in matcher.read(message).labels("intent"), message


THANKS = [
    "Thank you, most helpful.",
    "fine. thanks i guess",
    "thank you so much x",
    "Thank you dear.",
    "legend, thanks",
    "cheers legend",
    "ta love x",
    "thanks, very kind",
    "ok i guess",
    "youre a star, thanks",
]


@pytest.mark.parametrize("message", THANKS)
def test_thanks_with_its_trimmings_is_small_talk_only(matcher: Matcher, message: str) -> None:
    reading = matcher.read(message)
    assert {m.kind for m in reading.matches} <= {"intent", "topic"}, message
    assert set(reading.labels("intent")) & {"thanks", "ok"}, message


def test_trimmings_beside_a_cramp_leave_the_cramp(matcher: Matcher) -> None:
    reading = matcher.read("thanks dear, but my calf is cramping again")
    assert reading.get("body_part") == "calf"
    assert "thanks" not in reading.labels("intent")


@pytest.mark.parametrize(
    ("message", "timing"),
    [
        ("over", "after"),
        ("over already", "after"),
        ("its all over now", "after"),
        ("it's done, just tender", "after"),
        ("already gone", "after"),
        ("worn off, just achy", "after"),
        ("its not over yet", "now"),
        ("not over yet, still grabbing", "now"),
        ("stilllll cramping", "now"),
        ("STILLLLL going", "now"),
        ("cramping for over an hour still", "now"),
        ("Now it is finish, but still I feel pain like a bruise", "after"),
        ("now not cramp but it hurt a little", "after"),
        ("cramp is gone but its tender", "after"),
        ("still cramping now, stopped on the trail", "now"),
        ("still grabbing, had to stop running", "now"),
    ],
)
def test_timing_answers(matcher: Matcher, message: str, timing: str) -> None:
    # "after" wins where a message says both (the dialogue's `prefer:`): "now" only alone
    labels = matcher.read(message).labels("timing")
    assert timing in labels and (timing == "after" or "after" not in labels), message


@pytest.mark.parametrize(
    "message",
    [
        "fell over and hurt my knee",
        "cramped over the weekend",
        "bent over to tie my shoe",
        "cramp lasted over 2 hours",
        "over 100F out there",
        "over and over again",
    ],
)
def test_over_in_other_senses_says_nothing_of_timing(matcher: Matcher, message: str) -> None:
    assert "after" not in matcher.read(message).labels("timing"), message


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("on and off for 20 mins", "returning"),
        ("hand cramped up gripping the racket", "intense"),
        ("calf cramped, on and off all afternoon", "returning"),
        # "long" is a hard session only of a session: not of a part of one or a trip
        ("yo calf cramp after a long paddle out", "intense"),
        ("long walk to the car after and my calf went", "intense"),
        ("did a long stretch session and my hamstring cramped", "intense"),
        ("first time this happened in 2 years", "returning"),
        ("first time ive had a cramp in months", "returning"),
    ],
)
def test_everyday_words_are_no_context(matcher: Matcher, message: str, label: str) -> None:
    assert label not in matcher.read(message).labels("context"), message


def test_stretched_letters_are_kept_twice() -> None:
    assert tokenize("stilllll crampingggg sooo bad") == ["still", "crampingg", "soo", "bad"]
    assert tokenize("1000 ml") == ["1000", "ml"]


CONTEXT = [
    ("well it was a really long day, 7 hours of walking! not hot though", "intense"),
    ("coach had us doing suicides for an hour straight 💀", "intense"),
    ("3 hours straight of drills", "intense"),
    ("did way more than usual", "intense"),
    ("4 hours of cycling", "intense"),
    ("It was first time tennis after winter, 4 months I not play", "returning"),
    ("it was my first gym session in like 6 weeks, been on holiday", "returning"),
    ("yeah first hike since last autumn", "returning"),
    ("first run since last year", "returning"),
    ("first time in the pool in like 2 years lol", "returning"),
    ("does first time in 2 years count?", "returning"),
    ("calf cramped after a long surf", "intense"),
    ("long paddle this morning", "intense"),
    ("nne", "none"),
    ("first class back after the summer holidays", "returning"),
    ("it was a scorcher, 33 degrees", "hot"),
    ("34C today", "hot"),
    ("it was 95F", "hot"),
    ("over 100F on the canyon", "hot"),
    ("like 40 degrees in the sun", "hot"),
]


@pytest.mark.parametrize(("message", "label"), CONTEXT)
def test_context_answers(matcher: Matcher, message: str, label: str) -> None:
    assert label in matcher.read(message).labels("context"), message


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("bent my knee to 90 degrees", "hot"),
        ("it was 70 degrees and breezy", "hot"),
        ("15 degrees and raining", "hot"),
        ("first class back after the summer holidays", "hot"),
        ("my first 10k run", "returning"),
        ("first time this happened in 2 years", "returning"),
    ],
)
def test_context_rules_do_not_catch(matcher: Matcher, message: str, label: str) -> None:
    assert label not in matcher.read(message).labels("context"), message


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("middling, like halfway on the scale", "moderate"),
        ("somewhere in the middle", "moderate"),
        ("barely felt it tbh", "mild"),
        ("she says it hurts a bit", "mild"),
    ],
)
def test_severity_in_words(matcher: Matcher, message: str, label: str) -> None:
    assert matcher.read(message).labels("severity") == (label,), message


@pytest.mark.parametrize(
    ("message", "muscle"),
    [
        ("quad cramp on the leg press", "quad"),
        ("Muscle cramp in the upper leg front during running", "quad"),
        ("back of my leg below the knee", "calf"),
        ("neck cramped breathing to my left side swimming", "neck"),
    ],
)
def test_where_the_cramp_is(matcher: Matcher, message: str, muscle: str) -> None:
    assert matcher.read(message).labels("body_part") == (muscle,), message


def test_number_ranges() -> None:
    assert number_range("30..50") == (30.0, 50.0)
    assert number_range("50..30") is None
    assert number_range("calf") is None
    assert number_range("..5") is None


def test_a_figure_answers_the_pain_question_before_the_words() -> None:
    result = turn("pretty bad, an 8", "ask_severity", {"muscle": "calf", "timing": "now"})
    assert result.session.slots.get("severity") == "severe"


def test_a_span_of_the_session_corrects_no_pain_score() -> None:
    slots: dict[str, str | float] = {
        "muscle": "hamstring",
        "timing": "after",
        "severity": "moderate",
    }
    result = turn("7 hours of walking actually", "ask_context", slots)
    assert result.session.slots.get("severity") == "moderate"


def test_the_cramp_alone_not_understood_is_reminded_but_not_screened() -> None:
    reminder = DIALOGUE.texts.say("safety_net_reminder")
    first = turn("cramping cramping", "ask_timing", {"muscle": "calf"})
    assert reminder in "\n".join(r.text for r in first.replies)
    second = step(DIALOGUE, first.session, "cramping cramping", matcher=CONTENT.matcher, now=NOW)
    assert second.session.state == "ask_timing"
    assert reminder in "\n".join(r.text for r in second.replies)


def test_feeling_unwell_beside_the_cramp_is_still_screened() -> None:
    first = turn("cramping and i feel weird", "ask_timing", {"muscle": "calf"})
    second = step(
        DIALOGUE, first.session, "cramping, feel strange", matcher=CONTENT.matcher, now=NOW
    )
    assert second.session.state == "screen_signs"
