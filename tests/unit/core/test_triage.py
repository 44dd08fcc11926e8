"""bot.core.triage: when a cramp has gone on for hours, read from clock times."""

from __future__ import annotations

import pytest

from bot.core.triage import _clock_span
from tests.helpers.engine import full_turn


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("started at 8am and its 2pm", 360),
        # the time now as a bare hour after a clock time: "since about 2pm, its 6 now"
        ("no it hasnt stopped at all, since about 2pm, its 6 now", 240),
        ("since 10am, it is 1 now", 180),
    ],
)
def test_two_clock_times_give_the_span(text: str, minutes: float) -> None:
    assert _clock_span(text) == minutes


@pytest.mark.parametrize("text", ["since 3pm its 4 hours", "since 2pm", "its 6 now"])
def test_one_clock_time_or_an_amount_gives_no_span(text: str) -> None:
    assert _clock_span(text) is None


def test_a_question_about_what_a_sign_is_escalates_nothing_but_one_about_this_pain_does() -> None:
    assert full_turn("whats lockjaw? saw it in a western last night").red_flags == ()
    assert full_turn("what does confusion mean as a heat sign?").red_flags == ()
    assert full_turn("what is this pain in my chest").red_flags == ("chest_pain",)
    assert full_turn("is it normal to get chest pain after running?").red_flags == ("chest_pain",)
