"""Properties of whole syncs (DESIGN.md): syncing the same sheet twice changes
nothing; syncing a shuffled sheet inserts nothing and changes no value.

The second sync gets other bytes for the same rows (other line breaks, or the rows
in another order), so it is really read and applied, not skipped by content hash.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from leadsync.sheets.fake import FakeGoogle
from leadsync.store.models import LeadChange, LeadRecord
from leadsync.sync.run import sync_sheet
from tests.helpers import make_customer, register, serve

HEADER = ["Name", "Email", "Phone", "Created", "Source", "Plan"]
# Values are sheet-owned; "" is an empty cell, which never blanks a stored value.
names = st.sampled_from(["Ana", "Bo Li", "  Cy ", "Dee-Dee", "Éva", "", "n/a"])
phones = st.sampled_from(["+14155550101", "(415) 555-0102", "p:+14155550103", ""])
dates = st.sampled_from(["2024-01-05", "2024-03-10T02:30:00", "05/01/2024", ""])
texts = st.sampled_from(["fb", "ig", "Google Ads", "x, y", '"quoted"', ""])
row = st.tuples(names, phones, dates, texts, texts)
# Distinct emails: one key per row, so no row folds into another.
sheets = st.lists(row, min_size=1, max_size=12).map(
    lambda rows: [
        [name, f"lead{i}@example.com", phone, date, source, plan]
        for i, (name, phone, date, source, plan) in enumerate(rows)
    ]
)


def _csv(rows: list[list[str]], newline: str = "\r\n") -> bytes:
    def cell(value: str) -> str:
        if any(c in value for c in ',"\r\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [",".join(cell(v) for v in r) for r in [HEADER, *rows]]
    return (newline.join(lines) + newline).encode()


def _state(sessions: sessionmaker[Session], sheet_id: int) -> dict[str, Any]:
    """Every stored value of the sheet's leads but the bookkeeping, and history."""
    bookkeeping = {
        "id",
        "row_number",
        "last_seen_at",
        "row_hash",
        "row_digest",
        "row_warnings",
    }
    with sessions() as session:
        leads = session.scalars(
            select(LeadRecord).where(LeadRecord.sheet_id == sheet_id)
        ).all()
        changes = session.scalar(select(func.count()).select_from(LeadChange))
    values = {
        lead.lead_key: {
            c.key: getattr(lead, c.key)
            for c in LeadRecord.__table__.columns
            if c.key not in bookkeeping
        }
        for lead in leads
    }
    return {"leads": values, "changes": changes}


class _Sheets:
    """Each example registers a sheet of its own in the shared database."""

    def __init__(self, world: tuple[sessionmaker[Session], FakeGoogle, Any]) -> None:
        self.sessions, self.fake, self.config = world
        self.customer = make_customer(self.sessions, "Props")
        self.count = 0

    def sync_twice(self, first: bytes, second: bytes) -> tuple[Any, Any, Any, Any]:
        self.count += 1
        name = f"props{self.count}"
        sheet = register(
            self.sessions, self.fake, self.customer, name, first, region="US"
        )
        one = sync_sheet(self.sessions, sheet, self.config)
        before = _state(self.sessions, sheet)
        serve(self.fake, name, second)
        two = sync_sheet(self.sessions, sheet, self.config)
        return one, two, before, _state(self.sessions, sheet)


BOUNDED = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def test_syncing_the_same_sheet_twice_changes_nothing(world: Any) -> None:
    sheets_ = _Sheets(world)

    @BOUNDED
    @given(rows=sheets)
    def check(rows: list[list[str]]) -> None:
        one, two, before, after = sheets_.sync_twice(_csv(rows), _csv(rows, "\n"))
        assert one.status == two.status == "ok", (one.error_code, two.error_code)
        assert two.counts["inserted"] == two.counts["updated"] == 0
        assert after == before

    check()


def test_syncing_a_shuffled_sheet_inserts_nothing_and_changes_no_value(
    world: Any,
) -> None:
    sheets_ = _Sheets(world)

    @BOUNDED
    @given(rows=sheets, data=st.data())
    def check(rows: list[list[str]], data: st.DataObject) -> None:
        shuffled = data.draw(st.permutations(rows))
        one, two, before, after = sheets_.sync_twice(_csv(rows), _csv(shuffled))
        assert one.status == "ok", one.error_code
        assert two.status in ("ok", "unchanged")
        assert two.counts["inserted"] == two.counts["updated"] == 0
        assert after == before

    check()


def test_first_sync_after_a_new_row_hash_recipe_writes_no_history(world: Any) -> None:
    """Leads stored before row digests, with hashes of an older recipe: their rows
    are read once, values are compared, nothing changed, no history is written,
    and the new hash and the row's digest are stored."""
    sheets_ = _Sheets(world)
    rows = [["Ana", "ana@example.com", "+14155550101", "2024-01-05", "fb", "gold"]]
    one, _, before, _ = sheets_.sync_twice(_csv(rows), _csv(rows))
    sessions, sheet = sheets_.sessions, one.sheet_id
    with sessions.begin() as session:
        session.execute(update(LeadRecord).values(row_hash="0" * 64, row_digest=None))
    serve(sheets_.fake, f"props{sheets_.count}", _csv(rows, "\n"))
    again = sync_sheet(sessions, sheet, sheets_.config)
    assert (again.counts["updated"], again.counts["unchanged"]) == (0, 1)
    assert again.applied is not None and not again.applied.recognized
    assert _state(sessions, sheet) == before
    with sessions() as session:
        lead = session.scalars(select(LeadRecord)).one()
    assert lead.row_hash != "0" * 64
    assert lead.row_digest is not None and len(lead.row_digest) == 16
