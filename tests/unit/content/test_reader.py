"""The learned reader of warning signs: its model file (bot/content/reader.py), its
scoring (bot/core/reader.py) and what the engine does with what it hears."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.content.reader import (
    READER_FILE,
    corpus,
    digest,
    load_model,
    load_reader,
    reader_of,
    settings,
)
from bot.core import reader as reader_module
from bot.core.engine import Turn
from bot.core.reader import Reader, word_grams
from bot.core.triage import DESCRIBED
from bot.errors import ContentError
from tests.helpers.engine import full_turn
from tests.helpers.shipped import shipped_library

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / "data" / READER_FILE


@pytest.fixture(scope="module")
def shipped() -> Reader:
    return load_reader(MODEL)


def test_the_model_was_trained_on_the_current_corpus() -> None:
    """The corpus changed (a message in tests/data/safety/dev.yaml, a phrase of an answer
    kind...) since data/reader.json was written: train it again with
    `python -m bot train-reader` (pip install -e '.[train]' first)."""
    model = load_model(MODEL)
    examples = corpus(ROOT)
    assert model["messages"] == len(examples)
    assert model["trained_on"] == digest(examples), (
        "data/reader.json is stale: run python -m bot train-reader"
    )


def test_the_model_holds_the_settings_of_the_code() -> None:
    model = load_model(MODEL)
    assert {key: model[key] for key in settings()} == settings()


def test_no_message_of_the_corpus_has_two_labels() -> None:
    labels: dict[str, tuple[bool, bool]] = {}
    for example in corpus(ROOT):
        said = (example.emergency, example.today)
        assert labels.setdefault(example.text, said) == said, example.text


def test_the_reader_scores_as_scikit_learn_did(shipped: Reader) -> None:
    """The probes hold the probabilities scikit-learn gave at training time."""
    probes = load_model(MODEL)["probes"]
    assert len(probes) >= 5
    for text, emergency, today in probes:
        assert shipped.probabilities(text) == pytest.approx((emergency, today), abs=1e-4)


def test_n_grams_are_those_of_scikit_learns_char_wb() -> None:
    assert word_grams("leg", (3, 4)) == [" le", "leg", "eg ", " leg", "leg "]
    assert word_grams("a", (3, 4)) == [" a "]  # shorter than 3: itself, padded, once
    assert word_grams("ab", (3, 4)) == [" ab", "ab ", " ab "]


def test_what_it_hears(shipped: Reader) -> None:
    heard = shipped.hears("my legs went all white and icy and i cant feel my feet after the race")
    assert heard.emergency and heard.today
    calm = shipped.hears("calf cramped near the end of my long run, stretched it and it eased")
    assert not calm.emergency and not calm.today
    assert (
        shipped.hears("no chest pain or anything like that, just my hamstring").emergency is False
    )


def test_short_messages_are_left_to_the_lexicon(shipped: Reader) -> None:
    """Five words or fewer give too few n-grams to judge ("i feel sick", "like a 6")."""
    assert shipped.probabilities("i feel strange and unwell")[0] > 0.8
    assert not shipped.hears("i feel strange and unwell").emergency


def test_words_kept_are_bounded(shipped: Reader, monkeypatch: pytest.MonkeyPatch) -> None:
    model = load_model(MODEL)
    fresh = reader_of(model)
    monkeypatch.setattr(reader_module, "WORDS_KEPT", 3)
    before = fresh.probabilities("one two three four five six seven")
    assert len(fresh._words) <= 3
    assert fresh.probabilities("one two three four five six seven") == before


def test_a_message_of_no_known_n_gram_scores_the_intercepts(shipped: Reader) -> None:
    emergency, today = shipped.probabilities("")
    assert 0 < emergency < 1 and 0 < today < 1


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "missing"),
        ("{not json", "cannot be read"),
        ("[]", "must be a JSON object"),
        (
            '{"grams": {}, "intercepts": [0, 0], "threshold": 0.8, "min_words": 6, '
            '"sizes": [3, 4]}',
            "`grams` must map",
        ),
        (
            '{"grams": {"abc": [1, 2]}, "intercepts": [0], "threshold": 2.0, "min_words": 0, '
            '"sizes": [4, 3]}',
            "`intercepts` must be two numbers",
        ),
    ],
)
def test_a_broken_model_file_names_the_file_and_the_fix(
    tmp_path: Path, content: str | None, said: str
) -> None:
    path = tmp_path / READER_FILE
    if content is not None:
        path.write_text(content)
    with pytest.raises(ContentError) as caught:
        load_reader(path)
    message = str(caught.value)
    assert said in message
    assert path.as_posix() in message
    assert "python -m bot train-reader" in message


def test_every_problem_of_a_model_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / READER_FILE
    path.write_text(
        json.dumps(
            {
                "grams": {"abc": [1, 2]},
                "intercepts": [0],
                "threshold": 2.0,
                "min_words": 0,
                "sizes": [4, 3],
            }
        )
    )
    with pytest.raises(ContentError) as caught:
        load_reader(path)
    assert len(caught.value.problems) == 7  # threshold_today and _strict missing too


def _step(text: str) -> Turn:
    """A first message, as the service reads it."""
    return full_turn(text, shipped_library().content().dialogue.start)


def test_the_engine_escalates_what_only_the_reader_heard() -> None:
    turn = _step("my legs went all white and icy and i cant feel my feet after the race")
    assert turn.red_flags == (DESCRIBED,)
    said = " ".join(reply.text for reply in turn.replies)
    assert "signs I can't name exactly" in said
    assert "more than an ordinary cramp" in said
    assert "emergency number" in said


def test_a_sign_the_lexicon_names_is_named() -> None:
    """The reader is asked only where no lexicon found a sign."""
    turn = _step("my chest feels tight and heavy since the end of my run")
    assert turn.red_flags == ("chest_pain",)


@pytest.mark.parametrize(
    "text",
    [
        "no chest pain or shortness of breath",
        "I am not having any pain in the chest, only the leg is doing cramp",
        "i had chest pain last year but this is just my leg",
        "my breathing is fine and no chest pain, its only the leg that hurts",
    ],
)
def test_a_denied_sign_is_not_escalated_by_the_reader(text: str) -> None:
    """The n-grams of a denied sign are those of the sign: where a lexicon read the sign as
    denied, the reader must be surer (threshold_strict)."""
    assert _step(text).red_flags == ()


def test_a_sign_a_denial_hid_is_still_heard() -> None:
    text = "never had chest pain in my life but after spin its crushing and i feel sick"
    assert _step(text).red_flags == (DESCRIBED,)


@pytest.mark.parametrize(
    "text",
    [
        "can i mix paracetamol and ibuprofen for the pain",
        "took 1 paracetamol an hour ago, can i add an ibuprofen?",
        "calf cramped on the last lap, stretched it and it eased",
        "it was really hot and we were out for ages",
        "sipping a sports drink now, feels a bit better",
        "first run back in months and the hamstring went",
        "pins and needles in my foot after sitting on it too long",
    ],
)
def test_everyday_messages_of_six_words_or_more_are_not_escalated(text: str) -> None:
    turn = _step(text)
    assert turn.red_flags == () and turn.urgent == ()


def test_commands_are_not_read() -> None:
    assert _step("/start my legs went all white and icy and i cant feel").red_flags == ()


def test_what_only_the_reader_heard_as_urgent_is_told_to_get_seen_today() -> None:
    """A reader that hears "zz" as a sign for a doctor today, not an emergency."""
    reader = Reader({" zz": (1.0, -10.0, 10.0)}, (0.0, 0.0), threshold=0.8, min_words=1)
    turn = full_turn("zz", shipped_library().content().dialogue.start, reader=reader)
    assert turn.red_flags == ()
    assert turn.urgent == (DESCRIBED,)
    said = " ".join(reply.text for reply in turn.replies)
    assert "get seen today, because of what you describe" in said
    assert "can't place it exactly" in said
