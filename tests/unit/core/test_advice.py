"""Which advice fits: conditions, the three top tips, the follow-ups, sources, the level line.

The shipped content is played through `advise` as the engine plays it: the advice
(state `after_advice`) first, then each follow-up with the same slots.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from bot.core.advice import ADVISED_SLOT, SHOWN_SLOT, WORD_LIMIT, advise, amended, fits, words
from bot.core.machine import AdviceBlock
from bot.core.model import Episode, SlotValue
from tests.helpers.shipped import shipped_content

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CONTENT = shipped_content()
DIALOGUE = CONTENT.dialogue
ADVICE = "after_advice"
FOLLOW_UPS = ("advice_why", "advice_next", "advice_care", "advice_source")
SORE = {"muscle": "calf", "timing": "after", "duration": "minutes", "severity": "moderate"}
NSAIDS = ("ibuprofen", "naproxen")
#: Each of these leaves ibuprofen and naproxen out of the advice.
CAUTIONS = (
    "took_painkiller", "child", "teen", "pregnant", "stomach", "kidney", "heart",
    "blood_thinner", "water_pill",
)  # fmt: skip
#: Three cramps in a week, all in the calf: two recurrence rules fire.
RECURRING = tuple(
    Episode(user_id=1, at=NOW.replace(day=d), muscle="calf", timing="after") for d in (1, 1)
)


def say(
    state: str, slots: dict[str, SlotValue], history: tuple[Episode, ...] = ()
) -> tuple[str, Episode | None]:
    reply, episode = advise(
        DIALOGUE,
        CONTENT.matcher,
        DIALOGUE.states[state],
        slots,
        user_id=1,
        now=NOW,
        history=history,
        rules=CONTENT.rules,
    )
    return reply.text, episode


def advice(**slots: SlotValue) -> tuple[str, Episode]:
    """The advice itself for a sore calf, changed by `slots`."""
    text, episode = say(ADVICE, {**SORE, **slots})
    assert episode is not None
    return text, episode


def everything(slots: dict[str, SlotValue], history: tuple[Episode, ...] = ()) -> dict[str, str]:
    """The advice, then every follow-up, as one person would hear them one after another."""
    kept = dict(slots)
    said = {ADVICE: say(ADVICE, kept, history)[0]}
    for state in FOLLOW_UPS:
        said[state] = say(state, kept)[0]
    return said


def tips(text: str) -> list[str]:
    return [line[2:] for line in text.splitlines() if line.startswith("• ")]


def test_a_block_fits_when_every_when_holds_and_no_unless_does() -> None:
    block = AdviceBlock("now", "x", when={"timing": ("after",)}, unless={"cautions": ("child",)})
    assert fits(block, {"timing": "after"})
    assert fits(block, {"timing": "after", "cautions": "pregnant"})
    assert not fits(block, {"timing": "after", "cautions": "pregnant+child"})
    assert not fits(block, {"timing": "now"})
    assert fits(AdviceBlock("now", "x", unless={"urgent": ("any",)}), {})
    assert not fits(AdviceBlock("now", "x", unless={"urgent": ("any",)}), {"urgent": "clot"})


def test_the_advice_is_the_level_line_and_three_tips() -> None:
    text, _ = advice()
    assert text.startswith("🟢")
    assert len(tips(text)) == 3
    assert words(text) <= WORD_LIMIT


@pytest.mark.parametrize(
    ("slots", "first"),
    [
        ({"timing": "now"}, "stretch the calf"),  # cramping now: the stretch first
        ({}, "use ice, not heat"),  # sore afterwards: ice first
        ({"cautions": "child"}, "left out anti-inflammatory"),  # a caution: what it changes
        ({"cautions": "took_painkiller"}, "don't add another"),
        ({"urgent": "clot"}, "see a doctor or an urgent care clinic today"),  # urgent: care first
        ({"timing": "now", "duration": "hours"}, "still tight after hours"),
    ],
)
def test_the_tip_that_matters_most_comes_first(slots: dict[str, SlotValue], first: str) -> None:
    text, _ = advice(**slots)
    assert first in tips(text)[0]


def test_a_possible_clot_is_not_stretched_or_warmed() -> None:
    said = everything({**SORE, "timing": "now", "urgent": "clot"})
    assert not any("stretch" in t or "heating pad" in t for t in tips(said[ADVICE]))
    assert "emergency number" in said[ADVICE]  # fewer tips for now: the emergency line fits


def test_without_a_caution_a_sore_muscle_hears_of_anti_inflammatories() -> None:
    text, episode = advice()
    assert all(name in text.lower() for name in NSAIDS)
    assert episode.advice_level == "self_care"


@pytest.mark.parametrize("caution", CAUTIONS)
def test_each_caution_leaves_out_ibuprofen_and_naproxen(caution: str) -> None:
    said = everything({**SORE, "cautions": caution})
    for state, text in said.items():
        assert not any(name in text.lower() for name in NSAIDS), (caution, state)


def test_a_child_gets_the_reason_and_a_line_of_their_own() -> None:
    text, _ = advice(cautions="child")
    assert "left out anti-inflammatory painkillers because you mentioned a child" in text
    assert "For a child or teenager" in text
    assert "wake them at night" in everything({**SORE, "cautions": "child"})["advice_care"]


def test_pregnancy_and_water_pills_get_lines_of_their_own() -> None:
    assert "common in pregnancy" in advice(cautions="pregnant")[0]
    older_on_pills = "\n".join(everything({**SORE, "cautions": "older+water_pill"}).values())
    assert "Water pills" in older_on_pills
    assert "more common with age" not in older_on_pills  # one line for them, not two
    assert "more common with age" in everything({**SORE, "cautions": "older"})["advice_care"]


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
    said = everything({**SORE, "urgent": "dark_urine"})
    assert not any(name in text.lower() for text in said.values() for name in NSAIDS)


def test_recurring_cramps_say_so_in_the_level_line_and_once_under_when_to_get_help() -> None:
    said = everything(dict(SORE), RECURRING)
    assert DIALOGUE.texts.say("why_recurring") in said[ADVICE].split("\n")[0]
    care = said["advice_care"]
    # Both rules fired (three cramps, all in the calf): one of them says it.
    assert care.count("magnesium") == 1
    assert "3 cramps in the last 14 days" in care


def test_the_episode_is_logged_once_however_often_the_advice_is_said() -> None:
    slots: dict[str, SlotValue] = dict(SORE)
    first, episode = say(ADVICE, slots, RECURRING)
    again, second = say(ADVICE, slots, (*RECURRING, Episode(user_id=1, at=NOW, muscle="calf")))
    assert episode is not None and episode.advice_level == "see_doctor"
    assert second is None
    assert again == first  # the recurrence found the first time is kept, not counted again


def test_a_correction_after_the_advice_amends_the_episode_logged_then() -> None:
    slots: dict[str, SlotValue] = dict(SORE)
    _, episode = say(ADVICE, slots)
    assert episode is not None and slots[ADVISED_SLOT] == NOW.isoformat()
    slots.update(muscle="quad", severity="severe")
    later = amended(DIALOGUE, CONTENT.matcher, 1, slots)
    assert later is not None
    assert later.at == episode.at and later.muscle == "quad" and later.severity == "severe"
    assert later.advice_level == "see_doctor"  # the care level the corrected cramp gets
    # A session from before the time was kept (the mark was 1) amends nothing.
    assert amended(DIALOGUE, CONTENT.matcher, 1, {**slots, ADVISED_SLOT: 1}) is None


def test_the_follow_ups_answer_from_the_slots_and_do_not_repeat_the_top_tips() -> None:
    said = everything({**SORE, "conditions": "hot+returning"})
    top = set(tips(said[ADVICE]))
    assert "Coming back after a break" in said["advice_why"]
    assert "Heat makes you sweat more" in said["advice_why"]
    assert "electrolyte drink along" in said["advice_next"]
    assert "Build back up" in said["advice_next"]
    for state in ("advice_why", "advice_next", "advice_care"):
        assert not top & set(tips(said[state])), state


def test_a_tip_left_out_of_the_advice_is_told_under_next_time() -> None:
    said = everything(dict(SORE))  # ice, the painkiller and a stretch; drinking waits
    assert "Keep sipping water" not in said[ADVICE]
    assert "Keep sipping water" in said["advice_next"]


def test_where_is_this_from_names_the_source_of_each_tip_just_given() -> None:
    slots: dict[str, SlotValue] = {**SORE, "cautions": "child"}
    say(ADVICE, slots)
    shown = str(slots[SHOWN_SLOT]).split()
    text, episode = say("advice_source", slots)
    assert episode is None
    blocks = {block.id: block for block in DIALOGUE.advice}
    for tip in shown:
        assert blocks[tip].name.lower() in text.lower()
        assert DIALOGUE.sources[blocks[tip].source] in text
    assert "isn't from the article" in text  # the caution lines say they are not from it
    say("advice_why", slots)
    assert DIALOGUE.sources["causes"] in say("advice_source", slots)[0]


TIMINGS = ("now", "after", None)
SEVERITIES = ("mild", "moderate", "severe", None)
CONDITIONS = ("none", "hot", "intense", "returning", "hot+intense+returning", None)
CAUTION_SETS = (None, *CAUTIONS, "older", "older+water_pill", "child+took_painkiller")
URGENT = (None, "clot", "dark_urine", "long_cramp")


def combinations() -> list[dict[str, SlotValue]]:
    found = []
    for timing, severity, conditions, cautions, urgent in itertools.product(
        TIMINGS, SEVERITIES, CONDITIONS, CAUTION_SETS, URGENT
    ):
        slots: dict[str, SlotValue] = {"muscle": "hamstring", "duration": "minutes"}
        for key, value in (
            ("timing", timing),
            ("severity", severity),
            ("conditions", conditions),
            ("cautions", cautions),
            ("urgent", urgent),
        ):
            if value is not None:
                slots[key] = value
        found.append(slots)
    return found


@pytest.mark.parametrize("history", [(), RECURRING], ids=["first", "recurring"])
def test_no_message_is_longer_than_about_ninety_words(history: tuple[Episode, ...]) -> None:
    too_long = []
    for slots in combinations():
        for state, text in everything(slots, history).items():
            if words(text) > WORD_LIMIT:
                too_long.append((state, slots, words(text)))
            assert tips(text) or state == "advice_source", (state, slots)
    assert not too_long, too_long[:5]
