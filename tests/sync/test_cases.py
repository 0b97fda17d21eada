"""The multi-snapshot cases (``syncs`` / ``db_after``) through real syncs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.leads.model import CreatedAt
from leadsync.sheets.fake import FakeGoogle
from leadsync.store.models import LeadRecord, SyncRun
from leadsync.store.types import utcnow
from leadsync.sync.run import RunOutcome, sync_sheet
from tests.conftest import CASES
from tests.helpers import load_expected, make_customer, register, settings_fields

MULTI = sorted(p for p in CASES.glob("*.expected.json") if "syncs" in load_expected(p))
FIELDS = ("name", "email", "phone", "created_at", "channel", "campaign")


class World:
    """Customers and sheets of one case, created on first mention."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        fake: FakeGoogle,
        settings: dict[str, Any],
    ) -> None:
        self.sessions, self.fake, self.settings = sessions, fake, settings
        self.customers: dict[str, int] = {}
        self.sheets: dict[tuple[str, str], int] = {}

    def customer(self, name: str) -> int:
        if name not in self.customers:
            self.customers[name] = make_customer(self.sessions, name)
        return self.customers[name]

    def sheet(self, customer: str, label: str, body: bytes = b"") -> int:
        key = (customer, label)
        if key not in self.sheets:
            self.sheets[key] = register(
                self.sessions,
                self.fake,
                self.customer(customer),
                f"{customer}_{label}",
                body,
                label=label,
                **settings_fields(self.settings),
            )
        return self.sheets[key]

    def serve(
        self, customer: str, label: str, body: bytes, modified: str | None
    ) -> None:
        sheet = self.sheet(customer, label, body)
        with self.sessions() as session:
            from leadsync.store.models import SheetSourceConfig

            config = session.get_one(SheetSourceConfig, sheet)
        when = datetime.fromisoformat(modified) if modified else None
        self.fake.put(config.spreadsheet_id, config.gid, body, modified_at=when)


def _seed(world: World, lead: dict[str, Any]) -> None:
    sheet = world.sheet(lead["customer"], lead["sheet"])
    created = CreatedAt(datetime.fromisoformat(lead["created_at"]).date())
    now = utcnow()
    with world.sessions.begin() as session:
        session.add(
            LeadRecord(
                customer_id=world.customer(lead["customer"]),
                sheet_id=sheet,
                lead_key=lead["lead_key"],
                key_kind="email",
                person_key=lead["email"] or lead["phone"],
                **{f: lead[f] for f in FIELDS if f != "created_at"},
                created_at=created.instant,
                created_at_text=created.iso(),
                created_at_date_only=True,
                row_hash="seeded",
                first_seen_at=now,
                last_seen_at=now,
            )
        )


def _edit(world: World, edit: dict[str, Any]) -> None:
    sheet = world.sheet(edit["customer"], edit["sheet"])
    with world.sessions.begin() as session:
        lead = session.scalars(
            select(LeadRecord).where(
                LeadRecord.sheet_id == sheet, LeadRecord.lead_key == edit["lead_key"]
            )
        ).one()
        lead.status, lead.notes = edit["status"], edit["notes"]


def _outcome_keys(
    sessions: sessionmaker[Session], outcome: RunOutcome, kind: str
) -> list[str]:
    """Keys of one outcome kind; unchanged includes rows recognized unread."""
    assert outcome.applied is not None
    keys = list(getattr(outcome.applied, kind))
    if kind == "unchanged" and outcome.applied.recognized:
        with sessions() as session:
            keys += session.scalars(
                select(LeadRecord.lead_key).where(
                    LeadRecord.id.in_(list(outcome.applied.recognized))
                )
            )
    return sorted(keys)


def _check_step(
    sessions: sessionmaker[Session],
    outcome: RunOutcome,
    step: dict[str, Any],
    index: int,
) -> None:
    where = f"step {index + 1} ({step['snapshot']})"
    if step["status"] == "rejected":
        assert outcome.status == "failed", where
        codes = {e["code"] for e in step.get("file_errors", [])}
        assert not codes or outcome.error_code in codes, where
        return
    if step["status"] == "ignored":
        assert outcome.status == "ignored", where
        return
    assert outcome.status == "ok", (where, outcome.error_code, outcome.error_message)
    for kind in ("inserted", "updated", "unchanged", "missing"):
        got = _outcome_keys(sessions, outcome, kind)
        assert got == sorted(step["result"][kind]), (where, kind)


def _check_db(world: World, expected: list[dict[str, Any]]) -> None:
    with world.sessions() as session:
        leads = list(session.scalars(select(LeadRecord)))
    by_id = {v: k for k, v in world.customers.items()}
    sheet_label = {v: k[1] for k, v in world.sheets.items()}
    got = {
        (by_id[x.customer_id], sheet_label[x.sheet_id], x.lead_key): x for x in leads
    }
    want = {(e["customer"], e["sheet"], e["lead_key"]): e for e in expected}
    assert set(got) == set(want)
    for key, lead in want.items():
        record = got[key]
        for name in FIELDS:
            value = (
                record.created_at_text
                if name == "created_at"
                else getattr(record, name)
            )
            assert value == lead[name], (key, name)
        assert (record.missing_since is not None) == lead["missing"], key
        if "row" in lead:
            assert record.row_number == lead["row"], key
        if "extra" in lead:
            assert {k: record.extra.get(k) for k in lead["extra"]} == lead["extra"]
        for name in ("status", "notes", "person_key"):
            if name in lead:
                assert getattr(record, name) == lead[name], (key, name)


@pytest.mark.parametrize("path", MULTI, ids=lambda p: Path(p).name.split(".")[0])
def test_multi_snapshot_case(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    path: Path,
) -> None:
    case = load_expected(path)
    world = World(sessions, fake_google, case["settings"])
    for lead in case.get("db_before", []):
        _seed(world, lead)
    for index, step in enumerate(case["syncs"]):
        body = (CASES / step["snapshot"]).read_bytes()
        world.serve(
            step["customer"], step["sheet"], body, step.get("source_modified_time")
        )
        sheet = world.sheet(step["customer"], step["sheet"])
        with sessions() as session:
            runs_before = len(list(session.scalars(select(SyncRun))))
        outcome = sync_sheet(sessions, sheet, settings)
        _check_step(sessions, outcome, step, index)
        if step.get("writes") == "none":
            assert outcome.counts["inserted"] == outcome.counts["updated"] == 0
        for code in {w["code"] for w in step.get("warnings", []) if w["row"] is None}:
            with sessions() as session:
                run = session.get_one(SyncRun, outcome.run_id)
            codes = {w["code"] for w in run.samples.get("warnings", [])}
            assert code in codes, (index, code)
        with sessions() as session:
            assert len(list(session.scalars(select(SyncRun)))) == runs_before + 1
        for edit in case.get("app_edits", []):
            if edit["after_sync"] == index + 1:
                _edit(world, edit)
    _check_db(world, case["db_after"])
    for customer, counts in case.get("counts_after", {}).items():
        with sessions() as session:
            leads = list(
                session.scalars(
                    select(LeadRecord).where(
                        LeadRecord.customer_id == world.customers[customer]
                    )
                )
            )
        assert len(leads) == counts["leads"]
        assert len({lead.person_key for lead in leads}) == counts["people"]
