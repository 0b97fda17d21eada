"""Rows recognized by their digest (store/known.py) are not read, and a sync that
recognizes them stores exactly what a sync that reads every row stores."""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.leads import digest as digest_module
from leadsync.sheets.fake import FakeGoogle
from leadsync.store import known as known_module
from leadsync.store.models import LeadChange, LeadRecord, SheetSourceConfig, SyncRun
from leadsync.sync import run as run_module
from leadsync.sync.run import RunOutcome, sync_sheet
from tests.conftest import FIXTURES
from tests.helpers import make_customer, register, serve

HEADER = "Name,Email,Phone,Created,Source\r\n"


def _sheet(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\r\n" for row in rows)).encode()


ANA = "Ana,ana@example.com,+14155550101,2024-01-05,fb"
BO = "Bo,bo@example.com,+14155550102,2024-01-06,ig"
CY = "Cy,cy@example.com,+14155550103,2024-01-07,fb"
DEE = "Dee,dee@example.com,12,2024-01-08,fb"  # an unreadable phone: a warning


def _leads(sessions: sessionmaker[Session]) -> dict[str, LeadRecord]:
    with sessions() as session:
        return {lead.lead_key: lead for lead in session.scalars(select(LeadRecord))}


def _recognized(outcome: RunOutcome) -> int:
    assert outcome.applied is not None, outcome.error_message
    return len(outcome.applied.recognized)


def test_an_unchanged_row_is_recognized_not_read(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "rec", _sheet(ANA, BO, DEE))
    first = sync_sheet(sessions, sheet, settings)
    before = _leads(sessions)
    serve(fake_google, "rec", _sheet(ANA, BO, DEE, CY))

    again = sync_sheet(sessions, sheet, settings)

    # Ana, Bo and Dee are recognized; Dee's warning is counted all the same.
    assert _recognized(first) == 0
    assert _recognized(again) == 3
    assert again.counts == {
        **again.counts,
        "leads": 4,
        "inserted": 1,
        "updated": 0,
        "unchanged": 3,
        "missing": 0,
    }
    assert again.counts["warnings"] == first.counts["warnings"] == 1
    after = _leads(sessions)
    for key in ("ana@example.com", "bo@example.com", "dee@example.com"):
        assert after[key].row_digest == before[key].row_digest is not None
        assert after[key].updated_at == before[key].updated_at
    assert (
        after["dee@example.com"].row_warnings == '[["C", "phone_unparseable", "phone"]]'
    )
    with sessions() as session:
        runs = session.scalars(select(SyncRun).order_by(SyncRun.id)).all()
    assert runs[0].samples["warnings"] == runs[1].samples["warnings"]  # row 4, C


def test_a_moved_recognized_row_keeps_its_lead_and_gets_its_new_row_number(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "move", _sheet(ANA, BO, CY))
    sync_sheet(sessions, sheet, settings)
    ids = {key: lead.id for key, lead in _leads(sessions).items()}
    serve(fake_google, "move", _sheet(CY, ANA))

    outcome = sync_sheet(sessions, sheet, settings)

    assert _recognized(outcome) == 2
    leads = _leads(sessions)
    assert {key: lead.id for key, lead in leads.items()} == ids
    assert leads["cy@example.com"].row_number == 2
    assert leads["ana@example.com"].row_number == 3
    assert leads["bo@example.com"].missing_since is not None
    serve(fake_google, "move", _sheet(BO, CY, ANA))  # Bo is back, unchanged

    back = sync_sheet(sessions, sheet, settings)

    assert _recognized(back) == 3
    assert (back.counts["inserted"], back.counts["missing"]) == (0, 0)
    bo = _leads(sessions)["bo@example.com"]
    assert (bo.missing_since, bo.row_number) == (None, 2)


def test_a_new_row_with_the_key_of_a_recognized_row_reads_the_sheet_whole(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    """Rows sharing a key fold (earliest created_at, a duplicate warning), which
    a recognized row that is not read cannot take part in."""
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "dup", _sheet(ANA, BO))
    sync_sheet(sessions, sheet, settings)
    later = "Ana Maria,ana@example.com,,2023-12-31,ig"
    serve(fake_google, "dup", _sheet(ANA, BO, later))

    outcome = sync_sheet(sessions, sheet, settings)

    assert _recognized(outcome) == 0  # read again whole, recognizing nothing
    assert outcome.counts["updated"] == 1
    ana = _leads(sessions)["ana@example.com"]
    assert (ana.name, ana.channel) == ("Ana Maria", "ig")
    assert ana.created_at_text == "2023-12-31"
    assert ana.phone == "+14155550101"  # an empty cell never blanks a value
    assert "duplicate_in_batch" in ana.warnings
    assert ana.row_digest is None  # a lead of two rows is compared by its values


def test_a_row_pasted_twice_is_one_lead_read_whole(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "twice", _sheet(ANA, BO))
    sync_sheet(sessions, sheet, settings)
    serve(fake_google, "twice", _sheet(ANA, BO, ANA))

    outcome = sync_sheet(sessions, sheet, settings)

    assert _recognized(outcome) == 0
    assert (outcome.counts["leads"], outcome.counts["inserted"]) == (2, 0)
    assert outcome.counts["warnings"] == 1  # duplicate_in_batch
    assert _leads(sessions)["ana@example.com"].row_digest is None


@pytest.mark.parametrize(
    "change",
    [
        {"region": "GB"},  # settings: another reading of every phone
        {"column_map": {"channel": "Source"}},  # layout: another field
    ],
)
def test_changed_settings_recognize_no_row(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    change: dict[str, Any],
) -> None:
    from leadsync.store.sheets import update_sheet

    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "set", _sheet(ANA, BO))
    sync_sheet(sessions, sheet, settings)
    with sessions.begin() as session:
        update_sheet(session, session.get_one(SheetSourceConfig, sheet), change)

    outcome = sync_sheet(sessions, sheet, settings)

    assert outcome.status == "ok"
    assert _recognized(outcome) == 0


def test_a_changed_reader_recognizes_no_row(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "code", _sheet(ANA, BO))
    sync_sheet(sessions, sheet, settings)
    serve(fake_google, "code", _sheet(ANA, BO, CY))
    monkeypatch.setattr(digest_module, "reader_source_digest", lambda: "a new reader")

    outcome = sync_sheet(sessions, sheet, settings)

    assert _recognized(outcome) == 0
    assert outcome.counts["unchanged"] == 2


def test_fill_down_sheets_are_always_read(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    customer = make_customer(sessions)
    body = _sheet(ANA, "Bo,bo@example.com,+14155550102,,")
    sheet = register(
        sessions, fake_google, customer, "fill", body, fill_down=["created_at"]
    )
    sync_sheet(sessions, sheet, settings)
    serve(fake_google, "fill", body + b"Cy,cy@example.com,,,\r\n")

    outcome = sync_sheet(sessions, sheet, settings)

    assert _recognized(outcome) == 0
    assert all(lead.row_digest is None for lead in _leads(sessions).values())


# -- the equivalence property --------------------------------------------------

# A small universe of rows: snapshots drawn from it share rows, change rows, fold
# rows that share an email, and hold rows that read with warnings or not at all.
_NAMES = ["Ana", "ANA", ""]
_EMAILS = ["ana@example.com", "bo@example.com", "", "Bo@Example.com"]
_PHONES = ["+14155550101", "12", ""]
_DATES = ["2024-01-05", "2023-12-31", ""]
_ROWS = [
    f"{name},{email},{phone},{date},fb"
    for name in _NAMES
    for email in _EMAILS
    for phone in _PHONES
    for date in _DATES
]
rows = st.sampled_from(_ROWS)


@st.composite
def snapshots(draw: st.DrawFn) -> list[list[str]]:
    """A first snapshot, then each next one its rows moved, some gone, some new."""
    steps = [draw(st.lists(rows, min_size=1, max_size=8))]
    for _ in range(draw(st.integers(1, 3))):
        kept = draw(st.permutations(steps[-1]))
        kept = kept[: draw(st.integers(0, len(kept)))]
        for row in draw(st.lists(rows, max_size=3)):
            kept.insert(draw(st.integers(0, len(kept))), row)
        steps.append(kept or [draw(rows)])
    return steps


def _dump(sessions: sessionmaker[Session], sheet: int) -> dict[str, Any]:
    """Leads and history of one sheet; times as their rank, ids as keys."""
    skip = {"id", "customer_id", "sheet_id"}
    times = ("first_seen_at", "last_seen_at", "missing_since", "updated_at")
    with sessions() as session:
        leads = list(
            session.scalars(select(LeadRecord).where(LeadRecord.sheet_id == sheet))
        )
        ids = {lead.id: lead.lead_key for lead in leads}
        changes = list(
            session.scalars(select(LeadChange).where(LeadChange.lead_id.in_(ids)))
        )
        runs = list(
            session.scalars(
                select(SyncRun).where(SyncRun.sheet_id == sheet).order_by(SyncRun.id)
            )
        )
    stamps = sorted(
        {getattr(x, t) for x in leads for t in times if getattr(x, t)}
        | {c.changed_at for c in changes}
    )
    rank = {t: i for i, t in enumerate(stamps)}
    return {
        "leads": {
            lead.lead_key: {
                c.key: rank.get(value) if c.key in times else value
                for c in LeadRecord.__table__.columns
                if c.key not in skip
                for value in [getattr(lead, c.key)]
            }
            for lead in leads
        },
        "history": sorted(
            (
                (ids[c.lead_id], c.field, c.old_value, c.new_value, rank[c.changed_at])
                for c in changes
            ),
            key=repr,
        ),
        "runs": [(r.status, r.counts, r.samples) for r in runs],
    }


@pytest.fixture
def reading_all(monkeypatch: pytest.MonkeyPatch) -> set[int]:
    """Sheets whose syncs recognize nothing and read every row (add their ids)."""
    sheets: set[int] = set()

    def known_rows(
        sessions: sessionmaker[Session], customer_id: int, sheet_id: int
    ) -> known_module.KnownRows:
        if sheet_id in sheets:
            return known_module.KnownRows()
        return known_module.known_rows(sessions, customer_id, sheet_id)

    monkeypatch.setattr(run_module, "known_rows", known_rows)
    return sheets


def test_recognizing_rows_stores_what_reading_every_row_stores(
    world: Any, reading_all: set[int]
) -> None:
    sessions, fake, config = world
    count = iter(range(10**6))
    recognized = 0

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(steps=snapshots())
    def check(steps: list[list[str]]) -> None:
        nonlocal recognized
        n = next(count)
        pair = []
        for kind in ("recognizing", "reading"):
            customer = make_customer(sessions, f"{kind}{n}")
            name = f"{kind}{n}"
            sheet = register(sessions, fake, customer, name, _sheet(*steps[0]))
            pair.append((name, sheet))
        reading_all.add(pair[1][1])
        for rows in steps:
            for name, sheet in pair:
                serve(fake, name, _sheet(*rows))
                outcome = sync_sheet(sessions, sheet, config)
                if outcome.applied is not None:
                    recognized += len(outcome.applied.recognized)
        assert _dump(sessions, pair[0][1]) == _dump(sessions, pair[1][1])

    check()
    assert recognized > 0  # the property did exercise recognition


def test_a_sheet_whose_first_rows_all_changed_lets_its_digests_go(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No first row recognized: the sheet changed shape, and the later rows are
    read like the rest (and stored alike) rather than looked up."""
    monkeypatch.setattr(known_module, "GIVE_UP_AFTER", 2)
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "shape", _sheet(ANA, BO, CY))
    sync_sheet(sessions, sheet, settings)
    before = _leads(sessions)
    changed = [ANA.replace("Ana,", "Ana Maria,"), BO.replace("Bo,", "Bo Li,"), CY]
    serve(fake_google, "shape", _sheet(*changed))

    outcome = sync_sheet(sessions, sheet, settings)

    assert _recognized(outcome) == 0  # Cy's row is unchanged, and read all the same
    assert (outcome.counts["updated"], outcome.counts["unchanged"]) == (2, 1)
    cy = _leads(sessions)["cy@example.com"]
    assert cy.updated_at == before["cy@example.com"].updated_at
    assert cy.row_digest == before["cy@example.com"].row_digest


def test_one_info_line_per_run_with_ids_counts_and_rows_recognized(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "log", _sheet(ANA, BO))
    sync_sheet(sessions, sheet, settings)
    serve(fake_google, "log", _sheet(ANA, BO, CY))

    with caplog.at_level(logging.INFO, logger="leadsync.sync.run"):
        outcome = sync_sheet(sessions, sheet, settings)

    (line,) = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert f"run_id={outcome.run_id} customer_id={customer} sheet_id={sheet}" in line
    assert "status=ok error=- rows=4 leads=3 inserted=1 updated=0 unchanged=2" in line
    assert "recognized=2 duration=" in line


def test_a_platform_export_with_a_new_row_stores_what_reading_it_all_stores(
    world: Any, reading_all: set[int]
) -> None:
    """Meta's export: a generic id column judged by the head, prefixes, test rows,
    duplicates and warnings; a new row and a moved row the next time."""
    sessions, fake, config = world
    meta = (FIXTURES / "meta_lead_ads.csv").read_bytes()
    header, *rows = csv.reader(io.StringIO(meta.decode(), newline=""))
    new = [
        cell.replace("l:11", "l:99").replace("@example", "@new.example")
        for cell in rows[1]
    ]
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(
        [header, rows[2], rows[1], *rows[3:], new, rows[0]]
    )
    later = text.getvalue().encode()
    pair, outcomes = [], []
    for kind in ("recognizing", "reading"):
        customer = make_customer(sessions, kind, timezone="America/New_York")
        pair.append(register(sessions, fake, customer, f"meta-{kind}", meta))
    reading_all.add(pair[1])
    for body in (meta, later):
        for kind, sheet in zip(("recognizing", "reading"), pair, strict=True):
            serve(fake, f"meta-{kind}", body)
            outcomes.append(sync_sheet(sessions, sheet, config))
    assert _recognized(outcomes[2]) > 5 and _recognized(outcomes[3]) == 0
    assert outcomes[2].counts == outcomes[3].counts
    assert _dump(sessions, pair[0]) == _dump(sessions, pair[1])


def test_a_new_reader_reads_an_unchanged_sheet_once_more(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "release", _sheet(ANA, DEE))
    sync_sheet(sessions, sheet, settings)
    assert sync_sheet(sessions, sheet, settings).status == "unchanged"
    monkeypatch.setattr(digest_module, "reader_source_digest", lambda: "next release")

    again = sync_sheet(sessions, sheet, settings)

    assert again.status == "ok"  # read, not skipped by its content hash
    assert (again.counts["updated"], again.counts["unchanged"]) == (0, 2)
    assert _recognized(again) == 0
    assert sync_sheet(sessions, sheet, settings).status == "unchanged"


def test_leads_with_the_largest_ids_are_recognized(
    sessions: sessionmaker[Session], fake_google: FakeGoogle, settings: Settings
) -> None:
    """Ids near the top of PostgreSQL's 32-bit id column (and beyond, on SQLite)
    pack with their row number into one entry without overflowing."""
    customer = make_customer(sessions)
    sheet = register(sessions, fake_google, customer, "ids", _sheet(ANA, BO))
    sync_sheet(sessions, sheet, settings)
    top = 2**31 - 1
    with sessions.begin() as session:
        ids = [lead.id for lead in session.scalars(select(LeadRecord))]
        for offset, lead_id in enumerate(sorted(ids)):
            session.execute(
                update(LeadRecord)
                .where(LeadRecord.id == lead_id)
                .values(id=top - offset)
            )
    serve(fake_google, "ids", _sheet(BO, ANA, CY))

    outcome = sync_sheet(sessions, sheet, settings)

    assert outcome.status == "ok", outcome.error_message
    assert outcome.applied is not None
    assert sorted(outcome.applied.recognized) == [top - 1, top]
    leads = _leads(sessions)
    assert (
        leads["bo@example.com"].row_number,
        leads["ana@example.com"].row_number,
    ) == (
        2,
        3,
    )
