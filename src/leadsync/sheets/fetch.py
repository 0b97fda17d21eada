"""Download one sheet tab as CSV from Google's export endpoint.

Every httpx error is translated here into a ``SyncFailure`` with one of the sync
codes of DESIGN.md, so callers never see transport details. The body is streamed to
a spooled temporary file under a byte cap, because a sheet may be hundreds of MiB.
"""

from __future__ import annotations

import hashlib
import logging
import random
import tempfile
import time
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import BinaryIO, cast

import httpx

from leadsync import __version__
from leadsync.config import MIB, Settings
from leadsync.errors import SyncFailure
from leadsync.sheets.answers import (
    is_sign_in,
    last_modified,
    may_follow,
    origin,
    refuse_html,
    retry_after,
)
from leadsync.sheets.urls import SheetRef, export_url

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
SPOOL_MEMORY_BYTES = 8 * MIB
# Enough of an HTML answer to tell Google's sign-in page from other pages.
HTML_SNIFF_BYTES = 256 * 1024
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0
_STATUS_CODES = {
    400: "tab_not_found",
    401: "sheet_not_public",
    403: "sheet_not_public",
    404: "sheet_not_found",
}
_THROTTLED = frozenset({429, 503})


@dataclass
class Download:
    """A complete CSV body, rewound; close it (or use ``with``) when done."""

    body: BinaryIO
    size: int
    content_hash: str
    content_type: str | None
    modified_at: datetime | None
    attempts: int
    final_url: str

    def close(self) -> None:
        self.body.close()

    def __enter__(self) -> Download:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _Retry(Exception):
    """An answer worth asking again for: throttling, a server error, no connection."""

    def __init__(self, code: str, message: str | None, retry_after: float | None):
        super().__init__(code)
        self.code = code
        self.message = message
        self.retry_after = retry_after


@dataclass
class _Job:
    ref: SheetRef
    settings: Settings
    url: httpx.URL
    auth_headers: Mapping[str, str]
    deadline: float = field(default=0.0)

    def start_attempt(self) -> None:
        # The deadline covers one attempt (redirects and the whole body), not the
        # backoff waits between attempts, which Retry-After may make long.
        self.deadline = time.monotonic() + self.settings.fetch_timeout_seconds

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise SyncFailure("timeout")
        return left


def download_sheet(
    ref: SheetRef,
    settings: Settings,
    *,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    auth_headers: Mapping[str, str] | None = None,
) -> Download:
    """Fetch the CSV export of ``ref`` from ``settings.google_sheets_base_url``."""
    try:
        url = httpx.URL(export_url(ref, settings.google_sheets_base_url))
    except httpx.InvalidURL as exc:
        raise SyncFailure(
            "upstream_error", "GOOGLE_SHEETS_BASE_URL is invalid."
        ) from exc
    job = _Job(ref, settings, url, dict(auth_headers or {}))

    if client is not None:
        return _with_retries(client, job, sleep)
    with httpx.Client(follow_redirects=False) as own:
        return _with_retries(own, job, sleep)


def _with_retries(
    http: httpx.Client, job: _Job, sleep: Callable[[float], None]
) -> Download:
    retries = max(0, job.settings.fetch_retries)
    attempt = 0
    while True:
        attempt += 1
        try:
            return _attempt(http, job, attempt)
        except _Retry as exc:
            failure = exc

        _stop_if_told_to_wait_too_long(failure, job)
        if attempt > retries:
            raise SyncFailure(
                failure.code, failure.message, retry_after=failure.retry_after
            ) from failure.__cause__

        delay = failure.retry_after
        if delay is None:
            delay = _backoff(attempt)
        log.warning(
            "sheet download %s gid %s: %s on attempt %d of %d, retrying in %.1f s",
            job.ref.spreadsheet_id,
            job.ref.gid,
            failure.code,
            attempt,
            retries + 1,
            delay,
        )
        sleep(delay)


def _stop_if_told_to_wait_too_long(failure: _Retry, job: _Job) -> None:
    wait = failure.retry_after
    if wait is not None and wait > job.settings.max_retry_after_seconds:
        # Waiting inside a sync run would hold a worker; the scheduler retries later.
        raise SyncFailure("rate_limited", retry_after=wait) from failure.__cause__


def _backoff(attempt: int) -> float:
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0 ** (attempt - 1))
    # Jitter keeps many workers that were throttled together from retrying together.
    return ceiling * random.uniform(0.5, 1.0)


def _attempt(http: httpx.Client, job: _Job, attempt: int) -> Download:
    job.start_attempt()
    url = job.url
    for _hop in range(MAX_REDIRECTS + 1):
        with closing(_send(http, job, url)) as response:
            if not response.is_redirect:
                return _answer(response, job, attempt)
            url = _next_hop(response, job)
    raise SyncFailure(
        "upstream_error",
        f"Google redirected the download more than {MAX_REDIRECTS} times. "
        "Nothing was changed; leadsync will try again automatically.",
    )


def _send(http: httpx.Client, job: _Job, url: httpx.URL) -> httpx.Response:
    headers = {"User-Agent": f"leadsync/{__version__}"}
    # Credentials go only where the export itself lives, never to a redirect target.
    if origin(url) == origin(job.url):
        headers.update(job.auth_headers)
    request = http.build_request(
        "GET", url, headers=headers, timeout=httpx.Timeout(job.remaining())
    )
    try:
        return http.send(request, stream=True, follow_redirects=False)
    except httpx.TimeoutException as exc:
        raise SyncFailure("timeout") from exc
    except httpx.TransportError as exc:
        raise _Retry("upstream_error", _unreachable(exc), None) from exc


def _unreachable(exc: Exception) -> str:
    return (
        f"Could not reach Google ({type(exc).__name__}). Nothing was changed; "
        "leadsync will try again automatically."
    )


def _next_hop(response: httpx.Response, job: _Job) -> httpx.URL:
    try:
        target = response.url.join(response.headers["Location"])
    except httpx.InvalidURL as exc:
        raise SyncFailure(
            "upstream_error", "Google redirected the download to an invalid address."
        ) from exc

    if is_sign_in(target):
        raise SyncFailure("sheet_not_public")
    if not may_follow(target, job.url):
        raise SyncFailure(
            "upstream_error",
            f"The download was redirected to {target.host[:100]!r}, which is not a "
            "Google download host, so leadsync did not follow it.",
        )
    return target


def _answer(response: httpx.Response, job: _Job, attempt: int) -> Download:
    status = response.status_code
    if status == 200:
        return _read_download(response, job, attempt)
    # Throttled and failed bodies are closed unread: they are never parsed.
    if status in _THROTTLED:
        raise _Retry("rate_limited", None, retry_after(response))
    if status >= 500:
        raise _Retry("upstream_error", _http_error(status), None)
    if status == 401 and job.auth_headers:
        raise SyncFailure("auth_failed")
    code = _STATUS_CODES.get(status)
    if code is None:
        raise SyncFailure("upstream_error", _http_error(status))
    raise SyncFailure(code)


def _http_error(status: int) -> str:
    return (
        f"Google answered with an error (HTTP {status}). Nothing was changed; "
        "leadsync will try again automatically."
    )


def _read_download(response: httpx.Response, job: _Job, attempt: int) -> Download:
    declared = _content_length(response)
    if declared is not None and declared > job.settings.max_sheet_bytes:
        raise SyncFailure("too_large")

    content_type = response.headers.get("Content-Type")
    # Ownership passes to the Download on success, so no ``with`` here.
    spool = cast(
        BinaryIO,
        tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES),  # noqa: SIM115
    )
    try:
        size, content_hash = _stream_into(spool, response, job)
        if declared is not None and _received(response, size) != declared:
            raise SyncFailure("truncated_download")
        spool.seek(0)
        refuse_html(spool.read(HTML_SNIFF_BYTES), content_type)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise

    return Download(
        body=spool,
        size=size,
        content_hash=content_hash,
        content_type=content_type,
        modified_at=last_modified(response),
        attempts=attempt,
        final_url=str(response.url),
    )


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length", "").strip()
    return int(value) if value.isdigit() else None


def _received(response: httpx.Response, size: int) -> int:
    # Content-Length counts the bytes on the wire, which differ from the body's
    # size only when the body was compressed for the transfer.
    coding = response.headers.get("Content-Encoding", "").strip().lower()
    return size if coding in {"", "identity"} else response.num_bytes_downloaded


def _stream_into(
    spool: BinaryIO, response: httpx.Response, job: _Job
) -> tuple[int, str]:
    cap = job.settings.max_sheet_bytes
    digest = hashlib.sha256()
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise SyncFailure("too_large")
            # Read timeouts are per chunk; a server trickling bytes would never
            # trip them, so the attempt's deadline is checked here as well.
            job.remaining()
            digest.update(chunk)
            spool.write(chunk)
    except httpx.TimeoutException as exc:
        raise SyncFailure("timeout") from exc
    except httpx.TransportError as exc:  # the connection dropped mid-body
        raise SyncFailure("truncated_download") from exc
    except httpx.HTTPError as exc:  # e.g. a broken gzip stream
        raise SyncFailure(
            "upstream_error", "Google sent a download that could not be decoded."
        ) from exc
    return size, digest.hexdigest()
