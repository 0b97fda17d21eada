"""read_sheet on whole bodies: rejections, encodings, CSV records, rows_read, raw."""

from __future__ import annotations

import io

from leadsync.errors import MESSAGES
from leadsync.leads.model import SheetSettings
from leadsync.leads.preview import preview_json
from leadsync.leads.reader import read_sheet
from tests.leads.helpers import body, codes_at, lead_at, read, skipped

HEADER = ["Name", "Email", "Phone"]
ANA = ["Ana Lima", "ana@example.com", "+447700900123"]


def rejected_code(data: bytes, content_type: str | None = None) -> str:
    result = read_sheet(data, SheetSettings(region="GB"), content_type=content_type)
    assert result.status == "rejected"
    assert result.leads == []
    (error,) = result.file_errors
    assert error.message == MESSAGES[error.code]
    return error.code


def test_html_sign_in_page_is_not_public() -> None:
    page = b"  \n<!DOCTYPE html><html><head><title>Sign in</title></head></html>"
    assert rejected_code(page) == "sheet_not_public"
    assert rejected_code(b"<HTML lang=en><body>x</body></HTML>") == "sheet_not_public"


def test_html_content_type_is_not_public_whatever_the_body() -> None:
    assert rejected_code(body(HEADER, ANA), "text/html; charset=utf-8") == (
        "sheet_not_public"
    )


def test_utf16_is_invalid_format() -> None:
    text = "Name\tEmail\r\nAna\tana@example.com\r\n"
    assert rejected_code(text.encode("utf-16")) == "invalid_format"
    assert rejected_code(text.encode("utf-16-le")) == "invalid_format"
    assert rejected_code("Name,Email\r\nJoão,j@example.com".encode("cp1252")) == (
        "invalid_format"
    )


def test_body_cut_inside_a_quoted_field_is_truncated() -> None:
    data = body(HEADER, ANA) + b'"Bruno Costa,bruno@exa'
    assert rejected_code(data) == "truncated_download"


def test_short_last_record_without_line_break_is_truncated() -> None:
    data = body(HEADER, ANA) + b"Bruno Costa,bruno@example.com"
    assert rejected_code(data) == "truncated_download"


def test_short_last_record_with_line_break_is_a_ragged_row() -> None:
    result = read(body(HEADER, ANA, ["Bruno", "bruno@example.com"]), region="GB")
    assert result.status == "ok"
    assert lead_at(result, 3).email == "bruno@example.com"


def test_full_last_record_without_line_break_is_complete() -> None:
    data = body(HEADER, ANA)[:-2]
    assert read(data, region="GB").status == "ok"


def test_no_email_or_phone_column_is_required_columns_missing() -> None:
    data = body(["Week", "Spend", "Clicks"], ["1", "100", "42"])
    assert rejected_code(data) == "required_columns_missing"


def test_a_sheet_without_contact_columns_names_its_columns_to_map() -> None:
    """The refusal says which columns there are (the fullest of the first rows),
    so a person can name the contact columns; mapped, the sheet reads."""
    data = b"Spring leads,,\r\n,,\r\n" + body(
        ["Who", "Reach me at", "Mobile (work)"], ["Ana Lima", "ana@x.com", ""]
    )
    refused = read_sheet(data, SheetSettings(region="GB"))
    assert refused.status == "rejected"
    assert refused.header_row == 3
    assert [(c.letter, c.header, c.field) for c in refused.columns] == [
        ("A", "Who", None),
        ("B", "Reach me at", None),
        ("C", "Mobile (work)", None),
    ]
    assert preview_json(refused)["columns"][1] == {
        "letter": "B",
        "header": "Reach me at",
        "field": None,
    }
    mapped = read_sheet(
        data, SheetSettings(region="GB", column_map={"email": "Reach me at"})
    )
    assert mapped.status == "ok"
    assert [(lead.row, lead.email) for lead in mapped.leads] == [(4, "ana@x.com")]


def test_a_set_header_row_without_contact_columns_is_the_one_named() -> None:
    data = body(["Week", "Spend"], ["Name", "Email"], ["1", "2"])
    refused = read_sheet(data, SheetSettings(header_row=1))
    assert (refused.status, refused.header_row) == ("rejected", 1)
    assert [c.header for c in refused.columns] == ["Week", "Spend"]
    # Other refusals name no columns.
    assert read_sheet(b"<html><body>x</body></html>", SheetSettings()).columns == []


def test_empty_and_header_only_bodies_are_ok_without_leads() -> None:
    empty = read(b"")
    assert (empty.status, empty.leads, empty.rows_read) == ("ok", [], 0)
    only_header = read(body(HEADER))
    assert only_header.status == "ok"
    assert only_header.header_row == 1
    assert only_header.leads == []
    assert preview_json(only_header)["skipped"] == []


def test_bom_before_a_quoted_first_header() -> None:
    data = b"\xef\xbb\xbf" + b'"Email","Name"\r\n"ana@example.com","Ana"\r\n'
    result = read(data)
    assert result.header_row == 1
    assert lead_at(result, 2).email == "ana@example.com"
    assert result.columns[0].field == "email"


def test_multi_line_cells_are_one_record() -> None:
    data = body(
        ["Name", "Email", "Notes"],
        ["Ana", "ana@example.com", "line one\r\nline two"],
        ["Bo", "bo@example.com", "x"],
    )
    result = read(data)
    assert result.rows_read == 3
    assert lead_at(result, 2).extra["Notes"] == "line one\nline two"
    assert lead_at(result, 3).email == "bo@example.com"


def test_a_binary_stream_is_read() -> None:
    result = read_sheet(io.BytesIO(body(HEADER, ANA)), SheetSettings(region="GB"))
    assert lead_at(result, 2).phone == "+447700900123"


def test_raw_keeps_the_cleaned_original_cells_of_mapped_fields() -> None:
    result = read(body(HEADER, ["ANA  LIMA", " Ana@Example.com ", "p:07700 900123"]))
    lead = lead_at(result, 2)
    assert lead.raw == {
        "name": "ANA  LIMA",
        "email": "Ana@Example.com",
        "phone": "p:07700 900123",
    }
    assert lead.phone is None  # a GB number in a US sheet is not guessed
    assert {w.code for w in lead.warnings} == {"name_recased", "phone_unparseable"}


def test_apostrophe_is_stripped_from_mapped_fields_only() -> None:
    data = body(["Name", "Phone", "Note"], ["'O'Neill", "'+447700900123", "'kept"])
    result = read(data)
    lead = lead_at(result, 2)
    assert (lead.name, lead.phone) == ("O'Neill", "+447700900123")
    assert lead.extra["Note"] == "'kept"
    assert "apostrophe_stripped" in codes_at(result, 2)


def test_meta_prefixes_in_extra_columns() -> None:
    data = body(
        ["id", "email", "ad_id", "zip_code", "form_id", "notes"],
        ["l:123456789012345", "a@example.com", "ag:99", "z:02134", "f:", "z:kept"],
    )
    lead = lead_at(read(data), 2)
    assert lead.external_id == "123456789012345"
    assert lead.extra == {"ad_id": "99", "zip_code": "02134", "notes": "z:kept"}


def test_duplicate_keys_and_fill_down() -> None:
    data = body(
        ["Email", "Source"],
        ["a@example.com", "fb"],
        ["b@example.com", ""],
        ["A@example.com", ""],
    )
    plain = read(data)
    assert lead_at(plain, 3).channel is None
    assert codes_at(plain, 4) == {"duplicate_in_batch"}
    filled = read(data, fill_down=["channel", "email"])
    assert [lead.channel for lead in filled.leads] == ["fb", "fb", "fb"]
    assert lead_at(filled, 3).email == "b@example.com"


def test_rows_read_counts_every_record() -> None:
    data = body(["Leads 2024"], [], HEADER, ANA, ["", "", ""])
    result = read(data, region="GB")
    assert result.rows_read == 5
    assert skipped(result) == {1: "pre_header_row", 2: "pre_header_row", 5: "blank_row"}


def test_a_header_row_beyond_the_tab_says_so_and_names_no_columns() -> None:
    data = body(["Name", "Email"], ["Ana", "ana@example.com"])
    refused = read_sheet(data, SheetSettings(header_row=7))
    assert refused.status == "rejected"
    (error,) = refused.file_errors
    assert error.code == "required_columns_missing"
    assert error.message.startswith("Row 7 is set as this sheet's header row")
    assert "only 2 rows" in error.message
    assert (refused.header_row, refused.columns) == (None, [])


def test_direction_overrides_are_removed_like_other_invisible_characters() -> None:
    """U+202E makes "gnp.exe" show as "exe.png": overrides, embeddings and isolates
    are dropped from every cell, with the usual warning in mapped fields."""
    data = body(
        ["Name", "Email", "File"],
        ["\u202eAna Lima", "ana@example.com", "\u2067gnp.exe\u2069"],
    )
    result = read(data, region="GB")
    lead = lead_at(result, 2)
    assert (lead.name, lead.extra) == ("Ana Lima", {"File": "gnp.exe"})
    assert "invisible_chars_removed" in codes_at(result, 2)
