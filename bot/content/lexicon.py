"""data/lexicon/<language>/*.yaml -> a checked Lexicon value -> a Matcher.

    load_matcher(folder)  -> Matcher   what every start-up and `python -m bot check` call
    load_lexicon(folder)  -> Lexicon   the plain value, for benchmarks and tests

`folder` is one language's lexicon folder (data/lexicon/en). Each file holds one kind
(`kind:`, `labels:`, and for durations `units:`, `amounts:`, `approximate:`), or the plain
words and phrases (plain_words.yaml), or how the language says "not" (negation.yaml: negators,
breaks, hedges, reversers, answers, past); the comment at the top of each file explains it.
A folder may hold a single file (only red_flag.yaml, for a language the bot reads warning signs in).
Every problem in every file is collected and raised together as one ContentError, each
naming the file, the label and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bot.content.word_lists import (
    NEGATION_KEYS,
    Problems,
    load_negation,
    load_units,
    number_of,
    rule_groups,
    text_of,
)
from bot.content.yamlfile import load_yaml
from bot.core.lexicon import Entry, Lexicon, Negation, Together
from bot.core.matcher import Matcher
from bot.core.reading import phrase_key, token_pattern, tokenize
from bot.errors import ContentError, did_you_mean

__all__ = ["load_lexicon", "load_lexicons", "load_matcher"]

_PLAIN_WORDS_KEY = "plain_words"
_PLAIN_PHRASES_KEY = "plain_phrases"
_KIND_KEYS = frozenset({"kind", "labels", "units", "amounts", "approximate"})
_LABEL_KEYS = frozenset(
    {
        "display",
        "plural",
        "phrases",
        "from",
        "together",
        "anywhere",
        "rules_from",
        "phrases_from",
        "learned",
        "alone",
        "asked",
    }
)


def load_matcher(folder: Path) -> Matcher:
    """Read the lexicon of one language (data/lexicon/<language>/*.yaml) into a Matcher.

    Raises ContentError listing every problem, each naming the file, the label and the fix.
    """
    return Matcher(load_lexicon(folder))


def load_lexicons(root: Path, codes: Iterable[str]) -> tuple[dict[str, Lexicon], list[str]]:
    """The lexicon of each language `codes` names under `root`, each read once, and every
    problem of those that could not be read (the others are still returned)."""
    lexicons: dict[str, Lexicon] = {}
    problems: list[str] = []
    for code in codes:
        try:
            lexicons[code] = load_lexicon(root / code)
        except ContentError as exc:
            problems.extend(exc.problems)
    return lexicons, problems


def load_lexicon(folder: Path) -> Lexicon:
    problems = Problems()
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        raise ContentError(
            f"{folder.as_posix()}: no lexicon files (*.yaml) found. "
            "Run the bot from the project folder, or point it at the folder holding lexicon/."
        )
    docs: list[tuple[str, dict[str, Any]]] = []
    for path in files:
        where = path.as_posix()
        try:
            doc = load_yaml(path)
        except ContentError as e:
            problems.items.extend(e.problems)
            continue
        if doc is None:
            problems.add(where, "is empty. Write `kind:` and `labels:`, or delete the file.")
        elif not isinstance(doc, dict):
            problems.add(where, "must be a mapping with `kind:` and `labels:` at the top.")
        else:
            docs.append((where, doc))

    # Symbols such as 👍 are tokens only if some phrase uses them.
    symbols: set[str] = set()
    for _, doc in docs:
        for label_doc in (
            (doc.get("labels") or {}).values() if isinstance(doc.get("labels"), dict) else ()
        ):
            for key in ("phrases", "alone", "asked"):
                listed = label_doc.get(key) if isinstance(label_doc, dict) else None
                for p in listed if isinstance(listed, list) else ():
                    if isinstance(p, str):
                        symbols.update(ch for ch in p if not (ch.isalnum() or ch in " '-_"))
    symbols -= set(",.;!?/\n")
    pattern = token_pattern(symbols)

    phrases: dict[tuple[str, ...], list[Entry]] = {}
    alone: dict[tuple[str, ...], Entry] = {}  # `alone:` phrases: a whole message only
    owner: dict[tuple[str, str], tuple[str, str]] = {}  # (kind, phrase) -> (file, label)
    display: dict[str, dict[str, str]] = {}
    plural: set[tuple[str, str]] = set()  # (kind, label) whose display name is plural
    ranges: dict[str, tuple[tuple[float, str], ...]] = {}
    units: dict[str, float] = {}
    amounts: dict[str, float] = {}
    plain: set[str] = set()
    together: list[Together] = []
    negation = Negation()

    def lend(where: str, kind: str, label: str, source: str) -> list[Together]:
        """`rules_from: <kind> <label>`: that label's together: and anywhere: rules, as
        this label's, so that they are written once. The files are read in name order:
        the label lent from is in a file read before (intent.yaml before reminder.yaml)."""
        of_kind, _, of_label = source.partition(" ")
        lent = [r for r in together if (r.kind, r.label) == (of_kind, of_label)]
        if not lent:
            problems.add(
                where,
                f"label '{label}': rules_from: {source!r} names no label with together: or "
                "anywhere: rules in a file read before this one (files are read in name "
                "order). Write it as `rules_from: <kind> <label>`, like "
                "`rules_from: intent drank`.",
            )
        return [r._replace(kind=kind, label=label) for r in lent]

    said: dict[tuple[str, str], list[str]] = {}  # (kind, label) -> its phrases, as written

    def borrow(where: str, label: str, sources: Any) -> list[str]:
        """`phrases_from: [<kind> <label>, ...]`: those labels' phrases, as this label's
        too, so that they are written once ("thanks", "ok" and "bye" are small talk at the
        menu: topic.yaml `chat`). The files are read in name order: a label lent from is
        in a file read before."""
        names = sources if isinstance(sources, list) else [sources]
        lent: list[str] = []
        for source in names:
            of_kind, _, of_label = str(source).partition(" ")
            found = said.get((of_kind, of_label))
            if found is None:
                problems.add(
                    where,
                    f"label '{label}': phrases_from: {source!r} names no label with phrases "
                    "in a file read before this one (files are read in name order). Write "
                    "it as `phrases_from: [<kind> <label>]`, like `phrases_from: [intent ok]`.",
                )
                continue
            lent.extend(found)
        return lent

    def phrase_list_of(
        where: str, label: str, label_doc: dict[str, Any], key: str, example: str
    ) -> list[str]:
        """A label's list of phrases under `key` (`alone:`, `asked:`), or [] with a problem
        said when it is not a list of text."""
        listed = label_doc.get(key) or []
        if isinstance(listed, list) and all(isinstance(p, str) for p in listed):
            return listed
        problems.add(
            where,
            f"label '{label}': `{key}:` must be a list of phrases in quotes, like "
            f"`{key}: {example}`.",
        )
        return []

    def add_phrase(
        where: str, kind: str, label: str, text: str, minutes: float | None, asked: bool = False
    ) -> None:
        said.setdefault((kind, label), []).append(text)
        key = phrase_key(text, pattern)
        if not key:
            problems.add(
                where, f"label '{label}': phrase {text!r} has no letters or numbers. Remove it."
            )
            return
        previous = owner.get((kind, " ".join(key)))
        if previous is not None and previous[1] != label:
            problems.add(
                where,
                f"label '{label}': phrase {text!r} is also under label '{previous[1]}' "
                f"in {previous[0]}. Keep it under one label only.",
            )
            return
        if previous is not None:
            if any(e.kind == kind and e.asked != asked for e in phrases[key]):
                problems.add(
                    where,
                    f"label '{label}': phrase {text!r} is under both `phrases:` and `asked:`. "
                    "Keep it under one of them.",
                )
            return  # listed twice under the same label: harmless
        owner[(kind, " ".join(key))] = (where, label)
        phrases.setdefault(key, []).append(Entry(kind, label, minutes, asked))

    for where, doc in docs:
        if any(key in doc for key in NEGATION_KEYS):
            negation = load_negation(where, doc, pattern, phrases, problems)
            continue
        if _PLAIN_WORDS_KEY in doc or _PLAIN_PHRASES_KEY in doc:
            extra = set(doc) - {_PLAIN_WORDS_KEY, _PLAIN_PHRASES_KEY}
            if extra:
                problems.add(
                    where,
                    "a plain-words file holds only `plain_words:` and `plain_phrases:`; "
                    f"remove {sorted(map(str, extra))}.",
                )
            plain_phrases = doc.get(_PLAIN_PHRASES_KEY) or []
            if not isinstance(plain_phrases, list):
                problems.add(
                    where, "`plain_phrases:` must be a list, like [chest press, cant feel]."
                )
                plain_phrases = []
            for phrase in plain_phrases:
                t = text_of(phrase)
                plain_key = phrase_key(t, pattern) if t is not None else ()
                if not plain_key:
                    problems.add(where, f"plain phrase {phrase!r} must be text with words.")
                else:
                    phrases.setdefault(plain_key, [])
            words = doc.get(_PLAIN_WORDS_KEY) or []
            if not isinstance(words, list):
                problems.add(where, "`plain_words:` must be a list, like [call, crap, more].")
                continue
            for w in words:
                t = text_of(w)
                if t is None:
                    problems.add(where, f"plain word {w!r} must be text. Put it in quotes.")
                else:
                    plain.update(tokenize(t))
            continue

        for top in doc:
            if top not in _KIND_KEYS:
                problems.add(
                    where,
                    f"unknown key '{top}'.{did_you_mean(str(top), _KIND_KEYS)} "
                    f"Allowed at the top: {', '.join(sorted(_KIND_KEYS))}.",
                )
        kind = text_of(doc.get("kind"))
        if kind is None or not re.fullmatch(r"[a-z][a-z0-9_]*", kind):
            problems.add(
                where,
                "needs `kind:` with a lower-case name such as `kind: body_part` "
                "(letters, digits and _).",
            )
            continue
        if kind in display:
            problems.add(where, f"kind '{kind}' is already defined in another file. Merge them.")
            continue
        labels = doc.get("labels")
        if not isinstance(labels, dict) or not labels:
            problems.add(
                where,
                f"kind '{kind}' needs `labels:` with at least one label, each with "
                "`phrases:` (a list of words people type).",
            )
            continue
        computed = "units" in doc  # durations: amounts are computed, phrases are optional
        display[kind] = {}
        kind_ranges: list[tuple[float, str]] = []
        for raw_label, label_doc in labels.items():
            label = text_of(raw_label)
            if label is None:
                problems.add(
                    where,
                    f"label {raw_label!r} must be text. Put it in quotes.",
                )
                continue
            if label_doc is None:
                label_doc = {}
            if not isinstance(label_doc, dict):
                problems.add(
                    where,
                    f"label '{label}' must hold `display:` and `phrases:`, each on its own "
                    "indented line.",
                )
                continue
            for key in label_doc:
                if key not in _LABEL_KEYS:
                    problems.add(
                        where,
                        f"label '{label}': unknown key '{key}'."
                        f"{did_you_mean(str(key), _LABEL_KEYS)} "
                        f"Allowed: {', '.join(sorted(_LABEL_KEYS))}.",
                    )
            shown = label_doc.get("display", label.replace("_", " "))
            shown_text = text_of(shown)
            if shown_text is None or not shown_text.strip():
                problems.add(where, f"label '{label}': `display:` must be text. Quote it.")
                shown_text = label.replace("_", " ")
            display[kind][label] = shown_text
            number = label_doc.get("plural", False)
            if not isinstance(number, bool):
                problems.add(
                    where,
                    f"label '{label}': `plural:` must be true or false (true when "
                    f"{shown_text!r} is a plural, like toes), not {number!r}.",
                )
            elif number:
                plural.add((kind, label))
            if "from" in label_doc:
                low = number_of(label_doc["from"])
                if low is None:
                    problems.add(
                        where,
                        f"label '{label}': `from:` must be a number, like `from: 4`.",
                    )
                else:
                    kind_ranges.append((low, label))
            rules: list[Any] = []
            for key in ("together", "anywhere"):
                key_rules = label_doc.get(key) or []
                if not isinstance(key_rules, list):
                    problems.add(
                        where,
                        f"label '{label}': `{key}:` must be a list, like "
                        f"`{key}: [face + droop drooping]`.",
                    )
                    continue
                rules.extend(key_rules)
                for rule in key_rules:
                    groups = rule_groups(text_of(rule))
                    if groups is None:
                        problems.add(
                            where,
                            f"label '{label}': {key} rule {rule!r} needs two or more word "
                            "lists joined by +, like `pee urine + dark brown` (a list may "
                            "hold a number threshold such as >=5).",
                        )
                        continue
                    together.append(Together(kind, label, groups, key == "anywhere"))
            source = label_doc.get("rules_from")
            if source is not None:
                together.extend(lend(where, kind, label, str(source)))
            for whole_message in phrase_list_of(where, label, label_doc, "alone", '[water, "💧"]'):
                tokens = phrase_key(whole_message, pattern)
                if tokens in alone:
                    problems.add(
                        where,
                        f"label '{label}': alone {whole_message!r} is listed already (under "
                        f"{alone[tokens].kind} {alone[tokens].label}). Keep it once.",
                    )
                elif tokens:
                    alone[tokens] = Entry(kind, label)
                else:
                    problems.add(
                        where,
                        f"label '{label}': alone {whole_message!r} has no letters or symbols.",
                    )
            asked = phrase_list_of(where, label, label_doc, "asked", '["a bit", "mid"]')
            for answer_only in asked:
                add_phrase(where, kind, label, answer_only, None, asked=True)
            phrase_list = label_doc.get("phrases")
            lent = label_doc.get("phrases_from")
            if lent is not None:
                for borrowed in borrow(where, label, lent):
                    add_phrase(where, kind, label, borrowed, None)
            if phrase_list is None or phrase_list == []:
                if (
                    not asked
                    and not computed
                    and not rules
                    and source is None
                    and lent is None
                    and "from" not in label_doc
                    and label_doc.get("learned") is not True
                ):
                    problems.add(
                        where,
                        f"label '{label}' has no phrases. Add a list under phrases:, "
                        f"like `phrases: [{label.replace('_', ' ')}]`.",
                    )
                continue
            if not isinstance(phrase_list, list):
                problems.add(
                    where,
                    f"label '{label}': `phrases:` must be a list, like "
                    f"`phrases: [{label.replace('_', ' ')}, another way to say it]`.",
                )
                continue
            for p in phrase_list:
                text = text_of(p)
                if text is None:
                    problems.add(
                        where,
                        f"label '{label}': phrase {p!r} must be text. Put it in quotes "
                        "(YAML reads true and false without quotes as booleans).",
                    )
                    continue
                add_phrase(where, kind, label, text, None)
        if kind_ranges:
            kind_ranges.sort()
            lows = [low for low, _ in kind_ranges]
            if len(set(lows)) != len(lows):
                problems.add(where, f"kind '{kind}': two labels have the same `from:` number.")
            ranges[kind] = tuple(kind_ranges)

        if computed:
            load_units(where, doc, units, amounts, problems)
        approx = doc.get("approximate")
        if approx is not None:
            if not isinstance(approx, dict):
                problems.add(where, "`approximate:` must map phrases to minutes: `all day: 480`.")
            elif not kind_ranges:
                problems.add(
                    where, "`approximate:` needs labels with `from:` minutes to sort them into."
                )
            else:
                for phrase, minutes in approx.items():
                    m = number_of(minutes)
                    text = text_of(phrase)
                    if m is None or text is None or m < 0:
                        problems.add(
                            where,
                            f"approximate {phrase!r}: give a phrase and a number of minutes, "
                            "like `since last night: 720`.",
                        )
                        continue
                    label = next((lb for low, lb in reversed(kind_ranges) if m >= low), None)
                    if label is None:
                        problems.add(where, f"approximate {phrase!r}: {m} is below every label.")
                        continue
                    add_phrase(where, kind, label, text, m)
        elif "amounts" in doc and not computed:
            problems.add(where, "`amounts:` only works together with `units:`.")

    if problems.items:
        raise ContentError(problems.items)
    return Lexicon(
        phrases={k: tuple(v) for k, v in phrases.items()},
        display=display,
        ranges=ranges,
        units=units,
        amounts=amounts,
        plain_words=frozenset(plain),
        symbols=frozenset(symbols),
        together=tuple(together),
        negation=negation,
        plural=frozenset(plural),
        alone=alone,
    )
