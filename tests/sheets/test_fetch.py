"""Unit cases of download_sheet against httpx.MockTransport handlers."""

import gzip
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from leadsync.config import Settings
from leadsync.errors import MESSAGES, SyncFailure
from leadsync.sheets.fetch import Download, download_sheet
from leadsync.sheets.urls import SheetRef

from .conftest import LOOPBACK_BASE, Sleeps

REF = SheetRef("sheet-one", "7")
CSV = b"Name,Email\nAda,ada@example.com\n"
EXPORT = f"{LOOPBACK_BASE}/spreadsheets/d/sheet-one/export?format=csv&gid=7"
SETTINGS = Settings(
    google_sheets_base_url=LOOPBACK_BASE,
    fetch_retries=3,
    fetch_timeout_seconds=5.0,
    max_sheet_bytes=1024,
)

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that remembers the requests it saw."""

    def __init__(self, answers: Handler | list[httpx.Response]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if callable(self.answers):
            return self.answers(request)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    @property
    def hosts(self) -> set[str]:
        return {request.url.host for request in self.requests}


def fetch(
    recorder: Recorder,
    settings: Settings = SETTINGS,
    sleeps: Sleeps | None = None,
    auth_headers: dict[str, str] | None = None,
) -> Download:
    with httpx.Client(transport=httpx.MockTransport(recorder)) as client:
        return download_sheet(
            REF,
            settings,
            client=client,
            sleep=Sleeps() if sleeps is None else sleeps,
            auth_headers=auth_headers,
        )


def failure(
    recorder: Recorder,
    settings: Settings = SETTINGS,
    sleeps: Sleeps | None = None,
    auth_headers: dict[str, str] | None = None,
) -> SyncFailure:
    with pytest.raises(SyncFailure) as caught:
        fetch(recorder, settings, sleeps, auth_headers)
    # Foreign errors are chained, never raised bare.
    assert not isinstance(caught.value.__cause__, SyncFailure)
    return caught.value


def csv(body: bytes = CSV) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"Content-Type": "text/csv"})


def test_download_returns_the_rewound_body_and_its_facts() -> None:
    changed = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    answer = httpx.Response(
        200,
        content=CSV,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Last-Modified": format_datetime(changed, usegmt=True),
        },
    )
    recorder = Recorder([answer])

    with fetch(recorder, auth_headers={"Authorization": "Bearer t0ken"}) as download:
        assert download.body.read() == CSV
        assert download.size == len(CSV)
        assert download.content_hash == hashlib.sha256(CSV).hexdigest()
        assert download.content_type == "text/csv; charset=utf-8"
        assert download.modified_at == changed
        assert download.attempts == 1
        assert download.final_url == EXPORT

    assert [str(r.url) for r in recorder.requests] == [EXPORT]
    assert recorder.requests[0].headers["Authorization"] == "Bearer t0ken"


def test_gzip_body_is_decoded_and_checked_against_its_encoded_length() -> None:
    packed = gzip.compress(CSV)
    answer = httpx.Response(
        200,
        content=iter([packed[:5], packed[5:]]),
        headers={"Content-Encoding": "gzip", "Content-Length": str(len(packed))},
    )

    with fetch(Recorder([answer])) as download:
        assert download.body.read() == CSV
        assert download.size == len(CSV)


def test_content_length_over_the_cap_is_refused_before_reading() -> None:
    read: list[bytes] = []

    def body() -> Iterator[bytes]:
        read.append(b"x")
        yield b"x" * 10

    answer = httpx.Response(200, content=body(), headers={"Content-Length": "2048"})

    assert failure(Recorder([answer])).code == "too_large"
    assert read == []


def test_streamed_body_over_the_cap_stops_reading_at_once() -> None:
    sent: list[int] = []

    def body() -> Iterator[bytes]:
        for index in range(1000):
            sent.append(index)
            yield b"a" * 100

    result = failure(Recorder([httpx.Response(200, content=body())]))

    assert result.code == "too_large"
    assert result.message == MESSAGES["too_large"]
    assert len(sent) == 11  # 1,100 bytes: the first chunk past 1,024


@pytest.mark.parametrize("declared", ["10", "40"])
def test_body_length_different_from_content_length_is_truncated(
    declared: str,
) -> None:
    answer = httpx.Response(
        200, content=iter([CSV]), headers={"Content-Length": declared}
    )

    assert failure(Recorder([answer])).code == "truncated_download"


def test_connection_dropped_mid_body_is_truncated() -> None:
    def body() -> Iterator[bytes]:
        yield CSV[:10]
        raise httpx.RemoteProtocolError("peer closed connection")

    result = failure(Recorder([httpx.Response(200, content=body())]))

    assert result.code == "truncated_download"
    assert isinstance(result.__cause__, httpx.RemoteProtocolError)


def test_read_timeout_mid_body_is_timeout() -> None:
    def body() -> Iterator[bytes]:
        yield CSV[:10]
        raise httpx.ReadTimeout("slow")

    result = failure(Recorder([httpx.Response(200, content=body())]))

    assert result.code == "timeout"
    assert isinstance(result.__cause__, httpx.ReadTimeout)


def test_deadline_covers_the_whole_body() -> None:
    def trickle() -> Iterator[bytes]:
        for _ in range(100):
            time.sleep(0.02)  # each gap is short; together they are not
            yield b"a,"

    settings = Settings(google_sheets_base_url=LOOPBACK_BASE, fetch_timeout_seconds=0.2)
    started = time.monotonic()

    result = failure(
        Recorder([httpx.Response(200, content=trickle())]), settings=settings
    )

    assert result.code == "timeout"
    assert time.monotonic() - started < 1.0


def test_connect_errors_are_retried_then_upstream_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    recorder = Recorder(refuse)
    sleeps = Sleeps()

    result = failure(recorder, sleeps=sleeps)

    assert result.code == "upstream_error"
    assert "ConnectError" in result.message
    assert isinstance(result.__cause__, httpx.ConnectError)
    assert len(recorder.requests) == 4
    assert len(sleeps) == 3


def test_connect_timeout_is_timeout_without_retry() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    recorder = Recorder(hang)

    assert failure(recorder).code == "timeout"
    assert len(recorder.requests) == 1


def test_throttled_waits_retry_after_seconds_then_succeeds() -> None:
    throttled = httpx.Response(429, headers={"Retry-After": "7"}, content=b"slow down")
    sleeps = Sleeps()

    with fetch(Recorder([throttled, throttled, csv()]), sleeps=sleeps) as download:
        assert download.attempts == 3
        assert download.body.read() == CSV

    assert sleeps == [7.0, 7.0]


def test_retry_after_as_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    throttled = httpx.Response(
        503, headers={"Retry-After": format_datetime(when, usegmt=True)}
    )
    sleeps = Sleeps()

    with fetch(Recorder([throttled, csv()]), sleeps=sleeps):
        pass

    assert 27 <= sleeps[0] <= 30


def test_throttled_without_retry_after_backs_off_with_jitter() -> None:
    sleeps = Sleeps()

    result = failure(Recorder([httpx.Response(429)]), sleeps=sleeps)

    assert result.code == "rate_limited"
    assert result.retry_after is None
    assert len(sleeps) == 3
    for wait, ceiling in zip(sleeps, [1.0, 2.0, 4.0], strict=True):
        assert ceiling / 2 <= wait <= ceiling


def test_long_retry_after_ends_at_once_as_rate_limited() -> None:
    recorder = Recorder([httpx.Response(429, headers={"Retry-After": "3600"})])
    sleeps = Sleeps()

    result = failure(recorder, sleeps=sleeps)

    assert result.code == "rate_limited"
    assert result.retry_after == 3600.0
    assert result.message == MESSAGES["rate_limited"]
    assert len(recorder.requests) == 1
    assert sleeps == []


def test_server_errors_are_retried_then_upstream_error() -> None:
    recorder = Recorder([httpx.Response(502, content=b"<html>bad gateway</html>")])

    result = failure(recorder)

    assert result.code == "upstream_error"
    assert "HTTP 502" in result.message
    assert len(recorder.requests) == 4


def test_server_error_then_ok() -> None:
    with fetch(Recorder([httpx.Response(500), csv()])) as download:
        assert download.attempts == 2


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "tab_not_found"),
        (401, "sheet_not_public"),
        (403, "sheet_not_public"),
        (404, "sheet_not_found"),
        (410, "upstream_error"),
        (204, "upstream_error"),
    ],
)
def test_status_codes_map_to_sync_codes_without_retry(status: int, code: str) -> None:
    recorder = Recorder([httpx.Response(status, content=b"<html></html>")])

    assert failure(recorder).code == code
    assert len(recorder.requests) == 1


def test_401_with_service_account_headers_is_auth_failed() -> None:
    recorder = Recorder([httpx.Response(401)])

    result = failure(recorder, auth_headers={"Authorization": "Bearer x"})

    assert result.code == "auth_failed"


@pytest.mark.parametrize(
    ("content_type", "body", "code"),
    [
        (
            "text/html; charset=utf-8",
            b"<html>Sign in - Google Accounts</html>",
            "sheet_not_public",
        ),
        (
            None,
            b"\n  <!DOCTYPE html><a href='https://accounts.google.com/'>",
            "sheet_not_public",
        ),
        ("text/csv", b"<html><form action='/ServiceLogin'>", "sheet_not_public"),
        ("text/html", b"<p>We're sorry, something went wrong.</p>", "upstream_error"),
        (None, b"<HTML><body>Error 500</body></HTML>", "upstream_error"),
    ],
)
def test_html_instead_of_csv(content_type: str | None, body: bytes, code: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}

    assert (
        failure(Recorder([httpx.Response(200, content=body, headers=headers)])).code
        == code
    )


def test_csv_mentioning_sign_in_is_still_csv() -> None:
    body = b"Name,Note\nAda,Sign in at accounts.google.com\n"

    with fetch(Recorder([csv(body)])) as download:
        assert download.body.read() == body


def redirect(location: str, status: int = 302) -> httpx.Response:
    return httpx.Response(status, headers={"Location": location})


def test_redirect_to_a_foreign_host_is_not_followed() -> None:
    recorder = Recorder([redirect("https://evil.example/steal.csv")])

    result = failure(recorder)

    assert result.code == "upstream_error"
    assert "'evil.example'" in result.message
    assert recorder.hosts == {"127.0.0.1"}


def test_google_hosts_are_not_followed_from_a_local_base_url() -> None:
    recorder = Recorder([redirect("https://doc-0s-1c-sheets.googleusercontent.com/x")])

    assert failure(recorder).code == "upstream_error"
    assert recorder.hosts == {"127.0.0.1"}


def test_google_download_hosts_are_followed_from_google_without_credentials() -> None:
    download_url = "https://doc-0s-1c-sheets.googleusercontent.com/export/abc"

    def google(request: httpx.Request) -> httpx.Response:
        if request.url.host == "docs.google.com":
            return redirect(download_url, 307)
        return csv()

    recorder = Recorder(google)
    settings = Settings()  # the real base URL; MockTransport keeps it offline

    with fetch(
        recorder, settings=settings, auth_headers={"Authorization": "Bearer s"}
    ) as d:
        assert d.final_url == download_url

    first, second = recorder.requests
    assert first.headers["Authorization"] == "Bearer s"
    assert "Authorization" not in second.headers


@pytest.mark.parametrize(
    "location",
    [
        "https://accounts.google.com/v3/signin/identifier?continue=x",
        "/ServiceLogin?continue=x",
        "https://docs.google.com/accounts/ServiceLogin",
    ],
)
def test_sign_in_redirect_is_classified_not_followed(location: str) -> None:
    recorder = Recorder([redirect(location)])

    assert failure(recorder).code == "sheet_not_public"
    assert len(recorder.requests) == 1


def test_same_host_redirects_are_followed_up_to_the_hop_limit() -> None:
    recorder = Recorder([redirect("/loop")])

    result = failure(recorder)

    assert result.code == "upstream_error"
    assert "more than 5 times" in result.message
    assert len(recorder.requests) == 6
    assert recorder.hosts == {"127.0.0.1"}


def test_a_redirect_following_client_is_still_checked_hop_by_hop() -> None:
    recorder = Recorder([redirect("https://evil.example/x")])
    transport = httpx.MockTransport(recorder)

    with (
        httpx.Client(transport=transport, follow_redirects=True) as client,
        pytest.raises(SyncFailure),
    ):
        download_sheet(REF, SETTINGS, client=client, sleep=Sleeps())

    assert recorder.hosts == {"127.0.0.1"}


def test_retries_are_logged_with_ids_and_without_credentials(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder([httpx.Response(503), csv()])

    with caplog.at_level(logging.WARNING, logger="leadsync.sheets.fetch"):
        fetch(recorder, auth_headers={"Authorization": "Bearer secret-token"}).close()

    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "sheet-one" in record.getMessage()
    assert "gid 7" in record.getMessage()
    assert "secret-token" not in caplog.text
