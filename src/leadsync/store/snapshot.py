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
import marshal
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from operator import attrgetter
from typing import IO, Any, Final

from leadsync.leads.model import CreatedAt, LeadRow, SkippedRow, Warning
from leadsync.store.types import dumps

SAMPLE_SIZE = 50
SPOOL_ROWS = 2000
# Sheet-owned text fields, in the order of Packed.values.
TEXT_FIELDS = ("name", "email", "phone", "channel", "campaign", "external_id")

Created = tuple[str, str, int | None, bool]
"""(ISO text as read, UTC instant as "YYYY-MM-DD HH:MM:SS.ffffff", offset minutes,
date only). The instant text sorts like the instant and is what SQLite stores."""
Packed = tuple[
    int,  # ROW: the last sheet row of the lead
    str,  # KEY
    str,  # KIND: the key kind of the lead's first row
    tuple[str | None, ...],  # VALUES: TEXT_FIELDS
    Created | None,  # CREATED
    tuple[str, ...],  # SECONDARY emails
    dict[str, str],  # EXTRA
    dict[str, str],  # RAW
    tuple[str, ...],  # CODES: warning codes of every row
    bytes | None,  # DIGEST: the row's digest, for a lead of one row without warnings
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
_TEXT_VALUES = attrgetter(*TEXT_FIELDS)


def utc_text(instant: Any) -> str:
    """A UTC datetime as UTCDateTime stores it on SQLite (naive, microseconds)."""
    return str(instant.isoformat(sep=" ", timespec="microseconds")[:26])


def pack(lead: LeadRow) -> Packed:
    created, extra, raw = lead.created_at, lead.extra, lead.raw
    values = _TEXT_VALUES(lead)
    if "" in values:
        values = tuple(value or None for value in values)
    return (
        lead.row,
        lead.lead_key,
        lead.key_kind,
        values,
        _pack_created(created) if created is not None else None,
        tuple(lead.secondary_emails),
        extra if all(extra.values()) else {k: v for k, v in extra.items() if v},
        raw if all(raw.values()) else {k: v for k, v in raw.items() if v},
        tuple(w.code for w in lead.warnings) if lead.warnings else (),
        lead.digest,
    )


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
    return (
        later[ROW],
        first[KEY],
        first[KIND],
        tuple(b or a for a, b in zip(first[VALUES], later[VALUES], strict=True)),
        created_a,
        later[SECONDARY] or first[SECONDARY],
        {**first[EXTRA], **later[EXTRA]},
        {**first[RAW], **later[RAW]},
        first[CODES] + later[CODES],
        None,  # a lead of several rows is compared by its values
    )


def json_texts(lead: Packed) -> tuple[str, str, str]:
    """Secondary emails, extra and raw as their JSON columns store them."""
    return dumps(list(lead[SECONDARY])), dumps(lead[EXTRA]), dumps(lead[RAW])


def row_hash(lead: Packed, texts: tuple[str, str, str]) -> str:
    """A digest of every sheet-owned value of a lead, to skip unchanged rows.

    No value can hold NUL (the reader refuses such bodies, and JSON escapes it),
    so NUL-separated texts of a fixed number of parts read back one way only.
    """
    created = lead[CREATED]
    text = "\0".join(
        (
            lead[KEY],
            *[v or "" for v in lead[VALUES]],
            created[0] if created else "",
            *texts,
        )
    )
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class Snapshot:
    """A row sink (leads/stream.py) that spools leads and counts the rest."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self.reset()

    def reset(self) -> None:
        self.counts: dict[str, int] = {}  # key -> rows with that key, in sheet order
        self.lead_rows = 0
        self.skipped = 0
        self.skipped_sample: list[SkippedRow] = []
        self.warnings = 0
        self.warning_sample: list[Warning] = []
        self._buffer: list[Packed] = []
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()

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
            self._buffer.append(pack(outcome))
            if len(self._buffer) >= SPOOL_ROWS:
                self._spool()
        else:
            self.skipped += 1
            if len(self.skipped_sample) < SAMPLE_SIZE:
                self.skipped_sample.append(outcome)
        if warnings:
            self.warnings += len(warnings)
            room = SAMPLE_SIZE - len(self.warning_sample)
            self.warning_sample.extend(warnings[:room])

    def _spool(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        data = marshal.dumps(self._buffer)
        self._file.write(len(data).to_bytes(8, "little"))
        self._file.write(data)
        self._buffer = []

    def rows(self) -> Iterator[Packed]:
        """Every lead row, in sheet order."""
        if self._file is not None:
            self._file.seek(0)
            # marshal.load on a file reads in tiny pieces; read each batch whole.
            while size := int.from_bytes(self._file.read(8), "little"):
                yield from marshal.loads(self._file.read(size))
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
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
