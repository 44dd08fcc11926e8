"""Edge cases of the conversation turns on the shipped content: relief first (notices),
answers said back and corrected, going back, and a question answered after the advice."""

from __future__ import annotations

import pytest

from bot.core.engine import Turn, step
from bot.core.model import ButtonPress, Session
from tests.helpers.engine import NOW, turn
from tests.helpers.shipped import shipped_content

CONTENT = shipped_content()
DIALOGUE = CONTENT.dialogue

Slots = dict[str, str | float]


def then(result: Turn, text: str, **kw: object) -> Turn:
    """The next message, from where `result` left the conversation."""
    return turn(text, result.session.state, dict(result.session.slots), **kw)


def tap(result: Turn, label: str) -> Turn:
    state = DIALOGUE.states[result.session.state]
    press = ButtonPress(state.name, state.buttons.index(label))
    return then(result, "", button=press)


def said(result: Turn) -> str:
    return "\n".join(r.text for r in result.replies).lower()


def asked(result: Turn) -> list[str | None]:
    """The states of the questions among the replies, in order."""
    return [r.state for r in result.replies if r.state is not None]


# -- relief first --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message", ["calf cramp rn", "charley horse in my calf rn", "my calf is cramping right now"]
)
def test_a_cramp_now_gets_the_stretch_as_its_first_reply(message: str) -> None:
    result = turn(message)
    assert result.session.state == "ask_duration"
    assert "stretch" in result.replies[0].text.lower()
    assert asked(result) == ["ask_duration"]


def test_the_stretch_is_said_once_per_cramp_even_after_going_back() -> None:
    first = turn("hamstring cramp rn")
    assert "stretch" in said(first)
    back = then(first, "go back")
    assert back.session.state == "ask_timing"
    again = tap(back, "Cramping right now")
    assert again.session.state == "ask_duration"
    assert "hold it there" not in said(again)


def test_a_new_cramp_gets_the_stretch_again() -> None:
    first = turn("calf cramp rn 5 min mild hot")
    assert first.session.state == "after_advice"
    second = then(first, "now my other foot is cramping rn")
    assert second.session.state == "ask_duration"
    assert "stretch" in second.replies[0].text.lower()


def test_no_stretch_line_for_a_possible_clot() -> None:
    result = turn("calf cramping right now, swollen and tender since my long flight 3 days ago")
    assert "get seen today" in said(result)
    assert "hold it there" not in said(result)


def test_no_stretch_line_alongside_an_emergency() -> None:
    result = turn("calf cramping rn and chest pain")
    assert result.red_flags
    assert "hold it there" not in said(result)


# -- answers said back, corrections --------------------------------------------------------


def test_an_answer_to_a_later_question_is_said_back_and_the_open_question_asked_again() -> None:
    result = turn("it was super hot out", "ask_timing", {"muscle": "calf"})
    assert result.session.state == "ask_timing"
    assert result.session.slots["conditions"] == "hot"
    assert said(result).startswith("got it")
    assert asked(result) == ["ask_timing"]


def test_a_correction_of_the_muscle_is_said_back_with_both_answers() -> None:
    slots: Slots = {"muscle": "hamstring", "timing": "now"}
    result = turn("wait no actually its my quad not my hamstring", "ask_duration", slots)
    assert result.session.slots["muscle"] == "quad"
    assert result.session.state == "ask_duration"
    assert "got it" in said(result) and "not" in said(result)


def test_without_a_correction_word_an_earlier_answer_stays() -> None:
    slots: Slots = {"muscle": "calf", "timing": "now"}
    result = turn("first run back in ages, 5 mins", "ask_duration", slots)
    assert result.session.slots["muscle"] == "calf"
    assert result.session.state == "ask_severity"


def test_a_correction_of_timing_turns_now_into_afterwards() -> None:
    slots: Slots = {"muscle": "hamstring", "timing": "now", "_told": "relief_now"}
    result = turn("wait no it stopped, just sore", "ask_duration", slots)
    assert result.session.slots["timing"] == "after"
    assert result.session.state == "ask_duration"


def test_a_correction_of_severity_with_a_number_is_kept() -> None:
    slots: Slots = {"muscle": "calf", "timing": "now", "duration": "minutes", "severity": "mild"}
    result = turn("wait its more like 8/10", "ask_context", slots)
    assert result.session.slots["severity"] == "severe"
    assert result.session.state == "ask_context"


@pytest.mark.parametrize("message", ["no wait its more like 8/10", "no wait its more like 8"])
def test_no_wait_at_the_context_question_corrects_the_severity_not_the_context(
    message: str,
) -> None:
    # "no" is a correction word here, not "None of these", and the number is a severity
    # because the severity question was the one answered last.
    slots: Slots = {
        "muscle": "calf",
        "timing": "now",
        "duration": "minutes",
        "severity": "mild",
        "_trail": "ask_muscle ask_timing ask_duration ask_severity",
    }
    result = turn(message, "ask_context", slots)
    assert result.session.slots["severity"] == "severe"
    assert result.session.state == "ask_context"
    assert result.episode is None


# -- going back -----------------------------------------------------------------------------


def test_back_at_the_muscle_question_is_the_back_muscle() -> None:
    result = turn("back", "ask_muscle")
    assert result.session.slots["muscle"] == "back"
    assert result.session.state == "ask_timing"


def test_go_back_at_the_first_question_has_nothing_to_go_back_to() -> None:
    result = turn("go back", "ask_muscle")
    assert result.session.state == "ask_muscle"
    assert "muscle" not in result.session.slots
    assert asked(result) == ["ask_muscle"]
    assert "didn't quite get" not in said(result)


def test_going_back_walks_through_questions_the_first_message_answered() -> None:
    first = turn("calf cramp rn")
    assert first.session.state == "ask_duration"
    one = then(first, "undo")
    assert one.session.state == "ask_timing"
    assert "timing" not in one.session.slots and one.session.slots["muscle"] == "calf"
    two = then(one, "undo")
    assert two.session.state == "ask_muscle"
    assert "muscle" not in two.session.slots
    three = then(two, "undo")
    assert three.session.state == "ask_muscle"


def test_going_back_clears_the_minutes_with_the_duration() -> None:
    first = turn("calf cramp rn, 10 min")
    assert first.session.slots["duration_minutes"] == 10.0
    back = then(first, "go back")
    assert back.session.state == "ask_duration"
    assert "duration" not in back.session.slots
    assert "duration_minutes" not in back.session.slots


def test_pressing_a_button_labelled_back_never_goes_back() -> None:
    first = turn("", "ask_muscle", button=ButtonPress("ask_muscle", 4))
    assert DIALOGUE.states["ask_muscle"].buttons[4] == "Back"
    assert first.session.slots["muscle"] == "back"


def test_going_back_after_the_advice_keeps_the_episode_and_does_not_say_first_question() -> None:
    first = turn("calf cramp rn 5 min mild hot")
    assert first.episode is not None
    result = then(first, "undo")
    assert result.episode is None
    assert "first question" not in said(result)


def test_go_back_at_the_first_reminder_question_is_not_taken_as_how_often() -> None:
    result = turn("go back", "daily_ask")
    assert result.session.slots.get("daily_every") != "go back"
    assert result.session.state in ("daily_ask", "reminders_menu")


# -- a question answered after the advice -----------------------------------------------------


def test_a_whole_cramp_with_a_question_keeps_every_detail_and_answers_after_the_advice() -> None:
    first = turn("calf cramped on my run, gone now but sore, lasted 10 min, pretty bad. why tho")
    assert first.session.state == "ask_context"
    slots = first.session.slots
    assert (slots["muscle"], slots["timing"], slots["duration_minutes"]) == ("calf", "after", 10.0)
    done = tap(first, "None of these")
    assert done.episode is not None
    texts = [r.text for r in done.replies]
    advice_at = next(i for i, t in enumerate(texts) if "Care level" in t)
    # "why tho", answered by the advice's own "Why did it happen?", which keeps the buttons
    why_at = next(i for i, r in enumerate(done.replies) if r.state == "advice_why")
    assert advice_at < why_at
    assert done.session.state == "advice_why"
    assert not done.replies[advice_at].buttons


def test_keep_happening_is_not_a_cramp_happening_now() -> None:
    result = turn(
        "calf cramped after my run, lasted 10 min, pretty bad, why does this keep happening?"
    )
    assert result.session.slots.get("timing") != "now"
    assert "hold it there" not in said(result)


def test_a_question_mid_questions_waits_for_the_advice() -> None:
    slots: Slots = {"muscle": "quad", "timing": "after"}
    result = turn("why does this even happen", "ask_duration", slots)
    assert result.session.state == "ask_duration"
    assert result.episode is None
    assert asked(result) == ["ask_duration"]


# -- the bugs fixed -------------------------------------------------------------------------


def test_i_drank_as_a_first_message_offers_the_menu_once() -> None:
    session = Session(7, DIALOGUE.start)
    result = step(DIALOGUE, session, "i drank", matcher=CONTENT.matcher, now=NOW)
    assert result.session.state == "menu"
    assert asked(result).count("menu") == 1


def test_after_an_emergency_without_a_cramp_nothing_speaks_of_a_cramp() -> None:
    result = turn("chest pain", "menu")
    assert result.session.state == "after_emergency"
    assert "your cramp" not in said(result)


def test_history_from_a_fresh_start_leads_to_the_menu_not_the_introduction() -> None:
    result = turn("/history", DIALOGUE.start)
    assert result.session.state == "menu"
    assert "i'm cramp coach" not in said(result)


# -- buttons of an earlier message ----------------------------------------------------------

#: The slots after the advice for a calf cramping now (its stretch line told already).
ADVICE_SLOTS: Slots = {
    "muscle": "calf",
    "timing": "now",
    "duration": "minutes",
    "severity": "mild",
    "_told": "relief_now",
}


def test_a_button_on_the_advice_still_works_after_a_follow_up() -> None:
    # At "Why did it happen?", "Next time" tapped on the advice message above it.
    advice = DIALOGUE.states["after_advice"]
    press = ButtonPress("after_advice", advice.buttons.index("Next time"))
    result = turn("", "advice_why", {**ADVICE_SLOTS, "conditions": "hot"}, button=press)
    assert DIALOGUE.texts.say("stale_button") not in said(result)
    assert result.session.state == "advice_next"


def test_an_old_menu_button_answers_while_no_question_is_open() -> None:
    menu = DIALOGUE.states["menu"]
    press = ButtonPress("menu", menu.buttons.index("How to prevent cramps"))
    result = turn("", "advice_why", {**ADVICE_SLOTS, "conditions": "hot"}, button=press)
    assert DIALOGUE.texts.say("stale_button") not in said(result)
    assert result.session.state == "menu"  # prevention, then the menu


def test_an_old_menu_button_is_still_refused_in_the_middle_of_the_questions() -> None:
    menu = DIALOGUE.states["menu"]
    press = ButtonPress("menu", menu.buttons.index("How to prevent cramps"))
    result = turn("", "ask_severity", {"muscle": "calf", "timing": "after"}, button=press)
    assert result.replies[0].text == DIALOGUE.texts.say("stale_button")
    assert result.session.state == "ask_severity"


def test_an_old_advice_button_is_refused_once_the_cramp_is_set_aside() -> None:
    why = DIALOGUE.states["advice_why"]
    press = ButtonPress("advice_why", why.buttons.index("Next time"))
    result = turn("", "menu", {}, button=press)  # "cancel" cleared the cramp's answers
    assert result.replies[0].text == DIALOGUE.texts.say("stale_button")


# -- found by a blind set of phone-typed conversations --------------------------------------


@pytest.mark.parametrize(
    "message", ["it was my first class back since christmas", "she pointed at the back of her leg"]
)
def test_back_inside_a_sentence_does_not_go_back(message: str) -> None:
    slots: Slots = {"muscle": "calf", "timing": "after", "_trail": "ask_muscle ask_timing"}
    result = turn(message, "ask_duration_over", slots)
    assert "one step back" not in said(result)
    assert result.session.slots.get("timing") == "after"


@pytest.mark.parametrize("message", ["back", "oops back", "go back"])
def test_back_alone_or_go_back_still_goes_back(message: str) -> None:
    slots: Slots = {"muscle": "calf", "timing": "after", "_trail": "ask_muscle ask_timing"}
    result = turn(message, "ask_duration_over", slots)
    assert result.session.state == "ask_timing"


def test_a_correction_wins_over_never_mind() -> None:
    result = turn("nvm its my hammy actually", "ask_timing", {"muscle": "quad"})
    assert result.session.state == "ask_timing"
    assert result.session.slots["muscle"] == "hamstring"


def test_an_asked_phrase_answers_its_own_question_only() -> None:
    at_pain = turn("a bit", "ask_severity", {"muscle": "calf", "timing": "now"})
    assert at_pain.session.slots["severity"] == "mild"
    at_length = turn("dunno, a bit. maybe 2 min", "ask_duration", {"muscle": "calf"})
    assert "severity" not in at_length.session.slots
    assert at_length.session.slots["duration_minutes"] == 2.0
