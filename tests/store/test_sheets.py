"""Registering sheets: whitelisted fields, one sheet per tab, delete keeps leads."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.errors import Conflict, InvalidInput, InvalidUrl, NotFound
from leadsync.sheets.fake import FakeGoogle
from leadsync.store.customers import (
    LEGACY_LABEL,
    create_customer,
    get_customer,
    set_leads_reporting_url,
)
from leadsync.store.models import LeadSyncState
from leadsync.store.sheets import (
    add_sheet,
    delete_sheet,
    get_sheet,
    list_sheets,
    reading_settings,
    update_sheet,
)
from leadsync.sync.run import sync_sheet
from tests.conftest import sheet_url, spreadsheet_id
from tests.helpers import make_customer, serve, stored

URL = sheet_url(spreadsheet_id("reg"), "42")
BODY = b"Name,Email\r\nAna,ana@example.com\r\n"


def test_add_stores_an_explicit_gid_and_is_due_at_once(
    sessions: sessionmaker[Session],
) -> None:
    customer = make_customer(sessions)
    with sessions.begin() as session:
        sheet = add_sheet(session, customer, url=URL + " ", label=" Meta ")
        state = session.get_one(LeadSyncState, sheet.id)
        assert (sheet.spreadsheet_id, sheet.gid) == (spreadsheet_id("reg"), "42")
        assert sheet.label == "Meta" and sheet.url == URL and sheet.enabled
        assert state.status == "never" and state.next_run_at is not None


@pytest.mark.parametrize(
    ("fields", "error", "words"),
    [
        ({"url": URL}, InvalidInput, "label is required"),
        ({"url": URL, "label": "  "}, InvalidInput, "needs a label"),
        ({"url": "https://evil.example/x", "label": "x"}, InvalidUrl, "not on docs"),
        ({"url": URL, "label": "x", "id": 3}, InvalidInput, "id"),
        ({"url": URL, "label": "x", "header_row": 0}, InvalidInput, "header_row"),
        ({"url": URL, "label": "x", "column_map": {"fax": "F"}}, InvalidInput, "fax"),
        ({"url": URL, "label": "x", "fill_down": ["email"]}, InvalidInput, "email"),
        (
            {"url": URL, "label": "x", "column_map": {"email": "Name", "name": "name"}},
            InvalidInput,
            "both name the column",
        ),
        (
            {"url": URL, "label": "x", "column_map": {"email": "📧"}},
            InvalidInput,
            "no letter or digit",
        ),
        ({"url": URL, "label": "x", "region": "XX"}, InvalidInput, "region"),
        ({"url": URL, "label": "x", "timezone": "Mars/Base"}, InvalidInput, "zone"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_stored(
    sessions: sessionmaker[Session],
    fields: dict[str, object],
    error: type[Exception],
    words: str,
) -> None:
    customer = make_customer(sessions)
    with pytest.raises(error, match=words), sessions.begin() as session:
        add_sheet(session, customer, **fields)
    with sessions() as session:
        assert list_sheets(session) == []


def test_one_sheet_per_tab_and_deleted_ones_come_back_with_their_leads(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    serve(fake_google, "reg", BODY, gid="42")
    with sessions.begin() as session:
        sheet_id = add_sheet(session, customer, url=URL, label="A").id
    sync_sheet(sessions, sheet_id, settings)
    with pytest.raises(Conflict), sessions.begin() as session:
        add_sheet(session, customer, url=URL, label="B")

    with sessions.begin() as session:
        delete_sheet(session, get_sheet(session, sheet_id))
    assert len(stored(sessions)) == 1  # delete keeps leads
    with pytest.raises(NotFound), sessions() as session:
        get_sheet(session, sheet_id)
    with sessions.begin() as session:
        again = add_sheet(session, customer, url=URL, label="Back")

    assert again.id == sheet_id and again.label == "Back"
    assert [lead["sheet_id"] for lead in stored(sessions).values()] == [sheet_id]


def test_update_leaves_omitted_fields_and_makes_the_sheet_due(
    sessions: sessionmaker[Session],
) -> None:
    customer = make_customer(sessions, region="GB", locale="en_GB")
    with sessions.begin() as session:
        sheet = add_sheet(session, customer, url=URL, label="A", timezone="UTC")
        state = session.get_one(LeadSyncState, sheet.id)
        state.next_run_at = None
        state.consecutive_failures = 5
    with sessions.begin() as session:
        sheet = update_sheet(session, get_sheet(session, sheet.id), {"label": "B"})
        state = session.get_one(LeadSyncState, sheet.id)
        settings = reading_settings(sheet, get_customer(session, customer))
        assert (sheet.label, sheet.url, sheet.timezone) == ("B", URL, "UTC")
        assert state.next_run_at is not None and state.consecutive_failures == 0
        assert (settings.region, settings.locale) == ("GB", "en_GB")


def test_another_customers_sheet_is_not_found(sessions: sessionmaker[Session]) -> None:
    mine, theirs = make_customer(sessions, "A"), make_customer(sessions, "B")
    with sessions.begin() as session:
        sheet = add_sheet(session, theirs, url=URL, label="theirs").id
    with pytest.raises(NotFound), sessions() as session:
        get_sheet(session, sheet, customer_id=mine)


def test_legacy_leads_reporting_url_syncs_as_a_sheet(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    serve(fake_google, "legacy", BODY)
    with sessions.begin() as session:
        customer = create_customer(
            session, "Old", leads_reporting_url=sheet_url(spreadsheet_id("legacy"))
        ).id
    with sessions() as session:
        (sheet,) = list_sheets(session, customer)
    assert sheet.label == LEGACY_LABEL

    assert sync_sheet(sessions, sheet.id, settings).status == "ok"
    assert [lead["sheet_id"] for lead in stored(sessions).values()] == [sheet.id]

    serve(fake_google, "legacy2", BODY)
    with sessions.begin() as session:
        owner = get_customer(session, customer)
        set_leads_reporting_url(session, owner, sheet_url(spreadsheet_id("legacy2")))
    with sessions() as session:
        (moved,) = list_sheets(session, customer)
    assert moved.id == sheet.id and moved.spreadsheet_id == spreadsheet_id("legacy2")

    with sessions.begin() as session:
        set_leads_reporting_url(session, get_customer(session, customer), None)
    with sessions() as session:
        assert not get_sheet(session, sheet.id).enabled
    assert len(stored(sessions)) == 1
