"""Warning signs in every language -> one Matcher, read on every message (Content.alarms).

    load_alarms(lexicon_root)  -> Matcher   data/lexicon/*/red_flag.yaml, merged
    alarms_of(lexicons, root)  -> Matcher   the same, from lexicons already read
    alarm_languages(root)      -> ("ar", "de", "en", ...)  the languages it covers

Each language folder under data/lexicon/ that holds a `red_flag.yaml` adds its warning
signs, with the labels of data/lexicon/en/red_flag.yaml (chest_pain, breathing, ...), so
that engine.step(alarms=...) escalates "me duele el pecho" whatever the person's own
language. A folder's urgent.yaml (signs that need a doctor today) and who.yaml (the
message is about someone else) join the same way.
English takes part too: one read finds a sign in any language. Of a folder's other
kinds (the English body parts, durations...) only the words are kept, never corrected
into a warning word, and the phrases of several words, which hide the warning words
inside them ("chest day" is a workout).

To add a language: write data/lexicon/<code>/red_flag.yaml (copy the Spanish one and
translate; the top comment explains the format) and its entry in data/languages.yaml.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.content.lexicon import load_lexicons
from bot.core.lexicon import Entry, Lexicon, Negation, Together
from bot.core.matcher import Matcher
from bot.core.triage import RED_FLAGS, URGENT
from bot.errors import ContentError, did_you_mean

__all__ = [
    "ALARM_FILE",
    "ALARM_KIND",
    "alarm_languages",
    "alarms_of",
    "load_alarms",
    "merge_alarms",
]

ALARM_FILE = "red_flag.yaml"
ALARM_KIND = "red_flag"
#: What the alarms matcher reads: emergency signs, and signs that need a doctor today.
ALARM_KINDS = (ALARM_KIND, "urgent", "who")  # who: a bystander is told about CPR
ENGLISH = "en"
#: The merged matcher corrects typos from five letters: see bot.core.matcher.SHORTEST_TYPO.
ALARM_SHORTEST_TYPO = 5


def alarm_languages(lexicon_root: Path) -> tuple[str, ...]:
    """The language codes whose folder under `lexicon_root` holds warning signs."""
    if not lexicon_root.is_dir():
        return ()
    return tuple(sorted(p.name for p in lexicon_root.iterdir() if (p / ALARM_FILE).is_file()))


def load_alarms(lexicon_root: Path) -> Matcher:
    """One Matcher over the warning signs of every language under `lexicon_root`.

    Raises ContentError listing every problem of every file, or when English is missing.
    """
    lexicons, problems = load_lexicons(lexicon_root, alarm_languages(lexicon_root))
    if problems:
        raise ContentError(problems)
    return alarms_of(lexicons, lexicon_root)


def alarms_of(lexicons: Mapping[str, Lexicon], lexicon_root: Path) -> Matcher:
    """The alarms matcher from the lexicons, already read, of the languages that hold warning
    signs (load_library reads each language once, for its own matcher and for this).

    Raises ContentError when English is missing or a language names a sign English lacks.
    """
    if ENGLISH not in lexicons:
        raise ContentError(
            f"{(lexicon_root / ENGLISH / ALARM_FILE).as_posix()}: missing. The warning signs "
            "in English are the reference every other language follows."
        )
    codes = sorted(lexicons)  # "en" sorts among the others; its display wins below
    english = lexicons[ENGLISH]
    labels = set(RED_FLAGS) | set(english.display.get(ALARM_KIND, {}))
    urgent = set(URGENT) | set(english.display.get("urgent", {}))
    problems: list[str] = []
    for code in codes:
        lexicon = lexicons[code]
        for kind, known, file in (
            (ALARM_KIND, labels, ALARM_FILE),
            ("urgent", urgent, "urgent.yaml"),
        ):
            where = (lexicon_root / code / file).as_posix()
            for label in sorted(set(lexicon.display.get(kind, {})) - known):
                problems.append(
                    f"{where}: label '{label}' is not a {kind} sign."
                    f"{did_you_mean(label, known)} Use one of: {', '.join(sorted(known))}."
                )
    if problems:
        raise ContentError(problems)
    others = (lexicons[code] for code in codes if code != ENGLISH)
    return Matcher(merge_alarms([english, *others]), shortest_typo=ALARM_SHORTEST_TYPO)


def merge_alarms(lexicons: Iterable[Lexicon]) -> Lexicon:
    """The warning signs (kinds red_flag and urgent) of several languages as one Lexicon.

    Every language's ways of saying "not" (negation.yaml) count in every message.
    Phrases of other kinds of several words become plain phrases, and all their words
    plain words: they hide the warning words inside them ("chest day") and are never
    corrected into one.
    The first lexicon's display names win.
    """
    phrases: dict[tuple[str, ...], list[Entry]] = {}
    display: dict[str, dict[str, str]] = {kind: {} for kind in ALARM_KINDS}
    plain: set[str] = set()
    symbols: set[str] = set()
    together: list[Together] = []
    negations: list[Negation] = []
    for lexicon in lexicons:
        negations.append(lexicon.negation)
        for key, entries in lexicon.phrases.items():
            kept = [e for e in entries if e.kind in ALARM_KINDS]
            if entries and not kept:
                # Read as in the language's own matcher, meaning nothing here: "chest day"
                # (a workout) hides "chest", "seized up" is never a typo of "seizure".
                # A single word stays free for the rules of other languages ("cramp"
                # + "3 ghante" + "nahi" in Hinglish).
                plain.update(key)
                if len(key) > 1:
                    phrases.setdefault(key, [])
                continue
            merged = phrases.setdefault(key, [])
            merged.extend(e for e in kept if e not in merged)
        for kind in ALARM_KINDS:
            for label, shown in lexicon.display.get(kind, {}).items():
                display[kind].setdefault(label, shown)
        plain |= lexicon.plain_words
        symbols |= lexicon.symbols
        together.extend(t for t in lexicon.together if t.kind in ALARM_KINDS)
    return Lexicon(
        phrases={k: tuple(v) for k, v in phrases.items()},
        display=display,
        ranges={},
        units={},
        amounts={},
        plain_words=frozenset(plain),
        symbols=frozenset(symbols),
        together=tuple(together),
        negation=Negation(
            negators=frozenset().union(*(n.negators for n in negations)),
            breaks=frozenset().union(*(n.breaks for n in negations)),
            and_words=frozenset().union(*(n.and_words for n in negations)),
            new_clause=frozenset().union(*(n.new_clause for n in negations)),
            reversers=tuple(dict.fromkeys(r for n in negations for r in n.reversers)),
            hedges=frozenset().union(*(n.hedges for n in negations)),
            answers=frozenset().union(*(n.answers for n in negations)),
            past=tuple(dict.fromkeys(p for n in negations for p in n.past)),
            denies_after=tuple(dict.fromkeys(p for n in negations for p in n.denies_after)),
            denies_before=tuple(dict.fromkeys(p for n in negations for p in n.denies_before)),
            retracts=tuple(dict.fromkeys(p for n in negations for p in n.retracts)),
            jokes=frozenset().union(*(n.jokes for n in negations)),
            pleas=tuple(dict.fromkeys(p for n in negations for p in n.pleas)),
            asks=tuple(dict.fromkeys(p for n in negations for p in n.asks)),
        ),
    )
