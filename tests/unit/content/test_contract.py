"""What the code relies on in the YAML is checked: effects, states, buttons, slots, texts."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bot.app import NEEDS
from bot.content.contract import check_labels, check_needs
from bot.core.contract import Needs
from bot.service.effects import EFFECTS
from tests.helpers.paths import ROOT
from tests.helpers.shipped import shipped_content


def test_the_shipped_dialogue_gives_the_code_everything_it_needs() -> None:
    content = shipped_content()
    assert check_needs(content.dialogue, NEEDS) == []
    assert check_labels(content.matcher, NEEDS) == []


def test_every_do_in_the_yaml_is_a_registered_effect_and_every_effect_is_used() -> None:
    used = {s.do for s in shipped_content().dialogue.states.values() if s.do}
    assert used == set(EFFECTS)


def test_each_kind_of_problem_is_named_with_a_fix() -> None:
    dialogue = shipped_content().dialogue
    needs = [
        Needs(
            who="a test",
            effects=("history",),
            states=("reminder", "tz_pik"),
            buttons=("reminder", "tz_ask"),
            slots=("tz_txt",),
            texts={"stale_buton": (), "unknown_command": ("command",)},
        )
    ]
    problems = check_needs(dialogue, needs, where="dialogues/en")
    text = "\n".join(problems)
    # every `do:` other than history is now unknown, with the list of effects
    assert "do 'export' is not an effect." in text and "Effects: history." in text
    assert (
        "a test needs a state 'tz_pik', which the dialogue lacks. Did you mean 'tz_pick'?" in text
    )
    assert "state 'tz_ask' needs buttons: a test sends them." not in text  # not named in states
    assert "reads the slot 'tz_txt', which no state saves. Did you mean 'tz_text'?" in text
    assert "texts: 'stale_buton' is missing; a test says it. Did you mean 'stale_button'?" in text
    assert "texts: 'unknown_command' uses {known}, which a test does not fill" in text


def test_a_state_whose_buttons_the_code_sends_must_have_them() -> None:
    dialogue = shipped_content().dialogue
    needs = [Needs(who="the sweep", states=("tz_ask",), buttons=("tz_ask",))]
    assert check_needs(dialogue, needs) == [
        "en/reminders.yaml: state 'tz_ask' needs buttons: the sweep sends them."
    ]


def test_a_label_the_code_reads_must_exist() -> None:
    needs = [Needs(who="the log", labels={"context": ("hot", "sweaty")})]
    problems = check_labels(shipped_content().matcher, needs)
    assert len(problems) == 1 and "the context label 'sweaty'" in problems[0]


def test_check_fails_on_a_renamed_reminder_state_and_a_misspelt_effect(tmp_path: Path) -> None:
    dialogues = tmp_path / "dialogues"
    shutil.copytree(ROOT / "dialogues", dialogues)
    path = dialogues / "en" / "reminders.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("do: drank ", "do: drunk ", 1).replace("  reminder:\n", "  reminded:\n")
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"DIALOGUES_DIR": str(dialogues), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 1, done.stdout
    assert "do 'drunk' is not an effect. Did you mean 'drank'?" in done.stderr
    assert "needs a state 'reminder', which the dialogue lacks." in done.stderr
