"""The warning signs of every language, merged into one matcher (bot/content/alarms.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.alarms import SIGNS, alarm_languages, load_alarms
from bot.core.matcher import Matcher
from bot.core.reading import tokenize
from bot.errors import ContentError

ROOT = Path(__file__).resolve().parents[3]
LEXICON = ROOT / "data" / "lexicon"
LANGUAGES = ("ar", "de", "en", "es", "fa", "fr", "hi", "id", "it", "pt", "ru", "tr", "uk")


@pytest.fixture(scope="module")
def alarms() -> Matcher:
    return load_alarms(LEXICON)


def test_every_required_language_has_warning_signs() -> None:
    assert set(LANGUAGES) <= set(alarm_languages(LEXICON))


def test_every_language_uses_only_the_shared_labels(alarms: Matcher) -> None:
    assert alarms.kinds() == frozenset({"red_flag", "urgent", "who"})
    assert alarms.labels("red_flag") >= SIGNS


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("me duele el pecho y no puedo respirar", "chest_pain"),
        ("mi hija esta convulsionando en la cancha!!", "seizure"),
        ("meu pai caiu no chão e não está respirando", "not_breathing"),
        ("mon fils s'est évanoui après le match", "fainting"),
        ("mein Freund ist umgekippt und atmet nicht mehr", "not_breathing"),
        ("ho un dolore forte al petto dopo la corsa", "chest_pain"),
        ("он не дышит!!! упал после забега", "not_breathing"),
        ("ne mogu dyshat posle trenirovki", "breathing"),
        ("ikra uzhe proshla, no teper davit v grudi", "chest_pain"),
        ("донька знепритомніла на тренуванні", "fainting"),
        ("nefes alamiyorum antrenmandan sonra", "breathing"),
        ("عندي ألم شديد في صدري بعد الجري", "chest_pain"),
        ("akhoya 3ando tashannoj ba3d el match", "seizure"),
        ("نفسم بالا نمیاد", "breathing"),
        ("pesaram bad az bazi ghash kard", "fainting"),
        ("दौड़ने के बाद सीने में बहुत तेज़ दर्द हो रहा है", "chest_pain"),
        ("saans nahi aa rahi gym ke baad", "breathing"),
        ("temen gw pingsan abis lari", "fainting"),
    ],
)
def test_an_emergency_in_any_language_is_read(alarms: Matcher, text: str, sign: str) -> None:
    assert sign in alarms.read(text).labels("red_flag")


@pytest.mark.parametrize(
    "text",
    [
        "hoy fue día de pecho en el gimnasio 💪",
        "desmaiei no sofá depois do jogo kkk dormi 3 horas",
        "ahah ça fait très mal à l'ego de perdre contre mon petit frère",
        "сегодня в зале был день груди 💪",
        "судороги в ногах каждую ночь уже месяц",
        "pair ki pindli mein cramp aaya run ke baad, ab theek ho raha hai",
        "kram betis habis lari, udah mendingan",
    ],
)
def test_everyday_messages_are_no_alarm(alarms: Matcher, text: str) -> None:
    assert alarms.read(text).labels("red_flag") == ()


def test_native_scripts_stay_whole_words() -> None:
    assert tokenize("सीने में दर्द") == ["सीने", "में", "दर्द"]
    assert tokenize("ألم في صدري") == ["ألم", "في", "صدري"]
    assert tokenize("боль в груди") == ["боль", "в", "груди"]


def test_a_label_no_language_knows_is_refused(tmp_path: Path) -> None:
    for code in ("en", "xx"):
        (tmp_path / code).mkdir()
    (tmp_path / "en" / "red_flag.yaml").write_text(
        "kind: red_flag\nlabels:\n  chest_pain:\n    phrases: [chest pain]\n"
    )
    (tmp_path / "xx" / "red_flag.yaml").write_text(
        "kind: red_flag\nlabels:\n  chest_pian:\n    phrases: [pecho]\n"
    )
    with pytest.raises(ContentError, match="chest_pain"):
        load_alarms(tmp_path)


def test_english_is_required(tmp_path: Path) -> None:
    (tmp_path / "es").mkdir()
    (tmp_path / "es" / "red_flag.yaml").write_text(
        "kind: red_flag\nlabels:\n  chest_pain:\n    phrases: [dolor de pecho]\n"
    )
    with pytest.raises(ContentError, match="missing"):
        load_alarms(tmp_path)


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("llevo 4 horas con el calambre en el muslo y no se va", "long_cramp"),
        ("der Krampf im Oberschenkel geht seit Stunden nicht weg", "long_cramp"),
        ("3 ghante se pair ka cramp nahi ja raha", "long_cramp"),
        ("уже третий день после перелёта икра опухла и горячая", "clot"),
        ("abis latihan berat banget kemarin pipisku coklat kayak teh", "dark_urine"),
    ],
)
def test_an_urgent_sign_in_any_language_is_read(alarms: Matcher, text: str, sign: str) -> None:
    assert sign in alarms.read(text).labels("urgent")
    assert alarms.read(text).labels("red_flag") == ()


def test_words_of_other_languages_do_not_make_an_english_sign(alarms: Matcher) -> None:
    text = "urine's normal colour, no weird symptoms, just the cramp"
    assert alarms.read(text).labels("urgent") == ()
    assert alarms.read("my hammy seized up").labels("red_flag") == ()


@pytest.mark.parametrize(
    "text",
    [
        "se acaba de desmayar mi esposo, no responde bien",
        "он не дышит!!! упал после забега",
        "ابني اغمى عليه بعد المباراة",
        "temen gw pingsan abis lari",
    ],
)
def test_a_bystander_in_any_language_is_read(alarms: Matcher, text: str) -> None:
    assert alarms.read(text).labels("who") == ("other",)


def test_words_that_are_common_elsewhere_name_no_one(alarms: Matcher) -> None:
    assert alarms.read("pain on my chest, er, use o il").labels("who") == ()
