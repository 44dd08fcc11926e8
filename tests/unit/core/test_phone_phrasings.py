"""Everyday phone phrasings read by combination rules (issue 11), and what they must not catch.

Each family is a `together:` rule in data/lexicon/en (a drink, a return after a break, a
long or hard session, going back), or a number in words (a pain score "a four"). The
messages below were written for these tests in many voices; none of them is a phrase of
its own in the lexicon.
"""

from __future__ import annotations

import pytest

from bot.content.lexicon import load_matcher
from bot.core.matcher import Matcher
from tests.helpers.paths import ROOT


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_matcher(ROOT / "data" / "lexicon" / "en")


DRINKS = [
    "chugged like 500ml of water",
    "i have just drunk two cups of tea",
    "downed a gatorade",
    "drank like a litre of water",
    "got my kid to drink a cup of water",
    "just necked a bottle of powerade",
    "had a mug of tea",
    "sipped on some electrolytes",
    "ive drunk about 750 ml",
    "guzzled a whole water bottle",
    "finished my water bottle",
    "got through 2 litres today",
    "had a cuppa",
    "drank half a bottle",
    "downed 2 glasses of water",
    "had some coconut water",
    "drnk a glass",
    "chuged a bottle of water",
    "had 16 oz of water",
    "polished off a bottle of lucozade",
    "knocked back a glass of water",
    "had a pint of water",
    "had a few sips of water",
    "made him drink a glass of water",
    "had a glass of milk",
    "drank some pickle juice",
    "had an isotonic drink",
    "drank a can of coke",
    "smashed a litre",
    "sank a pint of water",
    "took a few sips",
    "had 2 bottles of water",
    "drank 1.5l",
]

NOT_DRINKS = [
    "i forgot to drink",
    "i forgot to drink water today",
    "should i drink water",
    "got cramp should i drink water",
    "i need to drink more water",
    "ive got to drink more water",
    "didnt drink any water",
    "havent had any water today",
    "had a cramp while swimming in the water",
    "had cramp after water polo",
    "calf cramp",
    "i dont drink enough",
    "remind me to drink",
    "havent drunk anything",
    "what should i drink for cramps",
    "ran out of water",
]

RETURNING = [
    "first swim in like 2 months lol",
    "first gym sesh in ages",
    "first class back since christmas",
    "havent been on the bike since the summer",
    "first run in 6 weeks",
    "first ride in a year",
    "first game since my injury",
    "first football match in years",
    "first proper workout in forever",
    "1st run in ages",
    "frist swim in months",
    "first training session since covid",
    "first spin class in a while",
    "havent run in ages",
    "hadnt trained for months",
    "havent swum since last summer",
    "havent played since school",
    "havent been to the gym in months",
    "not been running for a few weeks",
    "been ages since my last run",
    "its been months since i swam",
    "back on the bike after 6 weeks off",
    "back in the pool after months",
    "back at the gym after christmas",
    "back playing after a year out",
    "first day back at the gym",
    "first sesh back",
    "first yoga class in years",
    "first hike since the baby",
    "first time running in ages",
    "havent done any exercise in ages",
    "havent worked out since january",
    "hadnt been for a run in ages",
]

NOT_RETURNING = [
    "first time this happened",
    "first time this has happened",
    "first cramp in months",
    "its the first time ive had a cramp",
    "my back cramped after my run",
    "my back cramped in the gym",
    "lower back cramp after the gym",
    "first run of the week",
    "first run this year and it was fine",
    "my first marathon",
    "cramped in the first mile of my run",
    "i havent had a cramp since my last run",
    "its been weeks since my last cramp",
    "havent had one in months",
    "back of my leg cramped on my run",
]

INTENSE = [
    "long hike, 25k",
    "long hike",
    "25k",
    "did a 100k ride",
    "30 miles",
    "2 hour ride",
    "3hr hike",
    "90 min run",
    "2.5 hour run",
    "half marathon",
    "did 15 miles",
    "ran 18km",
    "swam 3k",
    "big long ride",
    "epic hike",
    "massive session",
    "two hour run",
    "long day on the bike",
    "a really long swim",
    "ten mile run",
    "20 mile ride",
    "a 4 hour hike",
    "ran a half",
]

NOT_INTENSE = [
    "how long after my run",
    "how long does it last",
    "a 5 min walk",
    "10 min jog",
    "short run",
    "ran 3km",
    "took 2 ibuprofen",
    "it lasted a long time",
    "been a long time since i ran",
    "long story short my calf cramped",
    "easy 20 min swim",
    "5 mile run",
    "2 mile walk",
    "2 hours ago after my run",
]

GO_BACK = [
    "oops wrong one",
    "wrong one",
    "wrong button",
    "pressed the wrong one",
    "tapped the wrong button",
    "hit the wrong button",
    "clicked the wrong one sorry",
    "misclicked",
    "mistapped",
    "fat fingered that",
    "didnt mean to press that",
    "wrong answer",
    "picked the wrong option",
    "oops wrong choice",
]

NOT_GO_BACK = [
    "something is wrong with my leg",
    "whats wrong with me",
    "did i do something wrong",
    "wrong",
]

SCORES = [
    ("i would say a four", 4),
    ("like seven", 7),
    ("a four", 4),
    ("prob a six", 6),
    ("about a five", 5),
    ("maybe an eight", 8),
    ("solid seven", 7),
    ("id say like a three tbh", 3),
    ("seven out of ten", 7),
    ("pain is about a six", 6),
    ("pain is six", 6),
    ("its a nine", 9),
    ("eight", 8),
]

NOT_SCORES = [
    "had like three cramps today",
    "ran a five k",
    "the other one",
    "one of my toes",
    "woke up at four",
    "he is ten",
    "played five a side",
]


@pytest.mark.parametrize("text", DRINKS)
def test_a_drink_is_a_drinking_verb_with_a_drink_or_an_amount(matcher: Matcher, text: str) -> None:
    reading = matcher.read(text)
    assert "drank" in reading.labels("intent"), reading
    assert "drank" in reading.labels("reminder"), reading


@pytest.mark.parametrize("text", NOT_DRINKS)
def test_not_a_drink_logged(matcher: Matcher, text: str) -> None:
    reading = matcher.read(text)
    assert "drank" not in reading.labels("intent"), reading
    assert "drank" not in reading.labels("reminder"), reading


@pytest.mark.parametrize("text", RETURNING)
def test_a_first_session_after_a_break(matcher: Matcher, text: str) -> None:
    assert "returning" in matcher.read(text).labels("context"), matcher.read(text)


@pytest.mark.parametrize("text", NOT_RETURNING)
def test_not_a_return(matcher: Matcher, text: str) -> None:
    assert "returning" not in matcher.read(text).labels("context"), matcher.read(text)


@pytest.mark.parametrize("text", INTENSE)
def test_a_long_or_hard_session(matcher: Matcher, text: str) -> None:
    assert "intense" in matcher.read(text).labels("context"), matcher.read(text)


@pytest.mark.parametrize("text", NOT_INTENSE)
def test_not_a_long_session(matcher: Matcher, text: str) -> None:
    assert "intense" not in matcher.read(text).labels("context"), matcher.read(text)


@pytest.mark.parametrize("text", GO_BACK)
def test_wrong_one_goes_back(matcher: Matcher, text: str) -> None:
    assert "back" in matcher.read(text).labels("intent"), matcher.read(text)


@pytest.mark.parametrize("text", NOT_GO_BACK)
def test_wrong_alone_is_not_going_back(matcher: Matcher, text: str) -> None:
    assert "back" not in matcher.read(text).labels("intent"), matcher.read(text)


@pytest.mark.parametrize(("text", "score"), SCORES)
def test_a_pain_score_in_words(matcher: Matcher, text: str, score: float) -> None:
    assert matcher.read(text).number == score


@pytest.mark.parametrize("text", NOT_SCORES)
def test_number_words_that_are_not_a_score(matcher: Matcher, text: str) -> None:
    assert matcher.read(text).number is None
