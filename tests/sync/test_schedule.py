"""Rescheduling: backoff grows, is capped, and never comes before Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

from leadsync.sync.schedule import MAX_BACKOFF_SECONDS, next_after_failure

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _wait(failures: int, code: str, retry_after: float | None = None) -> float:
    when = next_after_failure(NOW, 600, failures, code, retry_after)
    return (when - NOW).total_seconds()


def test_retry_after_is_a_floor_whatever_the_jitter() -> None:
    assert min(_wait(1, "rate_limited", 120) for _ in range(300)) >= 120


def test_a_private_sheet_backs_off_up_to_the_cap() -> None:
    waits = [_wait(n, "sheet_not_public") for n in (1, 2, 3)]
    assert 540 <= waits[0] <= 660 and waits[0] < waits[1] < waits[2]
    assert _wait(30, "sheet_not_public") <= MAX_BACKOFF_SECONDS * 1.1


def test_a_glitch_is_retried_sooner_than_a_sharing_problem() -> None:
    assert _wait(1, "upstream_error") <= 66 < _wait(1, "sheet_not_public")
