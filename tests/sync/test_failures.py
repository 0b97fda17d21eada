"""Every failure ends in a recorded state with a reason, and writes no lead."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle
from leadsync.store.models import LeadSyncState, SyncRun
from leadsync.sync.run import STILL_LOADING_TRIES, sync_sheet
from tests.conftest import FIXTURES
from tests.helpers import make_customer, register, serve, stored

GOOD = b"Name,Email,Phone\r\nAna Lima,ana@example.com,+447700900123\r\n"


@pytest.mark.parametrize(
    ("mode", "body", "code"),
    [
        ("private", GOOD, "sheet_not_public"),
        ("private_html", GOOD, "sheet_not_public"),
        ("deleted", GOOD, "sheet_not_found"),
        ("html", GOOD, "sheet_not_public"),
        ("throttled", GOOD, "rate_limited"),
        ("broken", GOOD, "upstream_error"),
        ("truncated", GOOD, "truncated_download"),
        ("ok", b'Name,Email\r\nAna,"ana@exa', "truncated_download"),
        ("ok", b"Summary,Total\r\nLeads,12\r\n", "required_columns_missing"),
        ("ok", (FIXTURES / "meta_lead_ads_utf16.tsv").read_bytes(), "invalid_format"),
        ("ok", b"<!DOCTYPE html><html>Sign in</html>", "sheet_not_public"),
        ("ok", GOOD.replace(b"ana@example.com", b"Loading..."), "sheet_still_loading"),
    ],
)
def test_failed_download_is_recorded_and_writes_nothing(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    mode: str,
    body: bytes,
    code: str,
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "s", GOOD)
    assert sync_sheet(sessions, sheet, settings).status == "ok"
    before = stored(sessions)
    serve(fake_google, "s", body, mode=mode, retry_after="0")

    outcome = sync_sheet(sessions, sheet, settings)

    assert (outcome.status, outcome.error_code) == ("failed", code)
    assert stored(sessions) == before
    with sessions() as session:
        state = session.get_one(LeadSyncState, sheet)
        run = session.get_one(SyncRun, outcome.run_id)
    assert (state.status, state.error_code) == ("failed", code)
    assert state.error_message and len(state.error_message) > 20
    assert state.consecutive_failures == 1
    assert (run.status, run.error_code) == ("failed", code)
    assert run.finished_at is not None
    assert state.last_success_at is not None  # the first sync's success stays


def test_bad_gid_is_tab_not_found(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "tabs", GOOD)
    serve(fake_google, "tabs", GOOD, gid="99")  # only gid 99 exists now
    with sessions.begin() as session:
        from leadsync.store.models import SheetSourceConfig

        session.get_one(SheetSourceConfig, sheet).gid = "12345"

    outcome = sync_sheet(sessions, sheet, settings)

    assert outcome.error_code == "tab_not_found"
    assert stored(sessions) == {}


def test_empty_snapshot_after_leads_is_refused(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "e", GOOD)
    sync_sheet(sessions, sheet, settings)
    for body in (b"", b"Name,Email,Phone\r\n"):
        serve(fake_google, "e", body)
        outcome = sync_sheet(sessions, sheet, settings)
        assert outcome.error_code == "empty_snapshot_refused"
        lead = stored(sessions)["ana@example.com"]
        assert lead["missing_since"] is None


def test_header_only_first_snapshot_is_fine(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "new", b"Name,Email\r\n")

    outcome = sync_sheet(sessions, sheet, settings)

    assert outcome.status == "ok"
    assert outcome.counts["leads"] == 0


def test_too_large_download(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "big", GOOD, mode="oversized")
    small = Settings(**{**settings.__dict__, "max_sheet_bytes": 64 * 1024})

    outcome = sync_sheet(sessions, sheet, small)

    assert outcome.error_code == "too_large"
    with sessions() as session:
        runs = list(session.scalars(select(SyncRun)))
    assert [r.status for r in runs] == ["failed"]


def test_failures_back_off(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "p", GOOD, mode="private")
    waits = []
    for _ in range(3):
        outcome = sync_sheet(sessions, sheet, settings)
        with sessions() as session:
            state = session.get_one(LeadSyncState, sheet)
        assert state.next_run_at is not None and state.last_sync_at is not None
        waits.append((state.next_run_at - state.last_sync_at).total_seconds())
    assert outcome.error_code == "sheet_not_public"
    assert waits[0] < waits[1] < waits[2]


def test_a_sheet_still_calculating_is_read_again_soon_not_applied(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    """ "Loading..." in a contact column, even in a few rows among many checkbox
    rows: nothing is applied or marked missing, and the sheet is due again soon.
    In a column no lead is keyed by, a minority is read as usual; a sheet whose
    formulas never finish is read as it is after STILL_LOADING_TRIES runs."""
    header = b"Name,Email,Campaign,Contacted\r\n"
    rows = [f"Lead {i},lead{i}@example.com,c,FALSE\r\n".encode() for i in range(6)]
    checkboxes = b",,,FALSE\r\n" * 20
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "calc", header + b"".join(rows))
    assert sync_sheet(sessions, sheet, settings).status == "ok"

    def loading(row: bytes, column: int) -> bytes:
        cells = row.decode().split(",")
        cells[column] = "Loading..."
        return ",".join(cells).encode()

    serve(fake_google, "calc", header + loading(rows[0], 1) + b"".join(rows[1:]))
    outcome = sync_sheet(sessions, sheet, settings)
    assert (outcome.status, outcome.error_code) == ("failed", "sheet_still_loading")
    assert all(lead["missing_since"] is None for lead in stored(sessions).values())
    with sessions() as session:
        state = session.get_one(LeadSyncState, sheet)
        assert state.next_run_at is not None and state.last_sync_at is not None
        assert (state.next_run_at - state.last_sync_at).total_seconds() <= 66

    most = [loading(row, 1) for row in rows[:5]] + rows[5:]
    serve(fake_google, "calc", header + b"".join(most) + checkboxes)
    assert sync_sheet(sessions, sheet, settings).error_code == "sheet_still_loading"

    campaign = [loading(row, 2) for row in rows[:2]] + rows[2:]
    serve(fake_google, "calc", header + b"".join(campaign) + checkboxes)
    applied = sync_sheet(sessions, sheet, settings)
    assert applied.status == "ok"
    assert stored(sessions)["lead0@example.com"]["campaign"] == "c"  # kept

    serve(fake_google, "calc", header + b"".join(most))
    codes = [
        sync_sheet(sessions, sheet, settings).error_code
        for _ in range(STILL_LOADING_TRIES + 1)
    ]
    assert codes == ["sheet_still_loading"] * STILL_LOADING_TRIES + [None]
    missing = sorted(k for k, v in stored(sessions).items() if v["missing_since"])
    assert missing == [f"lead{i}@example.com" for i in range(5)]
