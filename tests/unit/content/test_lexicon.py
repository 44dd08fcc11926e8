"""Loading the lexicon files: data/lexicon/<language>/*.yaml -> Lexicon -> Matcher, and every
problem a broken file can have, each named with its file and fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.lexicon import load_lexicon, load_matcher
from bot.errors import ContentError
from tests.helpers.paths import ROOT

DATA = ROOT / "data"


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "lexicon" / "en", tmp_path / "lexicon")
    return tmp_path / "lexicon"


def _write(data_dir: Path, name: str, text: str) -> str:
    path = data_dir / name
    path.write_text(text, encoding="utf-8")
    return path.as_posix()


def test_copy_of_shipped_lexicon_loads(data_copy: Path) -> None:
    assert "body_part" in load_matcher(data_copy).kinds()


def test_yaml_syntax_error_names_file_and_line(data_copy: Path) -> None:
    where = _write(data_copy, "body_part.yaml", "kind: body_part\nlabels:\n  calf:\n   - [oops\n")
    with pytest.raises(ContentError) as e:
        load_matcher(data_copy)
    assert where in str(e.value)
    assert "not valid YAML at line 5" in str(e.value)  # where libyaml notices


def test_label_without_phrases(data_copy: Path) -> None:
    where = _write(
        data_copy, "body_part.yaml", "kind: body_part\nlabels:\n  calf:\n    display: calf\n"
    )
    with pytest.raises(ContentError) as e:
        load_matcher(data_copy)
    assert f"{where}: label 'calf' has no phrases. Add a list under phrases:" in str(e.value)


def test_unknown_label_key_suggests_the_right_one(data_copy: Path) -> None:
    where = _write(
        data_copy, "body_part.yaml", "kind: body_part\nlabels:\n  calf:\n    phrase: [calf]\n"
    )
    with pytest.raises(ContentError) as e:
        load_matcher(data_copy)
    message = str(e.value)
    assert where in message
    assert "label 'calf': unknown key 'phrase'. Did you mean 'phrases'?" in message


def test_unknown_top_level_key(data_copy: Path) -> None:
    _write(data_copy, "body_part.yaml", "kind: body_part\nlables:\n  calf:\n    phrases: [calf]\n")
    with pytest.raises(ContentError) as e:
        load_matcher(data_copy)
    assert "unknown key 'lables'. Did you mean 'labels'?" in str(e.value)


def test_yes_and_no_are_text_without_quotes(data_copy: Path) -> None:
    _write(
        data_copy,
        "yes_no.yaml",
        "kind: yes_no\nlabels:\n  yes:\n    display: yes\n    phrases: [yes, yep, on]\n"
        "  no:\n    phrases: [no, nope, off]\n",
    )
    matcher = load_matcher(data_copy)
    assert matcher.labels("yes_no") == {"yes", "no"}
    assert matcher.display("yes_no", "yes") == "yes"
    assert matcher.read("yep").get("yes_no") == "yes"
    assert matcher.read("off").get("yes_no") == "no"


def test_a_boolean_label_is_explained(data_copy: Path) -> None:
    _write(data_copy, "yes_no.yaml", "kind: yes_no\nlabels:\n  true:\n    phrases: [yep]\n")
    with pytest.raises(ContentError, match=r"label True must be text\. Put it in quotes\."):
        load_matcher(data_copy)


def test_the_lexicon_value_holds_what_the_files_say() -> None:
    lexicon = load_lexicon(DATA / "lexicon" / "en")
    assert ("chest", "pain") in lexicon.phrases
    assert {e.label for e in lexicon.phrases[("calf",)]} == {"calf"}
    assert lexicon.units["hrs"] == 60
    assert "call" in lexicon.plain_words


def test_phrase_under_two_labels_of_one_kind(data_copy: Path) -> None:
    _write(
        data_copy,
        "body_part.yaml",
        "kind: body_part\nlabels:\n  calf:\n    phrases: [leg]\n  quad:\n    phrases: [Leg]\n",
    )
    with pytest.raises(ContentError, match="phrase 'Leg' is also under label 'calf'"):
        load_matcher(data_copy)


def test_bad_range_and_missing_kind_are_all_reported(data_copy: Path) -> None:
    _write(
        data_copy,
        "severity.yaml",
        "kind: severity\nlabels:\n  mild:\n    from: low\n    phrases: [mild]\n",
    )
    _write(data_copy, "zz_extra.yaml", "labels:\n  x:\n    phrases: [x]\n")
    with pytest.raises(ContentError) as e:
        load_matcher(data_copy)
    assert len(e.value.problems) == 2
    assert "`from:` must be a number" in e.value.problems[0]
    assert "needs `kind:`" in e.value.problems[1]


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="no lexicon files"):
        load_matcher(tmp_path)


def test_an_added_label_can_be_matched(data_copy: Path) -> None:
    _write(
        data_copy,
        "body_part.yaml",
        "kind: body_part\nlabels:\n  calf:\n    phrases: [calf]\n"
        "  jaw:\n    display: jaw\n    phrases: [jaw, jaw muscle]\n",
    )
    matcher = load_matcher(data_copy)
    assert matcher.read("my jaw cramped").get("body_part") == "jaw"
    assert matcher.labels("body_part") == {"calf", "jaw"}


def test_bad_together_rule(data_copy: Path) -> None:
    _write(
        data_copy,
        "red_flag.yaml",
        "kind: red_flag\nlabels:\n  dark_urine:\n    together: [pee urine]\n",
    )
    with pytest.raises(ContentError, match="needs two or more word lists joined by"):
        load_matcher(data_copy)


# -- issue 10: negation in data, anywhere rules, number thresholds, a folder of one file -----


def test_a_folder_holding_only_red_flag_yaml_loads(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "red_flag.yaml",
        "kind: red_flag\nlabels:\n  chest_pain:\n    display: dolor de pecho\n"
        "    phrases: [dolor de pecho]\n",
    )
    matcher = load_matcher(tmp_path)
    assert matcher.read("me duele, dolor de pecho").labels("red_flag") == ("chest_pain",)
    assert matcher.read("no dolor de pecho").labels("red_flag") == ("chest_pain",)  # no negators


def test_negation_comes_from_the_language_folder(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "red_flag.yaml",
        "kind: red_flag\nlabels:\n  chest_pain:\n    phrases: [dolor de pecho]\n",
    )
    _write(
        tmp_path,
        "negation.yaml",
        "negators: [sin, 'no']\nbreaks: [',', pero]\nhedges: [no se si]\n"
        "reversers: [pero ahora si]\n",
    )
    matcher = load_matcher(tmp_path)
    assert matcher.read("sin dolor de pecho").negated("red_flag") == ("chest_pain",)
    assert matcher.read("sin fiebre, dolor de pecho").labels("red_flag") == ("chest_pain",)
    assert matcher.read("no se si dolor de pecho").labels("red_flag") == ("chest_pain",)
    assert matcher.read("no dolor de pecho pero ahora si").labels("red_flag") == ("chest_pain",)


def test_a_bad_negation_file_says_how_to_fix_it(tmp_path: Path) -> None:
    _write(tmp_path, "red_flag.yaml", "kind: red_flag\nlabels:\n  x:\n    phrases: [x]\n")
    _write(tmp_path, "negation.yaml", "negators: [not ever]\nbreaks: 3\nextra: [a]\n")
    with pytest.raises(ContentError) as e:
        load_matcher(tmp_path)
    text = str(e.value)
    assert "must be one word" in text and "must be a list" in text and "remove ['extra']" in text


def test_anywhere_rules_and_number_thresholds(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "red_flag.yaml",
        "kind: red_flag\nlabels:\n  hypoglycemia:\n    anywhere: [diabetic + shaky]\n"
        "  poisoning:\n    together: ['took + >=5 + pills']\n",
    )
    _write(tmp_path, "negation.yaml", "negators: ['no']\nbreaks: [',']\n")
    matcher = load_matcher(tmp_path)
    assert matcher.read("diabetic, did a long ride, now shaky").labels("red_flag") == (
        "hypoglycemia",
    )
    assert matcher.read("diabetic, no shaky hands").negated("red_flag") == ("hypoglycemia",)
    assert matcher.read("took 8 pills").labels("red_flag") == ("poisoning",)
    assert matcher.read("took 2 pills").labels("red_flag") == ()


def test_a_label_with_only_a_range_needs_no_phrases(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "caution.yaml",
        "kind: caution\nlabels:\n  child:\n    from: 0\n    phrases: [kid]\n  adult:\n"
        "    from: 18\n",
    )
    matcher = load_matcher(tmp_path)
    assert matcher.read("my 7 year old").labels("caution") == ("child",)
    assert matcher.read("aged 40").labels("caution") == ("adult",)


def test_answers_past_and_denied_rule_words(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "red_flag.yaml",
        "kind: red_flag\nlabels:\n  chest_pain:\n    phrases: [chest pain]\n"
        "  stroke:\n    anywhere: [sudden + move + -pain]\n",
    )
    _write(
        tmp_path,
        "negation.yaml",
        "negators: ['no']\nbreaks: [',']\nnew_clause: [my]\nanswers: ['no']\npast: [years ago]\n",
    )
    matcher = load_matcher(tmp_path)
    assert matcher.read("no my chest pain is back").labels("red_flag") == ("chest_pain",)
    assert matcher.read("no chest pain").negated("red_flag") == ("chest_pain",)
    assert matcher.read("chest pain years ago, fine now").negated("red_flag") == ("chest_pain",)
    assert matcher.read("sudden, cant move it, no pain").labels("red_flag") == ("stroke",)
    assert matcher.read("sudden, cant move it, pain").labels("red_flag") == ()


def test_answers_are_one_word_each(tmp_path: Path) -> None:
    _write(tmp_path, "red_flag.yaml", "kind: red_flag\nlabels:\n  x:\n    phrases: [x]\n")
    _write(tmp_path, "negation.yaml", "negators: ['no']\nanswers: [no way]\n")
    with pytest.raises(ContentError, match="must be one word"):
        load_matcher(tmp_path)


def test_plural_names_are_marked_in_the_shipped_lexicon() -> None:
    matcher = load_matcher(DATA / "lexicon" / "en")
    assert matcher.plural("body_part", "toes") and matcher.plural("body_part", "abs")
    assert not matcher.plural("body_part", "calf")
    assert not matcher.plural("severity", "toes")  # per kind
    # One name per place, read after "your" and "the": no button words in brackets.
    names = [matcher.display("body_part", label) for label in matcher.labels("body_part")]
    assert matcher.display("body_part", "quad") == "front thigh"
    assert not [n for n in names if "(" in n or n != n.lower()]


def test_plural_must_be_true_or_false(data_copy: Path) -> None:
    where = _write(
        data_copy,
        "body_part.yaml",
        "kind: body_part\nlabels:\n  toes:\n    display: toes\n    plural: yes please\n"
        "    phrases: [toes]\n",
    )
    with pytest.raises(ContentError) as e:
        load_matcher(data_copy)
    assert f"{where}: label 'toes': `plural:` must be true or false" in str(e.value)


def test_plural_is_read_from_the_file(data_copy: Path) -> None:
    _write(
        data_copy,
        "body_part.yaml",
        "kind: body_part\nlabels:\n  toes:\n    display: toes\n    plural: true\n"
        "    phrases: [toes]\n  calf:\n    display: calf\n    plural: false\n"
        "    phrases: [calf]\n",
    )
    assert load_lexicon(data_copy).plural == {("body_part", "toes")}


# -- rules_from: one label's combination rules lent to another -----------------------------


def test_rules_from_lends_another_labels_rules(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "intent.yaml",
        "kind: intent\nlabels:\n  drank:\n    phrases: [i drank]\n"
        "    together: [downed chugged + water bottle]\n",
    )
    _write(
        tmp_path,
        "reminder.yaml",
        "kind: reminder\nlabels:\n  drank:\n    rules_from: intent drank\n",
    )
    lexicon = load_lexicon(tmp_path)
    lent = [r for r in lexicon.together if r.kind == "reminder"]
    assert [(r.label, r.groups) for r in lent] == [
        ("drank", (frozenset({"downed", "chugged"}), frozenset({"water", "bottle"})))
    ]
    reading = load_matcher(tmp_path).read("chugged a bottle")
    assert reading.labels("reminder") == ("drank",) and reading.labels("intent") == ("drank",)


def test_rules_from_a_label_without_rules_is_refused(tmp_path: Path) -> None:
    where = _write(
        tmp_path,
        "reminder.yaml",
        "kind: reminder\nlabels:\n  drank:\n    rules_from: intent drank\n",
    )
    with pytest.raises(ContentError) as e:
        load_lexicon(tmp_path)
    assert f"{where}: label 'drank': rules_from: 'intent drank' names no label" in str(e.value)


def test_alone_phrases_count_only_as_the_whole_message(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "intent.yaml",
        "kind: intent\nlabels:\n  drank:\n    phrases: [drank]\n"
        '    alone: [gatorade, "💧 water"]\n',
    )
    matcher = load_matcher(tmp_path)
    assert matcher.read("Gatorade").labels("intent") == ("drank",)
    assert matcher.read("💧 water").labels("intent") == ("drank",)
    assert matcher.read("gatorade?").labels("intent") == ()  # a question asks
    assert matcher.read("a cramp after my gatorade").labels("intent") == ()


def test_a_label_no_phrase_expresses_is_marked_learned(tmp_path: Path) -> None:
    _write(tmp_path, "red_flag.yaml", "kind: red_flag\nlabels:\n  described:\n    learned: true\n")
    assert "described" in load_lexicon(tmp_path).display["red_flag"]


def _refused(tmp_path: Path, name: str, text: str) -> tuple[str, str]:
    """Where the file `name` holding `text` was written, and what loading it said."""
    where = _write(tmp_path, name, text)
    with pytest.raises(ContentError) as e:
        load_matcher(tmp_path)
    return where, str(e.value)


def test_alone_must_be_a_list(tmp_path: Path) -> None:
    text = "kind: intent\nlabels:\n  drank:\n    phrases: [x]\n    alone: 5\n"
    where, said = _refused(tmp_path, "intent.yaml", text)
    assert f"{where}: label 'drank': `alone:` must be a list" in said


def test_an_alone_phrase_listed_twice_is_named(tmp_path: Path) -> None:
    text = (
        "kind: intent\nlabels:\n  drank:\n    phrases: [x]\n    alone: [water]\n"
        "  ok:\n    phrases: [ok]\n    alone: [Water]\n"
    )
    where, said = _refused(tmp_path, "intent.yaml", text)
    assert f"{where}: label 'ok': alone 'Water' is listed already (under intent drank)" in said


def test_asked_phrases_are_marked_and_may_stand_alone(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "severity.yaml",
        "kind: severity\nlabels:\n  mild:\n    phrases: [mild]\n    asked: [a bit]\n"
        '  severe:\n    asked: [brutal, "😭"]\n',
    )
    matcher = load_matcher(tmp_path)
    assert [(m.label, m.asked) for m in matcher.read("mild").matches] == [("mild", False)]
    assert [(m.label, m.asked) for m in matcher.read("a bit").matches] == [("mild", True)]
    assert [(m.label, m.asked) for m in matcher.read("😭").matches] == [("severe", True)]


def test_a_phrase_both_asked_and_not_is_named(tmp_path: Path) -> None:
    text = "kind: severity\nlabels:\n  mild:\n    phrases: [mild, a bit]\n    asked: [a bit]\n"
    where, said = _refused(tmp_path, "severity.yaml", text)
    assert f"{where}: label 'mild': phrase 'a bit' is under both `phrases:` and `asked:`" in said


def test_asked_must_be_a_list(tmp_path: Path) -> None:
    text = "kind: severity\nlabels:\n  mild:\n    asked: bit\n"
    where, said = _refused(tmp_path, "severity.yaml", text)
    assert f"{where}: label 'mild': `asked:` must be a list" in said
