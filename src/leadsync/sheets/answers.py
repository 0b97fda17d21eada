"""What Google's answers mean.

Where a redirect may lead, how a sign-in page looks, and the headers that say when
to retry and how old a sheet is. Used by ``fetch``; no I/O here.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from leadsync.errors import SyncFailure
from leadsync.sheets.urls import SHEETS_HOST

SIGN_IN_MARKERS = ("accounts.google.com", "ServiceLogin", "Sign in")
ERROR_PAGE = re.compile(
    r"\b(?:Error\s+5\d\d|Server Error|temporarily unavailable|Too Many Requests"
    r"|something went wrong)\b",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_sign_in(url: httpx.URL) -> bool:
    path = url.path.lower()
    markers = ("/servicelogin", "/signin", "/accounts")
    return url.host == "accounts.google.com" or any(m in path for m in markers)


def may_follow(target: httpx.URL, base: httpx.URL) -> bool:
    if origin(target) == origin(base):
        return True
    # Google's own download hosts only when we talk to Google: a redirect from a
    # local fake (tests, demos) must never send a request to the internet.
    scheme, host, port = origin(target)
    if base.host != SHEETS_HOST or (scheme, port) != ("https", 443):
        return False
    return host == SHEETS_HOST or host.endswith(".googleusercontent.com")


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait, from Retry-After as seconds or as an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_until(value)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until(http_date: str) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def refuse_html(head: bytes, content_type: str | None) -> None:
    """Raise if the body is a web page instead of CSV.

    Google answers an unshared sheet with a sign-in or "request access" page, whose
    wording changes with language and A/B tests, so any page is read as "not shared"
    (cases/README.md) unless it is plainly one of Google's server-error pages.
    """
    if not _looks_like_html(head, content_type):
        return
    text = head.decode("utf-8", "replace")
    if any(marker in text for marker in SIGN_IN_MARKERS):
        raise SyncFailure("sheet_not_public")
    if ERROR_PAGE.search(text):
        raise SyncFailure(
            "upstream_error",
            "Google sent an error page instead of the sheet's CSV. Nothing was "
            "changed; leadsync will try again automatically.",
        )
    raise SyncFailure("sheet_not_public")


def _looks_like_html(head: bytes, content_type: str | None) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in {"text/html", "application/xhtml+xml"}:
        return True
    start = head.lstrip(b" \t\r\n\xef\xbb\xbf")[:16].lower()
    return start.startswith((b"<!doctype html", b"<html"))


def last_modified(response: httpx.Response) -> datetime | None:
    value = response.headers.get("Last-Modified")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
