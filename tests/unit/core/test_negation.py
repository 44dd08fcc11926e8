"""NegationScope: what each kind of negation word denies, and where its reach ends."""

from __future__ import annotations

from bot.core.lexicon import Negation
from bot.core.negation import NegationScope

SCOPE = NegationScope(
    Negation(
        negators=frozenset({"no", "not", "cant"}),
        breaks=frozenset({",", "but", "ma"}),
        denies_after=(("ma", "fi"), ("laughing", "so", "hard")),
        denies_before=(("agrim", "yok"), ("from", "laughing")),
    )
)


def _denied(text: str, neutral: str = "") -> set[str]:
    """The words of `text` that are denied; `neutral` names words of a phrase holding a
    negator ("cant breathe"), as the matcher marks them."""
    words = text.split()
    flags = [w in neutral.split() for w in words]
    return {w for w, d in zip(words, SCOPE.denied(words, words, flags), strict=True) if d}


def test_a_denial_after_its_noun_covers_its_clause_only() -> None:
    assert _denied("gogus agrim yok , bacak kramp") == {"gogus"}


def test_a_phrase_that_denies_what_follows_reaches_past_a_break_word_inside_it() -> None:
    assert {"wja3", "sadr"} <= _denied("la ma fi wja3 sadr , bas ejr")
    assert "ejr" not in _denied("la ma fi wja3 sadr , bas ejr")


def test_a_joke_hides_the_sign_before_or_after_it() -> None:
    assert "breathless" in _denied("breathless from laughing")
    assert {"cant", "breathe"} <= _denied("laughing so hard i cant breathe", neutral="cant breathe")


def test_a_phrase_with_its_own_negator_is_its_own_claim() -> None:
    # "no sweat and can't think straight": the "no" does not reach the second claim
    denied = _denied("no sweat and cant think straight", neutral="cant think straight")
    assert "sweat" in denied
    assert not {"cant", "think", "straight"} & denied


def test_an_arabizi_word_split_at_a_digit_holds_no_negator() -> None:
    # "lesa3ni" is read as "lesa", "3", "ni"; "ni" (Spanish "nor") must not deny what follows
    scope = NegationScope(Negation(negators=frozenset({"ni"})))
    words = ["lesa", "3", "ni", "zoori", "byetsakkar"]
    assert not any(scope.denied(words, words, [False] * len(words)))


def test_a_year_or_an_age_in_a_past_phrase_stands_for_any_such_number() -> None:
    scope = NegationScope(Negation(breaks=frozenset({","}), past=(("in", "yyyy"),)))

    def denied(text: str) -> set[str]:
        words = text.split()
        flags = scope.denied(words, words, [False] * len(words))
        return {w for w, d in zip(words, flags, strict=True) if d}

    assert "stroke" in denied("aunt had a stroke in 1998 , family history")
    assert not denied("collapsed in 2 mins")  # minutes, not a year


JOKES = NegationScope(
    Negation(
        breaks=frozenset({",", "when"}),
        retracts=(("jk",), ("not", "literally")),
        jokes=frozenset({"lol", "😂"}),
        pleas=(("help",), ("what", "do", "i", "do")),
    )
)


def _joked(text: str) -> set[str]:
    words = text.split()
    flags = JOKES.joked(words) or [False] * len(words)
    return {w for w, d in zip(words, flags, strict=True) if d}


def test_a_laugh_hides_its_sentence_back_to_a_full_stop_not_a_comma() -> None:
    assert {"fainted", "shock", "dinner"} <= _joked("fainted from shock when he cooked dinner 😂")
    assert _joked("calf cramp . im having palpitations lol") == {"im", "having", "palpitations"}


def test_a_plea_anywhere_keeps_a_nervous_laugh_from_hiding_anything() -> None:
    assert not _joked("chest crushing lol what do i do")
    assert not _joked("help cant breathe lol")


def test_a_retraction_takes_back_everything_before_it() -> None:
    assert {"blacked", "out"} <= _joked("ran so hard i blacked out . . . jk")
    assert {"collapsed"} <= _joked("legs collapsed , of laughter , not literally")
    assert not _joked("i blacked out")


def test_a_past_phrase_inside_a_longer_phrase_with_its_negator_denies_nothing() -> None:
    scope = NegationScope(Negation(negators=frozenset({"net"}), denies_before=(("net",),)))
    words = ["vozdukha", "net"]
    assert scope.denied(words, words, [False, False]) == [True, False]
    assert scope.denied(words, words, [True, True]) == [False, False]


def test_a_laugh_reaches_back_past_an_ellipsis() -> None:
    assert {"jaw", "locked"} <= _joked("my jaw is locked . . . in a permanent smile lol")


def test_a_question_about_what_a_sign_is_marks_the_word_right_after_it() -> None:
    scope = NegationScope(Negation(asks=(("whats",), ("what", "is"))))
    assert scope.asked_about(["whats", "lockjaw", "?", "saw", "it", "in", "a", "western"]) == {1}
    assert scope.asked_about(["what", "is", "rhabdo"]) == {2}
    # a sentence that ends otherwise tells, it does not ask
    assert scope.asked_about(["whats", "happening", ".", "chest", "is", "crushing"]) == frozenset()
    assert scope.asked_about(["no", "asks", "here"]) == frozenset()
