"""``read_sheet``: one downloaded snapshot in, every record classified out.

decode -> CSV records -> header -> column layout -> each record -> duplicates and
fill-down. Pure: the only input is the given bytes (or binary stream).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import pairwise
from typing import BinaryIO

from leadsync.errors import SyncFailure
from leadsync.leads.cells import clean
from leadsync.leads.decode import decode_body, ends_with_line_break, parse_records
from leadsync.leads.header import CONTACT_FIELDS, Layout, find_header, map_columns
from leadsync.leads.model import (
    Column,
    FileError,
    LeadRow,
    ReadResult,
    SheetSettings,
    SkippedRow,
    Warning,
)
from leadsync.leads.rows import RowReader

# Fields fill_down may copy. Identity fields (email, phone, external_id) never are:
# a copied email would merge two people into one lead.
FILLABLE = ("name", "created_at", "channel", "campaign")


def read_sheet(
    data: bytes | BinaryIO,
    settings: SheetSettings,
    *,
    content_type: str | None = None,
) -> ReadResult:
    """Read one snapshot of a sheet with its settings."""
    raw = data if isinstance(data, bytes | bytearray) else data.read()
    try:
        with _gc_paused():
            text = decode_body(bytes(raw), content_type)
            records = parse_records(text)
            return _read_records(records, ends_with_line_break(text), settings)
    except SyncFailure as failure:
        return _rejected(failure)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a snapshot is read.

    Reading builds millions of small objects that all stay alive until the end, so
    every collection would walk them again for nothing (a third of the time on a
    100k-row sheet). Reference counting still frees everything as usual; the pause
    is process-wide but ends with the read, and a collector that was already off
    stays off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _rejected(failure: SyncFailure) -> ReadResult:
    error = FileError(failure.code, failure.message)
    return ReadResult(status="rejected", file_errors=[error])


def _read_records(
    records: list[list[str]], line_break: bool, settings: SheetSettings
) -> ReadResult:
    result = ReadResult(rows_read=len(records))
    if not any(clean(cell) for record in records for cell in record):
        # 0 bytes or only blank rows: nothing to read, and nothing wrong with it.
        result.skipped = [SkippedRow(i + 1, "blank_row") for i in range(len(records))]
        return result
    index = find_header(records, settings)
    if index is None:
        raise SyncFailure("required_columns_missing")
    header, data = records[index], records[index + 1 :]
    if data and not line_break and len(data[-1]) < len(header):
        raise SyncFailure("truncated_download")
    layout = map_columns(header, index + 1, settings, data)
    if not CONTACT_FIELDS & layout.fields.keys():
        raise SyncFailure("required_columns_missing")
    result.header_row = index + 1
    result.skipped = [SkippedRow(row, "pre_header_row") for row in range(1, index + 1)]
    _read_rows(result, layout, data, settings)
    return result


def _read_rows(
    result: ReadResult,
    layout: Layout,
    data: Sequence[Sequence[str]],
    settings: SheetSettings,
) -> None:
    reader = RowReader(layout, settings, data)
    row_warnings: list[Warning] = []
    first_row = layout.header_row + 1
    for offset, record in enumerate(data):
        outcome, warnings = reader.read(first_row + offset, record)
        if isinstance(outcome, LeadRow):
            result.leads.append(outcome)
        else:
            result.skipped.append(outcome)
        row_warnings.extend(warnings)
    _mark_duplicates(result.leads, row_warnings)
    _fill_down(result.leads, settings.fill_down)
    result.columns, file_warnings = _columns_and_warnings(layout, data)
    result.warnings = file_warnings + row_warnings


def _mark_duplicates(leads: list[LeadRow], warnings: list[Warning]) -> None:
    """Rows with a key seen earlier in this snapshot are the same lead."""
    seen: set[tuple[str, str]] = set()
    for lead in leads:
        key = (lead.key_kind, lead.lead_key)
        if key in seen:
            warning = Warning(lead.row, None, "duplicate_in_batch")
            lead.warnings.append(warning)
            warnings.append(warning)
        seen.add(key)
    warnings.sort(key=lambda w: w.row or 0)


def _fill_down(leads: list[LeadRow], fields: Sequence[str]) -> None:
    """Empty cells of the named fields take the value of the nearest lead above."""
    names = [f for f in fields if f in FILLABLE]
    for above, lead in pairwise(leads):
        for name in names:
            if getattr(lead, name) is None:
                setattr(lead, name, getattr(above, name))


def _blank_columns_with_data(layout: Layout, data: Sequence[Sequence[str]]) -> set[int]:
    blank = [i for i, c in enumerate(layout.columns) if not clean(c.header)]
    return {i for i in blank if any(i < len(r) and clean(r[i]) for r in data)}


def _columns_and_warnings(
    layout: Layout, data: Sequence[Sequence[str]]
) -> tuple[list[Column], list[Warning]]:
    """Header columns without the blank ones that are empty everywhere (dropped
    silently), and the file-level warnings."""
    with_data = _blank_columns_with_data(layout, data)
    columns = [
        column
        for index, column in enumerate(layout.columns)
        if clean(column.header) or index in with_data
    ]
    unnamed = [
        Warning(None, layout.columns[index].letter, "unnamed_column_with_data")
        for index in sorted(with_data)
    ]
    return columns, layout.warnings + unnamed
