"""The matcher: labelled messages, negation, durations, scores, robustness.

Loading and checking the lexicon files is tested in tests/unit/content/test_lexicon.py.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest
import yaml

from bot.content.lexicon import load_lexicon, load_matcher
from bot.core.lexicon import Entry, Lexicon, Negation, Together
from bot.core.matcher import MAX_TOKENS, Matcher, Reading
from bot.core.reading import tokenize
from tests.helpers.paths import ROOT

DATA = ROOT / "data"
MESSAGES = ROOT / "tests" / "data" / "messages.yaml"
REQUIRED = {
    "symptom": {"cramp", "spasm", "knot", "locked", "twitch", "tight", "sore"},
    "body_part": {
        "calf", "hamstring", "quad", "glutes", "groin", "hip", "shin", "foot", "toes", "back",
        "neck", "shoulder", "abs", "side_stitch", "forearm", "hand", "upper_arm", "other",
    },
    "duration": {"seconds", "minutes", "hour", "hours"},
    "severity": {"mild", "moderate", "severe"},
    "yes_no": {"yes", "no"},
    "timing": {"now", "after"},
    "context": {"hot", "intense", "returning", "none"},
    "red_flag": {
        "chest_pain", "heart_rhythm", "breathing", "not_breathing", "fainting", "confusion",
        "stroke", "seizure", "heat_stroke", "rhabdo", "clot", "meningitis", "poisoning",
        "bite_sting", "tetanus", "anaphylaxis", "hyponatremia", "compartment", "hypoglycemia",
    },
    "urgent": {"clot", "long_cramp", "dark_urine"},
    "caution": {
        "took_painkiller", "child", "teen", "pregnant", "stomach", "kidney", "heart",
        "blood_thinner", "water_pill", "older",
    },
    "who": {"other"},
    "intent": {"help", "restart", "cancel", "greeting", "thanks", "dose_question"},
    "topic": {"cramp", "prevent", "causes", "relief", "doctor", "what_is", "workout_done"},
}  # fmt: skip


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_matcher(DATA / "lexicon" / "en")


def _as_set(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, list):
        return {str(v) for v in value}
    return {str(value)}


def _problems(case: dict[str, Any], reading: Reading) -> list[str]:
    """What differs between a labelled case and what the matcher read."""
    out: list[str] = []
    expect: dict[str, Any] = dict(case.get("expect") or {})
    expect.setdefault("red_flag", [])
    for kind, want in expect.items():
        got = set(reading.labels(kind))
        if got != _as_set(want):
            out.append(f"{kind}: want {sorted(_as_set(want))}, got {sorted(got)}")
    for kind, want in (case.get("negated") or {}).items():
        got = set(reading.negated(kind))
        if got != _as_set(want):
            out.append(f"{kind} denied: want {sorted(_as_set(want))}, got {sorted(got)}")
    if "minutes" in case:
        got_minutes = reading.duration_minutes
        want_minutes = float(case["minutes"])
        if got_minutes is None or not math.isclose(got_minutes, want_minutes, rel_tol=0.05):
            out.append(f"minutes: want {want_minutes}, got {got_minutes}")
    return out


def _cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))
    return cases


# -- the labelled set -------------------------------------------------------------------------


def test_labelled_set_is_big_and_varied() -> None:
    cases = _cases()
    assert len(cases) >= 220
    assert sum(1 for c in cases if c["expect"].get("red_flag")) >= 40
    assert sum(1 for c in cases if (c.get("negated") or {}).get("red_flag")) >= 20
    assert sum(1 for c in cases if "duration" in c["expect"] and "minutes" in c) >= 30
    assert len({c["text"] for c in cases}) == len(cases), "a message is listed twice"


def test_labelled_set_uses_only_real_labels(matcher: Matcher) -> None:
    for case in _cases():
        for section in ("expect", "negated"):
            for kind, want in (case.get(section) or {}).items():
                assert kind in matcher.kinds(), f"{case['text']!r}: unknown kind {kind}"
                unknown = _as_set(want) - matcher.labels(kind)
                assert not unknown, f"{case['text']!r}: unknown {kind} labels {unknown}"


def test_accuracy_on_labelled_messages(matcher: Matcher) -> None:
    cases = _cases()
    failures = []
    for case in cases:
        problems = _problems(case, matcher.read(case["text"]))
        if problems:
            failures.append(f"{case['text']!r}: " + "; ".join(problems))
    accuracy = 1 - len(failures) / len(cases)
    print(f"matcher accuracy: {accuracy:.1%} over {len(cases)} messages")
    assert accuracy >= 0.95, f"accuracy {accuracy:.1%}; failures:\n" + "\n".join(failures)


# -- the interface the dialogue relies on ---------------------------------------------------


def test_every_required_kind_and_label_exists(matcher: Matcher) -> None:
    assert set(REQUIRED) <= matcher.kinds()
    for kind, labels in REQUIRED.items():
        missing = labels - matcher.labels(kind)
        assert not missing, f"{kind} lacks {missing}"


def test_labels_of_unknown_kind_is_empty(matcher: Matcher) -> None:
    assert matcher.labels("weather") == frozenset()


@pytest.mark.parametrize(
    ("kind", "label", "shown"),
    [
        ("body_part", "quad", "front thigh"),
        ("body_part", "calf", "calf"),
        ("body_part", "upper_arm", "upper arm"),
        ("severity", "severe", "severe"),
        ("red_flag", "chest_pain", "chest pain or pressure"),
        ("body_part", "no_such_label", "no such label"),
        ("no_such_kind", "side_stitch", "side stitch"),
    ],
)
def test_display(matcher: Matcher, kind: str, label: str, shown: str) -> None:
    assert matcher.display(kind, label) == shown


@pytest.mark.parametrize(
    ("kind", "number", "label"),
    [
        ("severity", 0, "mild"),
        ("severity", 3, "mild"),
        ("severity", 3.5, "mild"),
        ("severity", 4, "moderate"),
        ("severity", 6, "moderate"),
        ("severity", 7, "severe"),
        ("severity", 8, "severe"),
        ("severity", 10, "severe"),
        ("severity", -1, None),
        ("severity", float("nan"), None),
        ("duration", 0.5, "seconds"),
        ("duration", 1.99, "seconds"),
        ("duration", 2, "minutes"),
        ("duration", 59, "minutes"),
        ("duration", 60, "hour"),
        ("duration", 179, "hour"),
        ("duration", 180, "hours"),
        ("duration", 10_000, "hours"),
        ("body_part", 3, None),
        ("no_such_kind", 3, None),
    ],
)
def test_label_for_number(matcher: Matcher, kind: str, number: float, label: str | None) -> None:
    assert matcher.label_for_number(kind, number) == label


# -- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes", "bucket"),
    [
        ("30 sec", 0.5, "seconds"),
        ("5 hrs", 300, "hours"),
        ("5h", 300, "hours"),
        ("2 hours", 120, "hour"),
        ("1h30", 90, "hour"),
        ("1 hr 30 min", 90, "hour"),
        ("90 min", 90, "hour"),
        ("half an hour", 30, "minutes"),
        ("a few minutes", 3, "minutes"),
        ("couple of hours", 120, "hour"),
        ("few hours", 180, "hours"),
        ("2 days", 2880, "hours"),
        ("a minute", 1, "seconds"),
        ("an hour and a half", 90, "hour"),
        ("one and a half hours", 90, "hour"),
        ("twenty five minutes", 25, "minutes"),
        ("for ages", 90, "hour"),
        ("since this morning", 240, "hours"),
        ("all day", 480, "hours"),
        ("since last night", 720, "hours"),
        ("since yesterday", 720, "hours"),
        ("just now", 1, "seconds"),
        ("just started", 1, "seconds"),
        ("10 minuts", 10, "minutes"),
    ],
)
def test_duration_minutes(matcher: Matcher, text: str, minutes: float, bucket: str) -> None:
    reading = matcher.read(text)
    assert reading.duration_minutes == pytest.approx(minutes, rel=0.02)
    assert reading.get("duration") == bucket


@pytest.mark.parametrize(
    "text",
    ["cramped after a 2 hour run", "first run in 3 days", "took 3 weeks off", "5k race"],
)
def test_time_that_is_not_how_long_the_cramp_lasted(matcher: Matcher, text: str) -> None:
    assert matcher.read(text).duration_minutes is None


def test_first_duration_wins_and_each_gets_a_match(matcher: Matcher) -> None:
    reading = matcher.read("cramped for 30 sec, then sore for 2 days")
    assert reading.duration_minutes == pytest.approx(0.5, rel=0.01)
    assert [m.label for m in reading.matches if m.kind == "duration"] == ["seconds", "hours"]


# -- pain scores and numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "label"),
    [
        ("7/10", 7, "severe"),
        ("8 out of 10", 8, "severe"),
        ("pain 9", 9, "severe"),
        ("pain is like a 5", 5, "moderate"),
        ("rate it 2", 2, "mild"),
        ("2/10", 2, "mild"),
        ("11/10!!", 11, "severe"),
    ],
)
def test_pain_scores(matcher: Matcher, text: str, number: float, label: str) -> None:
    reading = matcher.read(text)
    assert reading.number == number
    assert reading.labels("severity") == (label,)


def test_bare_number_is_a_number_not_a_severity(matcher: Matcher) -> None:
    reading = matcher.read("8")
    assert reading.number == 8
    assert reading.get("severity") is None
    assert matcher.label_for_number("severity", reading.number) == "severe"
    assert matcher.read("eight").number == 8
    assert matcher.read("calf").number is None


def test_number_in_a_duration_is_not_the_number(matcher: Matcher) -> None:
    reading = matcher.read("20 min, pain 6")
    assert reading.duration_minutes == 20
    assert reading.number == 6


# -- negation ---------------------------------------------------------------------------------


def _denied(reading: Reading) -> set[tuple[str, str]]:
    return {(m.kind, m.label) for m in reading.matches if m.negated}


def test_negation_stops_at_a_clause_break(matcher: Matcher) -> None:
    reading = matcher.read("no chest pain, just my calf")
    assert reading.negated("red_flag") == ("chest_pain",)
    assert reading.get("body_part") == "calf"


def test_negation_reaches_over_or(matcher: Matcher) -> None:
    reading = matcher.read("no chest pain or shortness of breath")
    assert set(reading.negated("red_flag")) == {"chest_pain", "breathing"}
    assert reading.labels("red_flag") == ()


@pytest.mark.parametrize("word", ["but", "just", "only", "though", "however", "except"])
def test_every_clause_break_ends_negation(matcher: Matcher, word: str) -> None:
    reading = matcher.read(f"not my hamstring {word} my calf")
    assert reading.negated("body_part") == ("hamstring",)
    assert reading.labels("body_part") == ("calf",)


@pytest.mark.parametrize(
    "negator",
    ["no", "not", "never", "without", "don't", "dont", "didn't", "isn't", "wasn't", "haven't",
     "nothing", "denies"],
)  # fmt: skip
def test_every_negator_denies(matcher: Matcher, negator: str) -> None:
    reading = matcher.read(f"{negator} chest pain")
    assert reading.negated("red_flag") == ("chest_pain",)
    assert reading.labels("red_flag") == ()


def test_any_nt_contraction_denies(matcher: Matcher) -> None:
    assert matcher.read("couldn't feel any chest pain").negated("red_flag") == ("chest_pain",)


@pytest.mark.parametrize(
    ("text", "kind", "label"),
    [
        ("not too bad", "severity", "mild"),
        ("can't breathe", "red_flag", "breathing"),
        ("it won't stop", "timing", "now"),
        ("not really", "yes_no", "no"),
        ("nothing special", "context", "none"),
        ("haven't trained in ages", "context", "returning"),
    ],
)
def test_phrases_holding_a_negator_are_not_negations(
    matcher: Matcher, text: str, kind: str, label: str
) -> None:
    reading = matcher.read(text)
    assert reading.get(kind) == label
    assert not _denied(reading)


def test_bare_no_is_an_answer_and_a_negator(matcher: Matcher) -> None:
    assert matcher.read("no").get("yes_no") == "no"
    assert matcher.read("nope").get("yes_no") == "no"
    reading = matcher.read("no chest pain")
    assert reading.get("yes_no") == "no"
    assert reading.negated("red_flag") == ("chest_pain",)


def test_won_t_stop_does_not_cancel(matcher: Matcher) -> None:
    reading = matcher.read("cramp won't stop")
    assert reading.get("intent") is None
    assert reading.get("timing") == "now"
    assert matcher.read("stop").get("intent") == "cancel"


def test_negation_does_not_run_on_forever(matcher: Matcher) -> None:
    reading = matcher.read("didn't stretch before my run and now my calf cramps")
    assert reading.get("body_part") == "calf"
    assert reading.get("symptom") == "cramp"


# -- spelling, phrases shared by kinds, match details ---------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("calv", "calv"),  # a listed variant stays itself, and means calf
        ("calff", "calf"),
        ("hamstrng", "hamstring"),
        ("twitchin", "twitchin"),
        ("twitchinggg", "twitching"),
        ("crampinn", "crampin"),
        ("brething", "breathing"),
        ("call", "call"),
        ("cant", "cant"),
        ("crap", "crap"),
        ("sitting", "sitting"),
        ("more", "more"),
        ("hott", "hot"),
    ],
)
def test_typo_correction(matcher: Matcher, typed: str, read_as: str) -> None:
    assert matcher.correct(typed) == read_as


def test_false_friends_do_not_match(matcher: Matcher) -> None:
    assert matcher.read("call me").labels("body_part") == ()
    assert matcher.read("can't sleep").labels("body_part") == ()
    assert matcher.read("it's not hot").labels("context") == ()
    assert matcher.read("sitting down").labels("red_flag") == ()


def test_fuzzy_match_scores_below_exact(matcher: Matcher) -> None:
    exact = matcher.read("hamstring").matches[0]
    fuzzy = matcher.read("hamstrng").matches[0]
    assert exact.score == 100
    assert 80 <= fuzzy.score < 100
    assert fuzzy.label == "hamstring"


def test_a_phrase_in_two_kinds_gives_two_matches(matcher: Matcher) -> None:
    reading = matcher.read("cramp")
    assert {(m.kind, m.label) for m in reading.matches} >= {
        ("symptom", "cramp"),
        ("topic", "cramp"),
    }


def test_longest_phrase_wins(matcher: Matcher) -> None:
    assert matcher.read("back of my thigh").labels("body_part") == ("hamstring",)
    assert matcher.read("my lower back").labels("body_part") == ("back",)
    assert matcher.read("little toe").labels("severity") == ()


def test_matches_are_in_message_order_with_token_starts(matcher: Matcher) -> None:
    reading = matcher.read("hammy locked up 2hrs")
    assert [(m.kind, m.start) for m in reading.matches] == [
        ("body_part", 0),
        ("symptom", 1),
        ("duration", 3),
    ]


def test_the_reading_keeps_the_tokens_its_match_starts_index(matcher: Matcher) -> None:
    reading = matcher.read("👍 about 6 hrs, still knotted up")
    assert reading.tokens == ("👍", "about", "6", "hrs", ",", "still", "knotted", "up")
    start = next(m.start for m in reading.matches if m.kind == "duration")
    assert reading.tokens[start] == "6"
    assert matcher.read("calff").tokens == ("calff",)  # as typed, before typo correction


# -- anything people send -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00\x01\x02\x1b[31m",
        "🤕🤕🤕🔥💀",
        "'; DROP TABLE sessions; --",
        "{muscle}",
        "{{muscle}} {0} %s %(x)s",
        "\u202e\u200b\ufeff",
        "\u0661\u0662\u0663 \u0663/\u0661\u0660",  # Arabic-Indic digits
        "\uff43\uff41\uff4c\uff46 \uff43\uff52\uff41\uff4d\uff50",  # full-width
        "/ / / 10 / 10 out of",
        "and a half of of an",
        "1.2.3.4 hours",
        "9" * 400 + " hours",
        "a " * 3000,
        "calf " * 2000,
    ],
)
def test_any_input_is_read_without_error(matcher: Matcher, text: str) -> None:
    reading = matcher.read(text)
    assert reading.text == text
    assert isinstance(reading.matches, tuple)


def test_huge_message_is_capped(matcher: Matcher) -> None:
    text = "calf cramp " * 1000  # 11,000 characters
    reading = matcher.read(text)
    assert len(text) >= 10_000
    assert 0 < len(reading.matches) <= MAX_TOKENS * 2
    assert all(m.start < MAX_TOKENS for m in reading.matches)


def test_full_width_letters_are_read(matcher: Matcher) -> None:
    assert matcher.read("\uff43\uff41\uff4c\uff46").labels("body_part") == ("calf",)


def test_control_characters_split_words(matcher: Matcher) -> None:
    assert matcher.read("calf\x00cramp").labels("body_part") == ("calf",)


# -- together rules, plain phrases, amounts inside phrases --------------------------------------


def test_together_rules_fire_in_any_order_within_a_clause(matcher: Matcher) -> None:
    assert matcher.read("my pee is really dark").labels("urgent") == ("dark_urine",)
    assert matcher.read("dark brown urine").labels("urgent") == ("dark_urine",)
    assert matcher.read("pee is normal, not dark").labels("urgent") == ()
    assert matcher.read("my pee isn't dark").negated("urgent") == ("dark_urine",)
    assert matcher.read("headache and my neck is stiff").labels("red_flag") == ("meningitis",)


# -- emergencies however they are typed (issue 10) ----------------------------------------


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("I cnt brethe", "breathing"),
        ("cant breath", "breathing"),
        ("i can barely get air in", "breathing"),
        ("lips going blue", "breathing"),
        ("he's not breathing", "not_breathing"),
        ("no pulse", "not_breathing"),
        ("turned grey and dropped", "not_breathing"),
        ("passed ot after the run", "fainting"),
        ("faintd", "fainting"),
        ("his speech is slurrex", "stroke"),
        ("chst pain after gym", "chest_pain"),
        ("siezure at the track", "seizure"),
        ("blurred vision and my arm is numb", "stroke"),
        ("fever and a stiff neck", "meningitis"),
        ("I took 10 ibuprofen an hour ago for the cramp", "poisoning"),
        ("took the whole packet", "poisoning"),
        ("type 1 diabetic, after my run im shaking and sweaty", "hypoglycemia"),
        ("drank loads of water in the race, now confused and vomiting", "hyponatremia"),
        ("stepped on a rusty nail last week and now my jaw is locked", "tetanus"),
        ("throat is swelling and i have hives", "anaphylaxis"),
        ("snake bit me on the trail, leg swelling up fast", "bite_sting"),
        ("300 squats, thighs rock hard and my pee is like cola", "rhabdo"),
        ("shin swollen tight and shiny, pain out of proportion, foot numb", "compartment"),
        ("one leg numb and it cannot move", "stroke"),
        ("cant lift my left arm", "stroke"),
        ("she's turning blue", "breathing"),
    ],
)
def test_emergencies_however_typed(matcher: Matcher, text: str, sign: str) -> None:
    assert sign in matcher.read(text).labels("red_flag")


@pytest.mark.parametrize(
    "text",
    [
        "dark yellow pee, think I'm a bit dehydrated",
        "ankle a bit swollen from an old sprain",
        "faint-hearted about running again",
        "chest day",
        "that view took my breath away",
        "passed out on the sofa after the match",
        "heart racing with excitement",
        "no chest pain, just my calf",
        "can i take 800mg of ibuprofen",
        "took 1 ibuprofen 6 hours ago",
    ],
)
def test_false_alarms_stay_quiet(matcher: Matcher, text: str) -> None:
    assert matcher.read(text).labels("red_flag") == ()


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("I never had chest pain before but now I do", "chest_pain"),
        ("not sure if I passed out", "fainting"),
        ("can't tell if I passed out", "fainting"),
        ("no pain in my chest now, it was only for a second while running", "chest_pain"),
        ("didn't think it was serious but my chest is tight", "chest_pain"),
    ],
)
def test_negation_covers_only_what_it_governs(matcher: Matcher, text: str, sign: str) -> None:
    assert sign in matcher.read(text).labels("red_flag")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("one calf swollen and warm since a 12 hour flight", "clot"),
        ("cramp for 4 hours and it wont let go", "long_cramp"),
        ("after the hill session my pee is dark brown", "dark_urine"),
    ],
)
def test_urgent_signs(matcher: Matcher, text: str, label: str) -> None:
    reading = matcher.read(text)
    assert label in reading.labels("urgent")
    assert reading.labels("red_flag") == ()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("my 7 year old has a cramp", "child"),
        ("my 7yo", "child"),
        ("a 7-year-old", "child"),
        ("I'm 15", "teen"),
        ("my 13yo daughter", "teen"),
        ("aged 82, on water pills", "older"),
        ("82 yo", "older"),
        ("30 weeks pregnant", "pregnant"),
        ("he is on warfarin", "blood_thinner"),
    ],
)
def test_cautions_and_ages(matcher: Matcher, text: str, label: str) -> None:
    assert label in matcher.read(text).labels("caution")


def test_an_age_is_read_by_nothing_else(matcher: Matcher) -> None:
    reading = matcher.read("82 yo on water pills")
    assert reading.get("intent") is None  # "yo" is not a greeting here
    assert set(reading.labels("caution")) == {"older", "water_pill"}
    assert reading.number is None


def test_hedged_words_still_count_toward_rules(matcher: Matcher) -> None:
    assert matcher.read("i cant move my leg because of the cramp").labels("red_flag") == ()


def test_im_30_weeks_is_not_an_age(matcher: Matcher) -> None:
    assert matcher.read("I'm 30 weeks pregnant").labels("caution") == ("pregnant",)


@pytest.mark.parametrize(
    "text",
    [
        "how much ibuprofen can i take",
        "can I take 3",
        "max dose of naproxen?",
        "the pack says 2 every 6 hours, can i take 3 since it really hurts",
        "can I take 10 ibuprofen at once",
    ],
)
def test_dose_questions(matcher: Matcher, text: str) -> None:
    assert matcher.read(text).get("intent") == "dose_question"
    assert matcher.read(text).labels("red_flag") == ()


def test_who_the_message_is_about(matcher: Matcher) -> None:
    assert matcher.read("my husband collapsed").labels("who") == ("other",)
    assert matcher.read("I collapsed").labels("who") == ()


def test_a_number_threshold_counts_pills_not_strengths(matcher: Matcher) -> None:
    assert matcher.read("took 8 ibuprofen").labels("red_flag") == ("poisoning",)
    assert matcher.read("took a 400 ibuprofen").labels("red_flag") == ()
    assert matcher.read("took 3200mg of ibuprofen today").labels("red_flag") == ("poisoning",)


def test_plain_phrases_hide_the_words_inside(matcher: Matcher) -> None:
    assert matcher.read("did chest press").labels("red_flag") == ()
    assert matcher.read("chest pressure").labels("red_flag") == ("chest_pain",)
    assert matcher.read("can't feel my toes").labels("body_part") == ("toes",)
    assert matcher.read("not sure").get("yes_no") is None
    assert matcher.read("after my warm up").labels("context") == ()


def test_numbers_inside_phrases_are_not_answers(matcher: Matcher) -> None:
    assert matcher.read("temp 40").number is None
    assert matcher.read("about 6 i guess").number == 6


def test_a_longer_phrase_wins_over_an_amount_it_contains(matcher: Matcher) -> None:
    reading = matcher.read("snooze 1 hour")
    assert reading.get("intent") == "snooze_long"
    assert reading.duration_minutes is None
    assert matcher.read("calf cramp for 1 hour").duration_minutes == 60


def test_ago_says_when_it_began_not_how_long_it_lasted(matcher: Matcher) -> None:
    assert matcher.read("my hamstring seized up 2 hrs ago, fine now").duration_minutes is None
    assert matcher.read("started 2 hrs ago and still going").duration_minutes == 120
    assert matcher.read("it began 3 hours ago").duration_minutes == 180


# -- the core needs no files ------------------------------------------------------------------


def test_a_matcher_is_built_from_a_lexicon_value() -> None:
    lexicon = Lexicon(
        phrases={("calf",): (Entry("body_part", "calf"),), ("no",): (Entry("yes_no", "no"),)},
        display={"body_part": {"calf": "calf"}, "yes_no": {"no": "no"}},
        ranges={},
        units={"min": 1.0},
        amounts={},
        plain_words=frozenset(),
        symbols=frozenset(),
        together=(Together("body_part", "calf", (frozenset({"lower"}), frozenset({"leg"}))),),
        negation=Negation(negators=frozenset({"no"}), breaks=frozenset({","})),
    )
    matcher = Matcher(lexicon)
    assert matcher.read("calff").labels("body_part") == ("calf",)
    assert matcher.read("no calf").negated("body_part") == ("calf",)
    assert Matcher(replace(lexicon, negation=Negation())).read("no calf").negated("body_part") == ()
    assert matcher.read("my leg, lower down").labels("body_part") == ()
    assert matcher.read("lower leg for 5 min").labels("body_part") == ("calf",)
    assert matcher.read("lower leg for 5 min").duration_minutes is None  # no duration ranges


def test_two_matchers_from_one_lexicon_read_alike() -> None:
    lexicon = load_lexicon(DATA / "lexicon" / "en")
    first, second = Matcher(lexicon), Matcher(lexicon)
    for text in ("calff cramp 2hrs", "no chest pain, just my hamstring", "pain 7"):
        assert first.read(text) == second.read(text)


def test_ages_after_is_and_painkillers_taken(matcher: Matcher) -> None:
    assert matcher.read("my son is 10, he gets leg cramps").labels("caution") == ("child",)
    assert matcher.read("pain is 7").labels("caution") == ()
    assert matcher.read("took 2 ibuprofen an hour ago").labels("caution") == ("took_painkiller",)


def test_a_french_word_is_not_an_english_typo(matcher: Matcher) -> None:
    assert matcher.read("ça fait très mal").labels("red_flag") == ()


# -- round 2 (issue 10): what the spent held-out part taught, in phrasings written for these
# tests (none is from a safety set): negation's reach, lay words, typos, jokes and idioms ------


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("never felt chest pain like this until today, it started on the bike", "chest_pain"),
        ("no chest pain before the session but ive got it now", "chest_pain"),
        (
            "nothing in my chest at the moment, it was just for a couple of minutes on the stairs",
            "chest_pain",
        ),
        ("its not my calf its my chest thats tight", "chest_pain"),
        ("not the hamstring, its my chest hurting", "chest_pain"),
        ("feels like someone is squeezing and my left arm has gone numb", "chest_pain"),
        ("crushing feeling and my jaw and left arm ache", "chest_pain"),
        ("my chess hurts after the sprint", "chest_pain"),
        ("chess is tight and heavy", "chest_pain"),
        ("no the cramp is gone, my chest is burning though", "chest_pain"),
        ("cnt catch my breath at all", "breathing"),
        ("i cant breed properly", "breathing"),
        ("having difficulty for breathing after the game", "breathing"),
        ("my son is sucking in under his ribs every breath", "breathing"),
        ("she is fighting for air after the race", "breathing"),
        ("problems breathing since the swim", "breathing"),
        ("cant. get. air.", "breathing"),
        ("i cant feel a pulse on him", "not_breathing"),
        ("she is making gurgling noises and not responding", "not_breathing"),
        ("weird snoring sounds and he wont wake up", "not_breathing"),
        ("she keeps repeating the same question over and over", "confusion"),
        ("he keeps saying the same thing and doesnt know where we are", "confusion"),
        ("legs hard as concrete and agony, pee is dark brown", "rhabdo"),
        ("quads like stone, havent been able to pee since yesterday, super painful", "rhabdo"),
        ("my pee looks like coke and my thighs are solid and unreal painful", "rhabdo"),
        (
            "shin is so swollen the skin is stretched and shiny, pain is off the charts",
            "compartment",
        ),
        ("forearm feels like a balloon about to burst and my fingers are numb", "compartment"),
        ("calf massively swollen and tight and i cant feel my toes", "compartment"),
        ("suddenly cant see out of my left eye and my arm feels numb", "stroke"),
        ("my left hand wont do what i tell it", "stroke"),
        ("face feels weird on one side and my arm is heavy", "stroke"),
        ("no pain but i cant move my leg, came on all of a sudden", "stroke"),
        (
            "jaw is stuck and i can barely open my mouth, cut my foot on a rusty nail last week",
            "tetanus",
        ),
        (
            "cant open my mouth properly, had a deep graze from a fall 10 days ago, neck stiff",
            "tetanus",
        ),
        ("high temperature and i cant bend my neck", "meningitis"),
        ("bad headache and cant stand the light and my neck is stiff", "meningitis"),
        ("fever 39 and neck wont bend", "meningitis"),
        ("his whole body is jerking and he isnt answering me", "seizure"),
        ("shes having a seas your", "seizure"),
        ("whole body shaking and not responding", "seizure"),
        ("my toddler got into the paracetamol", "poisoning"),
        ("took way more than the box says", "poisoning"),
        ("had 4000mg of ibuprofen already and took 3 more", "poisoning"),
        ("my kid drank some of the deep heat liquid", "poisoning"),
        ("i took twice the dose of naproxen", "poisoning"),
        ("drank 6 litres of water during the ultra, now throwing up and confused", "hyponatremia"),
        ("had like 4l of water, head is pounding and im vomiting", "hyponatremia"),
        ("chest crushing lol what do i do", "chest_pain"),
        ("cant breathe lol help seriously", "breathing"),
        ("he just collapsed on the pitch", "fainting"),
        ("had no chest pain till today, now its heavy on the left", "chest_pain"),
        ("it isnt the cramp, its my chest that feels tight", "chest_pain"),
        ("it's my chest not my leg that hurts", "chest_pain"),
        ("squeezing feeling in my chest and my left arm is tingling", "chest_pain"),
        ("cant cetch my breath", "breathing"),
        ("struggling to get air in and my lips look blue", "breathing"),
        ("she is using her tummy muscles to breathe and her ribs are sucking in", "breathing"),
        ("wheezing and cant finish a sentence", "breathing"),
        ("he collapsed and i cant find a pulse", "not_breathing"),
        ("shes gasping weirdly and not waking up", "not_breathing"),
        ("he doesnt know his own name after the race", "confusion"),
        ("talking nonsense and staring into space", "confusion"),
        ("my mouth is drooping on the left and i cant lift my arm", "stroke"),
        ("cant find my words and my right arm is weak", "stroke"),
        ("lost sight in one eye suddenly", "stroke"),
        ("she went stiff and started shaking on the floor", "seizure"),
        ("he is foaming at the mouth and jerking", "seizure"),
        ("temp 39 and stiff neck and light hurts my eyes", "meningitis"),
        ("fever, headache and purple rash", "meningitis"),
        ("after crossfit my arms are rock hard and my pee is like tea, pain is unreal", "rhabdo"),
        ("havent peed all day and my thighs are swollen and agony", "rhabdo"),
        ("calf is tight as a drum, shiny and the pain is insane", "compartment"),
        ("leg swollen and going numb, pain way worse than it should be", "compartment"),
        ("i think i took too many ibuprofen, like 12", "poisoning"),
        ("swallowed a handful of painkillers", "poisoning"),
        ("my 2 year old swallowed some of my tablets", "poisoning"),
        ("took triple the dose of tylenol", "poisoning"),
        ("chugged 5 liters of water, now my head is killing me and im being sick", "hyponatremia"),
        ("ran in the heat and now hes confused and staggering", "heat_stroke"),
        ("stung by a bee and my throat is closing", "anaphylaxis"),
        ("jaw locking up, stepped on a nail last week", "tetanus"),
        ("nearly passed out when i stood up after the run", "fainting"),
        ("i fainted in the shower after my run", "fainting"),
        ("type 1, shaky and sweaty after the ride", "hypoglycemia"),
        ("chest pain lol is that bad", "chest_pain"),
        ("haha my chest is crushing and my arm is numb", "chest_pain"),
        ("lol i just fainted at the gym", "fainting"),
        ("cant catch my breath and my lips are going blue", "breathing"),
        ("hard to breath after the run", "breathing"),
        ("brething is so hard", "breathing"),
        ("i cnt breath", "breathing"),
        ("cant breathe properly since the race", "breathing"),
        ("hes struggling to breathe and making a whistling noise", "breathing"),
        ("pressure in the middle of my chest, spreading to my jaw", "chest_pain"),
        ("my heart hurts after the sprint", "chest_pain"),
        ("chest feels like a band tightening around it", "chest_pain"),
        ("my words are coming out all wrong and my face is numb", "stroke"),
        ("her smile is crooked on one side", "stroke"),
        ("i dropped my cup, my hand wont grip and my speech is weird", "stroke"),
        ("she keeps asking where she is", "confusion"),
        ("he doesnt recognise his own wife", "confusion"),
        ("he is shaking all over and not responding", "seizure"),
        ("she's fitting", "seizure"),
        ("not breathing and blue", "not_breathing"),
        ("havent peed in 12 hours after the ultra and my legs are swollen and agony", "rhabdo"),
        ("took 10 nurofen", "poisoning"),
        ("my daughter ate a load of my ibuprofen", "poisoning"),
        ("i took 6 paracetamol in one go", "poisoning"),
        ("i took way more than i should have, like 15 pills", "poisoning"),
        ("shin is rock hard, swollen and i cant feel my toes", "compartment"),
        ("fever and my neck is so stiff i cant bend it", "meningitis"),
        ("headache, neck stiff, light hurts", "meningitis"),
        ("he stopped sweating and is confused in the heat", "heat_stroke"),
        ("drank like 5 litres of water and now im confused and puffy", "hyponatremia"),
        ("lips swelling and struggling to breathe after a peanut bar", "anaphylaxis"),
        ("cut my hand on rusty wire and now my jaw is stiff and locking", "tetanus"),
        ("bitten by a spider and the swelling is spreading up my arm", "bite_sting"),
        ("im diabetic and feel shaky and confused", "hypoglycemia"),
        ("i wasnt having chest pain earlier but i am now", "chest_pain"),
        ("didnt have any chest pain at the start, only started at mile 10", "chest_pain"),
        (
            "no tightness in my chest at rest, only when i run, and it comes back every time",
            "chest_pain",
        ),
        ("the pain isnt in my leg, its in my chest", "chest_pain"),
        ("not a cramp, it's my chest, heavy and squeezing", "chest_pain"),
        ("not a cramp, i just cant breathe", "breathing"),
        ("i cant breath rn", "breathing"),
        ("shortness of breth", "breathing"),
        ("breathing is very laboured", "breathing"),
        ("she is breathing really weird and fast", "breathing"),
        ("i keep nearly blacking out", "fainting"),
        ("he fell and isnt moving", "fainting"),
        ("i passed out during my run", "fainting"),
        ("hes not making sense and slurring", "confusion"),
        ("her face is drooping and she cant lift her arm", "stroke"),
        ("arm is weak and heavy, came on suddenly, no pain", "stroke"),
        ("hes having a seizure, what do i do", "seizure"),
        ("pee like cola after squats, thighs swollen and so painful", "rhabdo"),
        ("no pee since yesterday after the race and legs are rock hard", "rhabdo"),
        ("shin swollen, skin shiny and tight, pain insane", "compartment"),
        ("overdosed on ibuprofen", "poisoning"),
        ("i took 3000mg of ibuprofen today", "poisoning"),
        ("took two boxes of paracetamol", "poisoning"),
        ("stiff neck, high fever and a rash", "meningitis"),
        ("temp 41 after the race and shes confused", "heat_stroke"),
        ("i doubled up on my naproxen and took ibuprofen on top", "poisoning"),
        ("took 8 advil in the last 3 hours", "poisoning"),
        ("my little one chewed up some of my pills", "poisoning"),
        ("i took the whole bottle of tylenol", "poisoning"),
        ("swallowed loads of paracetamol on purpose", "poisoning"),
        ("accidentally had twice as much as the label says", "poisoning"),
        ("cant breve", "breathing"),
        ("i cant breeve after the race", "breathing"),
        ("can't get my breath help", "breathing"),
        ("difficult breathing and wheezing", "breathing"),
        ("hard to breathe lol not joking", "breathing"),
        ("chest is so tight haha is this normal", "chest_pain"),
        ("chest tightness and sweating", "chest_pain"),
        ("chest pressure lmao help", "chest_pain"),
        ("chests hurting bad", "chest_pain"),
        ("my chest feels funny and tight", "chest_pain"),
        ("she is having a fit", "seizure"),
        ("he's convulsing on the ground", "seizure"),
        ("hes seizing", "seizure"),
        ("cant speak properly and my face feels numb", "stroke"),
        ("half my body went numb", "stroke"),
        ("he's slurring his words", "stroke"),
        ("i blacked out for a sec after the sprint", "fainting"),
        ("he went down and hasnt got up", "fainting"),
        ("my vision went black and i hit the floor", "fainting"),
        ("he is talking gibberish", "confusion"),
        ("she doesnt know where she is", "confusion"),
        ("he isnt breathing", "not_breathing"),
        ("cant tell if shes breathing", "not_breathing"),
        ("my wee is brown and my legs are rock hard and agony", "rhabdo"),
        ("my calf is rock hard and swollen and the pain is unbearable", "compartment"),
        ("passed out in the heat and hot to touch", "heat_stroke"),
        ("my face is swelling after a bee sting", "anaphylaxis"),
        ("really bad headache and stiff neck after a fever", "meningitis"),
        ("my blood sugar is low and im shaking", "hypoglycemia"),
    ],
)
def test_round_2_emergencies_in_new_words(matcher: Matcher, text: str, sign: str) -> None:
    assert sign in matcher.read(text).labels("red_flag")


@pytest.mark.parametrize(
    "text",
    [
        "i cant breathe 🤣 that video",
        "cant breathe lol my brother fell in the pool",
        "our gazebo collapsed in the storm",
        "my puppy collapsed on the rug after the walk, so tired",
        "overdosed on carbs before the race",
        "pick your poison: hills or intervals",
        "we are going to see sting next week",
        "i blacked out my diary for the race",
        "my stroke rate is too low in the pool",
        "breathless anticipation before the marathon",
        "almost fainted when i saw the bill for the physio",
        "my baby passed out in the pram on our run",
        "i had a seizure as a teenager, none since",
        "had chest pain years ago, fine now, what should i eat",
        "he nearly had a heart attack when he saw the price of the bike",
        "wish i could pass out on the sofa",
        "blue lips from the popsicle haha",
        "can i take 2 more ibuprofen, had 2 at 8am",
        "had 2 paracetamol at 7, can i have more now",
        "my calf cramps every night since i started running",
        "no chest pain, just my hamstring",
        "chest pain? nope, just the calf",
        "my calf suddenly cramped and i cant move my leg",
        "my leg cramp, cant do anything",
        "weird pain in my side, face is red from running",
        "my chest is fine, its my calf that is cramping",
        "my dog fainted from the heat? no he just lay down lol",
        "i nearly had a fit when i saw my split times",
        "that film gave me a stroke lol",
        "my watch cant find a pulse when i swim",
        "my tent collapsed lol",
        "the market collapsed and so did my motivation",
        "i cant breathe lmao this meme",
        "haha i cant breathe",
        "swim coach fixed my stroke",
        "she loves to do backstroke",
        "the sting of losing the race",
        "that hill nearly killed me lol",
        "my cat passed out on my legs while i stretched",
        "my kid passed out in the car seat on the way home",
        "i have no chest pain and no trouble breathing, just a tight calf",
        "no dizziness, no chest pain, calf cramp for 2 minutes",
        "not short of breath, just a cramp in my foot",
        "had a fainting episode as a kid, none since, can i run a marathon",
        "i had asthma years ago, fine now",
        "almost had a heart attack when i saw my race photos",
        "can i take another ibuprofen, had one at 10",
        "had 2 tylenol at 6pm, can i take 2 more",
        "blacked out the windows so i can sleep after night shift",
        "what is the best stroke for a beginner",
        "dying to know why my calf cramps",
        "my legs are dead after leg day",
        "my calf was like concrete this morning but its fine now",
        "my pee is dark yellow after the run, thirsty",
        "jaw is sore from clenching during the race",
        "my calf cramped and the pain was insane for 30 seconds",
        "calf feels tight after the run",
        "is it normal to feel out of breath on hills",
        "my heart rate went to 180 on the sprint",
        "out of breath after the 400m repeats",
        "calf is tight and i can feel it pulling",
        "hamstring tight, i can feel a knot",
        "my chess club meets after training",
        "chess tournament was a pain today",
        "not having chest pain, its just my calf",
        "i wasnt short of breath, its my hamstring",
        "my quads feel like concrete after leg day",
        "legs like stone after the marathon, pee is normal",
        "swelling went down, nothing to worry about",
        "my calf is swollen and tight after the run, no numbness",
        "tight calf, nothing helps, been 10 minutes",
        "drank loads of water, feel fine",
        "got into my running shoes and went out",
        "took a handful of almonds",
        "my arm wont listen when i try to throw lol",
        "cant find my heart rate strap",
        "my face feels weird on the left side after the dentist",
        "had a fit of giggles lol",
        "the heat nearly killed me lol, fine now",
        "i think im dying lmao leg day",
        "tylenol at 8pm, 2 at 11pm, can i take more",
        "i passed out on the couch after dinner",
        "headache after my run and the sun was bright",
        "my neck is stiff from sleeping funny",
        "shaking all over from the cold water swim, fine now",
        "i didnt faint, just felt a bit dizzy when i stood up quickly lol",
        "no chest pain, no breathing problems, just a calf cramp",
        "never had chest pain, just asking about cramps",
        "i had heat stroke last summer, this is just a cramp",
        "had a seizure as a child, none since",
        "not dizzy, not faint, just sore",
        "i was breathless after the hill sprint but recovered in a minute",
        "chest day tomorrow lol",
        "dying to try the new shoes",
        "lol my calf cramped in my sleep",
        "cramp killed me lol",
        "my heart rate is 150 during tempo runs, is that ok",
        "took 2 ibuprofen this morning",
        "can i take 400mg ibuprofen",
        "the stroke of midnight",
        "i was out of breath but its fine now",
        "choking on my water lol",
        "i nearly died laughing",
        "my legs were jelly after the race",
        "fainting goats are funny",
        "dead tired after work",
        "my calf is killing me lol",
        "cramp in my foot haha",
        "what helps cramps lmao",
        "tent pole collapsed lol",
        "the deal collapsed",
        "overdosed on hills this week",
        "i od'd on sweets",
        "my horse collapsed?? no just lay down to roll lol",
        "swim stroke tips please",
        "had a stroke of luck in the race",
        "fainted from hunger lol jk",
        "nearly passed out when i saw my time",
        "almost died when i saw the hill",
        "i had a fit when i saw the bill",
        "my kid is passed out asleep on the sofa",
        "poison ivy rash on my leg",
        "blue from the cold water lol",
        "my pee is clear",
        "no dark pee",
        "shortness of breath? none at all",
    ],
)
def test_round_2_jokes_idioms_and_past_signs_stay_quiet(matcher: Matcher, text: str) -> None:
    assert matcher.read(text).labels("red_flag") == ()


def test_a_no_that_answers_the_bot_denies_nothing(matcher: Matcher) -> None:
    assert matcher.read("no my chest hurts").labels("red_flag") == ("chest_pain",)
    assert matcher.read("no chest pain").negated("red_flag") == ("chest_pain",)
    assert matcher.read("no i dont have chest pain").negated("red_flag") == ("chest_pain",)


def test_a_sign_long_past_is_denied_and_a_new_one_is_not(matcher: Matcher) -> None:
    assert matcher.read("had a seizure when i was little").negated("red_flag") == ("seizure",)
    reading = matcher.read("had a stroke years ago and now my face is drooping")
    assert reading.labels("red_flag") == ("stroke",)


def test_a_word_that_counts_where_it_is_denied(matcher: Matcher) -> None:
    assert matcher.read("suddenly cant move my leg, no pain").labels("red_flag") == ("stroke",)
    assert matcher.read("suddenly cant move my leg, the pain!").labels("red_flag") == ()


def test_a_time_of_day_is_not_a_count_of_pills(matcher: Matcher) -> None:
    assert matcher.read("took 2 ibuprofen at 9").labels("red_flag") == ()
    assert matcher.read("took 2 ibuprofen, had 2 at 10am").labels("red_flag") == ()
    assert matcher.read("took 9 ibuprofen").labels("red_flag") == ("poisoning",)


def test_words_cut_apart_by_full_stops_are_read_together(matcher: Matcher) -> None:
    assert matcher.read("cant. breathe.").labels("red_flag") == ("breathing",)
    assert matcher.read("Chest. Pain. Help.").labels("red_flag") == ("chest_pain",)
    assert matcher.read("No chest pain. Just my calf.").labels("red_flag") == ()


def test_one_word_fills_one_group_of_a_rule(matcher: Matcher) -> None:
    # "heavy" is both a pressure and an ache in the chest rule: alone with "arm" it is neither
    assert matcher.read("my arm feels heavy after curls").labels("red_flag") == ()
    assert matcher.read("crushing, my left arm feels heavy").labels("red_flag") == ("chest_pain",)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("thanks!", "thanks"),
        ("thx", "thanks"),
        ("🙏", "thanks"),
        ("ok", "ok"),
        ("k", "ok"),
        ("👍", "ok"),
        ("cool", "ok"),
        ("great!!", "ok"),
        ("bye", "bye"),
        ("cya", "bye"),
        ("ok thanks", "ok"),
    ],
)
def test_small_talk_alone_is_an_intent(matcher: Matcher, text: str, label: str) -> None:
    assert matcher.read(text).get("intent") == label


@pytest.mark.parametrize(
    "text", ["ok so my calf cramped", "ok im fine now", "ok but my leg is numb", "thanks, 10 min"]
)
def test_small_talk_inside_a_longer_message_counts_for_nothing(matcher: Matcher, text: str) -> None:
    reading = matcher.read(text)
    assert reading.get("intent") is None
    assert reading.get("topic") != "chat"
    assert matcher.read("ok so my calf cramped").get("body_part") == "calf"


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_an_empty_message_is_read_as_the_empty_intent(matcher: Matcher, text: str) -> None:
    assert matcher.read(text).labels("intent") == ("empty",)


@pytest.mark.parametrize("text", ["im fine now", "ok im fine now", "i'm ok now", "it's gone now"])
def test_feeling_fine_now_is_afterwards(matcher: Matcher, text: str) -> None:
    assert matcher.read(text).labels("timing") == ("after",)


@pytest.mark.parametrize(
    "text",
    [
        "my calf cramps keep coming back every week",
        "this happens every time i run",
        "3rd time this week",
        "keeps happening",
    ],
)
def test_cramps_said_to_keep_coming_back_are_not_a_return_after_a_break(
    matcher: Matcher, text: str
) -> None:
    reading = matcher.read(text)
    assert reading.labels("frequency") == ("keeps_coming_back",)
    assert "returning" not in reading.labels("context")
    assert reading.number is None  # "3rd" is no answer to "how long"


def test_how_often_counts_toward_no_rule(matcher: Matcher) -> None:
    text = "my legs cramp every night since the doctor changed my dose"
    assert matcher.read(text).labels("urgent") == ()


def test_why_do_i_keep_getting_cramps_asks_for_the_causes(matcher: Matcher) -> None:
    assert matcher.read("why do i keep getting cramps").labels("topic")[0] == "causes"


_NO_NEGATION = Negation()


def _rules_matcher(*rules: Together, negation: Negation = _NO_NEGATION) -> Matcher:
    return Matcher(
        Lexicon(
            phrases={},
            display={"red_flag": {"racing": "x", "joke": "y"}, "intent": {"drank": "d"}},
            ranges={},
            units={},
            amounts={},
            plain_words=frozenset(),
            symbols=frozenset(),
            together=rules,
            negation=negation,
        )
    )


def test_a_stem_in_a_rule_stands_for_every_form_of_the_word() -> None:
    m = _rules_matcher(
        Together("red_flag", "racing", (frozenset({"серд*"}), frozenset({"колот*", "быстр*"})))
    )
    assert "racing" in m.read("сердце колотится").labels("red_flag")
    assert "racing" in m.read("сердечко бьётся быстро").labels("red_flag")
    assert not m.read("серый кот").labels("red_flag")


def test_a_threshold_above_any_count_of_pills_reads_a_pulse_but_not_a_clock() -> None:
    m = _rules_matcher(
        Together("red_flag", "racing", (frozenset({"pulse"}), frozenset({">=170"})), True)
    )
    assert "racing" in m.read("pulse 190 at rest").labels("red_flag")
    assert "racing" in m.read("pulse stuck at 190").labels("red_flag")
    assert not m.read("pulse 150").labels("red_flag")
    assert not m.read("pulse fine, 200mg of caffeine").labels("red_flag")


def test_a_laugh_denies_a_warning_sign_but_not_the_rest_of_the_message() -> None:
    m = _rules_matcher(
        Together("red_flag", "joke", (frozenset({"heart"}), frozenset({"racing"}))),
        Together("intent", "drank", (frozenset({"can"}), frozenset({"coke"}))),
        negation=Negation(jokes=frozenset({"lol"}), pleas=(("help",),)),
    )
    reading = m.read("heart racing and a can of coke lol")
    assert reading.negated("red_flag") == ("joke",)
    assert reading.labels("intent") == ("drank",)
    assert m.read("heart racing lol help").labels("red_flag") == ("joke",)


def test_a_persian_zero_width_joiner_is_read_as_a_space() -> None:
    assert tokenize("نفس نمی\u200cکشه") == ["نفس", "نمی", "کشه"]  # noqa: RUF001
