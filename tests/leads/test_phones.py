"""Phones by region: E.164, lost "+" or trunk 0, E-notation, placeholders."""

from __future__ import annotations

import pytest

from leadsync.leads.phones import normalize_phone, slow_phone


@pytest.mark.parametrize(
    ("cell", "region", "phone", "codes"),
    [
        ("0491 570 156", "AU", "+61491570156", ()),
        ("491570156", "AU", "+61491570156", ()),
        ("61491570156", "AU", "+61491570156", ("phone_country_code_without_plus",)),
        ("0011 44 7700 900123", "AU", "+447700900123", ()),
        ("(212) 555-0143", "US", "+12125550143", ()),
        ("1-212-555-0143", "US", "+12125550143", ()),
        ("+1 212 555 0143", "DE", "+12125550143", ()),
        ("030 1234567", "DE", "+49301234567", ()),
        ("0049 30 1234567", "DE", "+49301234567", ()),
        ("07700 900123", "GB", "+447700900123", ()),
        ("7700900123", "GB", "+447700900123", ()),
        ("p:+447700900123", "US", "+447700900123", ()),
        ("P:07700900123", "GB", "+447700900123", ()),
        ("4.47700900123E+11", "GB", "+447700900123", None),
        ("1.21255501E+10", "US", None, ("phone_precision_lost",)),
        ("1.21256E+10", "US", None, ("phone_precision_lost",)),
        ("0000000000", "US", None, ("phone_placeholder",)),
        ("555-0123", "US", None, ("phone_unparseable",)),
        ("0491 570 156", "US", None, ("phone_unparseable",)),
        ("447700900529", "US", None, ("phone_unparseable",)),
        ("12125550143", "GB", None, ("phone_unparseable",)),
        # Ten US digits are also a well-formed GB national number: nothing says US.
        ("2125550143", "GB", "+442125550143", ()),
        ("12125550143", "AU", None, ("phone_unparseable",)),
        ("call me", "US", None, ("phone_unparseable",)),
        ("+999 123", "US", None, ("phone_unparseable",)),
    ],
)
def test_phone(
    cell: str, region: str, phone: str | None, codes: tuple[str, ...] | None
) -> None:
    got, got_codes = normalize_phone(cell, region)
    assert got == phone
    if codes is not None:
        assert got_codes == codes


def test_sci_notation_recovered_then_read_as_international() -> None:
    phone, codes = normalize_phone("4.47700900123E+11", "GB")
    assert phone == "+447700900123"
    assert codes == ("phone_sci_notation_recovered", "phone_country_code_without_plus")


def test_nanp_leading_one_needs_no_warning() -> None:
    assert normalize_phone("12125550199", "US") == ("+12125550199", ())


def test_zero_width_joiner_is_removed() -> None:
    phone, codes = normalize_phone("0491\u200d570 156", "AU")
    assert phone == "+61491570156"
    assert "invisible_chars_removed" in codes


def test_a_true_number_ending_in_zero_is_still_lossy() -> None:
    assert normalize_phone("4.4770090012E+11", "GB") == (
        None,
        ("phone_precision_lost",),
    )


@pytest.mark.parametrize(
    "text", ["07700 900123 ext 5", "07700 900123 x5", "+44 7700 900123 ext. 12"]
)
def test_an_extension_is_dropped_with_a_warning(text: str) -> None:
    for read in (slow_phone, normalize_phone):
        phone, codes = read(text, "GB")
        assert phone == "+447700900123"
        assert "phone_extension_dropped" in codes
