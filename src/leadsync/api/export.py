"""GET /api/leads/export.csv: the selected leads as CSV, streamed.

Spreadsheet-safe by default: a cell that Excel or Sheets would evaluate (starting
with = + - @ TAB or CR) gets one leading apostrophe, uniformly, E.164 phones too,
so no cell is ever run as a formula. ``raw=true`` gives the plain values.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from leadsync.api.context import ApiContext
from leadsync.store.lead_export import extra_columns, sheet_labels
from leadsync.store.leads import LeadFilter, iter_leads
from leadsync.store.models import LeadRecord

COLUMNS = (
    "name",
    "email",
    "phone",
    "created_at",
    "channel",
    "campaign",
    "sheet",
    "status",
    "notes",
    "first_seen_at",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_lines(ctx: ApiContext, f: LeadFilter, raw: bool) -> Iterator[str]:
    """Header, then one line per lead; the session lives as long as the stream."""
    with ctx.sessions() as session:
        extras = extra_columns(session, f)
        labels = sheet_labels(session, f.customer_id)
        out = _Writer(raw)
        yield out.line([*COLUMNS, *extras])
        for lead in iter_leads(session, f):
            yield out.line(_row(lead, labels, extras))


def _row(lead: LeadRecord, labels: dict[int, str], extras: list[str]) -> list[Any]:
    first_seen = lead.first_seen_at.isoformat(timespec="seconds")
    extra = lead.extra or {}
    return [
        lead.name,
        lead.email,
        lead.phone,
        lead.created_at_text,
        lead.channel,
        lead.campaign,
        labels.get(lead.sheet_id, ""),
        lead.status,
        lead.notes,
        first_seen,
        *(extra.get(column) for column in extras),
    ]


class _Writer:
    def __init__(self, raw: bool) -> None:
        self.raw = raw
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def line(self, values: list[Any]) -> str:
        cells = ["" if v is None else str(v) for v in values]
        if not self.raw:
            cells = [safe_cell(cell) for cell in cells]
        self.writer.writerow(cells)
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text
