"""`check` refuses a `{...}` that is no placeholder form the renderer knows."""

from __future__ import annotations

from bot.content.contract import check_forms, check_needs
from bot.core.machine import AdviceBlock, Dialogue, State
from bot.core.texts import Texts


def dialogue(say: str, advice: str = "ok", text: str = "ok") -> Dialogue:
    return Dialogue(
        id="t",
        start="ask",
        states={"ask": State("ask", "cramp.yaml", say=say)},
        remember={},
        intents={},
        commands={},
        red_flag="ask",
        urgent=None,
        resume=None,
        sections={"now": "Now"},
        advice=(AdviceBlock("now", advice),),
        hint="",
        slot_kinds={"muscle": "body_part"},
        texts=Texts({"recurrence_same_muscle": text}),
    )


def test_known_forms_pass() -> None:
    assert check_forms(dialogue("{muscle|Is/Are} your {muscle} cramping?")) == []


def test_each_unknown_form_is_named_with_its_place_and_the_fix() -> None:
    problems = check_forms(
        dialogue("{muscle|Is} your {muscle} cramping?", "Stretch the {muscle slowly", "{x y}")
    )
    assert len(problems) == 3
    assert problems[0].startswith("cramp.yaml: state 'ask' say: {...} holds '{muscle|Is}'")
    assert "{slot|one/several}" in problems[0] and "{muscle|is/are}" in problems[0]
    assert problems[1].startswith("advice block 1 (now) say: {...} holds '{'")
    assert problems[2].startswith("texts: 'recurrence_same_muscle': {...} holds '{x y}'")


def test_check_needs_reports_them_too() -> None:
    problems = check_needs(dialogue("{muscle|is}"), [], where="dialogues/en")
    assert problems and "holds '{muscle|is}'" in problems[0]
