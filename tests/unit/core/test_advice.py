"""Which advice fits: conditions (`when:`, `unless:`), medicines, and the care level line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.advice import advise, fits
from bot.core.machine import AdviceBlock
from bot.core.model import Episode, SlotValue
from tests.helpers.shipped import shipped_content

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CONTENT = shipped_content()
DIALOGUE = CONTENT.dialogue
SORE = {"muscle": "calf", "timing": "after", "duration": "minutes", "severity": "moderate"}
NSAIDS = ("ibuprofen", "naproxen")
#: Each of these leaves ibuprofen and naproxen out of the advice.
CAUTIONS = (
    "took_painkiller", "child", "teen", "pregnant", "stomach", "kidney", "heart",
    "blood_thinner", "water_pill",
)  # fmt: skip


def advice(**slots: SlotValue) -> tuple[str, Episode]:
    reply, episode = advise(
        DIALOGUE,
        CONTENT.matcher,
        DIALOGUE.states["advice"],
        {**SORE, **slots},
        user_id=1,
        now=NOW,
        history=(),
        rules=CONTENT.rules,
    )
    return reply.text, episode


def test_a_block_fits_when_every_when_holds_and_no_unless_does() -> None:
    block = AdviceBlock("now", "x", when={"timing": ("after",)}, unless={"cautions": ("child",)})
    assert fits(block, {"timing": "after"})
    assert fits(block, {"timing": "after", "cautions": "pregnant"})
    assert not fits(block, {"timing": "after", "cautions": "pregnant+child"})
    assert not fits(block, {"timing": "now"})
    assert fits(AdviceBlock("now", "x", unless={"urgent": ("any",)}), {})
    assert not fits(AdviceBlock("now", "x", unless={"urgent": ("any",)}), {"urgent": "clot"})


def test_without_a_caution_a_sore_muscle_hears_of_anti_inflammatories() -> None:
    text, episode = advice()
    assert all(name in text for name in NSAIDS)
    assert episode.advice_level == "self_care"


@pytest.mark.parametrize("caution", CAUTIONS)
def test_each_caution_leaves_out_ibuprofen_and_naproxen(caution: str) -> None:
    text, _ = advice(cautions=caution)
    assert not any(name in text.lower() for name in NSAIDS), caution


def test_a_child_gets_the_reason_and_a_line_of_their_own() -> None:
    text, _ = advice(cautions="child")
    assert "left out anti-inflammatory painkillers because you mentioned a child" in text
    assert "For a child or teenager" in text


def test_pregnancy_and_water_pills_get_lines_of_their_own() -> None:
    assert "common in pregnancy" in advice(cautions="pregnant")[0]
    older_on_pills, _ = advice(cautions="older+water_pill")
    assert "Water pills" in older_on_pills
    assert "more common with age" not in older_on_pills  # one line for them, not two
    assert "more common with age" in advice(cautions="older")[0]


def test_a_painkiller_already_taken_is_not_doubled() -> None:
    text, _ = advice(cautions="took_painkiller")
    assert "don't add another" in text


@pytest.mark.parametrize(
    ("slots", "level", "start", "why"),
    [
        ({}, "self_care", "🟢", "Nothing you told me needs a doctor"),
        ({"severity": "severe"}, "see_doctor", "🟡", "extremely painful"),
        ({"urgent": "clot"}, "urgent", "🟠", "a possible blood clot"),
        ({"urgent": "dark_urine", "severity": "severe"}, "urgent", "🟠", "dark urine"),
    ],
)
def test_the_answer_opens_with_its_care_level_and_why(
    slots: dict[str, SlotValue], level: str, start: str, why: str
) -> None:
    text, episode = advice(**slots)
    first = text.split("\n")[0]
    assert episode.advice_level == level
    assert first.startswith(start) and why in first


def test_dark_urine_leaves_out_anti_inflammatories() -> None:
    text, _ = advice(urgent="dark_urine")
    assert not any(name in text for name in NSAIDS)


def test_recurring_cramps_say_so_in_the_level_line() -> None:
    history = [
        Episode(user_id=1, at=NOW.replace(day=d), muscle="calf", timing="after") for d in (1, 1, 1)
    ]
    reply, episode = advise(
        DIALOGUE,
        CONTENT.matcher,
        DIALOGUE.states["advice"],
        dict(SORE),
        user_id=1,
        now=NOW,
        history=history,
        rules=CONTENT.rules,
    )
    assert episode.advice_level == "see_doctor"
    assert DIALOGUE.texts.say("why_recurring") in reply.text.split("\n")[0]
