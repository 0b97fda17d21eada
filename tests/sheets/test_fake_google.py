"""End-to-end: download_sheet against a real FakeGoogle server on loopback."""

import hashlib
import logging
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from leadsync.config import Settings
from leadsync.errors import MESSAGES, SyncFailure
from leadsync.sheets.fake import FakeGoogle
from leadsync.sheets.fetch import download_sheet
from leadsync.sheets.urls import SheetRef

from .conftest import Sleeps

CSV = b"Full name,Email,Phone\nAda Lovelace,ada@example.com,+44 20 7946 0000\n"
SHEET = SheetRef("leads-2024", "0")


def failure(settings: Settings, ref: SheetRef = SHEET, **kwargs: Sleeps) -> SyncFailure:
    with pytest.raises(SyncFailure) as caught:
        download_sheet(ref, settings, **kwargs)
    return caught.value


def test_ok_follows_the_download_redirect(fake: FakeGoogle, settings: Settings) -> None:
    changed = datetime(2024, 3, 2, 8, 0, tzinfo=UTC)
    fake.put("leads-2024", "0", CSV, modified_at=changed)

    with download_sheet(SHEET, settings) as download:
        assert download.body.read() == CSV
        assert download.size == len(CSV)
        assert download.content_hash == hashlib.sha256(CSV).hexdigest()
        assert download.content_type == "text/csv; charset=utf-8"
        assert download.modified_at == changed
        assert download.final_url.startswith(f"{fake.base_url}/download/")
        assert download.attempts == 1

    paths = [path for _method, path, _headers in fake.requests]
    assert paths[0] == "/spreadsheets/d/leads-2024/export?format=csv&gid=0"
    assert paths[1].startswith("/download/")
    assert fake.hits("leads-2024", "0") == 1


def test_the_configured_gid_is_requested(fake: FakeGoogle, settings: Settings) -> None:
    fake.put("leads-2024", "0", b"summary\n")
    fake.put("leads-2024", "1857", CSV)

    with download_sheet(SheetRef("leads-2024", "1857"), settings) as download:
        assert download.body.read() == CSV

    assert (fake.hits("leads-2024", "0"), fake.hits("leads-2024", "1857")) == (0, 1)


def test_body_larger_than_the_memory_spool(
    fake: FakeGoogle, settings: Settings
) -> None:
    body = b"Name,Email\n" + b"Someone,someone@example.com\n" * 350_000  # ~9.8 MB
    fake.put("big", "0", body)

    with download_sheet(SheetRef("big"), settings) as download:
        assert download.size == len(body)
        assert download.content_hash == hashlib.sha256(body).hexdigest()
        assert download.body.read() == body


def test_private_sheet_redirects_to_sign_in(
    fake: FakeGoogle, settings: Settings
) -> None:
    fake.put("leads-2024", "0", CSV, mode="private")

    result = failure(settings)

    assert result.code == "sheet_not_public"
    assert result.message == MESSAGES["sheet_not_public"]
    assert not any(path.startswith("/ServiceLogin") for _m, path, _h in fake.requests)


def test_private_sheet_answering_a_sign_in_page(
    fake: FakeGoogle, settings: Settings
) -> None:
    fake.put("leads-2024", "0", CSV, mode="private_html")

    assert failure(settings).code == "sheet_not_public"


def test_the_fake_sign_in_page_is_what_fetch_classifies(fake: FakeGoogle) -> None:
    fake.put("leads-2024", "0", CSV, mode="private")

    with httpx.Client(follow_redirects=True) as client:
        page = client.get(
            f"{fake.base_url}/spreadsheets/d/leads-2024/export?format=csv"
        )

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert b"accounts.google.com" in page.content


@pytest.mark.parametrize(
    ("spreadsheet_id", "gid", "code"),
    [
        ("gone", "0", "sheet_not_found"),  # put with mode="deleted"
        ("never-existed", "0", "sheet_not_found"),
        ("leads-2024", "99", "tab_not_found"),
    ],
)
def test_missing_things(
    fake: FakeGoogle, settings: Settings, spreadsheet_id: str, gid: str, code: str
) -> None:
    fake.put("leads-2024", "0", CSV)
    fake.put("gone", "0", CSV, mode="deleted")

    result = failure(settings, SheetRef(spreadsheet_id, gid))

    assert result.code == code
    assert result.message == MESSAGES[code]
    assert fake.hits(spreadsheet_id, gid) == 1


def test_throttled_then_ok(
    fake: FakeGoogle, settings: Settings, sleeps: Sleeps
) -> None:
    fake.put(
        "leads-2024", "0", CSV, mode="throttled", throttle_times=2, retry_after="3"
    )

    with download_sheet(SHEET, settings, sleep=sleeps) as download:
        assert download.body.read() == CSV
        assert download.attempts == 3

    assert sleeps == [3.0, 3.0]
    assert fake.hits("leads-2024", "0") == 3


def test_throttled_always_is_rate_limited(
    fake: FakeGoogle, settings: Settings, sleeps: Sleeps
) -> None:
    fake.put("leads-2024", "0", CSV, mode="throttled", retry_after="2")

    result = failure(settings, sleep=sleeps)

    assert result.code == "rate_limited"
    assert result.retry_after == 2.0
    assert fake.hits("leads-2024", "0") == settings.fetch_retries + 1 == 3
    assert sleeps == [2.0, 2.0]


def test_too_long_retry_after_ends_at_once(
    fake: FakeGoogle, settings: Settings, sleeps: Sleeps
) -> None:
    fake.put("leads-2024", "0", CSV, mode="throttled", retry_after="120")

    result = failure(settings, sleep=sleeps)

    assert (result.code, result.retry_after) == ("rate_limited", 120.0)
    assert fake.hits("leads-2024", "0") == 1
    assert sleeps == []


def test_broken_then_ok(fake: FakeGoogle, settings: Settings, sleeps: Sleeps) -> None:
    fake.put("leads-2024", "0", CSV, mode="broken", fail_times=1)

    with download_sheet(SHEET, settings, sleep=sleeps) as download:
        assert download.attempts == 2
        assert download.body.read() == CSV

    assert len(sleeps) == 1


def test_broken_always_is_upstream_error(
    fake: FakeGoogle, settings: Settings, sleeps: Sleeps
) -> None:
    fake.put("leads-2024", "0", CSV, mode="broken")

    result = failure(settings, sleep=sleeps)

    assert result.code == "upstream_error"
    assert "HTTP 500" in result.message
    assert fake.hits("leads-2024", "0") == 3


def test_slow_body_times_out(fake: FakeGoogle, settings: Settings) -> None:
    fake.put("leads-2024", "0", CSV, mode="slow", delay=5.0)
    started = time.monotonic()

    result = failure(replace(settings, fetch_timeout_seconds=0.3))

    assert result.code == "timeout"
    assert time.monotonic() - started < 2.0


def test_truncated_body(fake: FakeGoogle, settings: Settings) -> None:
    fake.put("leads-2024", "0", CSV, mode="truncated")

    assert failure(settings).code == "truncated_download"


def test_oversized_body(fake: FakeGoogle, settings: Settings) -> None:
    fake.put("leads-2024", "0", CSV, mode="oversized", size=50 * 1024 * 1024)
    started = time.monotonic()

    result = failure(replace(settings, max_sheet_bytes=64 * 1024))

    assert result.code == "too_large"
    assert time.monotonic() - started < 2.0


def test_html_page_instead_of_csv_is_sheet_not_public(
    fake: FakeGoogle, settings: Settings
) -> None:
    fake.put("leads-2024", "0", CSV, mode="html")

    result = failure(settings)

    assert result.code == "sheet_not_public"
    assert "Anyone with the link" in result.message


def test_latency_and_concurrent_requests(fake: FakeGoogle, settings: Settings) -> None:
    fake.latency = 0.05
    for index in range(4):
        fake.put(f"sheet-{index}", "0", CSV + str(index).encode())
    hashes: list[str] = []

    def worker(index: int) -> None:
        for _ in range(3):
            with download_sheet(SheetRef(f"sheet-{index}"), settings) as download:
                hashes.append(download.content_hash)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(hashes) == 12
    assert len(set(hashes)) == 4
    assert [fake.hits(f"sheet-{i}") for i in range(4)] == [3, 3, 3, 3]


def test_put_refuses_unknown_modes(fake: FakeGoogle) -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        fake.put("x", "0", CSV, mode="flaky")


def test_load_dir(fake: FakeGoogle, settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "meta-leads.csv").write_bytes(CSV)
    (tmp_path / "bad name.csv").write_bytes(CSV)
    (tmp_path / "notes.txt").write_text("not a sheet")

    assert fake.load_dir(tmp_path) == ["meta-leads"]
    with download_sheet(SheetRef("meta-leads"), settings) as download:
        assert download.body.read() == CSV


def test_module_serves_a_directory(tmp_path: Path) -> None:
    (tmp_path / "demo.csv").write_bytes(CSV)
    command = [sys.executable, "-m", "leadsync.sheets.fake", "--dir", str(tmp_path)]

    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as server:
        try:
            assert server.stderr is not None
            first_line = server.stderr.readline()
            base_url = first_line.rsplit(" at ", 1)[1].strip()
            assert base_url.startswith("http://127.0.0.1:")
            settings = Settings(google_sheets_base_url=base_url)
            with download_sheet(SheetRef("demo"), settings) as download:
                assert download.body.read() == CSV
        finally:
            server.send_signal(signal.SIGTERM)
            server.communicate(timeout=10)

    assert server.returncode == 0


def test_last_modified_header_format(fake: FakeGoogle, settings: Settings) -> None:
    changed = datetime(2024, 1, 31, 23, 59, 59, tzinfo=UTC)
    fake.put("leads-2024", "0", CSV, modified_at=changed)

    with httpx.Client(follow_redirects=True) as client:
        answer = client.get(
            f"{fake.base_url}/spreadsheets/d/leads-2024/export?format=csv"
        )

    assert answer.headers["Last-Modified"] == format_datetime(changed, usegmt=True)
    assert answer.content == CSV


def test_the_fake_says_in_one_line_when_its_port_is_taken(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from leadsync.sheets.fake import main

    with FakeGoogle() as running:
        port = running.base_url.rsplit(":", 1)[1]
        with caplog.at_level(logging.ERROR, logger="leadsync.sheets.fake"):
            code = main(["--dir", str(tmp_path), "--port", port])
    assert code == 1
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
