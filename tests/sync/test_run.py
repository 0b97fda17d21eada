"""One sheet's sync run against a fake Google and a real database."""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.sheets.fake import FakeGoogle
from leadsync.store import upsert as upsert_module
from leadsync.store.db import checkpointer, make_engine, make_sessionmaker, upgrade
from leadsync.store.models import LeadChange, LeadRecord, LeadSyncState, SyncRun
from leadsync.sync.run import sync_sheet
from tests.conftest import FIXTURES
from tests.helpers import (
    load_expected,
    make_customer,
    register,
    serve,
    settings_fields,
    stored,
)

META = (FIXTURES / "meta_lead_ads.csv").read_bytes()
META_SETTINGS = settings_fields(
    load_expected(FIXTURES / "meta_lead_ads.expected.json")["settings"]
)


def _shuffle(body: bytes, seed: int = 7) -> bytes:
    lines = body.decode().split("\r\n")
    header, rows = lines[0], [r for r in lines[1:] if r]
    random.Random(seed).shuffle(rows)
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def _state(sessions: sessionmaker[Session], sheet_id: int) -> LeadSyncState:
    with sessions() as session:
        return session.get_one(LeadSyncState, sheet_id)


def test_first_sync_stores_the_fixture_leads(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    expected = load_expected(FIXTURES / "meta_lead_ads.expected.json")
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "meta", META, **META_SETTINGS)

    outcome = sync_sheet(sessions, sheet, settings)

    assert outcome.status == "ok", outcome.error_message
    leads = stored(sessions)
    keys = {lead["lead_key"] for lead in expected["leads"]}
    assert set(leads) == keys
    for lead in expected["leads"]:
        got = leads[lead["lead_key"]]
        if lead["row"] in {12, 13}:  # duplicates fold into rows 10 and 11
            continue
        for name in ("name", "email", "phone", "channel", "campaign"):
            assert got[name] == lead[name], (lead["row"], name)
    assert outcome.counts["inserted"] == len(keys) == 15
    assert outcome.counts["skipped"] == 1
    assert outcome.counts["rows_read"] == 19
    state = _state(sessions, sheet)
    assert state.status == "ok" and state.error_code is None
    assert state.counts["leads"] == 15


def test_second_sync_of_the_same_sheet_changes_nothing(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "meta", META, **META_SETTINGS)
    sync_sheet(sessions, sheet, settings)
    before = stored(sessions)

    outcome = sync_sheet(sessions, sheet, settings)

    assert outcome.status == "unchanged"
    assert outcome.counts["inserted"] == outcome.counts["updated"] == 0
    assert stored(sessions) == before


def test_shuffled_sheet_inserts_nothing_and_changes_no_value(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    body = (FIXTURES / "tiktok_leads.csv").read_bytes()
    sheet = register(sessions, fake_google, customer, "tiktok", body, region="US")
    sync_sheet(sessions, sheet, settings)
    before = stored(sessions)
    serve(fake_google, "tiktok", _shuffle(body))

    outcome = sync_sheet(sessions, sheet, settings)

    assert outcome.status == "ok"
    assert outcome.counts["inserted"] == 0
    assert outcome.counts["updated"] == 0
    after = stored(sessions)
    assert set(after) == set(before)
    for key, lead in before.items():
        moved = dict(after[key], row=lead["row"], last_seen_at=lead["last_seen_at"])
        assert moved == lead
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(LeadChange)) == 0


def test_shortened_sheet_deletes_nothing_and_marks_missing(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "meta", META, **META_SETTINGS)
    sync_sheet(sessions, sheet, settings)
    before = stored(sessions)
    lines = META.decode().split("\r\n")
    shortened = "\r\n".join(lines[:8]) + "\r\n"  # header + rows 2..8
    serve(fake_google, "meta", shortened.encode())

    outcome = sync_sheet(sessions, sheet, settings)

    after = stored(sessions)
    assert set(after) == set(before)
    gone = {k for k, v in after.items() if v["missing_since"]}
    assert len(gone) == outcome.counts["missing"] == 15 - 6
    for key, lead in after.items():
        assert lead["id"] == before[key]["id"]
        assert lead["first_seen_at"] == before[key]["first_seen_at"]
        assert lead["name"] == before[key]["name"]

    serve(fake_google, "meta", META)
    sync_sheet(sessions, sheet, settings)
    assert not any(v["missing_since"] for v in stored(sessions).values())


def test_app_owned_fields_survive_syncs(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "meta", META, **META_SETTINGS)
    sync_sheet(sessions, sheet, settings)
    with sessions.begin() as session:
        for lead in session.scalars(select(LeadRecord)):
            lead.status, lead.notes = "contacted", f"called {lead.id}"
    serve(fake_google, "meta", _shuffle(META.replace(b"Dana", b"Dane")))

    outcome = sync_sheet(sessions, sheet, settings)

    assert outcome.counts["updated"] == 2  # both of Dana's leads were renamed
    for lead in stored(sessions).values():
        assert lead["status"] == "contacted"
        assert lead["notes"] == f"called {lead['id']}"


def test_replaced_values_are_kept_in_history(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions, region="GB", locale="en_GB")
    body = b"Name,Email,Phone\r\nAna Lima,ana@example.com,07700 900123\r\n"
    sheet = register(sessions, fake_google, customer, "hist", body)
    first = sync_sheet(sessions, sheet, settings)
    serve(fake_google, "hist", body.replace(b"Ana Lima", b"Ana Lima-Souza"))

    second = sync_sheet(sessions, sheet, settings)

    with sessions() as session:
        changes = list(session.scalars(select(LeadChange)))
    assert [(c.field, c.old_value, c.new_value) for c in changes] == [
        ("name", "Ana Lima", "Ana Lima-Souza")
    ]
    assert changes[0].run_id == second.run_id != first.run_id
    assert changes[0].actor == "sync"


def test_empty_cell_never_blanks_a_stored_value(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions, region="GB", locale="en_GB")
    body = b"Name,Email,Phone,Source\r\nAna Lima,ana@example.com,07700 900123,FB\r\n"
    sheet = register(sessions, fake_google, customer, "blank", body)
    sync_sheet(sessions, sheet, settings)
    serve(fake_google, "blank", b"Name,Email,Phone,Source\r\n,ana@example.com,,\r\n")

    outcome = sync_sheet(sessions, sheet, settings)

    assert outcome.counts["updated"] == 0
    lead = stored(sessions)["ana@example.com"]
    assert (lead["name"], lead["phone"], lead["channel"]) == (
        "Ana Lima",
        "+447700900123",
        "FB",
    )


def test_a_key_that_changes_kind_rekeys_the_lead(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions, region="GB", locale="en_GB")
    body = b"Name,Email,Phone\r\nAna Lima,,07700 900123\r\n"
    sheet = register(sessions, fake_google, customer, "rekey", body)
    sync_sheet(sessions, sheet, settings)
    (old,) = stored(sessions).values()
    assert old["lead_key"] == "+447700900123"
    serve(fake_google, "rekey", body.replace(b",,", b",ana@example.com,"))

    outcome = sync_sheet(sessions, sheet, settings)

    (new,) = stored(sessions).values()
    assert new["id"] == old["id"]
    assert new["lead_key"] == "ana@example.com"
    assert new["first_seen_at"] == old["first_seen_at"]
    assert outcome.counts["inserted"] == 0 and outcome.counts["updated"] == 1
    codes = [w["code"] for w in _last_run(sessions).samples["warnings"]]
    assert "lead_rekeyed" in codes


def _last_run(sessions: sessionmaker[Session]) -> SyncRun:
    with sessions() as session:
        run = session.scalars(select(SyncRun).order_by(SyncRun.id.desc())).first()
        assert run is not None
        return run


def test_other_customers_and_sheets_are_never_touched(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    mine = make_customer(sessions, "Mine")
    theirs = make_customer(sessions, "Theirs")
    other_sheet = register(
        sessions, fake_google, theirs, "theirs", META, **META_SETTINGS
    )
    sync_sheet(sessions, other_sheet, settings)
    before = stored(sessions, customer_id=theirs)
    sheet = register(sessions, fake_google, mine, "mine", META, **META_SETTINGS)

    sync_sheet(sessions, sheet, settings)
    serve(fake_google, "mine", b"Name,Email\r\nZed,zed@example.com\r\n")
    sync_sheet(sessions, sheet, settings)

    assert stored(sessions, customer_id=theirs) == before
    assert len(stored(sessions, customer_id=mine)) == 16


def test_a_shared_phone_does_not_hand_one_persons_lead_to_another(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions, region="GB", locale="en_GB")
    body = b"Name,Email,Phone\r\nBob,bob@example.com,07700 900202\r\n"
    sheet = register(sessions, fake_google, customer, "household", body)
    sync_sheet(sessions, sheet, settings)
    with sessions.begin() as session:
        bob = session.scalars(select(LeadRecord)).one()
        bob.notes = "Bob's notes"
    serve(fake_google, "household", body.replace(b"Bob,bob@", b"Zed,zed@"))

    outcome = sync_sheet(sessions, sheet, settings)

    leads = stored(sessions)
    assert outcome.counts["inserted"] == 1
    assert leads["bob@example.com"]["notes"] == "Bob's notes"
    assert leads["bob@example.com"]["name"] == "Bob"
    assert leads["bob@example.com"]["missing_since"] is not None
    assert leads["zed@example.com"]["notes"] is None


def test_an_unchanged_sync_still_counts_as_seeing_every_present_lead(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    from leadsync.store.leads import lead_items

    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "seen", META, **META_SETTINGS)
    sync_sheet(sessions, sheet, settings)
    lines = META.decode().split("\r\n")
    serve(fake_google, "seen", ("\r\n".join(lines[:8]) + "\r\n").encode())
    sync_sheet(sessions, sheet, settings)  # rows 9.. go missing
    with sessions.begin() as session:  # an hour passes before the next sync
        for lead in session.scalars(select(LeadRecord)):
            lead.last_seen_at -= timedelta(hours=1)
    assert sync_sheet(sessions, sheet, settings).status == "unchanged"

    with sessions() as session:
        state = session.get_one(LeadSyncState, sheet)
        items = lead_items(session, list(session.scalars(select(LeadRecord))))
    assert state.last_success_at is not None
    present = [i for i in items if i["missing_since"] is None]
    gone = [i for i in items if i["missing_since"] is not None]
    assert present and gone
    last = state.last_success_at.isoformat(timespec="seconds")
    assert all(i["last_seen_at"] == last for i in present)
    assert all(i["last_seen_at"] <= i["missing_since"] for i in gone)


def test_a_lead_gone_from_its_sheet_was_last_seen_by_the_sync_before(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "gone", META, **META_SETTINGS)
    sync_sheet(sessions, sheet, settings)
    assert sync_sheet(sessions, sheet, settings).status == "unchanged"
    with sessions() as session:
        seen_before = session.get_one(LeadSyncState, sheet).last_success_at
        first_seen = {
            lead.lead_key: lead.first_seen_at
            for lead in session.scalars(select(LeadRecord))
        }
    lines = META.decode().split("\r\n")
    serve(fake_google, "gone", ("\r\n".join(lines[:8]) + "\r\n").encode())

    assert sync_sheet(sessions, sheet, settings).counts["missing"] > 0

    with sessions() as session:
        leads = list(session.scalars(select(LeadRecord)))
    gone = [lead for lead in leads if lead.missing_since is not None]
    present = [lead for lead in leads if lead.missing_since is None]
    assert gone and present
    assert all(lead.last_seen_at == seen_before for lead in gone)
    # No sync rewrites a present lead's last_seen_at: it is derived from the sheet.
    assert all(lead.last_seen_at == first_seen[lead.lead_key] for lead in present)


def test_a_dates_instant_follows_the_sheets_new_time_zone_without_history(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    from leadsync.store.models import SheetSourceConfig
    from leadsync.store.sheets import update_sheet

    body = b"Name,Email,Created\r\nAna,ana@example.com,2024-01-05\r\n"
    customer = make_customer(sessions)
    moved = register(sessions, fake_google, customer, "tz", body, timezone="UTC")
    sync_sheet(sessions, moved, settings)
    with sessions.begin() as session:
        sheet = session.get_one(SheetSourceConfig, moved)
        update_sheet(session, sheet, {"timezone": "America/New_York"})
    again = sync_sheet(sessions, moved, settings)
    fresh = register(
        sessions, fake_google, customer, "tz-fresh", body, timezone="America/New_York"
    )
    sync_sheet(sessions, fresh, settings)

    with sessions() as session:
        leads = {lead.sheet_id: lead for lead in session.scalars(select(LeadRecord))}
        changes = session.scalar(select(func.count()).select_from(LeadChange))
    assert (again.counts["updated"], again.counts["unchanged"]) == (0, 1)
    assert leads[moved].created_at == leads[fresh].created_at  # 05:00 UTC
    assert leads[moved].created_at_text == "2024-01-05"
    assert changes == 0  # the sheet's value did not change


def test_a_hand_typed_row_in_a_meta_export_changes_no_other_leads_key(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    """A row typed by hand under a Meta download, its id a row number: the Meta
    leads keep their ids (none goes missing, none merges), the new row is keyed
    by its email."""
    body = (
        b"id,created_time,full_name,email,phone_number\r\n"
        b"l:1193456028882147,2024-01-02T06:07:49-05:00,Dana Duarte,dana@example.com,"
        b"p:+17185550115\r\n"
        b"l:1193456028891897,2024-01-03T06:08:21-05:00,Dana Duarte,dana@example.com,"
        b"p:+17185550115\r\n"
        b"l:1193456028899999,2024-01-04T06:08:21-05:00,Wen Li,wen@example.com,"
        b"p:+12015550113\r\n"
    )
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "handtyped", body)
    assert sync_sheet(sessions, sheet, settings).status == "ok"
    first = stored(sessions)
    serve(
        fake_google,
        "handtyped",
        body + b"17,2024-01-05,Manual Entry,manual@example.com,+12015550150\r\n",
    )

    outcome = sync_sheet(sessions, sheet, settings)

    assert outcome.status == "ok", outcome.error_message
    assert (outcome.counts["inserted"], outcome.counts["missing"]) == (1, 0)
    leads = stored(sessions)
    assert sorted(leads) == sorted([*first, "manual@example.com"])
    for key, lead in first.items():
        assert leads[key]["id"] == lead["id"]
        assert leads[key]["missing_since"] is None
    manual = leads["manual@example.com"]
    assert (manual["external_id"], manual["raw"]["external_id"]) == (None, "17")


def test_a_leads_warnings_follow_its_rows_without_counting_as_a_change(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    """A second row of the same lead, with the same values, adds duplicate_in_batch
    to the lead as a fresh sync would; removing it takes the warning away. The
    values did not change: no history, the lead counts as unchanged."""
    header = b"Name,Email\r\n"
    ana, bo = b"Ana,ana@example.com\r\n", b"Bo,bo@example.com\r\n"
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "dupes", header + ana + bo)
    assert sync_sheet(sessions, sheet, settings).status == "ok"
    assert stored(sessions)["ana@example.com"]["warnings"] == []

    serve(fake_google, "dupes", header + ana + bo + ana)
    twice = sync_sheet(sessions, sheet, settings)
    assert (twice.counts["updated"], twice.counts["unchanged"]) == (0, 2)
    assert stored(sessions)["ana@example.com"]["warnings"] == ["duplicate_in_batch"]

    serve(fake_google, "dupes", header + bo + ana)
    once = sync_sheet(sessions, sheet, settings)
    assert (once.counts["updated"], once.counts["unchanged"]) == (0, 2)
    leads = stored(sessions)
    assert leads["ana@example.com"]["warnings"] == []
    with sessions() as session:
        assert session.scalar(select(func.count(LeadChange.id))) == 0


def test_a_big_first_sync_leaves_postgresql_statistics_of_its_leads(
    pg_sessions: sessionmaker[Session],
    pg_database: str,
    fake_google: FakeGoogle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After many new leads the sync runs ANALYZE in its transaction, so the next
    sync's lookups are planned for the rows there are."""
    monkeypatch.setattr(upsert_module, "MANY_INSERTED", 50)
    body = "full_name,email\r\n" + "".join(
        f"Lead {i},lead{i}@example.com\r\n" for i in range(300)
    )
    customer = make_customer(pg_sessions, "Stats")
    sheet = register(pg_sessions, fake_google, customer, "stats", body.encode())
    with pg_sessions.begin() as session:  # no autovacuum in between
        session.execute(text("ALTER TABLE leads SET (autovacuum_enabled = false)"))
    try:
        settings = Settings(
            database_url=pg_database, google_sheets_base_url=fake_google.base_url
        )
        assert sync_sheet(pg_sessions, sheet, settings).counts["inserted"] == 300
        with pg_sessions() as session:
            leads = session.scalar(select(func.count()).select_from(LeadRecord))
            tuples = session.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'leads'")
            )
            analyzed = session.scalar(
                text(
                    "SELECT count(*) FROM pg_stats WHERE tablename = 'leads' "
                    "AND attname IN ('customer_id', 'sheet_id', 'lead_key', "
                    "'person_key')"
                )
            )
    finally:
        with pg_sessions.begin() as session:
            session.execute(text("ALTER TABLE leads RESET (autovacuum_enabled)"))
    assert tuples == leads >= 300
    assert analyzed == 4


def test_a_big_sqlite_sync_leaves_its_checkpoint_to_the_background(
    tmp_path: Path, fake_google: FakeGoogle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit of many new leads does not copy its WAL into the database file
    itself, nor does the sync's next commit (its lease release): a background
    thread does, after the sync has returned, and autocheckpoint is on again for
    the next transaction."""
    monkeypatch.setattr(upsert_module, "MANY_INSERTED", 50)
    path = tmp_path / "leadsync.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    background = checkpointer(engine)
    assert background is not None
    release = threading.Event()
    checkpoint = background._checkpoint

    wrote: list[int] = []

    def held() -> None:
        release.wait(30)
        if wrote:
            checkpoint()
            return
        # A reader of the WAL keeps it from starting over while this process
        # commits once more after the copy: pages the copy could not have seen.
        wrote.append(1)
        with contextlib.closing(sqlite3.connect(path)) as reader:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM leads").fetchone()
            checkpoint()
            with engine.begin() as conn:
                conn.exec_driver_sql("UPDATE customers SET name = name || '.'")

    monkeypatch.setattr(background, "_checkpoint", held)
    body = "full_name,email,notes\r\n" + "".join(
        f"Lead {i},lead{i}@example.com,{'x' * 1500}\r\n" for i in range(3000)
    )
    customer = make_customer(sessions, "Checkpoint")
    sheet = register(sessions, fake_google, customer, "big", body.encode())
    settings = Settings(
        database_url=f"sqlite:///{path}", google_sheets_base_url=fake_google.base_url
    )
    try:
        before = path.stat().st_size
        assert sync_sheet(sessions, sheet, settings).counts["inserted"] == 3000
        # Committed and readable, still in the WAL only.
        assert len(stored(sessions)) == 3000
        assert path.stat().st_size == before
        # Past SQLite's autocheckpoint (1,000 pages): any commit would copy it.
        with engine.connect() as conn:
            page = conn.exec_driver_sql("PRAGMA page_size").scalar()
        assert Path(f"{path}-wal").stat().st_size > 1000 * page
        done = background.done
    finally:
        release.set()
    background.wait(30)
    # The big commit's copy, and one more for what was committed meanwhile.
    assert background.done == done + 2
    assert path.stat().st_size > before + 1_000_000
    with engine.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
        conn.exec_driver_sql("UPDATE customers SET name = name || '.'")
    with contextlib.closing(sqlite3.connect(path)) as db:
        _, frames, _ = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    # Every frame had been copied, so the next write started the WAL over.
    assert frames < 50
    engine.dispose()
