"""Every shared case and fixture, checked as cases/README.md "How a single-snapshot
case is checked" says, plus the variant blocks and the preview-level expectations of
each step of the multi-snapshot cases."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from leadsync.leads import settings_from_dict
from leadsync.leads.preview import preview_json
from leadsync.leads.reader import read_sheet

DATA = Path(__file__).resolve().parents[1] / "data"
CASE_FILES = sorted((DATA / "cases").glob("*.expected.json"))
FIXTURE_FILES = sorted((DATA / "fixtures").glob("*.expected.json"))
# Warnings only a sync run can give: it knows the sheet's history.
SYNC_ONLY_CODES = {"mapped_field_missing", "lead_rekeyed", "stale_snapshot_ignored"}
LEAD_FIELDS = ("name", "email", "phone", "channel", "campaign")
KEYED_FIELDS = ("lead_key", "external_id", "secondary_emails")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _single(paths: list[Path]) -> list[Any]:
    return [
        pytest.param(p, id=p.name.split(".")[0]) for p in paths if "leads" in _load(p)
    ]


def _steps() -> list[Any]:
    params = []
    for path in CASE_FILES:
        case = _load(path)
        for number, step in enumerate(case.get("syncs", []), start=1):
            name = f"{path.name.split('.')[0]}-step{number}"
            params.append(pytest.param(path, step, id=name))
    return params


def _variants() -> list[Any]:
    params = []
    for path in CASE_FILES + FIXTURE_FILES:
        case = _load(path)
        for key, block in case.items():
            if key.startswith("variant_") and "settings_delta" in block:
                params.append(pytest.param(path, key, id=f"{path.stem}-{key}"))
    return params


def _preview(path: Path, file_name: str, settings: dict[str, Any]) -> dict[str, Any]:
    body = (path.parent / file_name).read_bytes()
    return preview_json(read_sheet(body, settings_from_dict(settings)))


def _same_created_at(expected: str | None, got: str | None) -> bool:
    """Same calendar date for a date; same instant, with an offset, for a date-time."""
    if expected is None or got is None:
        return expected == got
    if len(expected) == 10:
        return len(got) == 10 and date.fromisoformat(got) == date.fromisoformat(
            expected
        )
    if len(got) == 10:
        return False
    moment = datetime.fromisoformat(got)
    return moment.tzinfo is not None and moment == datetime.fromisoformat(expected)


def check_snapshot(expected: dict[str, Any], got: dict[str, Any]) -> None:
    assert got["status"] == expected["status"], got["file_errors"]
    expected_errors = {e["code"] for e in expected.get("file_errors", [])}
    assert {e["code"] for e in got["file_errors"]} == expected_errors
    if got["status"] != "ok":
        assert got["leads"] == []
        return
    assert got["header_row"] == expected["header_row"]
    skipped = {(s["row"], s["reason"]) for s in expected.get("skipped", [])}
    assert {(s["row"], s["reason"]) for s in got["skipped"]} == skipped
    _check_leads(expected.get("leads", []), got["leads"])
    reported = {(w["row"], w["code"]) for w in got["warnings"]}
    for warning in expected.get("warnings", []):
        if warning["code"] not in SYNC_ONLY_CODES:
            assert (warning["row"], warning["code"]) in reported, warning


def _check_leads(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> None:
    by_row = {lead["row"]: lead for lead in got}
    assert set(by_row) == {lead["row"] for lead in expected}, "lead rows differ"
    for want in expected:
        lead = by_row[want["row"]]
        for name in LEAD_FIELDS:
            assert lead[name] == want[name], (want["row"], name)
        assert _same_created_at(want["created_at"], lead["created_at"]), want["row"]
        for name in KEYED_FIELDS:
            if name in want:
                assert lead[name] == want[name], (want["row"], name)
        for key, value in want.get("extra", {}).items():
            assert lead["extra"].get(key) == value, (want["row"], key)


@pytest.mark.parametrize("path", _single(CASE_FILES + FIXTURE_FILES))
def test_single_snapshot(path: Path) -> None:
    case = _load(path)
    check_snapshot(case, _preview(path, case["input"], case.get("settings", {})))


@pytest.mark.parametrize(("path", "step"), _steps())
def test_sync_step_preview(path: Path, step: dict[str, Any]) -> None:
    case = _load(path)
    got = _preview(path, step["snapshot"], case.get("settings", {}))
    if step["status"] == "ignored":
        assert got["status"] == "ok"  # staleness is the sync's call, not the reader's
        return
    check_snapshot(step, got)


@pytest.mark.parametrize(("path", "key"), _variants())
def test_variant(path: Path, key: str) -> None:
    case = _load(path)
    block = case[key]
    settings = {**case.get("settings", {}), **block["settings_delta"]}
    got = _preview(path, case["input"], settings)
    by_row = {lead["row"]: lead for lead in got["leads"]}
    for row, fields in block["by_row"].items():
        for name, value in fields.items():
            assert by_row[int(row)][name] == value, (row, name)


def test_name_raw_is_the_cleaned_cell() -> None:
    """``name_raw`` in the cases is what LeadRow.raw keeps for the name field."""
    checked = 0
    for path in CASE_FILES + FIXTURE_FILES:
        case = _load(path)
        if "leads" not in case or case["status"] != "ok":
            continue
        body = (path.parent / case["input"]).read_bytes()
        result = read_sheet(body, settings_from_dict(case.get("settings", {})))
        leads = {lead.row: lead for lead in result.leads}
        for want in case["leads"]:
            if "name_raw" in want:
                assert leads[want["row"]].raw.get("name") == want["name_raw"]
                checked += 1
    assert checked >= 10
