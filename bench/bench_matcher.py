"""How fast the matcher reads messages.

    python -m bench.bench_matcher

Reads every message of tests/data/messages.yaml, several rounds, and prints:
  - messages/s, median of warm rounds (typo corrections already cached), and of cold rounds:
    one pass each through a Matcher freshly built from the same Lexicon value (building it
    is not timed);
  - the naive way, rapidfuzz.process.extractOne(message, all_phrases, scorer=fuzz.WRatio),
    measured in the same run, and how many times faster the matcher is;
  - the same with a lexicon ten times larger (synthetic labels and phrases added to every
    kind), and how much slower that is;
  - what the emergency check costs per message: a full read of the shipped lexicon against
    a read with only the warning signs (red_flag.yaml, negation.yaml, plain_words.yaml), as a
    language whose folder holds only its warning signs is read on every message, on these
    messages and on the English messages of tests/data/safety/dev.yaml;
  - what the learned reader (data/reader.json) adds per message, as the engine asks it
    (messages of six words or more), with its word cache warm and empty (a new Reader
    each pass: what the cache buys), and the full read plus the reader in messages/s.
Takes well under a minute on a small machine.
"""

from __future__ import annotations

import gc
import random
import shutil
import statistics
import string
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from bench.stats import rate
from bot.content.lexicon import load_lexicon
from bot.content.reader import READER_FILE, load_model, reader_of
from bot.core.lexicon import Lexicon
from bot.core.matcher import Matcher

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
MESSAGES = ROOT / "tests" / "data" / "messages.yaml"
SAFETY = ROOT / "tests" / "data" / "safety" / "dev.yaml"
ALARM_FILES = ("red_flag.yaml", "negation.yaml", "plain_words.yaml")
WARM_ROUNDS = 7
REPEAT = 20  # passes over the message set per warm round
COLD_ROUNDS = 5


def _messages() -> list[str]:
    cases = yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))
    return [str(c["text"]) for c in cases]


def _measure(lexicon: Lexicon, messages: Sequence[str]) -> tuple[float, float]:
    """(median cold rate, median warm rate) in messages per second.

    A cold round is one pass through a new Matcher (its typo cache empty); building the
    Matcher is not timed. Warm rounds then reuse the last one.
    """
    cold = []
    for _ in range(COLD_ROUNDS):
        matcher = Matcher(lexicon)
        gc.collect()  # the garbage of building it is not the reading's to collect
        cold.append(rate(matcher.read, messages))
    warm = [rate(matcher.read, messages, REPEAT) for _ in range(WARM_ROUNDS)]
    return statistics.median(cold), statistics.median(warm)


def _phrases(lexicon: Lexicon) -> list[str]:
    """Every distinct phrase of every kind, as the matcher reads it (lower case, no marks)."""
    return [" ".join(key) for key in lexicon.phrases]


def _naive_rate(phrases: Sequence[str], messages: Sequence[str]) -> float:
    choices = list(phrases)

    def read(text: str) -> object:
        return process.extractOne(text, choices, scorer=fuzz.WRatio)

    return statistics.median(rate(read, messages) for _ in range(3))


def _pseudo_word(rng: random.Random) -> str:
    consonants = "bcdfghjklmnprstvwz"
    vowels = "aeiou"
    size = rng.randint(2, 4)
    return "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(size)) + rng.choice(
        string.ascii_lowercase
    )


def _bigger_lexicon(target: Path, factor: int) -> int:
    """Copy the lexicon into `target`/lexicon with (factor - 1) x more synthetic phrases."""
    rng = random.Random(7)
    folder = target / "lexicon"
    shutil.copytree(DATA / "lexicon" / "en", folder)
    added = 0
    docs = {
        path: yaml.safe_load(path.read_text(encoding="utf-8")) for path in folder.glob("*.yaml")
    }
    # A pseudo-word can spell a real one ("la" + "te" + "r"): never add a shipped phrase.
    seen: set[str] = {
        str(phrase)
        for doc in docs.values()
        if isinstance(doc, dict) and isinstance(doc.get("labels"), dict)
        for entry in doc["labels"].values()
        if isinstance(entry, dict)
        for phrase in entry.get("phrases") or []
    }
    for path in sorted(docs):
        doc = docs[path]
        labels = doc.get("labels") if isinstance(doc, dict) else None
        if not labels or "units" in doc:
            continue
        count = sum(len(v.get("phrases") or []) for v in labels.values())
        wanted = count * (factor - 1)
        for n in range(wanted // 5 + 1):
            phrases: list[str] = []
            while len(phrases) < 5:
                phrase = " ".join(_pseudo_word(rng) for _ in range(rng.randint(1, 3)))
                if phrase not in seen:
                    seen.add(phrase)
                    phrases.append(phrase)
            labels[f"synthetic_{n}"] = {"display": f"synthetic {n}", "phrases": phrases}
            added += len(phrases)
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return added


def _safety_messages() -> list[str]:
    if not SAFETY.is_file():
        return []
    cases = yaml.safe_load(SAFETY.read_text(encoding="utf-8"))
    return [str(c["text"]) for c in cases if c.get("lang", "en") == "en"]


def _alarm_lexicon(target: Path) -> Lexicon:
    """Only the warning signs of the shipped language, as an alarms-only folder holds."""
    folder = target / "alarms"
    folder.mkdir()
    for name in ALARM_FILES:
        if (DATA / "lexicon" / "en" / name).is_file():
            shutil.copy(DATA / "lexicon" / "en" / name, folder / name)
    return load_lexicon(folder)


def _microseconds(read: Callable[[str], object], messages: Sequence[str]) -> float:
    """Median microseconds per message over warm rounds."""
    for text in messages:
        read(text)
    return statistics.median(1e6 / rate(read, messages, 5) for _ in range(WARM_ROUNDS))


def _cold_microseconds(model: dict[str, Any], messages: Sequence[str]) -> float:
    """Median microseconds per message of one pass through a new Reader (no word kept)."""
    passes = []
    for _ in range(COLD_ROUNDS):
        reader = reader_of(model)
        passes.append(1e6 / rate(reader.hears, messages))
    return statistics.median(passes)


def main() -> None:
    messages = _messages()
    lexicon = load_lexicon(DATA / "lexicon" / "en")
    phrases = _phrases(lexicon)
    cold, warm = _measure(lexicon, messages)
    naive = _naive_rate(phrases, messages)

    with tempfile.TemporaryDirectory() as tmp:
        _bigger_lexicon(Path(tmp), 10)
        big = load_lexicon(Path(tmp) / "lexicon")
    big_cold, big_warm = _measure(big, messages)

    rows = [
        ("shipped lexicon", f"{len(phrases)} phrases", warm, cold),
        ("10x lexicon", f"{len(_phrases(big))} phrases", big_warm, big_cold),
        ("naive extractOne WRatio", f"{len(phrases)} phrases", naive, naive),
    ]
    print(
        f"{len(messages)} labelled messages; warm = median of {WARM_ROUNDS} rounds x {REPEAT} "
        f"passes; cold = median of {COLD_ROUNDS} single passes, each through a new Matcher"
    )
    print(f"{'':26} {'':>15} {'warm msg/s':>12} {'cold msg/s':>12}")
    for name, size, w, c in rows:
        print(f"{name:26} {size:>15} {w:12,.0f} {c:12,.0f}")
    print(f"matcher vs naive:       {warm / naive:6.1f}x faster (warm), {cold / naive:.1f}x (cold)")
    print(f"10x lexicon slowdown:   {warm / big_warm:6.2f}x (warm), {cold / big_cold:.2f}x (cold)")

    with tempfile.TemporaryDirectory() as tmp:
        alarms = Matcher(_alarm_lexicon(Path(tmp)))
    full = Matcher(lexicon)
    print("emergency check, microseconds per message (warm, median):")
    corpora = (("labelled messages", messages), ("safety dev (en)", _safety_messages()))
    for name, texts in corpora:
        if texts:
            f, a = _microseconds(full.read, texts), _microseconds(alarms.read, texts)
            print(f"  {name:20} full read {f:6.1f} us   warning signs only {a:6.1f} us")

    model = load_model(DATA / READER_FILE)
    reader = reader_of(model)
    print("learned reader, microseconds per message (median; warm: its word cache filled):")
    for name, texts in corpora:
        if texts:
            judged = sum(len(t.split()) >= reader.min_words for t in texts)
            r, c = _microseconds(reader.hears, texts), _cold_microseconds(model, texts)
            both = _microseconds(lambda t: (full.read(t), reader.hears(t)), texts)
            print(
                f"  {name:20} warm {r:5.1f} us   cold {c:5.1f} us   ({judged}/{len(texts)} "
                f"judged)   full read + reader {both:6.1f} us = {1e6 / both:,.0f} msg/s"
            )


if __name__ == "__main__":
    main()
