"""The generated Meta-format sheet: the reader's counts equal the generator's."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from leadsync.leads.model import SheetSettings
from leadsync.leads.reader import read_sheet

SCRIPT = Path(__file__).resolve().parents[1] / "data" / "fixtures" / "make_big_sheet.py"


def test_counts_match_the_generators_stats() -> None:
    made = subprocess.run(
        [sys.executable, str(SCRIPT), "--rows", "4000", "--seed", "7", "--stats"],
        capture_output=True,
        check=True,
    )
    stats = dict(re.findall(r"(\w+)=(\d+)", made.stderr.decode()))
    settings = SheetSettings(region="US", locale="en_US", timezone="America/New_York")
    result = read_sheet(made.stdout, settings)
    duplicates = [w for w in result.warnings if w.code == "duplicate_in_batch"]
    assert result.rows_read == int(stats["rows"]) + 1
    assert len({lead.lead_key for lead in result.leads}) == int(stats["leads"])
    assert len(result.skipped) == int(stats["test_rows"])
    assert {s.reason for s in result.skipped} == {"test_row"}
    assert len(duplicates) == int(stats["duplicate_rows"])
    assert all(lead.key_kind == "external_id" for lead in result.leads)
