"""The pure engine on the shipped content: red flags, buttons, skips, robustness, purity."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from bot.core.engine import Turn, step
from bot.core.model import ButtonPress, Session
from tests.helpers.engine import NOW, turn
from tests.helpers.shipped import ROOT, shipped_content

CONTENT = shipped_content()
DIALOGUE = CONTENT.dialogue
ASKING = sorted(name for name, state in DIALOGUE.states.items() if state.asks)


def said(result: Turn) -> str:
    return "\n".join(r.text for r in result.replies)


@pytest.mark.parametrize("state", ASKING)
@pytest.mark.parametrize(
    "message",
    ["chest pain", "i cant breathe", "my friend collapsed", "my face is drooping on one side"],
)
def test_red_flags_escalate_from_every_state(state: str, message: str) -> None:
    result = turn(message, state)
    assert result.session.state == DIALOGUE.states[DIALOGUE.red_flag].goto
    assert result.red_flags
    assert "emergency number" in result.replies[0].text


@pytest.mark.parametrize(
    "message",
    [
        "no chest pain, just my calf",
        "calf cramp. not dizzy, no trouble breathing",
        "didnt faint or anything, hammy locked up",
    ],
)
def test_denied_red_flags_do_not_escalate(message: str) -> None:
    result = turn(message)
    assert not result.red_flags
    assert result.session.state == "ask_timing"


def test_message_naming_muscle_and_duration_skips_those_questions() -> None:
    result = turn("hamstring cramp for 5 hrs right now")
    assert result.session.slots["muscle"] == "hamstring"
    assert result.session.slots["duration"] == "hours"
    assert result.session.slots["duration_minutes"] == 300
    assert result.session.state == "ask_severity"


def test_button_press_answers_the_question() -> None:
    state = DIALOGUE.states["ask_muscle"]
    result = turn("", "ask_muscle", button=ButtonPress("ask_muscle", state.buttons.index("Calf")))
    assert result.session.slots["muscle"] == "calf"
    assert result.session.state == "ask_timing"


@pytest.mark.parametrize(
    "press",
    [ButtonPress("ask_muscle", 0), ButtonPress("ask_timing", 99), ButtonPress("no-such", 0)],
    ids=["state-has-moved-on", "index-out-of-range", "forged-state"],
)
def test_stale_or_forged_button_is_refused_and_the_current_question_repeated(
    press: ButtonPress,
) -> None:
    result = turn("", "ask_timing", {"muscle": "calf"}, button=press)
    assert result.replies[0].text == CONTENT.dialogue.texts.say("stale_button")
    assert result.replies[1].state == "ask_timing"
    assert result.session.state == "ask_timing"
    assert result.session.slots == {"muscle": "calf"}


def test_every_button_of_every_question_moves_the_conversation() -> None:
    for name in ASKING:
        state = DIALOGUE.states[name]
        for index, label in enumerate(state.buttons):
            result = turn("", name, button=ButtonPress(name, index))
            assert not said(result).startswith(DIALOGUE.hint), f"{name}: {label!r}"


def test_not_understood_reasks_with_a_hint() -> None:
    result = turn("purple elephant", "ask_muscle")
    assert result.session.state == "ask_muscle"
    assert "didn't recognise a muscle" in said(result)
    assert result.replies[-1].buttons == DIALOGUE.states["ask_muscle"].buttons


def test_global_intents_work_in_any_question() -> None:
    helped = turn("help", "ask_duration", {"muscle": "calf"})
    assert "/history" in said(helped)
    assert helped.session.state == "ask_duration"  # help leads back to the question
    assert helped.session.slots["muscle"] == "calf"
    cancelled = turn("cancel", "ask_duration", {"muscle": "calf"})
    assert cancelled.session.slots == {}
    assert "set that aside" in said(cancelled)


def test_commands_jump_and_unknown_commands_are_explained() -> None:
    assert turn("/cramp", "menu").session.state == "ask_muscle"
    assert turn("/start@CrampCoachBot", "ask_duration").session.state == "menu"
    unknown = turn("/fly", "ask_duration", {"muscle": "calf"})
    assert "/fly" in said(unknown)
    assert unknown.session.state == "ask_duration"


def test_idle_person_mid_questions_is_welcomed_back() -> None:
    session = Session(7, "ask_duration", {"muscle": "calf"}, updated_at=NOW - timedelta(hours=5))
    result = step(
        DIALOGUE, session, "5 min", matcher=CONTENT.matcher, now=NOW, idle_after=timedelta(hours=3)
    )
    assert result.session.state == "welcome_back"
    fresh = step(
        DIALOGUE, session, "5 min", matcher=CONTENT.matcher, now=NOW, idle_after=timedelta(days=1)
    )
    assert fresh.session.state == "ask_severity"


def test_advice_records_an_episode_with_its_level() -> None:
    slots = {
        "muscle": "calf",
        "timing": "now",
        "duration": "hours",
        "duration_minutes": 300.0,
        "severity": "mild",
    }
    result = turn("neither", "ask_context", slots, rules=CONTENT.rules)
    assert result.episode is not None
    assert result.episode.advice_level == "urgent"  # still cramping after hours
    assert result.episode.duration_minutes == 300.0
    assert "still tight after hours" in said(result)  # the rule's own words wait behind a button
    over = turn("neither", "ask_context", {**slots, "timing": "after"}, rules=CONTENT.rules)
    assert over.episode is not None and over.episode.advice_level == "see_doctor"


@pytest.mark.parametrize("state", ASKING)
@pytest.mark.parametrize(
    "message",
    [
        "",
        "x" * 10_000,
        "calf " * 2_000,
        "🤬🦵💥🔥",
        "\x00\x1b[31mred\x07\x08",
        "'; DROP TABLE sessions; --",
        "{muscle} {0} %s %(x)s {{}}",
        "/",
        "   ",
    ],
    ids=["empty", "10k", "many-words", "emoji", "control", "sql", "template", "slash", "spaces"],
)
def test_any_input_gets_a_reply_in_every_state(state: str, message: str) -> None:
    result = turn(message, state, {"muscle": "calf", "_back": "ask_timing"})
    assert result.replies, "every message gets an answer"
    assert all(r.text.strip() for r in result.replies)
    assert result.session.state in DIALOGUE.states
    assert "{" not in said(result).replace(message, "")


def test_engine_dialogue_and_matcher_import_no_io_libraries() -> None:
    code = (
        "import sys, bot.core.engine, bot.core.machine, bot.core.matcher, bot.content.loading\n"
        "bad = [m for m in ('telegram', 'aiosqlite', 'sqlite3', 'httpx') if m in sys.modules]\n"
        "print(bad)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_later_messages_do_not_overwrite_answers_already_given() -> None:
    slots: dict[str, str | float] = {
        "muscle": "calf",
        "timing": "now",
        "duration": "minutes",
        "duration_minutes": 5.0,
        "severity": "mild",
    }
    result = turn("first run back after 3 months, been off for 6 weeks", "ask_context", slots)
    assert result.session.slots["muscle"] == "calf"
    assert result.session.slots["duration_minutes"] == 5.0
    assert result.session.slots["conditions"] == "returning"


def test_the_question_being_asked_may_change_its_own_answer() -> None:
    result = turn("actually my hamstring", "ask_muscle", {"muscle": "calf"})
    assert result.session.slots["muscle"] == "hamstring"


@pytest.mark.parametrize(
    "message",
    ["it let go now but sore", "cramped earlier, fine now", "not cramping anymore"],
)
def test_a_cramp_that_is_over_is_afterwards_even_when_it_says_now(message: str) -> None:
    assert turn(message, "ask_timing", {"muscle": "calf"}).session.slots["timing"] == "after"


def test_a_red_flag_at_the_end_of_a_long_message_is_not_cut_off() -> None:
    result = turn("my calf hurts so much " * 300 + "and now chest pain", "ask_timing")
    assert result.red_flags == ("chest_pain",)


def test_a_new_person_asking_for_help_gets_the_introduction_and_the_help() -> None:
    session = Session(7, DIALOGUE.start)
    result = step(DIALOGUE, session, "help", matcher=CONTENT.matcher, now=NOW)
    assert "I'm Cramp Coach" in said(result)
    assert "/history" in said(result)
    assert result.session.state == "menu"


# -- triage: what each emergency reply says, urgent signs, medicines, the safety net -------


def test_someone_else_not_breathing_gets_cpr_and_a_defibrillator_not_drive_yourself() -> None:
    result = turn("my husband collapsed and isn't breathing", "ask_timing", {"muscle": "calf"})
    assert set(result.red_flags) >= {"not_breathing"}
    text = said(result)
    for words in ("emergency number", "CPR", "hard and fast in the middle of the chest", "AED"):
        assert words in text
    assert "Don't drive yourself" not in text
    assert "{" not in text and "emergency_steps" not in result.session.slots


def test_someone_else_named_in_an_earlier_message_counts() -> None:
    result = turn("she passed out", "ask_timing", {"muscle": "calf", "who": "other"})
    assert "CPR" in said(result)


def test_your_own_emergency_says_not_to_drive_and_why_the_sign_matters() -> None:
    text = said(turn("chest pain", "ask_duration"))
    assert "Don't drive yourself" in text
    assert "CPR" not in text
    assert DIALOGUE.texts.say("emergency_chest_pain") in text


def test_an_overdose_names_the_poison_centre_and_the_emergency_number() -> None:
    result = turn("I took 10 ibuprofen an hour ago for the cramp", "ask_timing")
    assert "poisoning" in result.red_flags
    text = said(result)
    assert "poison centre" in text and "1-800-222-1222" in text
    assert "emergency number" in text


def test_several_signs_say_the_most_serious_first_and_no_more_than_two() -> None:
    text = said(turn("having a seizure and chest pain and my heart is racing", "menu"))
    chest = text.index(DIALOGUE.texts.say("emergency_chest_pain"))
    seizure = text.index(DIALOGUE.texts.say("emergency_seizure"))
    assert chest < seizure
    assert DIALOGUE.texts.say("emergency_heart_rhythm") not in text


def test_an_urgent_sign_is_answered_at_once_and_the_questions_go_on() -> None:
    result = turn("my calf has been swollen and tender since my flight", "ask_timing")
    assert result.urgent == ("clot",) and not result.red_flags
    assert result.replies[0].text.startswith("🟠")
    assert "today" in result.replies[0].text
    assert result.session.state == "ask_timing"  # the question it was at, asked again
    again = step(
        DIALOGUE, result.session, "yes the calf is still swollen since the flight",
        matcher=CONTENT.matcher, now=NOW,
    )  # fmt: skip
    assert not again.urgent  # told once


@pytest.mark.parametrize("state", ["ask_timing", "ask_duration", "ask_severity", "ask_context"])
@pytest.mark.parametrize(
    "message",
    [
        "about 6 hrs, still knotted up",
        "been 3 and a half hours and my calf is still cramped solid",
        "started at 8am and its 2pm and its still there",
        "his calf has been in spasm since lunchtime, 4 hrs",
        "2 hours now and counting",
        "still cramping, going on 5 hours",
        "👍 about 6 hrs, still knotted up",  # a symbol the matcher reads as a token
        "✅ its been 5 hrs, calf",
        "ive been cramping for 4 hours and it wont stop",
        "my sons foot has been cramped into a claw since the match ended 2 hours ago",
        "cramp in my thigh since the game ended hours ago, rock hard and not relaxing",
        "her cramp started at 4 and now its 9pm and its still hard",
    ],
)
def test_a_cramp_still_going_after_hours_is_urgent_whatever_question_it_answers(
    state: str, message: str
) -> None:
    result = turn(message, state, {"muscle": "calf"})
    assert result.urgent == ("long_cramp",) and not result.red_flags
    assert "today" in said(result)


@pytest.mark.parametrize(
    "message",
    [
        "I ran for 3 hours",
        "it lasted 3 hours yesterday but it's gone",
        "cramped for 3 hours last night, fine now",
        "still cramping, 90 min",
        "label says 3 a day max but can i take 5 since the cramp is bad",
        "hiked for 4 hours since breakfast, calf cramped at the end",
        "hot studio and we've been going 4 hours",
        "cramped since the warm up 20 min ago",
        "cramp started at 8 and its 9am now, still going",
        "cramped 3 hours ago but its gone now",
    ],
)
def test_hours_of_a_workout_or_of_a_cramp_that_is_over_are_not_urgent(message: str) -> None:
    assert not turn(message, "ask_timing", {"muscle": "calf"}).urgent


def test_a_long_cramp_that_is_over_is_not_remembered_as_told_and_a_later_one_is_warned() -> None:
    over = turn("cramped for 3 hours last night, fine now", "ask_timing", {"muscle": "calf"})
    assert over.urgent == () and "urgent" not in over.session.slots
    session = over.session
    for answer in ("3 hours", "4", "none"):
        result = step(DIALOGUE, session, answer, matcher=CONTENT.matcher, now=NOW)
        session = result.session
    assert result.episode is not None and result.episode.advice_level == "self_care"
    assert "today" not in said(result)
    for before in (over.session, session):  # the next message, or after the advice
        back = step(
            DIALOGUE, before, "its back, been cramping 4 hours now and still locked up",
            matcher=CONTENT.matcher, now=NOW,
        )  # fmt: skip
        assert back.urgent == ("long_cramp",) and "today" in said(back)


def test_hours_answering_the_duration_of_a_cramp_still_going_are_urgent() -> None:
    assert turn("3 hrs", "ask_duration", {"timing": "now"}).urgent == ("long_cramp",)
    assert turn("Several hours", "ask_duration", {"timing": "now"}).urgent == ("long_cramp",)
    assert not turn("3 hrs", "ask_duration", {"timing": "after"}).urgent
    assert not turn("about an hour", "ask_duration", {"timing": "now"}).urgent


def test_dark_urine_alone_is_urgent_not_an_emergency() -> None:
    result = turn("pee is dark like cola after the race", "menu")
    assert result.urgent == ("dark_urine",) and not result.red_flags


def test_an_urgent_sign_raises_the_advice_level_and_is_logged() -> None:
    slots = {"muscle": "calf", "timing": "now", "duration": "minutes", "severity": "mild"}
    result = turn("none", "ask_context", {**slots, "urgent": "clot"})
    assert result.episode is not None and result.episode.advice_level == "urgent"
    assert said(result).startswith("🟠")
    assert "heating pad" not in said(result)  # a possible clot is not warmed or stretched


def test_a_dose_question_gets_the_label_and_a_pharmacist_never_a_dose() -> None:
    result = turn("how much ibuprofen can I take", "ask_duration", {"muscle": "calf"})
    text = said(result)
    assert "can't tell you a dose" in text and "pharmacist" in text and "label" in text
    assert result.session.state == "ask_duration"  # and back to the question


def test_cautions_gather_across_messages() -> None:
    first = turn("my 7 year old has a calf cramp", "menu")
    assert first.session.slots["cautions"] == "child"
    later = step(
        DIALOGUE, first.session, "she is on blood thinners", matcher=CONTENT.matcher, now=NOW
    )
    assert set(str(later.session.slots["cautions"]).split("+")) == {"child", "blood_thinner"}


def test_a_message_about_the_body_not_understood_reminds_of_the_emergency_number() -> None:
    reminder = DIALOGUE.texts.say("safety_net_reminder")
    assert reminder in said(turn("i feel weird", "ask_timing", {"muscle": "calf"}))
    assert reminder not in said(turn("purple elephant", "ask_timing", {"muscle": "calf"}))


def test_twice_in_a_row_it_asks_the_screening_question() -> None:
    first = turn("i feel weird", "ask_timing", {"muscle": "calf"})
    second = step(
        DIALOGUE, first.session, "i feel strange and unwell", matcher=CONTENT.matcher, now=NOW
    )
    screen = DIALOGUE.states["screen_signs"]
    assert second.session.state == screen.name
    assert second.replies[-1].buttons == screen.buttons
    none = step(
        DIALOGUE,
        second.session,
        "",
        matcher=CONTENT.matcher,
        now=NOW,
        button=ButtonPress(screen.name, screen.buttons.index("None of these")),
    )
    assert none.session.state == "ask_timing"
    assert "conditions" not in none.session.slots  # the button says nothing about the workout
    for index in range(4):  # the first four are warning signs: they escalate
        pressed = step(
            DIALOGUE,
            second.session,
            "",
            matcher=CONTENT.matcher,
            now=NOW,
            button=ButtonPress(screen.name, index),
        )
        assert pressed.red_flags, screen.buttons[index]


def test_an_understood_message_resets_the_safety_net() -> None:
    first = turn("i feel weird", "ask_timing", {"muscle": "calf"})
    answered = step(DIALOGUE, first.session, "right now", matcher=CONTENT.matcher, now=NOW)
    again = step(DIALOGUE, answered.session, "i feel weird", matcher=CONTENT.matcher, now=NOW)
    assert again.session.state == "ask_duration"


@pytest.mark.parametrize(
    ("state", "after"),
    [(DIALOGUE.start, "ask_muscle"), ("ask_timing", "ask_timing"), ("menu", "ask_muscle")],
)
def test_a_dose_question_about_a_cramp_is_answered_first(state: str, after: str) -> None:
    result = turn("how much ibuprofen can i take for a cramp", state, {"muscle": "calf"})
    assert "can't tell you a dose" in result.replies[0].text
    assert result.session.state == after
