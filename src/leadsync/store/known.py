"""Recognizing a sheet's unchanged rows by their digest, so a sync reads only what
changed.

A lead stored from one row keeps that row's digest (leads/digest.py) in
``row_digest`` and the warnings it read with in ``row_warnings``. The next sync
digests every record before reading it; a digest a stored lead has is that lead's
row, unchanged, and is not read, compared or written (only a moved row number is);
its warnings count in the run as if it had been read. A sheet that gained a few
rows is then read for those rows alone.

Rows sharing a key fold into one lead, and a recognized row is never read, so a
recognized lead whose key a row that was read also has cannot be applied alone:
``RowsConflict`` sends the sync back to read the sheet whole (``KnownRows()``,
which recognizes nothing).
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Iterable, Iterator

from sqlalchemy.orm import Session, sessionmaker

from leadsync.leads.model import Warning
from leadsync.store.bulk import Move
from leadsync.store.bulk_pg import lead_writer
from leadsync.store.types import utcnow

_ROW_BITS = 40  # sheet rows: far more than any body a sync accepts can hold
_ROW_MASK = (1 << _ROW_BITS) - 1

# When none of a snapshot's first rows is recognized, its layout, settings or
# format changed, and no later row will be either: the digests are let go before
# the read's own keys fill memory (a row not recognized is read, so this can cost
# time, never a lead).
GIVE_UP_AFTER = 2000

Known = tuple[bytes, int, int | None, bool, str | None]
"""(row digest, id, row number, missing, row warnings) of a stored lead"""


class RowsConflict(Exception):
    """A recognized row shares its key with a row that was read."""


class KnownRows:
    """The stored leads of one sheet a snapshot may repeat, by digest.

    Each entry packs (id, row number, missing) into one int: a 500,000-lead sheet
    takes about 60 MB, less than the keys of its first sync. ``load`` gives the
    stored leads again whenever the sheet is read again from the start.
    """

    def __init__(self, load: Callable[[], Iterable[Known]] | None = None) -> None:
        self._load = load
        self.reset()

    def reset(self) -> None:
        self._left: dict[bytes, int] = {}
        # The few rows that read with warnings: what they were, for the run.
        self._warned: dict[bytes, str] = {}
        for digest, id_, row, missing, warnings in self._load() if self._load else ():
            # One int per lead (Python's ints do not overflow, whatever the id).
            self._left[digest] = id_ << (_ROW_BITS + 1) | (row or 0) << 1 | missing
            if warnings and warnings != "[]":
                self._warned[digest] = warnings
        self.recognized = array("q")  # ids of the leads whose row was recognized
        self.moves: list[Move] = []  # recognized leads whose row moved or came back
        self._claimed: set[int] | None = None
        self._misses = 0

    @property
    def empty(self) -> bool:
        """Whether no stored lead has a row digest: nothing can be recognized."""
        return not self._left and not self.recognized

    def claim(self, row: int, digest: bytes) -> list[Warning] | None:
        entry = self._left.pop(digest, None)
        if entry is None:
            self._misses += 1
            if self._misses == GIVE_UP_AFTER and not self.recognized:
                # The sheet changed shape: free the digests now.
                self._left, self._warned = {}, {}
            return None
        id_ = entry >> (_ROW_BITS + 1)
        self.recognized.append(id_)
        warnings = self._warned.get(digest)
        if (entry >> 1) & _ROW_MASK != row or entry & 1:
            self.moves.append((row, digest, warnings or "[]", id_))
        if warnings is None:
            return []
        return [
            Warning(row, column, code, field)
            for column, code, field in json.loads(warnings)
        ]

    def read_done(self) -> None:
        """The snapshot is read: the digests are no longer needed (a big sheet's
        take more memory than anything the apply holds)."""
        self._left, self._warned = {}, {}

    def was_claimed(self, lead_id: int) -> bool:
        """Whether a row of this snapshot was recognized as this stored lead's."""
        if not self.recognized:
            return False
        if self._claimed is None or len(self._claimed) != len(self.recognized):
            self._claimed = set(self.recognized)
        return lead_id in self._claimed


def known_rows(
    sessions: sessionmaker[Session], customer_id: int, sheet_id: int
) -> KnownRows:
    """The sheet's stored leads that carry a row digest (read without a lock)."""

    def load() -> Iterator[Known]:
        with sessions() as session:
            writer = lead_writer(session, customer_id, sheet_id, utcnow())
            # bytes from both drivers (a BLOB, a bytea), as the stream digests
            yield from writer.stored_digests()

    return KnownRows(load)
