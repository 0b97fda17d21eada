"""The issue's end-to-end flow through the ``leadsync`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from leadsync.cli import cli
from leadsync.cli.context import reset
from leadsync.sheets.fake import FakeGoogle
from tests.conftest import FIXTURES, sheet_url, spreadsheet_id
from tests.helpers import load_expected

LEAD_SOURCES = sorted(
    p for p in FIXTURES.glob("*.expected.json") if load_expected(p)["status"] == "ok"
)


class Leadsync:
    """Runs ``leadsync`` commands in-process against one database and fake."""

    def __init__(self, db_url: str, fake: FakeGoogle) -> None:
        self.env = {"DATABASE_URL": db_url, "GOOGLE_SHEETS_BASE_URL": fake.base_url}
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True) -> Any:
        reset()
        result = self.runner.invoke(cli, list(args), env=self.env)
        reset()
        if ok:
            assert result.exit_code == 0, (args, result.stderr, result.exception)
        return result


@pytest.fixture
def leadsync(db_url: str, fake_google: FakeGoogle) -> Iterator[Leadsync]:
    yield Leadsync(db_url, fake_google)


def _add(leadsync: Leadsync, customer: str, name: str, settings: dict[str, Any]) -> str:
    args = ["sheets", "add", "--customer", customer]
    args += ["--url", sheet_url(spreadsheet_id(name)), "--label", name]
    for key in ("region", "locale", "timezone"):
        if key in settings:
            args += [f"--{key}", settings[key]]
    if "column_map" in settings:
        args += ["--column-map", json.dumps(settings["column_map"])]
    sheet_id: str = leadsync(*args).stdout.strip()
    assert sheet_id.isdigit()
    return sheet_id


def test_fixtures_sync_to_their_expected_leads(
    leadsync: Leadsync, fake_google: FakeGoogle
) -> None:
    customer = leadsync("customers", "create", "Acme").stdout.strip()
    assert customer.isdigit()
    sheets = {}
    for path in LEAD_SOURCES:
        name = path.name.split(".")[0]
        expected = load_expected(path)
        fake_google.put(
            spreadsheet_id(name), "0", (FIXTURES / f"{name}.csv").read_bytes()
        )
        sheets[_add(leadsync, customer, name, expected["settings"])] = expected

    result = leadsync("sync", "--customer", customer)
    assert result.stderr.count(": ok") == len(LEAD_SOURCES)

    for sheet_id, expected in sheets.items():
        leads = json.loads(
            leadsync(
                "leads", "--customer", customer, "--sheet", sheet_id, "--json"
            ).stdout
        )
        by_key = {lead["lead_key"]: lead for lead in leads}
        rows = {}
        for lead in expected["leads"]:
            rows.setdefault(lead["lead_key"], lead)  # the first row of each lead
        assert set(by_key) == set(rows)
        for key, lead in rows.items():
            for field in ("email", "phone"):
                assert by_key[key][field] == lead[field], (key, field)
            got = by_key[key]
            later = [x for x in expected["leads"] if x["lead_key"] == key]
            for field in ("name", "channel", "campaign"):
                values = [x[field] for x in later if x[field]]
                assert got[field] == (values[-1] if values else None), (key, field)


@pytest.mark.parametrize(
    ("mode", "gid", "code"),
    [
        ("private", "0", "sheet_not_public"),
        ("deleted", "0", "sheet_not_found"),
        ("private_html", "0", "sheet_not_public"),
        ("ok", "777", "tab_not_found"),
    ],
)
def test_broken_sheets_end_in_their_error_code(
    leadsync: Leadsync, fake_google: FakeGoogle, mode: str, gid: str, code: str
) -> None:
    customer = leadsync("customers", "create", "Acme").stdout.strip()
    body = (FIXTURES / "meta_lead_ads.csv").read_bytes()
    fake_google.put(spreadsheet_id("broken"), "0", body, mode=mode)
    url = sheet_url(spreadsheet_id("broken"), gid)
    leadsync("sheets", "add", "--customer", customer, "--url", url, "--label", "B")

    result = leadsync("sync", ok=False)

    assert result.exit_code == 1
    assert code in result.stderr
    status = json.loads(leadsync("status", "--json").stdout)
    assert [(s["status"], s["error_code"]) for s in status] == [("failed", code)]
    assert status[0]["error_message"]
    assert json.loads(leadsync("leads", "--customer", customer, "--json").stdout) == []


def test_resync_shuffle_and_removed_rows_keep_ids(
    leadsync: Leadsync, fake_google: FakeGoogle
) -> None:
    customer = leadsync("customers", "create", "Acme").stdout.strip()
    body = (FIXTURES / "tiktok_leads.csv").read_bytes()
    fake_google.put(spreadsheet_id("t"), "0", body)
    _add(leadsync, customer, "t", {"region": "US", "timezone": "America/New_York"})

    def leads() -> dict[str, dict[str, Any]]:
        out = leadsync("leads", "--customer", customer, "--json").stdout
        return {x["lead_key"]: x for x in json.loads(out)}

    leadsync("sync")
    first = leads()
    leadsync("sync")
    lines = body.decode().split("\r\n")
    fake_google.put(
        spreadsheet_id("t"), "0", "\r\n".join([lines[0], *lines[1:][::-1]]).encode()
    )
    leadsync("sync")
    fake_google.put(spreadsheet_id("t"), "0", "\r\n".join(lines[:4]).encode() + b"\r\n")
    leadsync("sync")

    last = leads()
    assert set(last) == set(first)
    for key, lead in first.items():
        assert last[key]["id"] == lead["id"]
        assert last[key]["first_seen_at"] == lead["first_seen_at"]
    missing = {k for k, v in last.items() if v["missing_since"]}
    assert missing and len(missing) == len(first) - 3


def test_preview_prints_the_fixture_reading(tmp_path: Path) -> None:
    expected = load_expected(FIXTURES / "google_forms.expected.json")
    settings = expected["settings"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "leadsync",
            "preview",
            str(FIXTURES / "google_forms.csv"),
            "--region",
            settings["region"],
            "--locale",
            settings["locale"],
            "--timezone",
            settings["timezone"],
            "--column-map",
            json.dumps(settings["column_map"]),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/p.db"},
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == "ok"
    assert report["header_row"] == expected["header_row"]
    assert [x["row"] for x in report["leads"]] == [x["row"] for x in expected["leads"]]
    assert {(s["row"], s["reason"]) for s in report["skipped"]} == {
        (s["row"], s["reason"]) for s in expected["skipped"]
    }


def test_errors_are_one_line_without_traceback(leadsync: Leadsync) -> None:
    result = leadsync(
        "sheets",
        "add",
        "--customer",
        "1",
        "--url",
        "https://evil.example/x",
        "--label",
        "x",
        ok=False,
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_preview_of_a_missing_file_says_so(leadsync: Leadsync, tmp_path: Path) -> None:
    for target in (str(tmp_path / "nope.csv"), str(tmp_path)):
        result = leadsync("preview", target, "--json", ok=False)
        assert result.exit_code == 1
        assert "no such file" in result.stderr


def test_a_sheet_another_process_is_syncing_is_not_a_failure(
    leadsync: Leadsync, fake_google: FakeGoogle, db_url: str
) -> None:
    from leadsync.store.db import make_engine, make_sessionmaker
    from leadsync.store.types import utcnow
    from leadsync.sync.lease import try_claim

    customer = leadsync("customers", "create", "Acme").stdout.strip()
    fake_google.put(spreadsheet_id("held"), "0", b"Name,Email\r\nA,a@example.com\r\n")
    sheet = _add(leadsync, customer, "held", {})
    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as session:
        assert try_claim(session, int(sheet), "someone-else", utcnow(), 60)
    engine.dispose()

    result = leadsync("sync", "--sheet", sheet)

    assert "another worker is syncing it" in result.stderr
    assert fake_google.hits(spreadsheet_id("held")) == 0


def test_sheets_edit_changes_only_the_given_settings(
    leadsync: Leadsync, fake_google: FakeGoogle
) -> None:
    """A column map set after the sheet was added takes effect at the next sync;
    what was not given stays; bad values and unknown sheets fail in one line."""
    customer = leadsync("customers", "create", "Acme", "--region", "GB").stdout.strip()
    body = b"Who,Reach me at,How did you find us\nAna Lima,ana@example.com,Radio\n"
    fake_google.put(spreadsheet_id("edit"), "0", body)
    sheet = _add(leadsync, customer, "edit", {"timezone": "Europe/London"})
    refused = leadsync("sync", ok=False)
    assert refused.exit_code == 1
    assert "required_columns_missing" in refused.stdout + refused.stderr

    out = leadsync(
        "sheets",
        "edit",
        sheet,
        "--column-map",
        '{"email": "Reach me at", "name": "Who", "channel": "How did you find us"}',
        "--label",
        "Radio ads",
    ).stdout
    assert out.strip() == sheet
    leadsync("sync")
    (lead,) = json.loads(leadsync("leads", "--customer", customer, "--json").stdout)
    assert (lead["name"], lead["email"], lead["channel"]) == (
        "Ana Lima",
        "ana@example.com",
        "Radio",
    )
    (listed,) = json.loads(leadsync("sheets", "list").stdout)
    assert (listed["label"], listed["enabled"]) == ("Radio ads", True)

    leadsync("sheets", "edit", sheet, "--disable")
    assert json.loads(leadsync("sheets", "list").stdout)[0]["enabled"] is False

    for args, message in (
        ([sheet], "nothing to change"),
        ([sheet, "--header-row", "0"], "header_row"),
        ([sheet, "--column-map", "{"], "not valid JSON"),
        (["999", "--label", "x"], "sheet 999 not found"),
    ):
        failed = leadsync("sheets", "edit", *args, ok=False)
        assert failed.exit_code == 1
        assert message in failed.stderr
        assert len(failed.stderr.strip().splitlines()) == 1
