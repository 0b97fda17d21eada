"""Row classification: blank, repeated header, test, totals, markers, no contact."""

from __future__ import annotations

from leadsync.leads.classify import without_contact
from tests.leads.helpers import body, codes_at, lead_at, read, skipped

HEADER = ["Date", "Name", "Email", "Phone", "Status"]


def test_skip_reasons_in_a_tracker() -> None:
    data = body(
        HEADER,
        ["MARCH 2024", "", "", "", ""],
        ["3/1/2024", "Ana", "ana@example.com", "", "New"],
        ["", "", "", "", "* call back Monday"],
        ["date", "NAME", "e-mail", "Phone", "status"],
        ["Grand Total", "3", "", "", "Booked: 1"],
        ["Sum", "", "", "", ""],
        ["", "", "", "", ""],
        ["n/a", "-", "none", "—", "TBD"],
        ["3/2/2024", "Bo", "", "", "Spam"],
        ["", "", "", "ps see tab 2", ""],
        ["Note: the next rows came from the old CRM", "", "", "", ""],
        ["Walk-ins: Tuesday and Thursday after lunch", "", "", "", ""],
        ["Instagram", "", "", "", ""],
    )
    result = read(data)
    assert skipped(result) == {
        2: "section_header",
        4: "note_row",
        5: "repeated_header",
        6: "totals_row",
        7: "totals_row",
        8: "blank_row",
        9: "blank_row",
        10: "no_contact_fields",
        11: "note_row",
        12: "note_row",
        13: "note_row",
        14: "section_header",
    }
    assert [lead.row for lead in result.leads] == [3]


def test_status_column_never_decides() -> None:
    data = body(HEADER, ["", "Ana", "ana@example.com", "", "Spam"])
    assert lead_at(read(data), 2).extra == {"Status": "Spam"}


def test_test_rows() -> None:
    data = body(
        ["Name", "Email", "is_test"],
        ["Testing", "x@example.com", ""],
        ["TEST TEST", "y@example.com", ""],
        ["Jo", "Dummy@example.com", ""],
        ["Jo", "jo@example.com", "yes"],
        ["Jo", "<test lead: dummy data for email>", ""],
        ["Tess Tester", "tess@example.com", "FALSE"],
        ["Luca Testa", "test.lead@example.com", "0"],
    )
    result = read(data)
    assert skipped(result) == {r: "test_row" for r in range(2, 7)}
    assert [lead.row for lead in result.leads] == [7, 8]


def test_emoji_names_are_leads() -> None:
    data = body(
        ["Name", "Email"], ["🦄", "u@example.com"], ["Zoë 👩‍💻", "z@example.com"]
    )
    result = read(data)
    assert lead_at(result, 2).name == "🦄"
    assert "name_has_no_letters" in codes_at(result, 2)
    assert lead_at(result, 3).name == "Zoë 👩‍💻"


def test_no_contact_row_keeps_its_warnings() -> None:
    data = body(["Name", "Email", "Phone"], ["Ana", "ana at example", "555-0123"])
    result = read(data)
    assert skipped(result) == {2: "no_contact_fields"}
    assert {"email_invalid", "phone_unparseable"} <= codes_at(result, 2)


def test_without_contact_markers() -> None:
    assert without_contact(["", "", "Total: 4"]) == "totals_row"  # before markers
    assert without_contact(["", "", "call back"]) == "note_row"  # not in column A
    assert without_contact(["TOTALS", "4"]) == "totals_row"
    assert without_contact(["Totally new", ""]) == "section_header"
    assert without_contact(["Counter", "x"]) == "no_contact_fields"
    assert without_contact(["NB check consent", ""]) == "note_row"
