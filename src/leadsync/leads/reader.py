"""``read_sheet``: one downloaded snapshot in, every record classified out.

decode -> CSV records -> header -> column layout -> each record -> duplicates and
fill-down, all in leads/stream.py; this collects the stream into one
``ReadResult`` (for preview and tests). Pure: the only input is the given bytes
(or binary stream).
"""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from leadsync.errors import SyncFailure
from leadsync.leads.model import (
    FileError,
    LeadRow,
    ReadResult,
    SheetSettings,
    SkippedRow,
    Warning,
)
from leadsync.leads.stream import header_candidate, scan_sheet


class _Collect:
    """A row sink that keeps every row."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.leads: list[LeadRow] = []
        self.skipped: list[SkippedRow] = []
        self.warnings: list[Warning] = []

    def add(self, outcome: LeadRow | SkippedRow, warnings: list[Warning]) -> None:
        if isinstance(outcome, LeadRow):
            self.leads.append(outcome)
        else:
            self.skipped.append(outcome)
        self.warnings.extend(warnings)

    def note(self, warnings: list[Warning]) -> None:
        self.warnings.extend(warnings)


def read_sheet(
    data: bytes | BinaryIO,
    settings: SheetSettings,
    *,
    content_type: str | None = None,
) -> ReadResult:
    """Read one snapshot of a sheet with its settings."""
    stream = seekable(data)
    rows = _Collect()
    try:
        with gc_paused():
            summary = scan_sheet(stream, settings, rows, content_type=content_type)
    except SyncFailure as failure:
        error = FileError(failure.code, failure.message)
        rejected = ReadResult(status="rejected", file_errors=[error])
        if failure.code == "required_columns_missing":
            # Which columns there are, so the contact columns can be named.
            stream.seek(0)
            layout = header_candidate(stream, settings, content_type)
            if layout is not None:
                rejected.header_row = layout.header_row
                rejected.columns = layout.columns
        return rejected
    return ReadResult(
        header_row=summary.header_row,
        columns=summary.columns,
        leads=rows.leads,
        skipped=rows.skipped,
        warnings=summary.warnings + rows.warnings,
        rows_read=summary.rows_read,
    )


def seekable(data: bytes | BinaryIO) -> BinaryIO:
    """The body as a stream that can be read twice."""
    if isinstance(data, bytes | bytearray):
        return io.BytesIO(data)
    if data.seekable():
        return data
    return io.BytesIO(data.read())


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a snapshot is read.

    Reading builds millions of small objects, and whatever a reading keeps (every
    lead here, the keys in a sync) stays alive to the end, so every collection
    would walk them again for nothing (a third of the time on a 100k-row sheet).
    Reference counting still frees everything as usual; the pause is process-wide
    but ends with the read, and a collector that was already off stays off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
