"""What viewers and editors may do in the UI, and the API behind it agrees."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from leadsync.sync.run import sync_sheet
from tests.conftest import sheet_url, spreadsheet_id
from tests.helpers import register, stored
from tests.web.conftest import Site
from tests.web.pages import (
    LEADS_CSV,
    csrf_token,
    lead_count,
    log_in,
    open_tab,
    sheet_row,
)

pytestmark = pytest.mark.browser


def _synced(site: Site, label: str = "Website form") -> int:
    sheet = register(
        site.sessions, site.fake, site.customer_id, "roles", LEADS_CSV, label=label
    )
    assert sync_sheet(site.sessions, sheet, site.settings).status == "ok"
    return sheet


def test_a_viewer_sees_no_edit_controls_and_the_api_refuses_its_writes(
    page: Page, site: Site
) -> None:
    sheet = _synced(site)
    log_in(page, site.tokens["viewer"])
    table = page.get_by_role("table", name="Leads")
    expect(table).to_contain_text("Ana Lima")
    expect(table.get_by_role("combobox")).to_have_count(0)
    expect(table.get_by_role("textbox")).to_have_count(0)

    open_tab(page, "Lead sources")
    expect(sheet_row(page, "Website form")).to_be_visible()
    for name in ("Sync now", "Disable", "Delete", "Save", "Preview"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_label("Sheet URL")).to_have_count(0)

    headers = {"X-CSRF-Token": csrf_token(page)}
    assert page.request.post(f"/api/sheets/{sheet}/sync", headers=headers).status == 403
    lead_id = next(iter(stored(site.sessions).values()))["id"]
    patch = page.request.patch(
        f"/api/leads/{lead_id}", data={"status": "won"}, headers=headers
    )
    assert patch.status == 403


def test_an_editor_sets_a_leads_status_and_notes(page: Page, site: Site) -> None:
    _synced(site)
    log_in(page, site.tokens["editor"])
    page.get_by_role("combobox", name="Status of Ana Lima").select_option("won")
    expect(page.locator("#announce")).to_have_text("Saved status of Ana Lima.")
    notes = page.get_by_role("textbox", name="Notes for Ana Lima")
    notes.fill("Called <b>back</b>")
    notes.press("Enter")
    notes.blur()
    expect(page.locator("#announce")).to_have_text("Saved notes of Ana Lima.")
    lead = stored(site.sessions)["ana@example.com"]
    assert (lead["status"], lead["notes"]) == ("won", "Called <b>back</b>")


def test_disable_enable_and_delete_which_keeps_the_leads(
    page: Page, site: Site
) -> None:
    _synced(site)
    log_in(page, site.tokens["editor"])
    open_tab(page, "Lead sources")
    row = sheet_row(page, "Website form")
    row.get_by_role("button", name="Disable").click()
    expect(row).to_contain_text("No (not syncing)")
    row.get_by_role("button", name="Enable").click()
    expect(row).to_contain_text("Yes")

    questions: list[str] = []

    def accept(dialog: object) -> None:
        questions.append(dialog.message)  # type: ignore[attr-defined]
        dialog.accept()  # type: ignore[attr-defined]

    page.once("dialog", accept)
    row.get_by_role("button", name="Delete").click()
    expect(row).to_have_count(0)
    assert "leads are kept" in questions[0]
    assert lead_count(site) == 3


def test_preview_shows_header_columns_rows_and_skips(page: Page, site: Site) -> None:
    body = b"Leads export\n" + LEADS_CSV + b"Test Lead,test@test.com,,2024-03-05,x,y\n"
    site.fake.put("previewxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "0", body)
    log_in(page, site.tokens["editor"])
    open_tab(page, "Lead sources")
    page.get_by_label("Sheet URL").fill(sheet_url(spreadsheet_id("preview")))
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("The header is row 2.")
    columns = preview.get_by_role("table", name="How each column maps")
    expect(columns.get_by_label("Column B (Email) becomes")).to_have_value("email")
    expect(columns.get_by_label("Column E (Source) becomes")).to_have_value("channel")
    expect(preview).to_contain_text("Ana Lima")
    expect(preview).to_contain_text("skipped")
    assert lead_count(site) == 0


def test_a_phone_sized_window_needs_no_sideways_scrolling(
    page: Page, site: Site
) -> None:
    _synced(site)
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, site.tokens["editor"])
    expect(page.get_by_role("table", name="Leads")).to_contain_text("Ana Lima")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    open_tab(page, "Lead sources")
    expect(sheet_row(page, "Website form")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_recent_syncs_show_why_rows_were_skipped_and_follow_new_syncs(
    page: Page, site: Site
) -> None:
    """A sheet's recent syncs and, for the last one, which rows were skipped and
    why and which cells warned; the open panel follows a sync that finishes."""
    body = (
        LEADS_CSV
        + b"Test Lead,test@test.com,,2024-03-05,x,y\n"
        + b"Dora,,,2024-03-06,x,y\n"
        + b"EVA STONE,eva@example.com,,2024-03-07,x,y\n"
    )
    sheet = register(
        site.sessions, site.fake, site.customer_id, "runs", body, label="Runs sheet"
    )
    assert sync_sheet(site.sessions, sheet, site.settings).status == "ok"
    log_in(page, site.tokens["editor"])
    open_tab(page, "Lead sources")
    row = sheet_row(page, "Runs sheet")
    row.get_by_role("button", name="Recent syncs").click()

    title = "Recent syncs of “Runs sheet”"
    panel = page.get_by_role("region", name=title)
    expect(panel.get_by_role("heading", name=title)).to_be_focused()
    runs = panel.get_by_role("table", name="Recent syncs, newest first")
    expect(runs.get_by_role("row")).to_have_count(2)  # header + one run
    expect(runs).to_contain_text("4 leads")
    expect(panel).to_contain_text("test leads: row 5")
    expect(panel).to_contain_text("rows without an email or phone number: row 6")
    expect(panel).to_contain_text("Row 7, column A: name re-cased")

    # An unchanged run reads nothing new: the last read's samples stay shown.
    row.get_by_role("button", name="Sync now").click()
    expect(runs.get_by_role("row")).to_have_count(3)  # no reload
    expect(runs.get_by_role("row").nth(1)).to_contain_text("Unchanged")
    expect(panel).to_contain_text("The sheet has not changed since")
    expect(panel).to_contain_text("test leads: row 5")

    site.fake.put(spreadsheet_id("runs"), "0", LEADS_CSV)
    row.get_by_role("button", name="Sync now").click()
    expect(runs.get_by_role("row")).to_have_count(4)
    expect(runs.get_by_role("row").nth(1)).to_contain_text("1 no longer in sheet")
    expect(panel).to_contain_text("No row was skipped and no cell had a warning.")

    site.fake.put(spreadsheet_id("runs"), "0", LEADS_CSV, mode="private")
    row.get_by_role("button", name="Sync now").click()
    expect(runs.get_by_role("row")).to_have_count(5)
    expect(panel).to_contain_text("The last sync failed, so it read nothing")
    expect(panel).to_contain_text("No row was skipped and no cell had a warning.")


def test_a_viewer_sees_a_sheets_recent_syncs(page: Page, site: Site) -> None:
    """Viewers see runs too; column-level warnings come once per kind, with the
    columns they concern, before the cells."""
    body = (
        b"Name,Email,Budget,Project\n"
        b"ANA LIMA,ana@example.com,5000,Kitchen\n"
        b"Bo Li,bo@example.com,,\n"
    )
    sheet = register(
        site.sessions, site.fake, site.customer_id, "wide", body, label="Wide"
    )
    assert sync_sheet(site.sessions, sheet, site.settings).status == "ok"
    log_in(page, site.tokens["viewer"])
    open_tab(page, "Lead sources")
    sheet_row(page, "Wide").get_by_role("button", name="Recent syncs").click()
    panel = page.get_by_role("region", name="Recent syncs of “Wide”")
    expect(panel.get_by_role("table")).to_contain_text("2 leads")
    expect(panel).to_contain_text(
        "C, D: kept as an extra column (its header names no lead field)"
    )
    expect(panel).to_contain_text("Row 2, column A: name re-cased")


def test_a_leads_details_show_its_other_columns_warnings_and_changes(
    page: Page, site: Site
) -> None:
    """The name opens every value of the lead: the form's other answers, its
    warnings and the history of its values, by a sync or a person."""
    body = (
        b"Name,Email,Phone,Budget,What project?\n"
        b"ANA LIMA,ana@example.com,+44 7700 900101,5000,Kitchen\n"
    )
    sheet = register(
        site.sessions, site.fake, site.customer_id, "details", body, label="Forms"
    )
    assert sync_sheet(site.sessions, sheet, site.settings).status == "ok"
    site.fake.put(
        spreadsheet_id("details"),
        "0",
        body.replace(b"+44 7700 900101", b"+44 7700 900199"),
    )
    assert sync_sheet(site.sessions, sheet, site.settings).status == "ok"
    log_in(page, site.tokens["editor"])
    page.get_by_role("button", name="Details of Ana Lima").click()
    details = page.get_by_role("region", name="Lead: Ana Lima")
    expect(details.get_by_role("heading", name="Lead: Ana Lima")).to_be_focused()
    expect(details).to_contain_text("Forms, row 2")
    expect(details).to_contain_text("Budget")
    expect(details).to_contain_text("Kitchen")
    expect(details).to_contain_text("name re-cased")
    changes = details.locator("ul").last
    expect(changes).to_contain_text(
        "Phone “+447700900101” → “+447700900199”, by a sync"
    )

    # A note saved in the table shows in the open panel, focus stays in the table.
    notes = page.get_by_role("textbox", name="Notes for Ana Lima")
    notes.fill("called")
    notes.press("Enter")
    expect(page.locator("#announce")).to_have_text("Saved notes of Ana Lima.")
    expect(changes).to_contain_text("Notes (empty) → “called”, by a person")
    expect(details).to_contain_text("Notescalled")
    expect(page.get_by_role("textbox", name="Notes for Ana Lima")).to_be_focused()

    details.get_by_role("button", name="Close").click()
    expect(details).to_be_hidden()
    expect(page.get_by_role("button", name="Details of Ana Lima")).to_be_focused()
