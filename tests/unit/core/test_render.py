"""{slot} and {slot|one/several} placeholders, filled with the one name and words that agree."""

from __future__ import annotations

from functools import cache

import pytest

from bot.content.lexicon import load_matcher
from bot.core.machine import Dialogue
from bot.core.matcher import Matcher
from bot.core.model import SlotValue
from bot.core.render import render
from bot.core.texts import Texts, malformed, placeholders
from tests.helpers.paths import ROOT

ASK = "{muscle|Is/Are} your {muscle} cramping, or {muscle|is it/are they} sore?"


@cache
def matcher() -> Matcher:
    return load_matcher(ROOT / "data" / "lexicon" / "en")


def dialogue() -> Dialogue:
    return Dialogue(
        id="t",
        start="s",
        states={},
        remember={},
        intents={},
        commands={},
        red_flag="s",
        urgent=None,
        resume=None,
        sections={},
        advice=(),
        hint="",
        slot_kinds={"muscle": "body_part", "cautions": "caution", "pain": "number"},
    )


def said(text: str, **slots: SlotValue) -> str:
    return render(dialogue(), matcher(), text, slots)


@pytest.mark.parametrize(
    ("muscle", "expected"),
    [
        ("calf", "Is your calf cramping, or is it sore?"),
        ("toes", "Are your toes cramping, or are they sore?"),
        ("abs", "Are your stomach muscles cramping, or are they sore?"),
        ("quad", "Is your front thigh cramping, or is it sore?"),
        ("calf+foot", "Are your calf and foot cramping, or are they sore?"),
    ],
)
def test_the_verb_agrees_with_the_muscle(muscle: str, expected: str) -> None:
    assert said(ASK, muscle=muscle) == expected


def test_a_number_agrees_as_a_count_and_nothing_as_one() -> None:
    assert said("{pain} {pain|point/points}", pain=1) == "1 point"
    assert said("{pain} {pain|point/points}", pain=7.0) == "7 points"
    assert said("{muscle|Is/Are} it {muscle}?") == "Is it ?"


def test_a_value_is_never_read_as_a_placeholder() -> None:
    assert said("{muscle}", muscle="{muscle|a/b}") == "{muscle|a/b}"


def test_texts_say_agrees_with_numbers_and_keeps_what_it_is_not_given() -> None:
    texts = Texts({"k": "{count} {count|cramp/cramps}; {muscle} {muscle|has/have}"})
    assert texts.say("k", count=1) == "1 cramp; {muscle} {muscle|has/have}"
    assert texts.say("k", count=3) == "3 cramps; {muscle} {muscle|has/have}"
    assert texts.say("k", count=0, muscle="calf") == "0 cramps; calf has"


def test_placeholders_and_malformed_ones() -> None:
    assert placeholders(ASK) == {"muscle"}
    assert malformed(ASK) == []
    assert malformed("{muscle is} {muscle|are} {muscle|is/are/be} {Muscle|Is/Are}") == [
        "{muscle is}",
        "{muscle|are}",
        "{muscle|is/are/be}",
    ]
    assert malformed("a { left open") == ["{"]
    assert malformed("closed } alone") == ["}"]
