"""Which language a message is in, and what to add to a turn for a language the bot
does not speak yet.

    detect("me duele el pecho")              -> ("es", 0.99)
    language_replies(known, text, turn, ...) -> (Reply("⚠️ Esto puede ser una emergencia..."),)

Detection is py3langid (langid.py's model, numpy only, ~2 MB, ~50 µs a message),
restricted to the languages of data/languages.yaml; its model is loaded once, on the
first message that needs it. It is asked only when a turn escalated a warning sign or
when the English matcher found nothing in the message, so a turn the bot understands
costs nothing more.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping

from bot.content.languages import Language
from bot.core.model import Reply

__all__ = ["CLOSE", "CONFIDENT", "Detector", "detect", "emergency_text", "language_replies"]

#: A detection is trusted from this probability (among the languages known) on. On the
#: dev safety set every message detected at 0.9 or more was in the detected language.
CONFIDENT = 0.9
Detector = Callable[[str], tuple[str, float]]
#: Languages so close that a short message is often split between them ("судороги в
#: ногах"): the likelier one is trusted when the two together reach CONFIDENT.
CLOSE = frozenset({frozenset({"ru", "uk"})})


@functools.cache
def _identifier(languages: tuple[str, ...]) -> Detector:
    from py3langid.langid import (  # type: ignore[import-untyped]
        MODEL_DIR,
        MODEL_FILE,
        LanguageIdentifier,
    )

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))

    def classify(text: str) -> tuple[str, float]:
        ranked = identifier.rank(text)
        code, probability = str(ranked[0][0]), float(ranked[0][1])
        if len(ranked) > 1 and frozenset((code, str(ranked[1][0]))) in CLOSE:
            probability += float(ranked[1][1])  # one of the two, surely: say the likelier
        return code, probability

    return classify


def detect(text: str, languages: Collection[str] = ("en",)) -> tuple[str, float]:
    """The most likely of `languages` for `text`, with its probability among them."""
    if len(languages) < 2:
        return next(iter(languages), "en"), 1.0
    return _identifier(tuple(sorted(languages)))(text)


def emergency_text(known: Mapping[str, Language], code: str) -> str | None:
    """The emergency reply in language `code`, or None (the English one stands alone)."""
    language = known.get(code)
    return language.emergency if language is not None and language.emergency else None


def language_replies(
    known: Mapping[str, Language],
    text: str,
    *,
    spoken: Collection[str],
    escalated: bool,
    understood: bool,
    detector: Detector | None = None,
) -> tuple[Reply, ...]:
    """What to say before the turn's own replies, in the message's language.

    A warning sign read in a language the bot does not speak: the emergency reply in that
    language (the English one follows, with its steps). A message not understood, in a
    language the bot does not speak: "I understand English for now", with the numbers.
    """
    if understood and not escalated:
        return ()
    if len(text.split()) < 2 and text.isascii():
        return ()  # one Latin word ("ok", "hola") is too little to tell a language by
    code, probability = (detector or (lambda t: detect(t, tuple(known))))(text)
    if probability < CONFIDENT or code in spoken:
        return ()
    language = known.get(code)
    if language is None:
        return ()
    if escalated:
        said = emergency_text(known, code)
        return (Reply(said),) if said else ()
    return (Reply(language.english_only),) if language.english_only else ()
