"""When a sheet is due next: the interval after success, backing off on failure."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

# A sheet that keeps failing is retried less and less often, but at least this often.
MAX_BACKOFF_SECONDS = 6 * 3600
# Failures a person must fix (sharing, a deleted tab) back off faster than glitches.
PERSON_FIXES = frozenset(
    {
        "sheet_not_public",
        "sheet_not_found",
        "tab_not_found",
        "required_columns_missing",
        "invalid_format",
        "too_large",
        "auth_failed",
    }
)


def jitter(seconds: float, fraction: float = 0.1) -> float:
    """Spread runs so thousands of sheets do not fire in the same second."""
    return seconds * (1 + random.uniform(-fraction, fraction))


def next_after_success(now: datetime, interval: float) -> datetime:
    return now + timedelta(seconds=jitter(interval))


def next_after_failure(
    now: datetime,
    interval: float,
    failures: int,
    code: str,
    retry_after: float | None = None,
) -> datetime:
    base = interval if code in PERSON_FIXES else min(interval, 60.0)
    delay = min(base * 2 ** max(failures - 1, 0), MAX_BACKOFF_SECONDS)
    delay = jitter(max(delay, min(interval, 60.0)))
    if retry_after is not None:
        delay = max(delay, retry_after)  # jitter never brings a retry before it
    return now + timedelta(seconds=delay)
