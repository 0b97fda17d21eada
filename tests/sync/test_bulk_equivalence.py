"""The bulk paths store exactly what the ORM upsert they replaced stored.

Every multi-snapshot case runs twice on the same database: once as the product
does (unchanged rows recognized by their digest, not read), once with the
reference upsert (reference_upsert.py, the code before the bulk paths) applying
every row the reader gave. Leads and their history must
come out the same, row hash aside (its recipe changed on purpose).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.leads.model import LeadRow, SkippedRow, Warning
from leadsync.sheets.fake import FakeGoogle
from leadsync.store import snapshot as snapshot_module
from leadsync.store import upsert as upsert_module
from leadsync.store.known import KnownRows
from leadsync.store.models import Base, LeadChange, LeadRecord
from leadsync.sync import run as run_module
from leadsync.sync.run import sync_sheet
from tests.conftest import CASES
from tests.helpers import load_expected
from tests.sync import reference_upsert
from tests.sync.test_cases import MULTI, World, _edit, _seed

TIMES = ("first_seen_at", "last_seen_at", "missing_since", "updated_at")
SKIP = {
    "id",
    "row_hash",
    "row_digest",
    "row_warnings",
    "customer_id",
    "sheet_id",
    *TIMES,
}


def _run_case(
    sessions: sessionmaker[Session], fake: FakeGoogle, settings: Settings, path: Path
) -> dict[str, Any]:
    case = load_expected(path)
    world = World(sessions, fake, case["settings"])
    for lead in case.get("db_before", []):
        _seed(world, lead)
    for index, step in enumerate(case["syncs"]):
        body = (CASES / step["snapshot"]).read_bytes()
        world.serve(
            step["customer"], step["sheet"], body, step.get("source_modified_time")
        )
        sync_sheet(sessions, world.sheet(step["customer"], step["sheet"]), settings)
        for edit in case.get("app_edits", []):
            if edit["after_sync"] == index + 1:
                _edit(world, edit)
    return _dump(sessions, world)


def _dump(sessions: sessionmaker[Session], world: World) -> dict[str, Any]:
    """Leads and history by natural keys; times as their rank among all times."""
    customer = {v: k for k, v in world.customers.items()}
    sheet = {v: k[1] for k, v in world.sheets.items()}
    with sessions() as session:
        leads = list(session.scalars(select(LeadRecord)))
        changes = list(session.scalars(select(LeadChange)))
    times = sorted(
        {getattr(x, t) for x in leads for t in TIMES if getattr(x, t)}
        | {c.changed_at for c in changes}
    )
    rank = {t: i for i, t in enumerate(times)}
    by_id: dict[int, tuple[str, str, str]] = {}
    dumped: dict[Any, Any] = {}
    for lead in leads:
        key = (customer[lead.customer_id], sheet[lead.sheet_id], lead.lead_key)
        by_id[lead.id] = key
        columns = {
            c.key: getattr(lead, c.key)
            for c in LeadRecord.__table__.columns
            if c.key not in SKIP
        }
        columns.update({t: rank.get(getattr(lead, t)) for t in TIMES})
        dumped[key] = columns
    history = sorted(
        (
            by_id[c.lead_id],
            c.field,
            c.old_value,
            c.new_value,
            c.actor,
            rank[c.changed_at],
        )
        for c in changes
    )
    return {"leads": dumped, "history": history}


class _Capturing(snapshot_module.Snapshot):
    """A snapshot that also keeps the reader's lead rows for the reference."""

    def reset(self) -> None:
        super().reset()
        self.lead_copies: list[LeadRow] = []

    def add(self, outcome: LeadRow | SkippedRow, warnings: list[Warning]) -> None:
        super().add(outcome, warnings)
        if isinstance(outcome, LeadRow):
            self.lead_copies.append(copy.deepcopy(outcome))


def _reference_apply(
    session: Session, *, leads: Any, known: KnownRows, **kw: Any
) -> Any:
    assert not known.recognized  # the reference applies every row it is given
    return reference_upsert.apply_snapshot(session, leads=leads.lead_copies, **kw)


def _truncate(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(text(f"DELETE FROM {table.name}"))


def _compare(
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    batch: int,
    run: Any,
) -> None:
    # Tiny batches put a key's rows in different batches and spool chunks.
    monkeypatch.setattr(upsert_module, "BATCH", batch)
    monkeypatch.setattr(snapshot_module, "SPOOL_ROWS", batch)
    bulk = run()
    _truncate(sessions)
    monkeypatch.setattr(run_module, "Snapshot", _Capturing)
    monkeypatch.setattr(run_module, "apply_snapshot", _reference_apply)
    # The reference reads every row: nothing is recognized by its digest.
    monkeypatch.setattr(run_module, "known_rows", lambda *_: KnownRows())
    reference = run()
    assert bulk["leads"] == reference["leads"]
    assert bulk["history"] == reference["history"]


@pytest.mark.parametrize("batch", [2000, 2])
@pytest.mark.parametrize("path", MULTI, ids=lambda p: Path(p).name.split(".")[0])
def test_bulk_paths_store_what_the_orm_upsert_stored(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    path: Path,
    batch: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _compare(
        sessions,
        monkeypatch,
        batch,
        lambda: _run_case(sessions, fake_google, settings, path),
    )


HEADER = "Name,Email,Phone,Created,Source,Plan\r\n"
STEPS = [
    # Duplicates far apart, a phone-only lead, an empty cell under a value.
    "Ana,ana@example.com,,2024-01-05,fb,gold\r\n"
    "Bo,,+14155550101,2024-01-06,ig,\r\n"
    "Cy,cy@example.com,+14155550102,2024-01-07,,silver\r\n"
    "Di,di@example.com,,2024-01-08,fb,\r\n"
    "Ana Lima,ana@example.com,+14155550103,2024-01-04,,\r\n"
    "Ed,ed@example.com,,2024-01-09,fb,bronze\r\n",
    # Bo gains an email (re-key), Cy is gone, values change, a duplicate moves.
    "Di,di@example.com,,2024-01-08,google,platinum\r\n"
    "Ana,ana@example.com,,2024-01-05,fb,gold\r\n"
    "Bo,bo@example.com,+14155550101,2024-01-06,ig,\r\n"
    "Ed,ed@example.com,+14155550104,2024-01-02,,\r\n"
    "Ana L.,ana@example.com,,2024-01-03,tiktok,\r\n",
    # Cy is back, Di is gone, Ed is listed twice with different values.
    "Ed,ed@example.com,,2024-01-10,x,\r\n"
    "Cy,cy@example.com,+14155550102,2024-01-07,,silver\r\n"
    "Ana,ana@example.com,,2024-01-05,fb,gold\r\n"
    "Bo,bo@example.com,+14155550101,2024-01-06,ig,\r\n"
    "Edward,ed@example.com,,2024-01-01,y,tin\r\n",
]


def _run_steps(
    sessions: sessionmaker[Session], fake: FakeGoogle, settings: Settings
) -> dict[str, Any]:
    world = World(sessions, fake, {"region": "US", "timezone": "America/New_York"})
    for body in STEPS:
        world.serve("Acme", "leads", (HEADER + body).encode(), None)
        sync_sheet(sessions, world.sheet("Acme", "leads"), settings)
    return _dump(sessions, world)


@pytest.mark.parametrize("batch", [2000, 3, 1])
def test_duplicates_rekeys_and_returns_across_batches(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    batch: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _compare(
        sessions,
        monkeypatch,
        batch,
        lambda: _run_steps(sessions, fake_google, settings),
    )
