"""Names: re-casing one-case names, mojibake, verbatim markup, emoji."""

from __future__ import annotations

import pytest

from leadsync.leads.names import normalize_name, repair_mojibake


@pytest.mark.parametrize(
    ("cell", "name"),
    [
        ("ANA LIMA", "Ana Lima"),
        ("bruno costa", "Bruno Costa"),
        ("GUS O'NEILL", "Gus O'Neill"),
        ("d’angelo ricci", "D’Angelo Ricci"),
        ("MARTA DE LA CRUZ", "Marta de la Cruz"),
        ("DE LA CRUZ MARTA", "De la Cruz Marta"),
        ("ANNE-MARIE DUPONT", "Anne-Marie Dupont"),
        ("LUDWIG VAN BEETHOVEN", "Ludwig van Beethoven"),
        ("MACDONALD", "Macdonald"),
        ("(robocall)", "(Robocall)"),
        ("dr. lucia ferreira", "Dr. Lucia Ferreira"),
        ("JAMES'S", "James's"),
        ("Ivo McAllister", "Ivo McAllister"),
        ("CARLOS  RUIZ", "Carlos Ruiz"),
        ("ZOË ÅNGSTRÖM", "Zoë Ångström"),
        ("李明", "李明"),
    ],
)
def test_recasing(cell: str, name: str) -> None:
    assert normalize_name(cell)[0] == name


def test_recased_warns_and_mixed_case_does_not() -> None:
    assert normalize_name("ANA LIMA")[1] == ("name_recased",)
    assert normalize_name("Ana Lima")[1] == ()


def test_markup_and_formula_like_names_are_verbatim() -> None:
    assert normalize_name("<b>ANA</b>") == ("<b>ANA</b>", ("markup_in_text",))
    assert normalize_name("=HYPERLINK(1)") == ("=HYPERLINK(1)", ("formula_like_value",))
    assert normalize_name("@ANA")[0] == "@ANA"


def test_emoji_only_name_is_kept_with_a_warning() -> None:
    assert normalize_name("🙂🙂") == ("🙂🙂", ("name_has_no_letters",))


def test_emoji_with_joiner_and_skin_tone_survives() -> None:
    name = "Hana 👩🏽\u200d💻"
    assert normalize_name(name)[0] == name


def test_mojibake() -> None:
    assert repair_mojibake("ChloÃ© Martin") == "Chloé Martin"
    assert repair_mojibake("Lena MÃ¼ller") == "Lena Müller"
    assert repair_mojibake("â€œQuotedâ€\x9d") == "\u201cQuoted\u201d"
    assert repair_mojibake("João Pereira") is None
    assert repair_mojibake("Ãrea 51") is None  # a marker, but no clean round trip
