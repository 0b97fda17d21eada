"""What a sync run records of a read snapshot: its counts and samples of skipped
rows and warnings (the reader's file warnings first, then row warnings, then the
sync's own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leadsync.leads.model import Warning
from leadsync.leads.stream import SheetSummary
from leadsync.store.known import KnownRows
from leadsync.store.snapshot import SAMPLE_SIZE, Snapshot
from leadsync.store.upsert import ApplyResult

# Columns a lead is keyed or reached by.
KEY_FIELDS = frozenset({"email", "phone", "external_id"})


@dataclass
class SnapshotRead:
    """A snapshot read to the end: what the reader saw, and the spooled rows."""

    summary: SheetSummary
    snapshot: Snapshot
    known: KnownRows

    @property
    def lead_rows(self) -> int:
        """Lead rows read, and lead rows recognized without reading."""
        return self.snapshot.lead_rows + len(self.known.recognized)

    @property
    def still_loading(self) -> bool:
        """Whether Google exported the sheet while formulas were still calculating
        ("Loading..."): in a column a lead is keyed or reached by (its row would
        lose its lead, which would be marked missing), or in most lead rows of
        any column."""
        pending = self.summary.pending
        if not pending:
            return False
        fields = {column.letter: column.field for column in self.summary.columns}
        if any(fields.get(letter) in KEY_FIELDS for letter in pending):
            return True
        return any(count * 2 > self.lead_rows for count in pending.values())


def run_counts(
    read: SnapshotRead, applied: ApplyResult, late_warnings: int
) -> dict[str, int]:
    """Run counts; ``late_warnings`` are the sync's own, after the reader's."""
    snapshot = read.snapshot
    warnings = len(read.summary.warnings) + snapshot.warnings + late_warnings
    unchanged = len(applied.unchanged) + len(applied.recognized)
    return {
        "rows_read": read.summary.rows_read,
        "leads": len(applied.inserted) + len(applied.updated) + unchanged,
        "inserted": len(applied.inserted),
        "updated": len(applied.updated),
        "unchanged": unchanged,
        "missing": len(applied.missing),
        "skipped": snapshot.skipped,
        "warnings": warnings,
    }


def run_samples(read: SnapshotRead, late_warnings: list[Warning]) -> dict[str, Any]:
    snapshot = read.snapshot
    warnings = [*read.summary.warnings, *snapshot.warning_sample, *late_warnings]
    return {
        "skipped": [
            {"row": s.row, "reason": s.reason}
            for s in snapshot.skipped_sample[:SAMPLE_SIZE]
        ],
        "warnings": [
            {"row": w.row, "column": w.column, "code": w.code, "field": w.field}
            for w in warnings[:SAMPLE_SIZE]
        ],
    }
