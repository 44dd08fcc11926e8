"""Loading and validating dialogue files: every kind of broken content is named with a fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest

from bot.content.dialogue import load_dialogue
from bot.errors import DialogueError
from tests.helpers.paths import ROOT


class Vocabulary:
    """A tiny lexicon stand-in: kinds and their labels."""

    table: ClassVar[dict[str, frozenset[str]]] = {
        "body_part": frozenset({"calf", "hamstring"}),
        "yes_no": frozenset({"yes", "no"}),
        "intent": frozenset({"help", "restart", "cancel"}),
        "red_flag": frozenset({"chest_pain"}),
        "duration": frozenset({"seconds", "minutes", "hour", "hours"}),
    }

    def kinds(self) -> frozenset[str]:
        return frozenset(self.table)

    def labels(self, kind: str) -> frozenset[str]:
        return self.table.get(kind, frozenset())


GOOD = """
start: greet
red_flag: emergency
hint: Sorry, I didn't get that.
states:
  greet:
    say: Where is the cramp?
    buttons: [Calf, Hamstring]
    expect: body_part
    save: muscle
    goto: ask_duration
  ask_duration:
    say: How long has your {muscle} been cramping?
    expect: duration
    save: duration
    on:
      hours: see_doctor
    goto: done
  see_doctor:
    say: Please see a doctor about your {muscle}.
    goto: greet
  done:
    say: Stretch your {muscle}.
    goto: greet
  emergency:
    say: Call your local emergency number.
    goto: greet
"""


def write(tmp_path: Path, text: str, name: str = "cramp.yaml") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def problems(tmp_path: Path, text: str) -> str:
    with pytest.raises(DialogueError) as caught:
        load_dialogue(write(tmp_path, text), Vocabulary())
    return str(caught.value)


def test_good_dialogue_loads(tmp_path: Path) -> None:
    dialogue = load_dialogue(write(tmp_path, GOOD), Vocabulary())
    assert dialogue.start == "greet"
    assert dialogue.states["ask_duration"].on == {"hours": "see_doctor"}
    assert dialogue.slot_kinds["muscle"] == "body_part"
    assert dialogue.slot_kinds["duration_minutes"] == "number"


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    text = problems(tmp_path, "start: greet\nstates:\n  greet:\n    say: [unclosed\n")
    assert "cramp.yaml" in text
    assert "line" in text
    assert "not valid YAML" in text


def test_missing_target_suggests_the_closest_state(tmp_path: Path) -> None:
    text = problems(tmp_path, GOOD.replace("goto: ask_duration", "goto: ask_durration"))
    assert "cramp.yaml: state 'greet': 'ask_durration' is not a state." in text
    assert "Did you mean 'ask_duration'?" in text


def test_unreachable_state_is_named(tmp_path: Path) -> None:
    text = problems(tmp_path, GOOD + "  orphan:\n    say: Nobody comes here.\n    goto: greet\n")
    assert "state 'orphan' is unreachable" in text
    assert "Add a transition to it" in text


def test_unknown_label_in_on_is_named_with_the_known_ones(tmp_path: Path) -> None:
    text = problems(tmp_path, GOOD.replace("hours: see_doctor", "ages: see_doctor"))
    assert "state 'ask_duration': 'ages' is not a duration label" in text
    assert "Known labels: hour, hours, minutes, seconds." in text


def test_undefined_slot_in_text_is_named(tmp_path: Path) -> None:
    text = problems(tmp_path, GOOD.replace("Stretch your {muscle}.", "Stretch your {musle}."))
    assert "state 'done' uses {musle}" in text
    assert "Did you mean 'muscle'?" in text


def test_slot_saved_only_on_some_paths_is_refused(tmp_path: Path) -> None:
    # 'done' can now be reached from 'greet' before the duration is saved.
    broken = GOOD.replace(
        "    goto: ask_duration\n", "    on:\n      calf: done\n    goto: ask_duration\n"
    )
    broken = broken.replace("Stretch your {muscle}.", "Stretch for {duration}.")
    assert "state 'done' uses {duration}" in problems(tmp_path, broken)


def test_unknown_field_and_expect_kind(tmp_path: Path) -> None:
    broken = GOOD.replace("    say: Where is the cramp?", "    sey: Where is the cramp?")
    broken = broken.replace("expect: body_part", "expect: body_prt")
    text = problems(tmp_path, broken)
    assert "unknown field 'sey'. Did you mean 'say'?" in text
    assert "expects 'body_prt'" in text
    assert "Did you mean 'body_part'?" in text


def test_missing_red_flag_state_is_refused(tmp_path: Path) -> None:
    assert "no 'red_flag:' state" in problems(tmp_path, GOOD.replace("red_flag: emergency\n", ""))


def test_states_can_be_split_across_files_but_not_defined_twice(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    write(tmp_path, "states:\n  done:\n    say: again\n    goto: greet\n", "extra.yaml")
    with pytest.raises(
        DialogueError, match=r"extra\.yaml: state 'done' is also defined in .*cramp\.yaml"
    ):
        load_dialogue(tmp_path, Vocabulary())


def test_on_yes_and_no_are_words_not_booleans(tmp_path: Path) -> None:
    text = "start: ask\nred_flag: ask\nhint: Again?\nstates:\n  ask:\n    say: Sure?\n"
    text += "    expect: yes_no\n"
    text += "    on:\n      yes: ask\n      no: ask\n"
    dialogue = load_dialogue(write(tmp_path, text), Vocabulary())
    assert dialogue.states["ask"].on == {"yes": "ask", "no": "ask"}


def test_shipped_dialogue_passes_check() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK:")


def test_check_fails_clearly_on_broken_content(tmp_path: Path) -> None:
    dialogues = tmp_path / "dialogues"
    (dialogues / "en").mkdir(parents=True)
    source = (ROOT / "dialogues" / "en" / "cramp.yaml").read_text(encoding="utf-8")
    (dialogues / "en" / "cramp.yaml").write_text(
        source.replace("goto: ask_timing", "goto: ask_timming"), encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"DIALOGUES_DIR": str(dialogues), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 1
    assert "cramp.yaml: state 'ask_muscle': 'ask_timming' is not a state." in done.stderr
    assert "Did you mean 'ask_timing'?" in done.stderr


def test_check_also_refuses_a_broken_reminder_plan(tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    plan = data / "reminders.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("every: 20m", "every: banana"), encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"DATA_DIR": str(data), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 1
    assert "reminders.yaml" in done.stderr


def test_a_dialogue_without_a_hint_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("hint: Sorry, I didn't get that.\n", "")
    with pytest.raises(DialogueError, match="no 'hint:'"):
        load_dialogue(write(tmp_path, text), Vocabulary())


TRIAGE = (
    GOOD.replace("red_flag: emergency\n", "red_flag: emergency\nurgent: seen_today\n")
    + """  seen_today:
    say: Get seen today.
    goto: back
safety_net:
  screen: greet
  kinds: [body_part, red_flag]
  words: [unwell, Sick]
sections:
  now: Now
sources:
  relief: the article's part on easing a cramp
advice:
  - id: rest
    section: now
    when: {duration: [minutes, hours]}
    unless: {muscle: hamstring}
    level: urgent
    why: it lasted
    priority: 10
    source: relief
    name: a rest
    say: Rest.
"""
)


def test_urgent_state_safety_net_and_unless_load(tmp_path: Path) -> None:
    dialogue = load_dialogue(write(tmp_path, TRIAGE), Vocabulary())
    assert dialogue.urgent == "seen_today"
    assert dialogue.safety_net is not None
    assert dialogue.safety_net.screen == "greet"
    assert dialogue.safety_net.words == {"unwell", "sick"}
    block = dialogue.advice[0]
    assert block.unless == {"muscle": ("hamstring",)}
    assert (block.level, block.why) == ("urgent", "it lasted")
    assert (block.id, block.source, block.name, block.priority) == ("rest", "relief", "a rest", 10)
    assert dialogue.sources == {"relief": "the article's part on easing a cramp"}


def test_unless_is_checked_like_when(tmp_path: Path) -> None:
    text = problems(
        tmp_path, TRIAGE.replace("unless: {muscle: hamstring}", "unless: {muscle: hamstrng}")
    )
    assert "muscle 'hamstrng' is not a body_part label" in text
    text = problems(
        tmp_path, TRIAGE.replace("unless: {muscle: hamstring}", "unless: {musle: calf}")
    )
    assert "'unless' uses slot 'musle'" in text


def test_an_urgent_state_must_say_and_lead_on(tmp_path: Path) -> None:
    broken = TRIAGE.replace(
        "    say: Get seen today.\n", "    say: Get seen today.\n    expect: yes_no\n"
    )
    assert "answers urgent signs and lets the conversation go on" in problems(tmp_path, broken)


def test_a_safety_net_names_a_real_state_and_kinds(tmp_path: Path) -> None:
    text = problems(tmp_path, TRIAGE.replace("screen: greet", "screen: gret"))
    assert "safety_net.screen: 'gret' is not a state" in text
    text = problems(tmp_path, TRIAGE.replace("kinds: [body_part, red_flag]", "kinds: [body_prt]"))
    assert "'body_prt' is not a lexicon kind" in text


def test_answer_first_names_an_intent(tmp_path: Path) -> None:
    text = problems(tmp_path, "answer_first: [helq]\nintents: {help: greet}\n" + GOOD)
    assert "answer_first: 'helq' is not under 'intents:'" in text
    assert "Did you mean 'help'?" in text


def test_every_advice_block_names_a_source_listed_under_sources(tmp_path: Path) -> None:
    text = problems(tmp_path, TRIAGE.replace("    source: relief\n", ""))
    assert "cramp.yaml: advice block 1 (rest): needs 'source:'" in text
    assert "one of relief" in text
    text = problems(tmp_path, TRIAGE.replace("source: relief", "source: releif"))
    assert (
        "cramp.yaml: advice block 1 (rest): source 'releif' is not listed under 'sources:'" in text
    )
    assert "Did you mean 'relief'?" in text


def test_every_advice_block_has_its_own_id_and_a_name(tmp_path: Path) -> None:
    text = problems(
        tmp_path, TRIAGE.replace("    name: a rest\n", "").replace("id: rest", "id: two words")
    )
    assert "needs 'id:', one word naming it" in text
    assert "needs 'name:'" in text
    twice = (
        TRIAGE
        + """  - id: rest
    section: now
    source: relief
    name: again
    say: Again.
"""
    )
    assert "id 'rest' is also used by advice block 1" in problems(tmp_path, twice)


def test_sources_and_advice_may_live_in_a_file_of_their_own(tmp_path: Path) -> None:
    cut = TRIAGE.index("sections:")
    write(tmp_path, TRIAGE[:cut])
    write(tmp_path, TRIAGE[cut:], "advice.yaml")
    dialogue = load_dialogue(tmp_path, Vocabulary())
    assert [block.id for block in dialogue.advice] == ["rest"]
    assert dialogue.advice[0].file.endswith("advice.yaml")


def test_states_that_tell_tips_name_real_sections(tmp_path: Path) -> None:
    text = TRIAGE.replace(
        "    say: Stretch your {muscle}.\n", "    say: Stretch your {muscle}.\n    tips: [nwo]\n"
    )
    assert "tips: 'nwo' is not listed under 'sections:'" in problems(tmp_path, text)
    text = TRIAGE.replace(
        "    say: Stretch your {muscle}.\n",
        "    say: Stretch your {muscle}.\n    tips: [now]\n    sources: true\n",
    )
    assert "give it its own state" in problems(tmp_path, text)


def test_more_goes_with_more_buttons_and_a_kind_that_holds_several(tmp_path: Path) -> None:
    alone = GOOD.replace("    save: muscle\n", "    save: muscle\n    more: Anything else?\n")
    text = problems(tmp_path, alone)
    assert "state 'greet': 'more:'" in text and "'more_buttons:' go together" in text
    more = "    more: Anything else?\n"
    both = alone.replace(more, more + "    more_buttons: [Calf]\n")
    assert "add 'body_part' to 'several:'" in problems(tmp_path, both)
    several = both.replace("start: greet\n", "start: greet\nseveral: [body_part]\n")
    dialogue = load_dialogue(write(tmp_path, several), Vocabulary())
    assert dialogue.states["greet"].more == "Anything else?"
    assert dialogue.states["greet"].more_buttons == ("Calf",)


def test_first_words_make_the_first_label_named_count(tmp_path: Path) -> None:
    text = GOOD.replace(
        "start: greet\n", "start: greet\nfirst:\n  body_part: [mostly]\ncorrections: [actually]\n"
    )
    dialogue = load_dialogue(write(tmp_path, text), Vocabulary())
    both = ("calf", "hamstring")
    assert dialogue.value("body_part", both, ["mostly", "calf", "hamstring", "too"]) == "calf"
    assert dialogue.value("body_part", both, ["calf", "actually", "hamstring", "mostly"]) == (
        "hamstring"
    )
    assert dialogue.value("body_part", both, ["back", "of", "the", "calf", "hamstring"]) == (
        "hamstring"
    )


def test_first_and_second_words_point_within_their_clause(tmp_path: Path) -> None:
    text = GOOD.replace(
        "start: greet\n",
        "start: greet\nfirst:\n  body_part: [mostly, worse]\n"
        "second:\n  body_part: [too, a bit]\ncorrections: [actually]\n",
    )
    dialogue = load_dialogue(write(tmp_path, text), Vocabulary())
    both = ("hamstring", "calf")
    said = ["hamstring", "and", "calf", ",", "the", "calf", "is", "worse"]
    spots = [("hamstring", 0), ("calf", 2), ("calf", 5)]
    assert dialogue.value("body_part", both, said, spots) == "calf"
    said = ["quad", "a", "bit", ",", "but", "mostly", "my", "calf"]
    spots = [("quad", 0), ("calf", 7)]
    assert dialogue.value("body_part", ("quad", "calf"), said, spots) == "calf"
    said = ["hamstring", ",", "calf", "too"]
    spots = [("hamstring", 0), ("calf", 2)]
    assert dialogue.value("body_part", both, said, spots) == "hamstring"
