"""Reading a big snapshot in two processes at once.

The reader is Python for every cell and holds one CPU, so the first sync of a big
sheet (nothing to recognize yet, store/known.py) spends most of its time there.
Here the body is cut at a record start near its middle; this process reads the
first part while a helper process (sync/part.py) reads the rest with the same
layout, spooling its leads to a file (leads/stream.py ``Split``,
store/snapshot.py ``absorb``).

The parts must read exactly as one read does, so anything that could make them
differ sends the read back to one process (``ReadWhole``): a cut that a stray
quote or line break misplaced (the first part then has another record count), a
generic id column a later row contradicts, a refusal or a failure in either
part, fill-down (a row reads with the one above), or a key both parts have while
the warning sample is not full yet.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, BinaryIO, Protocol

from leadsync.leads.decode import BodyFacts
from leadsync.leads.header import Layout
from leadsync.leads.model import SheetSettings
from leadsync.leads.stream import PartSummary, ReadWhole
from leadsync.store.known import KnownRows
from leadsync.store.snapshot import Snapshot
from leadsync.sync import part as part_module
from leadsync.sync.part import Result

log = logging.getLogger(__name__)

# Below this a helper costs more than it saves (about 25,000 Meta-format rows).
MIN_SPLIT_BYTES = 8 * 1024 * 1024
# The helper starts an interpreter first, so it gets a little less than half.
_HELPER_SHARE = 0.47
_CHUNK = 1024 * 1024

_lock = threading.Lock()
_busy = 0  # helpers reading now, in this process


@contextmanager
def split_for(
    body: BinaryIO, size: int, snapshot: Snapshot, known: KnownRows, workers: int
) -> Iterator[ProcessSplit | None]:
    """A split of the body into ``snapshot`` when one pays off and fewer than
    ``workers`` helpers are reading other sheets, else None."""
    if size < MIN_SPLIT_BYTES or not known.empty or not _take_helper(workers):
        yield None
        return
    try:
        cut = find_cut(body, size, int(size * (1 - _HELPER_SHARE)))
        if cut is None:
            yield None
            return
        with tempfile.TemporaryDirectory(prefix="leadsync-split-") as folder:
            split = ProcessSplit(Subprocess(folder), body, snapshot, cut, folder)
            try:
                yield split
            finally:
                split.close()
    finally:
        _give_helper_back()


def find_cut(
    body: BinaryIO, size: int, target: int | None = None
) -> tuple[int, int] | None:
    """The first record start from ``target`` (the middle of the body) on, and
    how many records come before it, counting a line break after an even number
    of quotes as a record's end (RFC 4180; a stray quote miscounts, which the
    read notices)."""
    start = body.tell()
    target = size // 2 if target is None else target
    offset, records, odd = 0, 0, False
    try:
        while chunk := body.read(_CHUNK):
            lines = chunk.split(b"\n")
            for line in lines[:-1]:
                odd ^= line.count(b'"') % 2 == 1
                offset += len(line) + 1
                if not odd:
                    records += 1
                    if offset >= target:
                        return offset, records
            # The chunk's last piece continues in the next chunk.
            tail = lines[-1]
            odd ^= tail.count(b'"') % 2 == 1
            offset += len(tail)
        return None
    finally:
        body.seek(start)


class Helper(Protocol):
    """Runs ``part.read_part`` somewhere and hands back its result."""

    def start(self, *args: Any) -> None: ...

    def result(self) -> Result: ...

    def close(self) -> None: ...


class ProcessSplit:
    """One body's second part, read by a helper (the ``Split`` of
    leads/stream.py)."""

    def __init__(
        self,
        helper: Helper,
        body: BinaryIO,
        snapshot: Snapshot,
        cut: tuple[int, int],
        folder: str,
    ) -> None:
        self.boundary, self.records_before = cut
        self.helper, self.body, self.folder = helper, body, folder
        self.snapshot = snapshot  # the first part reads into it; the second joins
        self.joined = False  # the parts were read apart and joined
        self.stage = False  # the helper stages its leads too (store/stage.py)

    def start(
        self,
        layout: Layout,
        data: Sequence[Sequence[str]],
        facts: BodyFacts,
        settings: SheetSettings,
    ) -> None:
        path = os.path.join(self.folder, "part.csv")
        where = self.body.tell()
        try:
            self.body.seek(self.boundary)
            with open(path, "wb") as part:
                shutil.copyfileobj(self.body, part, _CHUNK)
        finally:
            self.body.seek(where)
        rows = [list(row) for row in data]
        try:
            self.helper.start(
                path,
                self.folder,
                facts,
                settings,
                layout,
                rows,
                self.records_before + 1,
                self.stage,
            )
        except OSError as exc:  # no process could be started
            log.warning("split read not started, reading whole: %s", exc)
            raise ReadWhole from exc

    def finish(self) -> PartSummary:
        try:
            result = self.helper.result()
        except Exception as exc:  # a helper that died (out of memory, killed)
            log.warning("split read failed, reading whole: %s", exc)
            raise ReadWhole from exc
        if result is None:
            raise ReadWhole
        part, summary = result
        self.snapshot.absorb(part)
        self.joined = True
        return summary

    def close(self) -> None:
        self.helper.close()


class Subprocess:
    """``python -m leadsync.sync.part FOLDER``: a fresh interpreter per part."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *args: Any) -> None:
        with open(os.path.join(self.folder, part_module.JOB), "wb") as job:
            pickle.dump(args, job, protocol=pickle.HIGHEST_PROTOCOL)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "leadsync.sync.part", self.folder],
            stdin=subprocess.DEVNULL,
        )

    def result(self) -> Result:
        assert self.process is not None
        code = self.process.wait()
        if code != 0:
            raise RuntimeError(f"read helper exited with {code}")
        with open(os.path.join(self.folder, part_module.RESULT), "rb") as answer:
            result: Result = pickle.load(answer)
        return result

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # abandoned before its end: its part is not needed
            self.process.wait()


def _take_helper(workers: int) -> bool:
    global _busy
    with _lock:
        if _busy >= workers:
            return False
        _busy += 1
        return True


def _give_helper_back() -> None:
    global _busy
    with _lock:
        _busy -= 1
