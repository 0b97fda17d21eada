"""The streaming reader: what the head decides is checked against every later row,
the body is read in chunks, and memos stay bounded."""

from __future__ import annotations

import io

import pytest

from leadsync.leads import cellreader, decode
from leadsync.leads.model import LeadRow, SheetSettings, SkippedRow, Warning
from leadsync.leads.stream import scan_sheet
from tests.leads.helpers import body, lead_at, read

HEAD = 2500  # more data rows than the head the layout is judged from


class _Counting:
    def __init__(self) -> None:
        self.resets = 0
        self.leads = 0

    def reset(self) -> None:
        self.resets += 1
        self.leads = 0

    def add(self, outcome: LeadRow | SkippedRow, warnings: list[Warning]) -> None:
        self.leads += isinstance(outcome, LeadRow)


def _id_sheet(late_id: str, early_id: str = "l:1234567890123") -> bytes:
    rows = [[early_id if early_id else "", f"a{i}@example.com"] for i in range(HEAD)]
    rows.append([late_id, "late@example.com"])
    return body(["id", "email"], *rows)


def test_a_row_number_typed_into_a_platform_id_column_keys_that_row_alone() -> None:
    """One hand-typed row in a platform's export: the column stays the id column
    (its values are mostly platform ids), read once; that row is keyed by its
    email, its id cell kept as typed."""
    sink = _Counting()
    summary = scan_sheet(io.BytesIO(_id_sheet("17")), SheetSettings(), sink)
    assert summary.columns[0].field == "external_id"
    assert (sink.resets, sink.leads) == (0, HEAD + 1)
    result = read(_id_sheet("17"))
    assert lead_at(result, 2).lead_key == "1234567890123"
    late = lead_at(result, HEAD + 2)
    assert (late.lead_key, late.key_kind, late.external_id) == (
        "late@example.com",
        "email",
        None,
    )
    assert late.raw["external_id"] == "17"


def test_a_column_of_mostly_row_numbers_is_not_the_key() -> None:
    rows = [[str(i), f"a{i}@example.com"] for i in range(1, 8)]
    rows.append(["l:1234567890123", "z@example.com"])
    result = read(body(["ID", "Email"], *rows))
    assert result.columns[0].field is None
    assert [lead.lead_key for lead in result.leads][-1] == "z@example.com"
    assert lead_at(result, 2).extra == {"ID": "1"}


def test_values_after_an_empty_head_are_judged_by_their_majority() -> None:
    rows = [["", f"a{i}@example.com"] for i in range(HEAD)]
    rows += [
        ["1", "x@example.com"],
        ["2", "y@example.com"],
        ["l:98765432109", "z@e.com"],
    ]
    sink = _Counting()
    summary = scan_sheet(
        io.BytesIO(body(["id", "email"], *rows)), SheetSettings(), sink
    )
    assert summary.columns[0].field is None
    assert sink.resets == 1  # read again, judged by every row


def test_platform_ids_after_an_empty_head_make_it_an_id_column() -> None:
    result = read(_id_sheet("l:9876543210987", early_id=""))
    assert result.columns[0].field == "external_id"
    assert lead_at(result, HEAD + 2).lead_key == "9876543210987"


def test_platform_ids_throughout_need_no_second_reading() -> None:
    sink = _Counting()
    data = _id_sheet("l:5555555555555")
    summary = scan_sheet(io.BytesIO(data), SheetSettings(), sink)
    assert summary.columns[0].field == "external_id"
    assert sink.resets == 0


def test_records_split_across_chunks_read_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "\ufeffName,Email,Note\r\n" + '"Zoë",zoe@example.com,"a\r\nb ""c"""\r\n'
    data = (text + "Éd,ed@example.com,x\r").encode()
    whole = read(data)
    monkeypatch.setattr(decode, "CHUNK_BYTES", 7)  # cuts CRLFs, quotes and UTF-8
    chunked = read(data)
    assert chunked == whole
    assert chunked.rows_read == 3
    assert lead_at(chunked, 2).extra["Note"] == 'a\nb "c"'
    assert lead_at(chunked, 3).email == "ed@example.com"


def test_a_memo_starts_over_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cellreader, "MEMO_LIMIT", 3)
    rows = [["fb" if i % 2 else f"c{i % 7}", f"a{i}@example.com"] for i in range(50)]
    result = read(body(["Source", "Email"], *rows))
    assert [lead.channel for lead in result.leads] == [r[0] for r in rows]


def test_as_many_platform_ids_as_row_numbers_is_an_id_column() -> None:
    """Three Meta leads and three rows typed under them: the Meta leads keep
    their ids, the typed rows are keyed by email."""
    rows = [[f"l:119345602888{i}", f"m{i}@example.com"] for i in range(3)]
    rows += [[str(i), f"typed{i}@example.com"] for i in (4, 5, 6)]
    result = read(body(["id", "email"], *rows))
    assert result.columns[0].field == "external_id"
    assert [lead.lead_key for lead in result.leads] == [
        "1193456028880",
        "1193456028881",
        "1193456028882",
        "typed4@example.com",
        "typed5@example.com",
        "typed6@example.com",
    ]
