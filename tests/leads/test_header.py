"""Header detection and column mapping: aliases, column_map, collisions, blanks."""

from __future__ import annotations

import pytest

from leadsync.leads.header import normalize_header
from leadsync.leads.model import SheetSettings
from leadsync.leads.reader import read_sheet
from tests.leads.helpers import body, codes_at, lead_at, read, skipped

ROW = ["Ana Lima", "ana@example.com", "07700 900123"]


def test_normalize_header() -> None:
    assert normalize_header("E-mail") == "email"
    assert normalize_header(" Phone Number ") == "phonenumber"
    assert normalize_header("Lead\u200b ID") == "leadid"
    assert normalize_header("Télé-phone") == "téléphone"


def test_header_found_below_titles_and_instructions() -> None:
    data = body(
        ["Email list for the spring promo", "", ""],
        ["Please do not edit", "", ""],
        ["Contact Name", "E-mail", "Mobile"],
        ROW,
    )
    result = read(data, region="GB")
    assert result.header_row == 3
    assert skipped(result) == {1: "pre_header_row", 2: "pre_header_row"}
    assert lead_at(result, 4).phone == "+447700900123"


def test_a_one_cell_title_with_email_in_it_is_not_the_header() -> None:
    data = body(["Email leads"], ["Name", "Email"], ["Ana", "ana@example.com"])
    assert read(data).header_row == 2


def test_header_row_setting_wins() -> None:
    data = body(["Name", "Email"], ["x", "y"], ["Name", "Email"], ["Ana", "a@b.co"])
    result = read(data, header_row=3)
    assert result.header_row == 3
    assert lead_at(result, 4).email == "a@b.co"


def test_column_map_wins_and_the_alias_column_becomes_extra() -> None:
    data = body(
        ["Email", "Source", "How did you hear about us?"],
        ["ana@example.com", "Website", "A friend"],
    )
    result = read(data, column_map={"channel": "how did you hear about us"})
    lead = lead_at(result, 2)
    assert lead.channel == "A friend"
    assert lead.extra == {"Source": "Website"}
    assert "duplicate_header" not in codes_at(result, None)


def test_column_map_header_counts_for_detection() -> None:
    data = body(["Your email?", "Your name?"], ["ana@example.com", "Ana"])
    result = read(data, column_map={"email": "Your email?", "name": "Your name?"})
    assert result.header_row == 1
    assert lead_at(result, 2).name == "Ana"


def test_two_aliases_of_one_field_leftmost_wins() -> None:
    data = body(
        ["E-mail", "Email Address", "Notes", "Notes"],
        ["", "other@example.com", "a", "b"],
        ["ana@example.com", "", "", ""],
    )
    result = read(data)
    assert skipped(result) == {2: "no_contact_fields"}
    lead = lead_at(result, 3)
    assert lead.email == "ana@example.com"
    row2 = read(data).warnings
    assert {(w.column, w.code) for w in row2 if w.row is None} >= {
        ("B", "duplicate_header"),
        ("D", "duplicate_header"),
    }
    keys = [c.key for c in result.columns]
    assert keys == ["email", "Email Address__B", "Notes", "Notes__D"]


def test_first_and_last_name_are_joined() -> None:
    data = body(["First Name", "Surname", "Email"], ["Ana", "", "a@example.com"])
    assert lead_at(read(data), 2).name == "Ana"


def test_with_a_name_column_first_and_last_name_are_extra() -> None:
    data = body(["Name", "First name", "Email"], ["Ana Lima", "Ana", "a@example.com"])
    lead = lead_at(read(data), 2)
    assert (lead.name, lead.extra) == ("Ana Lima", {"First name": "Ana"})


def test_a_generic_id_column_of_row_numbers_is_not_the_key() -> None:
    data = body(["ID", "Email"], ["1", "a@example.com"], ["2", "b@example.com"])
    result = read(data)
    lead = lead_at(result, 2)
    assert (lead.lead_key, lead.external_id, lead.extra) == (
        "a@example.com",
        None,
        {"ID": "1"},
    )


def test_a_generic_id_column_of_platform_ids_is_the_key() -> None:
    data = body(["ID", "Email"], ["l:120000000000001", "a@example.com"])
    lead = lead_at(read(data), 2)
    assert (lead.lead_key, lead.key_kind) == ("120000000000001", "external_id")


def test_rounded_id_is_not_used() -> None:
    data = body(["Lead ID", "Email"], ["1.20459E+15", "a@example.com"])
    result = read(data)
    assert lead_at(result, 2).lead_key == "a@example.com"
    assert "id_precision_lost" in codes_at(result, 2)


def test_an_id_longer_than_the_column_is_not_used() -> None:
    """leads.external_id holds 128 characters: a longer cell (pasted text, not
    an id a platform gives) keys its row by email, warned; its neighbour of 128
    characters is an id."""
    data = body(
        ["Lead ID", "Email"],
        ["x" * 129, "a@example.com"],
        ["y" * 128, "b@example.com"],
    )
    result = read(data)
    assert (lead_at(result, 2).lead_key, lead_at(result, 2).external_id) == (
        "a@example.com",
        None,
    )
    assert "id_too_long" in codes_at(result, 2)
    assert lead_at(result, 3).external_id == "y" * 128
    assert "id_too_long" not in codes_at(result, 3)


@pytest.mark.parametrize(
    ("cell", "zone"),
    [("0001-01-01", "Asia/Kolkata"), ("9999-12-31T23:59:59-03:30", "UTC")],
)
def test_a_date_with_no_utc_instant_is_warned_not_fatal(cell: str, zone: str) -> None:
    data = body(["Email", "Created"], ["a@example.com", cell])
    result = read(data, timezone=zone)
    lead = lead_at(result, 2)
    assert (lead.lead_key, lead.created_at) == ("a@example.com", None)
    assert "date_out_of_range" in codes_at(result, 2)


def test_blank_headers_and_wide_rows() -> None:
    data = body(
        ["Email", "", ""],
        ["a@example.com", "", "", "beyond"],
        ["b@example.com", "", "vip", ""],
    )
    result = read(data)
    assert [c.letter for c in result.columns] == ["A", "C"]
    assert lead_at(result, 2).extra == {"column_D": "beyond"}
    assert lead_at(result, 3).extra == {"column_C": "vip"}
    assert ("C", "unnamed_column_with_data") in {
        (w.column, w.code) for w in result.warnings if w.row is None
    }
    assert "row_wider_than_header" in codes_at(result, 2)


def test_unmapped_column_is_reported() -> None:
    data = body(["Email", "Budget"], ["a@example.com", "$10"])
    assert "unmapped_column" in codes_at(read(data), None)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-Mail-Adresse", "email"),
        ("Courriel", "email"),
        ("Correo electrónico", "email"),
        ("Correo electronico", "email"),
        ("Telefon", "phone"),
        ("Téléphone", "phone"),
        ("Teléfono", "phone"),
        ("Celular", "phone"),
        ("Zeitstempel", "created_at"),
        ("Horodateur", "created_at"),
        ("Marca temporal", "created_at"),
        ("Carimbo de data/hora", "created_at"),
        ("Vorname", "first_name"),
        ("Prénom", "first_name"),
        ("Prenom", "first_name"),
        ("Nachname", "last_name"),
        ("Apellidos", "last_name"),
        ("Fuente", "channel"),
        ("Campaña", "campaign"),
    ],
)
def test_headers_in_other_languages_map_without_a_column_map(
    header: str, field: str
) -> None:
    body = f"{header},Email,Phone\r\nx,a@example.com,+447700900123\r\n".encode()
    if field in ("email", "phone"):
        body = f"Name,{header}\r\nAna,a@example.com\r\n".encode()
        if field == "phone":
            body = f"Name,{header}\r\nAna,+447700900123\r\n".encode()

    result = read_sheet(body, SheetSettings(region="GB"))

    assert result.status == "ok"
    assert {c.header: c.field for c in result.columns}[header] == field
