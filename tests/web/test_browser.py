"""The UI in a real Chromium: log in, add sheets, sync, read leads, stay safe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from leadsync.store.models import SheetSourceConfig
from leadsync.sync.run import sync_sheet
from tests.conftest import sheet_url, spreadsheet_id
from tests.helpers import register, stored
from tests.web.conftest import Site
from tests.web.pages import (
    LEADS_CSV,
    csrf_token,
    log_in,
    open_tab,
    sheet_count,
    sheet_row,
)

pytestmark = pytest.mark.browser
HOSTILE = "<img src=x onerror=window.__xss=1>"


def test_log_in_and_move_between_tabs(page: Page, site: Site) -> None:
    page.goto("/leads")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("API token").fill("lsk_not_a_real_token_at_all_000000000")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("unknown or has been revoked")

    log_in(page, site.tokens["admin"])
    customer = page.get_by_label("Customer")
    expect(customer).to_have_value(str(site.customer_id))
    expect(customer.get_by_role("option")).to_have_text(["Acme Dental"])
    expect(page).to_have_url(re.compile(rf"customer={site.customer_id}"))
    open_tab(page, "Lead sources")
    expect(page.get_by_role("heading", name="Lead sources", level=1)).to_be_visible()
    open_tab(page, "Leads")
    expect(page.get_by_role("heading", name="Leads", level=1)).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/sources")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_save_with_a_url_and_no_label_shows_an_error_and_sends_nothing(
    page: Page, site: Site
) -> None:
    log_in(page, site.tokens["editor"])
    open_tab(page, "Lead sources")
    writes: list[str] = []
    page.on("request", lambda r: writes.append(r.url) if r.method != "GET" else None)

    page.get_by_label("Sheet URL").fill(sheet_url(spreadsheet_id("nolabel")))
    page.get_by_role("button", name="Save").click()

    label = page.get_by_label("Label")
    expect(page.locator("#label-error")).to_contain_text("label")
    expect(label).to_have_attribute("aria-invalid", "true")
    expect(label).to_be_focused()
    assert writes == []
    assert sheet_count(site) == 0

    page.get_by_label("Sheet URL").fill("https://example.com/spreadsheets/d/abc")
    page.get_by_label("Label").fill("Elsewhere")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#url-error")).to_contain_text("docs.google.com")
    expect(page.get_by_label("Sheet URL")).to_be_focused()
    assert writes == []
    assert sheet_count(site) == 0


def test_save_adds_the_row_without_a_page_reload(page: Page, site: Site) -> None:
    log_in(page, site.tokens["editor"])
    open_tab(page, "Lead sources")
    page.evaluate("window.__marker = 'still here'")
    expect(page.get_by_label("Region")).to_have_value("GB")  # from the customer
    expect(page.get_by_label("Timezone")).to_have_value("Europe/London")

    page.get_by_label("Sheet URL").fill(sheet_url(spreadsheet_id("newsheet"), "7"))
    page.get_by_label("Label").fill("Meta lead ads")
    page.get_by_role("button", name="Save").click()

    row = sheet_row(page, "Meta lead ads")
    expect(row).to_be_visible()
    expect(row.get_by_role("rowheader")).to_be_focused()
    assert page.evaluate("window.__marker") == "still here"
    assert sheet_count(site) == 1
    expect(page.get_by_label("Sheet URL")).to_have_value("")


def test_the_servers_422_is_shown_next_to_its_field(page: Page, site: Site) -> None:
    log_in(page, site.tokens["editor"])
    open_tab(page, "Lead sources")
    page.get_by_label("Sheet URL").fill(sheet_url(spreadsheet_id("badregion")))
    page.get_by_label("Label").fill("Bad region")
    page.get_by_text("Reading settings").click()
    page.get_by_label("Region").fill("ZZ")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#region-error")).not_to_be_empty()
    expect(page.get_by_label("Region")).to_be_focused()
    assert sheet_count(site) == 0


def test_sync_now_fills_the_leads_table(page: Page, site: Site) -> None:
    register(
        site.sessions,
        site.fake,
        site.customer_id,
        "synced",
        LEADS_CSV,
        label="Website form",
    )
    log_in(page, site.tokens["editor"])
    expect(page.get_by_role("cell", name="Ana Lima")).to_have_count(0)
    open_tab(page, "Lead sources")
    row = sheet_row(page, "Website form")
    row.get_by_role("button", name="Sync now").click()
    expect(row).to_contain_text("OK")
    expect(row).to_contain_text("3 leads")

    open_tab(page, "Leads")
    table = page.get_by_role("table", name="Leads")
    expect(table.get_by_role("row")).to_have_count(4)  # header + 3 leads
    expect(table).to_contain_text("Ana Lima")
    expect(table).to_contain_text("+447700900101")
    expect(page.locator("#sync-states")).to_contain_text("last synced just now")


def test_the_leads_tab_refetches_when_a_sync_finishes(page: Page, site: Site) -> None:
    sheet = register(
        site.sessions, site.fake, site.customer_id, "later", LEADS_CSV, label="Later"
    )
    log_in(page, site.tokens["editor"])
    expect(page.locator("#sync-states")).to_contain_text("Not synced yet")
    response = page.request.post(
        f"/api/sheets/{sheet}/sync", headers={"X-CSRF-Token": csrf_token(page)}
    )
    assert response.status == 202
    page.get_by_role("button", name="Apply filters").click()  # sees it running
    expect(page.get_by_role("table", name="Leads")).to_contain_text("Chloe Martin")
    expect(page.locator("#sync-running")).to_be_empty()


def test_the_leads_tab_refetches_after_a_sync_it_did_not_see_start(
    page: Page, site: Site
) -> None:
    """A scheduled sync (here run by the test, as a worker would) starts and
    finishes between two looks of an idle page: the page still refetches."""
    sheet = register(
        site.sessions, site.fake, site.customer_id, "quiet", LEADS_CSV, label="Quiet"
    )
    assert sync_sheet(site.sessions, sheet, site.settings).status == "ok"
    page.clock.install()
    log_in(page, site.tokens["viewer"])
    table = page.get_by_role("table", name="Leads")
    expect(table.get_by_role("row")).to_have_count(4)
    site.fake.put(
        spreadsheet_id("quiet"),
        "0",
        LEADS_CSV + b"Dan Wu,dan@example.com,,2024-03-04,Facebook,Spring\n",
    )
    assert sync_sheet(site.sessions, sheet, site.settings).status == "ok"
    expect(table).not_to_contain_text("Dan Wu")
    page.clock.fast_forward(16_000)  # the idle look
    expect(table).to_contain_text("Dan Wu")


def test_a_hostile_lead_name_is_shown_as_text(page: Page, site: Site) -> None:
    body = LEADS_CSV + f"{HOSTILE},evil@example.com,,2024-03-04,x,y\n".encode()
    sheet = register(site.sessions, site.fake, site.customer_id, "evil", body)
    assert sync_sheet(site.sessions, sheet, site.settings).status == "ok"
    log_in(page, site.tokens["editor"])
    table = page.get_by_role("table", name="Leads")
    expect(table.get_by_role("cell", name=HOSTILE)).to_be_visible()
    assert table.locator("img").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_a_private_sheet_shows_its_error_on_its_row(page: Page, site: Site) -> None:
    sheet = register(
        site.sessions,
        site.fake,
        site.customer_id,
        "private",
        LEADS_CSV,
        label="Not shared",
        mode="private",
    )
    assert sync_sheet(site.sessions, sheet, site.settings).status == "failed"
    log_in(page, site.tokens["viewer"])
    open_tab(page, "Lead sources")
    row = sheet_row(page, "Not shared")
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text('"Anyone with the link"')


def test_a_cookie_write_without_the_csrf_token_is_refused(
    page: Page, site: Site
) -> None:
    log_in(page, site.tokens["editor"])
    body = {"url": sheet_url(spreadsheet_id("csrf")), "label": "Forged"}
    refused = page.request.post("/api/sheets", data=body)
    assert refused.status == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    assert sheet_count(site) == 0
    accepted = page.request.post(
        "/api/sheets", data=body, headers={"X-CSRF-Token": csrf_token(page)}
    )
    assert accepted.status == 201


def test_sources_tab_names_the_service_account_only_when_one_is_set(
    page: Page, site: Site
) -> None:
    log_in(page, site.tokens["editor"])
    open_tab(page, "Lead sources")

    expect(page.locator("#service-account")).to_be_hidden()


@pytest.mark.service_account
def test_sources_tab_names_the_service_account_to_share_with(
    page: Page, site: Site
) -> None:
    from tests.service_account import EMAIL

    log_in(page, site.tokens["editor"])
    open_tab(page, "Lead sources")

    note = page.locator("#service-account")
    expect(note).to_be_visible()
    expect(note).to_contain_text(EMAIL)


ODD_HEADERS_CSV = (
    b"Spring leads,,,\n"
    b"Who,Reach me at,Mobile (work),Notes\n"
    b"Ana Lima,ana@example.com,+44 7700 900101,call after 5\n"
    b"Bruno Costa,bruno@example.com,,\n"
)


def test_preview_lets_columns_be_named_and_the_sheet_syncs_with_them(
    page: Page, site: Site
) -> None:
    """A header nobody recognizes: the refusal lists the columns, a select per
    column names the contact columns, the preview reads again, and the saved
    sheet syncs with that column map."""
    sid = spreadsheet_id("oddheaders")
    site.fake.put(sid, "0", ODD_HEADERS_CSV)
    log_in(page, site.tokens["editor"])
    open_tab(page, "Lead sources")
    page.get_by_label("Sheet URL").fill(sheet_url(sid))
    page.get_by_label("Label").fill("Odd headers")
    page.get_by_role("button", name="Preview").click()

    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("No column of this tab holds emails")
    expect(preview).to_contain_text("Row 2 looks like the header.")
    email = preview.get_by_label("Column B (Reach me at) becomes")
    expect(email).to_have_value("")
    email.select_option("email")
    expect(preview).to_contain_text("The header is row 2.")
    expect(preview).to_contain_text("ana@example.com")
    expect(preview.get_by_label("Column B (Reach me at) becomes")).to_be_focused()
    preview.get_by_label("Column C (Mobile (work)) becomes").select_option("phone")
    expect(preview).to_contain_text("+447700900101")
    preview.get_by_label("Column A (Who) becomes").select_option("name")
    expect(preview.get_by_role("table", name="The first 2 of 2 leads")).to_contain_text(
        "Ana Lima"
    )
    # Naming another column for a field moves the field there.
    preview.get_by_label("Column D (Notes) becomes").select_option("name")
    expect(preview.get_by_label("Column A (Who) becomes")).to_have_value("")
    preview.get_by_label("Column A (Who) becomes").select_option("name")
    expect(preview.get_by_label("Column D (Notes) becomes")).to_have_value("")

    page.get_by_role("button", name="Save").click()
    row = sheet_row(page, "Odd headers")
    expect(row).to_be_visible()
    with site.sessions() as session:
        saved = session.scalars(select(SheetSourceConfig)).one()
        assert saved.column_map == {
            "email": "Reach me at",
            "phone": "Mobile (work)",
            "name": "Who",
        }
        assert saved.header_row is None
    assert sync_sheet(site.sessions, saved.id, site.settings).status == "ok"
    leads = stored(site.sessions)
    assert sorted(leads) == ["ana@example.com", "bruno@example.com"]
    assert leads["ana@example.com"]["name"] == "Ana Lima"
    assert leads["ana@example.com"]["phone"] == "+447700900101"
    assert leads["ana@example.com"]["extra"] == {"Notes": "call after 5"}

    # Editing shows the saved header row and keeps the map; a bad row number is
    # refused in the browser, next to its field.
    row.get_by_role("button", name="Edit").click()
    page.get_by_text("Reading settings").click()
    expect(page.get_by_label("Header row")).to_have_value("")
    page.get_by_label("Header row").fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#header_row-error")).to_contain_text("A row number")
    page.get_by_label("Header row").fill("2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Sheet URL")).to_have_value("")
    with site.sessions() as session:
        saved = session.scalars(select(SheetSourceConfig)).one()
        assert saved.header_row == 2
        assert saved.column_map["email"] == "Reach me at"


def test_the_api_reference_renders_without_the_internet(page: Page) -> None:
    """/docs draws the operations from this installation's Swagger UI files (the
    browser here reaches no CDN)."""
    page.goto("/docs")
    expect(page.get_by_role("heading", name=re.compile("^leadsync"))).to_be_visible()
    expect(page.get_by_text("/api/leads/export.csv")).to_be_visible()


def test_columns_a_column_map_cannot_tell_apart_cannot_be_chosen(
    page: Page, site: Site
) -> None:
    """Two columns of one header, or a header without letters, cannot be named
    in a column map: their selects say why. A column read by its header's name
    cannot be turned into an extra column: the preview says how to move it."""
    sid = spreadsheet_id("twinheaders")
    site.fake.put(
        sid,
        "0",
        "Contact,Phone,Phone,📧,E-mail\n"
        "Ana,+44 7700 900101,+44 7700 900102,x,ana@example.com\n".encode(),
    )
    log_in(page, site.tokens["editor"])
    open_tab(page, "Lead sources")
    page.get_by_label("Sheet URL").fill(sheet_url(sid))
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    for letter, header in (("B", "Phone"), ("C", "Phone"), ("D", "📧")):
        expect(
            preview.get_by_label(f"Column {letter} ({header}) becomes")
        ).to_be_disabled()
    expect(preview).to_contain_text("Another column has the same header")
    expect(preview).to_contain_text("has no letter or digit")

    email = preview.get_by_label("Column E (E-mail) becomes")
    expect(email).to_have_value("email")
    email.select_option("")
    expect(preview.get_by_role("status")).to_contain_text(
        "Column E is read as email from its header's name"
    )
    expect(preview.get_by_label("Column E (E-mail) becomes")).to_have_value("email")
    preview.get_by_label("Column A (Contact) becomes").select_option("email")
    expect(preview.get_by_label("Column A (Contact) becomes")).to_have_value("email")
    expect(preview.get_by_label("Column E (E-mail) becomes")).to_have_value("")
    expect(preview.get_by_role("status")).to_have_count(0)

    # Another link: that preview goes, and so do the columns chosen in it.
    page.get_by_label("Sheet URL").fill(sheet_url(spreadsheet_id("othertab")))
    expect(preview).to_be_hidden()
    page.get_by_label("Sheet URL").fill(sheet_url(sid))
    page.get_by_role("button", name="Preview").click()
    expect(preview.get_by_label("Column A (Contact) becomes")).to_have_value("")
    expect(preview.get_by_label("Column E (E-mail) becomes")).to_have_value("email")
