"""Small builders for reader tests: a CSV body from rows, read with settings."""

from __future__ import annotations

import csv
import io
from typing import Any

from leadsync.leads import settings_from_dict
from leadsync.leads.model import LeadRow, ReadResult
from leadsync.leads.reader import read_sheet


def body(*rows: list[str] | tuple[str, ...]) -> bytes:
    """What Google's export gives: UTF-8, CRLF between records, quoted when needed."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def read(data: bytes, **settings: Any) -> ReadResult:
    return read_sheet(data, settings_from_dict(settings))


def lead_at(result: ReadResult, row: int) -> LeadRow:
    return next(lead for lead in result.leads if lead.row == row)


def codes_at(result: ReadResult, row: int | None) -> set[str]:
    return {w.code for w in result.warnings if w.row == row}


def skipped(result: ReadResult) -> dict[int, str]:
    return {s.row: s.reason for s in result.skipped}
