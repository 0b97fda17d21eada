"""A big snapshot read in two parts (sync/split.py) reads exactly as one read:
every case and fixture cut at every line, messy bodies cut anywhere, and a sync
through real helper processes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack, closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from leadsync.config import Settings
from leadsync.errors import SyncFailure
from leadsync.leads import settings_from_dict
from leadsync.leads import stream as stream_module
from leadsync.leads.model import SheetSettings
from leadsync.leads.stream import scan_sheet
from leadsync.sheets.fake import FakeGoogle
from leadsync.store.bulk import LeadWriter
from leadsync.store.known import KnownRows
from leadsync.store.models import LeadRecord
from leadsync.store.snapshot import CODES, HASH, ROW_WARNINGS, Snapshot
from leadsync.sync import split as split_module
from leadsync.sync.part import read_part
from leadsync.sync.run import sync_sheet
from leadsync.sync.split import ProcessSplit, find_cut
from tests.conftest import CASES, FIXTURES
from tests.helpers import load_expected, make_customer, register

MAKE_SHEET = FIXTURES / "make_big_sheet.py"
BODIES = sorted(
    (csv, json)
    for folder in (CASES, FIXTURES)
    for json in folder.glob("*.expected.json")
    for csv in folder.glob(json.name.split(".")[0] + "*.csv")
)


class InProcess:
    """The helper's work done here: the same reading, without the processes."""

    def start(self, *args: Any) -> None:
        self.answer = read_part(*args)

    def result(self) -> Any:
        return self.answer

    def close(self) -> None:
        pass


@pytest.fixture
def in_process() -> InProcess:
    return InProcess()


@pytest.fixture(autouse=True)
def small_head(monkeypatch: pytest.MonkeyPatch) -> None:
    """A head of four rows rather than 2,010 (the header sought in the first
    three): the cases are small, and a read cut inside the head is read whole
    (the head judges the header and the layout). Both reads compared use it."""
    monkeypatch.setattr(stream_module, "HEADER_SCAN_ROWS", 3)
    monkeypatch.setattr(stream_module, "SAMPLE_ROWS", 1)


def _read(
    body: bytes,
    settings: SheetSettings,
    helper: InProcess | None = None,
    target: int | None = None,
) -> tuple[dict[str, Any], bool]:
    """Everything a sync takes from a read, and whether the parts were joined."""
    stream = io.BytesIO(body)
    cut = find_cut(stream, len(body), target) if helper is not None else None
    with Snapshot() as snapshot, tempfile.TemporaryDirectory() as folder:
        split = None
        if helper is not None and cut is not None:
            split = ProcessSplit(helper, stream, snapshot, cut, folder)
        try:
            summary = scan_sheet(
                stream, settings, snapshot, known=KnownRows(), split=split
            )
        except SyncFailure as failure:
            return {"failure": failure.code}, False
        finally:
            if split is not None:
                split.close()
        # A part's first row of a key the other part has cannot know it is a
        # duplicate: its codes, digest and row warnings differ until it folds.
        rows = [row[:CODES] + row[HASH:ROW_WARNINGS] for row in snapshot.rows()]
        read = {
            "summary": (summary.rows_read, summary.header_row, summary.columns),
            "file_warnings": summary.warnings,
            "counts": list(snapshot.counts.items()),
            "numbers": (snapshot.lead_rows, snapshot.skipped, snapshot.warnings),
            "samples": (snapshot.skipped_sample, snapshot.warning_sample),
            "rows": rows,
            "leads": list(snapshot.merged()),
        }
        return read, split is not None and split.joined


def _line_starts(body: bytes) -> list[int]:
    return [i + 1 for i, byte in enumerate(body) if byte == 0x0A][:-1]


@pytest.mark.parametrize(
    "csv, expected", BODIES, ids=[csv.name.removesuffix(".csv") for csv, _ in BODIES]
)
def test_every_case_cut_at_every_line_reads_as_one_read(
    in_process: InProcess, csv: Path, expected: Path
) -> None:
    body = csv.read_bytes()
    case_settings = settings_from_dict(load_expected(expected).get("settings", {}))
    whole, _ = _read(body, case_settings)
    joined = 0
    for start in _line_starts(body):
        parts, was_joined = _read(body, case_settings, in_process, start)
        assert parts == whole, (csv.name, start)
        joined += was_joined
    head = stream_module.HEADER_SCAN_ROWS + stream_module.SAMPLE_ROWS
    if (
        "leads" in whole
        and not case_settings.fill_down
        and len(body.split(b"\n")) > head + 2
    ):
        assert joined, csv.name  # some cut past the head was really read in two parts


# Messy bodies: quoted line breaks and quotes, stray quotes, blank, totals, test
# and note rows, ragged rows, rows sharing keys across the cut, a byte order mark
# and invisible characters where a part starts.
_cells = st.sampled_from(
    [
        "Ana",
        "ana@example.com",
        "bo@example.com",
        "+14155550101",
        "12",
        '"Line one\r\nline two"',
        '"He said ""hi"""',
        'stray"quote',
        "",
        "Total",
        "\ufeffana@example.com",
        "test@example.com",
        "2024-01-05",
        "Note: call back",
    ]
)
_records = st.lists(
    st.lists(_cells, min_size=0, max_size=5).map(",".join), min_size=1, max_size=14
)


@settings(max_examples=150, deadline=None)
@given(records=_records, at=st.floats(0, 1), ending=st.sampled_from(["\r\n", "\n"]))
def test_a_messy_body_cut_anywhere_reads_as_one_read(
    records: list[str], at: float, ending: str
) -> None:
    body = ("Name,Email,Phone,Created,Notes" + ending + ending.join(records)).encode()
    if ending == "\r\n" and at > 0.5:
        body += ending.encode()
    plain = SheetSettings()
    parts, _ = _read(body, plain, InProcess(), int(at * len(body)))
    assert parts == _read(body, plain)[0]


def test_a_cut_before_the_header_reads_whole(in_process: InProcess) -> None:
    """A one-cell "Email" title is a header only when no row below it is better:
    the first part alone would take it."""
    rows = ["Email", "Fill one row per lead", "Name,Email,Phone"]
    rows += [f"Lead {i},lead{i}@example.com,+1415555{i:04d}" for i in range(30)]
    body = ("\r\n".join(rows) + "\r\n").encode()
    whole, _ = _read(body, SheetSettings())
    parts, joined = _read(body, SheetSettings(), in_process, body.index(b"Name,"))
    assert not joined
    assert parts == whole
    assert whole["summary"][1] == 3  # the header row


def test_a_generic_id_column_is_judged_by_the_whole_head(
    in_process: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Empty in the first rows, row numbers a little later but inside the head:
    a part ending between them would judge the column otherwise (and salt every
    digest otherwise)."""
    monkeypatch.setattr(stream_module, "SAMPLE_ROWS", 20)
    rows = [f"Lead{i},lead{i}@example.com," for i in range(2, 12)]
    rows += [f"Lead{i},lead{i}@example.com,{i}" for i in range(12, 60)]
    body = ("Name,Email,id\r\n" + "".join(r + "\r\n" for r in rows)).encode()
    whole, _ = _read(body, SheetSettings())
    early, joined_early = _read(
        body, SheetSettings(), in_process, body.index(b"Lead8,")
    )
    late, joined_late = _read(body, SheetSettings(), in_process, body.index(b"Lead50,"))
    assert not joined_early and joined_late
    assert early == whole == late


def test_a_key_in_both_parts_is_one_lead_with_its_duplicate_warning(
    in_process: InProcess,
) -> None:
    """Past the warning sample, a shared key joins: the duplicate is counted and
    its lead carries the code."""
    header = "Name,Email,Phone\r\n"
    noisy = "".join(f"N{i},n{i}@example.com,12\r\n" for i in range(60))  # warnings
    body = (
        header
        + noisy
        + "Ana,ana@example.com,\r\n"
        + noisy.replace("N", "M").replace("n", "m")
        + "Ana B,ana@example.com,+14155550101\r\n"
    ).encode()
    whole, _ = _read(body, SheetSettings())
    parts, joined = _read(body, SheetSettings(), in_process, len(body) - 40)
    assert joined
    assert parts == whole
    (ana,) = [lead for lead in whole["leads"] if lead[1] == "ana@example.com"]
    assert "duplicate_in_batch" in ana[CODES]


def test_a_shared_key_before_the_warning_sample_is_full_reads_whole(
    in_process: InProcess,
) -> None:
    rows = ["Name,Email", "Ana,ana@example.com", "Bo,bo@example.com"]
    body = "\r\n".join([*rows, "Ana,ana@example.com", ""]).encode()
    second = body.index(b"Ana", body.index(b"Bo"))
    parts, joined = _read(body, SheetSettings(), in_process, second)
    assert not joined
    assert parts == _read(body, SheetSettings())[0]


@pytest.fixture(scope="module")
def big_sheet() -> bytes:
    """4,000 generated Meta rows: duplicates, test rows and warnings all through."""
    made = subprocess.run(
        [sys.executable, str(MAKE_SHEET), "--rows", "4000", "--seed", "7"],
        capture_output=True,
        check=True,
    )
    return made.stdout


def test_a_big_sheet_cut_in_the_middle_reads_as_one_read(
    in_process: InProcess, big_sheet: bytes
) -> None:
    meta = SheetSettings(region="US", timezone="America/New_York")
    whole, _ = _read(big_sheet, meta)
    parts, joined = _read(big_sheet, meta, in_process)
    assert joined
    assert parts == whole
    assert whole["numbers"][2] > 50  # warnings: the shared keys joined, counted


def test_a_sync_through_helper_processes_stores_what_one_process_stores(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    big_sheet: bytes,
) -> None:
    monkeypatch.setattr(split_module, "MIN_SPLIT_BYTES", 0)
    body, meta = big_sheet, {"region": "US", "timezone": "America/New_York"}
    joined = []
    finish = ProcessSplit.finish

    def watched(self: ProcessSplit) -> Any:
        summary = finish(self)
        joined.append(self.joined)
        return summary

    monkeypatch.setattr(ProcessSplit, "finish", watched)
    copied: list[int] = []
    insert_staged = LeadWriter.insert_staged

    def counted(self: LeadWriter, *args: Any) -> int:
        copied.append(insert_staged(self, *args))
        return copied[-1]

    monkeypatch.setattr(LeadWriter, "insert_staged", counted)
    stored, order = {}, {}
    for workers in (1, 0):
        customer = make_customer(sessions, f"workers{workers}")
        sheet = register(sessions, fake_google, customer, f"w{workers}", body, **meta)
        outcome = sync_sheet(sessions, sheet, replace(settings, read_workers=workers))
        assert outcome.status == "ok", outcome.error_message
        with sessions() as session:
            leads = session.scalars(
                select(LeadRecord)
                .where(LeadRecord.sheet_id == sheet)
                .order_by(LeadRecord.id)
            ).all()
            order[workers] = [lead.lead_key for lead in leads]
            stored[workers] = {
                lead.lead_key: {
                    c.key: getattr(lead, c.key)
                    for c in LeadRecord.__table__.columns
                    if c.key
                    not in {
                        "id",
                        "customer_id",
                        "sheet_id",
                        "first_seen_at",
                        "last_seen_at",
                        "updated_at",
                    }
                }
                for lead in leads
            }
    assert joined == [True]  # a helper process read the second part
    assert stored[1] == stored[0]
    assert order[1] == order[0]  # ids in the same order: pages list leads by id
    sqlite = sessions.kw["bind"].dialect.name == "sqlite"
    # SQLite inserted every lead from both parts' stage files, with the keys of
    # several rows (in one part or across both) folded from their staged rows.
    shared = sum(
        1 for lead in stored[1].values() if "duplicate_in_batch" in lead["warnings"]
    )
    assert copied == ([len(stored[1])] if sqlite else [])
    assert shared > 10
    engine = sessions.kw["bind"]
    with ExitStack() as stack:  # no stage file stays attached to a connection
        pooled = [
            stack.enter_context(closing(engine.raw_connection())) for _ in range(5)
        ]
        names = [
            row[1]
            for conn in (pooled if sqlite else [])
            for row in conn.execute("PRAGMA database_list").fetchall()
        ]
    assert not [name for name in names if name.startswith("leadsync_stage")]


class DyingHelper(InProcess):
    """A helper process that died (out of memory, killed) before it answered."""

    def result(self) -> Any:
        raise EOFError("the helper died")


def test_a_helper_that_dies_leaves_the_read_to_this_process(big_sheet: bytes) -> None:
    meta = SheetSettings(region="US", timezone="America/New_York")
    parts, joined = _read(big_sheet, meta, DyingHelper())
    assert not joined
    assert parts == _read(big_sheet, meta)[0]


def test_a_split_only_where_it_pays_off(
    big_sheet: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def split_of(body: bytes, known: KnownRows, workers: int) -> bool:
        with (
            Snapshot() as snapshot,
            split_module.split_for(
                io.BytesIO(body), len(body), snapshot, known, workers
            ) as split,
        ):
            return split is not None

    monkeypatch.setattr(split_module, "MIN_SPLIT_BYTES", len(big_sheet))
    assert split_of(big_sheet, KnownRows(), 1)
    assert not split_of(big_sheet[:-1], KnownRows(), 1)  # too small
    assert not split_of(big_sheet, KnownRows(), 0)  # no helpers allowed
    stored = KnownRows(lambda: [(b"d" * 16, 1, 2, False, None)])
    assert not split_of(big_sheet, stored, 1)  # rows to recognize: read them here
    with Snapshot() as snapshot:
        body = io.BytesIO(big_sheet)
        with split_module.split_for(body, len(big_sheet), snapshot, KnownRows(), 1):
            assert not split_of(big_sheet, KnownRows(), 1)  # the helper is busy
    assert split_of(big_sheet, KnownRows(), 1)  # and free again


def test_read_workers_come_from_the_environment() -> None:
    assert Settings.from_env({"LEADSYNC_READ_WORKERS": "0"}).read_workers == 0
    assert Settings.from_env({"LEADSYNC_READ_WORKERS": "3"}).read_workers == 3
    assert Settings.from_env({"LEADSYNC_READ_WORKERS": "-2"}).read_workers == 0
    cpus = len(os.sched_getaffinity(0))
    assert Settings.from_env({}).read_workers == max(0, min(4, cpus - 1))
    with pytest.raises(ValueError, match="LEADSYNC_READ_WORKERS"):
        Settings.from_env({"LEADSYNC_READ_WORKERS": "two"})


def test_a_staged_read_that_starts_again_stores_each_lead_once(
    sessions: sessionmaker[Session],
    fake_google: FakeGoogle,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    big_sheet: bytes,
) -> None:
    """The helper dies after this process staged its part: the read starts again
    in one process, the stage is emptied first, and every lead is stored once."""

    class Dying(DyingHelper):
        def __init__(self, folder: str) -> None:
            self.folder = folder

    monkeypatch.setattr(split_module, "MIN_SPLIT_BYTES", 0)
    monkeypatch.setattr(split_module, "Subprocess", Dying)
    meta = {"region": "US", "timezone": "America/New_York"}
    counts = {}
    for workers in (1, 0):
        customer = make_customer(sessions, f"again{workers}")
        sheet = register(
            sessions, fake_google, customer, f"a{workers}", big_sheet, **meta
        )
        outcome = sync_sheet(sessions, sheet, replace(settings, read_workers=workers))
        assert outcome.status == "ok", outcome.error_message
        with sessions() as session:
            keys = session.scalars(
                select(LeadRecord.lead_key).where(LeadRecord.sheet_id == sheet)
            ).all()
        assert len(keys) == len(set(keys))
        counts[workers] = (len(keys), outcome.counts)
    assert counts[1] == counts[0]
