"""Reading a sheet as a stream: each record is classified and handed on at once.

The header, the column layout and the memo plans are judged from the first rows
(the head); the rest streams past, so neither the body, its records nor its leads
are ever all in memory. ``read_sheet`` collects the same stream into a
``ReadResult``; the sync spools it (store/snapshot.py).

Two things the original whole-sheet reader judged from every row are kept exact:
a generic ``id`` column counts as an id column only if no row anywhere holds a row
number, so when a later row contradicts the head the sheet is read again with the
column judged by every row; and refusals judged from the head wait until the
records are drained, so a broken body is refused for the same reason as before.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import BinaryIO, Protocol, cast

from mypy_extensions import mypyc_attr

from leadsync.errors import SyncFailure
from leadsync.leads.cellreader import SAMPLE_ROWS
from leadsync.leads.cells import clean
from leadsync.leads.decode import BodyFacts, inspect_body, iter_records
from leadsync.leads.digest import DigestKey, layout_key, row_digest
from leadsync.leads.header import (
    CONTACT_FIELDS,
    HEADER_SCAN_ROWS,
    Layout,
    find_header,
    id_judgement,
    id_value,
    map_columns,
)
from leadsync.leads.model import Column, LeadRow, SheetSettings, SkippedRow, Warning
from leadsync.leads.rows import RowReader

# Fields fill_down may copy. Identity fields (email, phone, external_id) never are:
# a copied email would merge two people into one lead.
FILLABLE = ("name", "created_at", "channel", "campaign")


class RowSink(Protocol):
    """Where a stream's rows go, in sheet order."""

    def add(self, outcome: LeadRow | SkippedRow, warnings: list[Warning]) -> None: ...

    def note(self, warnings: list[Warning]) -> None:
        """The warnings of a row that was recognized, not read (RowClaims)."""

    def reset(self) -> None:
        """Forget every row: the sheet is about to be read again from the start."""


class RowClaims(Protocol):
    """Rows read by an earlier sync, recognized by their digest (store/known.py).

    Given one, the stream digests every record (leads/digest.py) and asks before
    reading it; a lead row carries its digest on.
    """

    def claim(self, row: int, digest: bytes) -> list[Warning] | None:
        """The warnings the record at ``row`` read with when it is a stored lead's
        row, unchanged (it is then not read at all), else None."""

    def reset(self) -> None:
        """Forget every claim: the sheet is about to be read again."""


@mypyc_attr(serializable=True)
@dataclass
class SheetSummary:
    """What is known about a sheet once all its rows have streamed past."""

    rows_read: int = 0  # records in the file, header and title rows included
    header_row: int | None = None
    columns: list[Column] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)  # file-level warnings
    # "Loading..." cells per column letter, in the rows read (not recognized ones).
    pending: dict[str, int] = field(default_factory=dict)


class _Rejudge(Exception):
    """A row after the head contradicts how the head judged a generic id column."""


class ReadWhole(Exception):
    """A read in parts cannot give exactly what one read gives: read it whole."""


@mypyc_attr(serializable=True)
@dataclass
class PartSummary:
    """What the read of a later part of a body (``scan_part``) saw besides rows."""

    rows_read: int = 0
    with_data: set[int] = field(default_factory=set)  # unnamed columns with data
    pending: dict[str, int] = field(default_factory=dict)  # as SheetSummary's


class Split(Protocol):
    """A big body read in two parts at once (sync/split.py): this process reads
    the records before ``boundary`` and another the rest, from the layout this
    process judged from the head."""

    boundary: int  # a byte offset where a record starts
    records_before: int  # the records before it, if its parity count is right

    def start(
        self,
        layout: Layout,
        data: Sequence[Sequence[str]],
        facts: BodyFacts,
        settings: SheetSettings,
    ) -> None:
        """Start reading the rest, with the layout and the head's data rows."""

    def finish(self) -> PartSummary:
        """Wait for the rest, hand its rows to the sink; raise ``ReadWhole`` when
        the parts cannot be joined exactly."""


def scan_sheet(
    stream: BinaryIO,
    settings: SheetSettings,
    sink: RowSink,
    *,
    content_type: str | None = None,
    known: RowClaims | None = None,
    split: Split | None = None,
) -> SheetSummary:
    """Read one snapshot into ``sink``; raise ``SyncFailure`` when it is refused.

    With ``split``, the records after its boundary are read by another process,
    unless anything about the body makes the parts differ from one read.
    """
    start = stream.tell()
    facts = inspect_body(stream, content_type)
    if split is not None:
        try:
            return _Scan(stream, facts, settings, sink, known, split=split).run()
        except (ReadWhole, SyncFailure, _Rejudge):
            # The parts do not read as one (a refusal too may come from where
            # the body was cut): one read decides.
            stream.seek(start)
            sink.reset()
            if known is not None:
                known.reset()
    try:
        return _Scan(stream, facts, settings, sink, known).run()
    except _Rejudge:
        stream.seek(start)
        judged = _judge_id_columns(iter_records(stream, facts), settings)
        stream.seek(start)
        sink.reset()
        if known is not None:
            known.reset()
        return _Scan(stream, facts, settings, sink, known, judged).run()


def _judge_id_columns(
    records: Iterator[list[str]], settings: SheetSettings
) -> dict[int, str]:
    """Judge the generic id columns by every row (the rare, slow path)."""
    head = list(islice(records, _head_size(settings)))
    index = find_header(head, settings)
    assert index is not None  # the first reading found it in the same head
    layout = map_columns(head[index], index + 1, settings, [])
    counts = {column: {"ids": 0, "numbers": 0} for column in layout.judged_ids}
    for record in chain(head[index + 1 :], records):
        for column, seen in counts.items():
            value = id_value(record, column)
            if value is not None:
                seen[value] += 1
    return {column: id_judgement(seen) for column, seen in counts.items()}


def header_candidate(
    stream: BinaryIO, settings: SheetSettings, content_type: str | None = None
) -> Layout | None:
    """The columns a sheet refused as ``required_columns_missing`` would have, so
    that a person can say which of them hold emails or phones (column_map).

    The set header row when there is one, else the first of the first rows with
    the most non-empty cells (a title or a note fills fewer cells than a header).
    None when the body has no such row.
    """
    start = stream.tell()
    try:
        facts = inspect_body(stream, content_type)
        head = list(islice(iter_records(stream, facts), _head_size(settings)))
    except SyncFailure:
        return None
    finally:
        stream.seek(start)
    index = find_header(head, settings)
    if index is None and settings.header_row is not None:
        return None  # the set row is not in the tab: its message says so
    if index is None:
        filled = [sum(1 for cell in record if clean(cell)) for record in head]
        if not filled or not max(filled[:HEADER_SCAN_ROWS]):
            return None
        best = max(filled[:HEADER_SCAN_ROWS])
        index = filled.index(best)
    return map_columns(head[index], index + 1, settings, head[index + 1 :])


def _head_size(settings: SheetSettings) -> int:
    return (settings.header_row or HEADER_SCAN_ROWS) + SAMPLE_ROWS


class _Scan:
    def __init__(
        self,
        stream: BinaryIO,
        facts: BodyFacts,
        settings: SheetSettings,
        sink: RowSink,
        known: RowClaims | None,
        id_columns: Mapping[int, str] | None = None,
        split: Split | None = None,
    ) -> None:
        self.split = split
        if split is not None:
            stream = cast(BinaryIO, _Bounded(stream, split.boundary))
        self.records = iter_records(stream, facts)
        self.facts = facts
        self.settings = settings
        self.sink = sink
        self.known = known
        self.id_columns = id_columns
        self.summary = SheetSummary()
        self.last: list[str] | None = None  # the last record read

    def _next_records(self) -> Iterator[list[str]]:
        for record in self.records:
            self.summary.rows_read += 1
            self.last = record
            yield record

    def run(self) -> SheetSummary:
        records = self._next_records()
        head = list(islice(records, _head_size(self.settings)))
        if len(head) < _head_size(self.settings):
            # The header and the layout are judged from the head: a part that
            # ends inside it would judge from fewer rows than one read does.
            self._alone()
        if not any(clean(cell) for record in head for cell in record):
            self._alone()
            return self._blank(head, records)
        index = find_header(head, self.settings)
        if index is None:
            self._alone()
            self._drain(records)
            set_row = self.settings.header_row
            if set_row is not None:
                raise SyncFailure(
                    "required_columns_missing",
                    f"Row {set_row} is set as this sheet's header row, but the tab "
                    f"has only {len(head)} rows. Correct the header row in the "
                    "sheet's reading settings, or leave it empty to find it.",
                )
            raise SyncFailure("required_columns_missing")
        header, data = head[index], head[index + 1 :]
        layout = map_columns(
            header, index + 1, self.settings, data, self.id_columns or {}
        )
        if CONTACT_FIELDS.isdisjoint(layout.fields):
            self._alone()
            self._drain(records)
            self._check_complete(len(header), index)
            raise SyncFailure("required_columns_missing")
        if _fills_down(self.settings):
            self._alone()  # a row reads with the one above: no part reads alone
        self._read_rows(head, index, layout, records)
        return self.summary

    def _alone(self) -> None:
        """What only one read of the whole body can judge (a refusal, a blank
        body, a head that a cut shortened, fill-down) is not read in parts."""
        if self.split is not None:
            raise ReadWhole

    def _read_rows(
        self,
        head: list[list[str]],
        index: int,
        layout: Layout,
        records: Iterator[list[str]],
    ) -> None:
        data = head[index + 1 :]
        self.summary.header_row = index + 1
        for row in range(1, index + 1):
            self.sink.add(SkippedRow(row, "pre_header_row"), [])
        rows = _Rows(layout, self.settings, data, self.sink)
        if self.known is not None and not rows.fill:
            # Fill-down reads a row with the one above: no row reads alone.
            rows.recognize(self.known, layout_key(layout, self.settings))
        if self.split is not None:
            self.split.start(layout, data, self.facts, self.settings)
        rows.read(data)
        rows.read(records)
        if self.split is None:
            self._check_complete(len(head[index]), index)
        else:
            self._join(rows)
        self.summary.columns, self.summary.warnings = rows.columns_and_warnings()
        pending = self.summary.pending  # the other part's, when split
        for column, count in rows.reader.pending.items():
            pending[column] = pending.get(column, 0) + count

    def _join(self, rows: _Rows) -> None:
        """The other part's rows after this part's: the other part checked that
        the body is complete."""
        assert self.split is not None
        if self.summary.rows_read != self.split.records_before:
            raise ReadWhole  # a stray quote or line break fooled the parity count
        part = self.split.finish()
        self.summary.rows_read += part.rows_read
        rows.with_data |= part.with_data
        self.summary.pending = dict(part.pending)

    def _blank(
        self, head: list[list[str]], records: Iterator[list[str]]
    ) -> SheetSummary:
        """0 bytes or only blank rows: nothing to read, and nothing wrong with it."""
        blank = all(not clean(cell) for record in records for cell in record)
        if not blank:
            # Only the head is blank: no header can be found in it.
            self._drain(records)
            index = find_header(head, self.settings)
            if index is not None:
                self._check_complete(len(head[index]), index)
            raise SyncFailure("required_columns_missing")
        for row in range(1, self.summary.rows_read + 1):
            self.sink.add(SkippedRow(row, "blank_row"), [])
        return self.summary

    def _drain(self, records: Iterator[list[str]]) -> None:
        # Reading to the end surfaces a broken body first, as a whole read did.
        for _ in records:
            pass

    def _check_complete(self, header_width: int, header_index: int) -> None:
        """A last record shorter than the header, without a final line break, is
        the end of a cut-off download."""
        has_data = self.summary.rows_read > header_index + 1
        if (
            has_data
            and not self.facts.line_break
            and self.last is not None
            and len(self.last) < header_width
        ):
            raise SyncFailure("truncated_download")


def _fills_down(settings: SheetSettings) -> bool:
    return any(name in FILLABLE for name in settings.fill_down)


def scan_part(
    stream: BinaryIO,
    facts: BodyFacts,
    settings: SheetSettings,
    layout: Layout,
    data: Sequence[Sequence[str]],
    first_row: int,
    sink: RowSink,
    known: RowClaims | None = None,
) -> PartSummary:
    """Read the records of a later part of a body (from a record's start to the
    body's end) as rows ``first_row``...: the other half of a ``Split``.

    Raises ``SyncFailure`` as a whole read would, ``ReadWhole`` when a row
    contradicts the head's judgement of a generic id column.
    """
    part = PartSummary()
    rows = _Rows(layout, settings, data, sink)
    rows.row = first_row - 1
    if known is not None:
        rows.recognize(known, layout_key(layout, settings))
    last: list[str] | None = None

    def counted(records: Iterator[list[str]]) -> Iterator[list[str]]:
        nonlocal last
        for record in records:
            part.rows_read += 1
            last = record
            yield record

    records = iter_records(stream, facts, body_start=False)
    try:
        rows.read(counted(records))
    except _Rejudge as rejudge:
        raise ReadWhole from rejudge
    if not facts.line_break and last is not None and len(last) < layout.width:
        raise SyncFailure("truncated_download")
    part.with_data = rows.with_data
    part.pending = rows.reader.pending
    return part


class _Bounded(io.RawIOBase):
    """The first ``size`` bytes of a stream, from where it stands."""

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self.stream, self.left = stream, size

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > self.left:
            size = self.left
        data = self.stream.read(size)
        self.left -= len(data)
        return data


class _Rows:
    """Data rows in, leads and skipped rows out, with duplicates and fill-down."""

    def __init__(
        self,
        layout: Layout,
        settings: SheetSettings,
        head: Sequence[Sequence[str]],
        sink: RowSink,
    ) -> None:
        self.layout = layout
        self.reader = RowReader(layout, settings, head)
        self.sink = sink
        self.row = layout.header_row
        self.seen: set[str] = set()  # keys read so far
        self.fill = [f for f in settings.fill_down if f in FILLABLE]
        self.above: LeadRow | None = None
        # Columns without a header, until a row shows data in them.
        self.blank = [i for i, c in enumerate(layout.columns) if not clean(c.header)]
        self.with_data: set[int] = set()
        self.known: RowClaims | None = None
        self.key: DigestKey = (b"", b"")
        # Generic id columns the head found empty: a later value makes the sheet be
        # read again, judged by every row (scan_sheet). Once the head saw values,
        # their majority decides (header.id_column_values).
        self.watched = [i for i, seen in layout.judged_ids.items() if seen == "empty"]

    def recognize(self, known: RowClaims, key: DigestKey) -> None:
        """Digest every record, and skip those ``known`` claims as unchanged."""
        self.known, self.key = known, key

    def read(self, records: Iterable[Sequence[str]]) -> None:
        reader, sink, known = self.reader, self.sink, self.known
        digest = None
        for record in records:
            self.row += 1
            if self.blank:
                self._watch_blank_columns(record)
            if known is not None:
                digest = row_digest(record, self.key)
                claimed = known.claim(self.row, digest)
                if claimed is not None:
                    # Read before under this very layout: its id cells agree.
                    if claimed:
                        sink.note(claimed)
                    continue
            if self.watched:
                self._watch_ids(record)
            outcome, warnings = reader.read(self.row, record)
            if isinstance(outcome, LeadRow):
                self._mark_duplicate(outcome)
                self._fill_down(outcome)
                warnings = outcome.warnings
                outcome.digest = digest
            sink.add(outcome, warnings)

    def _watch_ids(self, record: Sequence[str]) -> None:
        for index in self.watched:
            if id_value(record, index) is not None:
                raise _Rejudge

    def _mark_duplicate(self, lead: LeadRow) -> None:
        """A row with a key seen earlier in this snapshot is the same lead, whatever
        kind of key it is (a lead is its key)."""
        if lead.lead_key in self.seen:
            lead.warnings.append(Warning(lead.row, None, "duplicate_in_batch"))
        else:
            self.seen.add(lead.lead_key)

    def _fill_down(self, lead: LeadRow) -> None:
        """Empty cells of the named fields take the value of the nearest lead above."""
        above, self.above = self.above, lead
        if above is None:
            return
        for name in self.fill:
            if getattr(lead, name) is None:
                setattr(lead, name, getattr(above, name))

    def _watch_blank_columns(self, record: Sequence[str]) -> None:
        for index in self.blank:
            if index < len(record) and clean(record[index]):
                self.with_data.add(index)
        self.blank = [i for i in self.blank if i not in self.with_data]

    def columns_and_warnings(self) -> tuple[list[Column], list[Warning]]:
        """Header columns without the blank ones that are empty everywhere (dropped
        silently), and the file-level warnings."""
        layout, with_data = self.layout, self.with_data
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
