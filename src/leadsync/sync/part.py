"""The read helper: one process that reads the second part of a big body.

    python -m leadsync.sync.part FOLDER

sync/split.py starts it with the job pickled in ``FOLDER/job.pickle`` and reads
what it gave from ``FOLDER/result.pickle``. It is a fresh interpreter that
imports the reader and the spool alone: no database layer, no main module of the
syncing process, no lock a threaded server held. It lives as long as its read,
so a killed worker leaves no helper waiting behind.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import Any

from leadsync.errors import SyncFailure
from leadsync.leads.decode import BodyFacts
from leadsync.leads.header import Layout
from leadsync.leads.model import SheetSettings, Warning
from leadsync.leads.reader import gc_paused
from leadsync.leads.stream import PartSummary, ReadWhole, scan_part
from leadsync.store.snapshot import Snapshot, SnapshotPart
from leadsync.store.stage import Stage

JOB, RESULT = "job.pickle", "result.pickle"
Result = tuple[SnapshotPart, PartSummary] | None
"""What the part read as, or None: read the whole body in one process."""


class DigestsOnly:
    """Rows to recognize: none (a split sheet has no stored digests), but every
    lead row gets its digest for the next sync."""

    def claim(self, row: int, digest: bytes) -> list[Warning] | None:
        return None

    def reset(self) -> None:
        pass


def read_part(
    path: str,
    folder: str,
    facts: BodyFacts,
    settings: SheetSettings,
    layout: Layout,
    data: list[list[str]],
    first_row: int,
    stage: bool = False,
) -> Result:
    """Read the part at ``path``, spooling its leads into ``folder``, and with
    ``stage`` staging them there too (store/stage.py)."""
    snapshot = Snapshot(spool_dir=folder)
    if stage:
        snapshot.stage = Stage(os.path.join(folder, "stage-part.db"))
    with open(path, "rb") as body, gc_paused():
        try:
            summary = scan_part(
                body, facts, settings, layout, data, first_row, snapshot, DigestsOnly()
            )
        except (ReadWhole, SyncFailure):
            return None  # read whole: the one read says what is wrong
    return snapshot.part(), summary


def main(folder: str) -> None:
    with open(os.path.join(folder, JOB), "rb") as job:
        args: tuple[Any, ...] = pickle.load(job)
    result = read_part(*args)
    with open(os.path.join(folder, RESULT + ".tmp"), "wb") as out:
        pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(os.path.join(folder, RESULT + ".tmp"), os.path.join(folder, RESULT))


if __name__ == "__main__":
    main(sys.argv[1])
