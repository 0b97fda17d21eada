"""One read snapshot, spooled to a temporary file between reading and applying.

The sync reads the whole sheet before it takes the write lock (DESIGN.md), and a
big sheet's leads do not fit in memory comfortably, so each lead row is packed into
a tuple of plain values and spooled to disk in batches (``marshal``: the fastest
safe serializer for plain values). Only the keys stay in memory, with how often
each occurs, so that applying can fold rows sharing a key, wherever they are in the
sheet, exactly as one in-memory merge would: a key seen once is applied as soon as
its row comes by; a key seen more often waits until its last row.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import IO, TYPE_CHECKING, Any, Final

from mypy_extensions import mypyc_attr

from leadsync.leads.model import CreatedAt, LeadRow, SkippedRow, Warning
from leadsync.leads.stream import ReadWhole
from leadsync.store.jsontext import dumps

if TYPE_CHECKING:
    from leadsync.store.stage import Stage

SAMPLE_SIZE = 50
DUPLICATE = "duplicate_in_batch"
SPOOL_ROWS = 2000
# Sheet-owned text fields, in the order of Packed.values.
TEXT_FIELDS = ("name", "email", "phone", "channel", "campaign", "external_id")
# A lead's columns of sheet-owned values, as a changed lead's comparison loads
# them (store/bulk.py LOAD_COLUMNS).
VALUE_COLUMNS = (
    *TEXT_FIELDS,
    "created_at",
    "created_at_text",
    "created_at_offset",
    "created_at_date_only",
    "secondary_emails",
    "extra",
    "raw",
)
# A new lead's columns that come from its rows (``new_values``), in the order
# store/bulk.py's INSERT_COLUMNS has them.
NEW_COLUMNS = (
    "lead_key",
    "key_kind",
    "person_key",
    *VALUE_COLUMNS,
    "warnings",
    "row_hash",
    "row_digest",
    "row_warnings",
    "row_number",
)
_EMAIL, _PHONE = TEXT_FIELDS.index("email"), TEXT_FIELDS.index("phone")

Created = tuple[str, str, int | None, bool]
"""(ISO text as read, UTC instant as "YYYY-MM-DD HH:MM:SS.ffffff", offset minutes,
date only). The instant text sorts like the instant and is what SQLite stores."""
Packed = tuple[
    int,  # ROW: the last sheet row of the lead
    str,  # KEY
    str,  # KIND: the key kind of the lead's first row
    tuple[str | None, ...],  # VALUES: TEXT_FIELDS
    Created | None,  # CREATED
    str,  # SECONDARY emails, as their JSON column stores them
    str,  # EXTRA, as JSON
    str,  # RAW, as JSON
    tuple[str, ...],  # CODES: warning codes of every row
    bytes | None,  # DIGEST: the row's digest, for a lead of one row
    str,  # HASH: the row hash of the values (``row_hash``)
    str | None,  # ROW_WARNINGS: that one row's warnings, as JSON (``row_warnings``)
]
ROW: Final = 0
KEY: Final = 1
KIND: Final = 2
VALUES: Final = 3
CREATED: Final = 4
SECONDARY: Final = 5
EXTRA: Final = 6
RAW: Final = 7
CODES: Final = 8
DIGEST: Final = 9
HASH: Final = 10
ROW_WARNINGS: Final = 11
_TEXT_VALUES = attrgetter(*TEXT_FIELDS)


def utc_text(instant: Any) -> str:
    """A UTC datetime as UTCDateTime stores it on SQLite (naive, microseconds)."""
    return str(instant.isoformat(sep=" ", timespec="microseconds")[:26])


def pack(lead: LeadRow) -> Packed:
    """A lead row as plain values, its JSON columns and row hash made here, where
    a big sheet is read in two processes, rather than in the write transaction."""
    created, extra, raw = lead.created_at, lead.extra, lead.raw
    values = _TEXT_VALUES(lead)
    if "" in values:
        values = tuple(value or None for value in values)
    packed = (
        lead.row,
        lead.lead_key,
        lead.key_kind,
        values,
        _pack_created(created) if created is not None else None,
        dumps(list(lead.secondary_emails)),
        dumps(extra if all(extra.values()) else {k: v for k, v in extra.items() if v}),
        dumps(raw if all(raw.values()) else {k: v for k, v in raw.items() if v}),
        tuple(w.code for w in lead.warnings) if lead.warnings else (),
        lead.digest,
        "",
        row_warnings(lead.warnings) if lead.digest else None,
    )
    # A row's duplicate_in_batch counts once its lead is folded (fold hashes it):
    # the row alone hashes the same read whole or in parts (sync/split.py).
    codes = packed[CODES]
    own = [code for code in codes if code != DUPLICATE] if DUPLICATE in codes else codes
    return (*packed[:HASH], row_hash(packed, own), packed[ROW_WARNINGS])


def lead_warnings(lead: Packed) -> str:
    """A lead's warning codes as ``leads.warnings`` keeps them: sorted, once each."""
    codes = lead[CODES]
    return dumps(sorted(set(codes))) if codes else "[]"


def person_key(values: Sequence[str | None]) -> str | None:
    """What finds a lead's person across sheets: its email, else its phone."""
    return values[_EMAIL] or values[_PHONE]


def new_values(lead: Packed, tz_suffix: str = "") -> tuple[Any, ...]:
    """A new lead's NEW_COLUMNS: its instant as the database's driver takes it
    (``tz_suffix``: "" for SQLite)."""
    values, created = lead[VALUES], lead[CREATED]
    return (
        lead[KEY],
        lead[KIND],
        person_key(values),
        *values,
        created[1] + tz_suffix if created else None,
        created[0] if created else None,
        created[2] if created else None,
        created[3] if created else False,
        lead[SECONDARY],
        lead[EXTRA],
        lead[RAW],
        lead_warnings(lead),
        lead[HASH],
        lead[DIGEST],
        lead[ROW_WARNINGS],
        lead[ROW],
    )


def from_new_values(row: Sequence[Any]) -> Packed:
    """The lead row ``new_values`` gave (SQLite's form), for ``fold``: its warning
    codes as a set, which is all that folding and hashing look at."""
    (key, kind, _person, *rest) = row
    values, rest = tuple(rest[:6]), rest[6:]
    instant, text, offset, date_only = rest[:4]
    secondary, extra, raw, warnings, digest_hash, digest, warned, number = rest[4:]
    created = None if instant is None else (text, instant, offset, bool(date_only))
    codes = tuple(json.loads(warnings))
    return (
        number,
        key,
        kind,
        values,
        created,
        secondary,
        extra,
        raw,
        codes,
        digest,
        digest_hash,
        warned,
    )


def row_warnings(warnings: list[Warning]) -> str:
    """A row's warnings without their row number, as ``leads.row_warnings`` keeps
    them: [[column, code, field], ...]."""
    if not warnings:
        return "[]"
    return json.dumps([[w.column, w.code, w.field] for w in warnings])


def _pack_created(created: CreatedAt) -> Created:
    value = created.value
    if isinstance(value, datetime):
        # CreatedAt.instant, .iso() and .offset_minutes, without building a zone.
        offset = value.utcoffset() or timedelta(0)
        instant = (value.replace(tzinfo=None) - offset).isoformat(" ", "microseconds")
        minutes = int(offset.total_seconds() // 60)
        return value.isoformat(timespec="seconds"), instant, minutes, False
    return created.iso(), utc_text(created.instant), None, True


def fold(first: Packed, later: Packed) -> Packed:
    """Rows sharing a key, in sheet order: a later non-empty value wins, the earliest
    created_at is kept, the row is the last one, warnings add up."""
    created_a, created_b = first[CREATED], later[CREATED]
    if created_b is not None and (created_a is None or created_b[1] < created_a[1]):
        created_a = created_b
    folded = (
        later[ROW],
        first[KEY],
        first[KIND],
        tuple(b or a for a, b in zip(first[VALUES], later[VALUES], strict=True)),
        created_a,
        later[SECONDARY] if later[SECONDARY] != "[]" else first[SECONDARY],
        dumps({**json.loads(first[EXTRA]), **json.loads(later[EXTRA])}),
        dumps({**json.loads(first[RAW]), **json.loads(later[RAW])}),
        first[CODES] + later[CODES] + _duplicate(later[CODES]),
        None,  # a lead of several rows is compared by its values
        "",
        None,
    )
    return (*folded[:HASH], row_hash(folded), None)


def _duplicate(codes: tuple[str, ...]) -> tuple[str, ...]:
    """A later row of a lead is its duplicate; a row read in another part of the
    snapshot (SnapshotPart) could not know it was."""
    return () if DUPLICATE in codes else (DUPLICATE,)


def row_hash(lead: Packed, codes: Iterable[str] | None = None) -> str:
    """A digest of every sheet-owned value of a lead and of the warnings it is
    stored with (a row added or removed changes ``duplicate_in_batch`` alone), to
    skip unchanged rows.

    No value can hold NUL (the reader refuses such bodies, and JSON escapes it),
    so NUL-separated texts of a fixed number of parts read back one way only.
    ``codes`` are the lead's warning codes when not all of ``lead``'s.
    """
    created = lead[CREATED]
    text = "\0".join(
        (
            lead[KEY],
            *[v or "" for v in lead[VALUES]],
            created[0] if created else "",
            created[1] if created else "",  # a date's instant follows the zone
            lead[SECONDARY],
            lead[EXTRA],
            lead[RAW],
            " ".join(sorted(set(lead[CODES] if codes is None else codes))),
        )
    )
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@mypyc_attr(serializable=True)
@dataclass
class SnapshotPart:
    """A later part of a snapshot read by another process (sync/split.py): its
    counts and samples, and the file its lead rows were spooled to."""

    counts: dict[str, int]
    lead_rows: int
    skipped: int
    skipped_sample: list[SkippedRow]
    warnings: int
    warning_sample: list[Warning]
    spool: str | None  # a file of the spool's format, or None without lead rows
    stage: str | None = None  # its store/stage.py file, when it staged its leads


@mypyc_attr(allow_interpreted_subclasses=True)
class Snapshot:
    """A row sink (leads/stream.py) that spools leads and counts the rest.

    ``spool_dir`` keeps the spool as a named file there, for ``part``.
    """

    def __init__(self, spool_dir: str | None = None) -> None:
        self._spool_dir = spool_dir
        self._files: list[IO[bytes]] = []  # this snapshot's spool, then parts'
        self.stage: Stage | None = None  # where new leads are staged too, if set
        self.reset()

    def reset(self) -> None:
        self.counts: dict[str, int] = {}  # key -> rows with that key, in sheet order
        self.lead_rows = 0
        self.skipped = 0
        self.skipped_sample: list[SkippedRow] = []
        self.warnings = 0
        self.warning_sample: list[Warning] = []
        self._buffer: list[Packed] = []
        self._stages: list[str] = []  # parts' stage files
        self._unstaged = False  # a part with leads that were not staged
        if self.stage is not None:
            self.stage.reset()
        for extra in self._files[1:]:
            extra.close()
        del self._files[1:]
        if self._files:
            self._files[0].seek(0)
            self._files[0].truncate()

    @classmethod
    def of(cls, leads: Iterable[LeadRow]) -> Snapshot:
        snapshot = cls()
        for lead in leads:
            snapshot.add(lead, [])
        return snapshot

    def add(self, outcome: LeadRow | SkippedRow, warnings: list[Warning]) -> None:
        if isinstance(outcome, LeadRow):
            key = outcome.lead_key
            self.counts[key] = self.counts.get(key, 0) + 1
            self.lead_rows += 1
            lead = pack(outcome)
            self._buffer.append(lead)
            if self.stage is not None:
                self.stage.add(lead)
            if len(self._buffer) >= SPOOL_ROWS:
                self._spool()
        else:
            self.skipped += 1
            if len(self.skipped_sample) < SAMPLE_SIZE:
                self.skipped_sample.append(outcome)
        if warnings:
            self.note(warnings)

    def note(self, warnings: list[Warning]) -> None:
        self.warnings += len(warnings)
        room = SAMPLE_SIZE - len(self.warning_sample)
        self.warning_sample.extend(warnings[:room])

    def _spool(self) -> None:
        if not self._files:
            self._files.append(
                tempfile.NamedTemporaryFile(dir=self._spool_dir, delete=False)  # noqa: SIM115
                if self._spool_dir
                else tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
            )
        data = marshal.dumps(self._buffer)
        self._files[0].write(len(data).to_bytes(8, "little"))
        self._files[0].write(data)
        self._buffer = []

    def part(self) -> SnapshotPart:
        """This snapshot as a part of another one (its spool is a named file)."""
        assert self._spool_dir is not None
        if self._buffer:
            self._spool()
        spool = None
        if self._files:
            self._files[0].flush()
            spool = self._files[0].name
        return SnapshotPart(
            self.counts,
            self.lead_rows,
            self.skipped,
            self.skipped_sample,
            self.warnings,
            self.warning_sample,
            str(spool) if spool is not None else None,
            self._close_stage(),
        )

    def _close_stage(self) -> str | None:
        if self.stage is None:
            return None
        self.stage.close()
        return self.stage.path

    def staged(self) -> list[str]:
        """The stage files of every part, this snapshot's first, when every lead
        row was staged; else none."""
        if self.stage is None or self._unstaged:
            return []
        self.stage.flush()
        return [self.stage.path, *self._stages]

    def absorb(self, part: SnapshotPart) -> None:
        """Add a later part's rows after this snapshot's.

        A key both parts have is one lead, and the part could not know that its
        first row of that key is a duplicate: the warning is counted here, and
        ``fold`` gives the lead its code. Where that warning would fall among
        the sampled ones cannot be known: then the parts do not join.
        """
        counts = self.counts
        shared = sum(1 for key in part.counts if key in counts)
        if shared and len(self.warning_sample) < SAMPLE_SIZE:
            raise ReadWhole
        for key, count in part.counts.items():
            counts[key] = counts.get(key, 0) + count
        self.lead_rows += part.lead_rows
        if part.stage is not None:
            self._stages.append(part.stage)
        elif part.lead_rows:
            self._unstaged = True
        self.skipped += part.skipped
        room = SAMPLE_SIZE - len(self.skipped_sample)
        self.skipped_sample.extend(part.skipped_sample[:room])
        self.warnings += part.warnings + shared
        room = SAMPLE_SIZE - len(self.warning_sample)
        self.warning_sample.extend(part.warning_sample[:room])
        if part.spool is not None:
            if self._buffer:
                self._spool()
            if not self._files:
                self._files.append(tempfile.TemporaryFile())  # noqa: SIM115
            self._files.append(open(part.spool, "rb"))  # noqa: SIM115

    def rows(self) -> Iterator[Packed]:
        """Every lead row, in sheet order."""
        for spool in self._files:
            spool.seek(0)
            # marshal.load on a file reads in tiny pieces; read each batch whole.
            while size := int.from_bytes(spool.read(8), "little"):
                yield from marshal.loads(spool.read(size))
        yield from self._buffer

    def merged(self) -> Iterator[Packed]:
        """One folded lead per key, each as soon as its last row has come by.

        Consumes ``counts``: a key's count is 0 once its lead has been given out,
        and the caller may then store what became of it there.
        """
        counts = self.counts
        waiting: dict[str, Packed] = {}
        for lead in self.rows():
            key = lead[KEY]
            left = counts[key] - 1
            counts[key] = left
            earlier = waiting.pop(key, None)
            if earlier is not None:
                lead = fold(earlier, lead)
            if left:
                waiting[key] = lead
            else:
                yield lead

    def close(self) -> None:
        if self.stage is not None:
            self.stage.close()
        for spool in self._files:
            spool.close()
        self._files = []

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
