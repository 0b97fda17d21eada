"""Settings, read once from the environment (names fixed in DESIGN.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///leadsync.db"
DEFAULT_GOOGLE_BASE_URL = "https://docs.google.com"
MIB = 1024 * 1024


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def _database_url(env: Mapping[str, str]) -> str:
    url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    if not url.startswith(
        ("sqlite:", "postgresql:", "postgresql+psycopg:", "postgres:")
    ):
        raise ValueError(
            "DATABASE_URL must be sqlite:///path or postgresql://user@host:port/db, "
            f"not {url.split(':', 1)[0]}:…"
        )
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    enable_leads_sync: bool = False
    leads_sync_interval_seconds: int = 600
    google_sheets_base_url: str = DEFAULT_GOOGLE_BASE_URL
    google_service_account_file: str | None = None
    max_sheet_bytes: int = 256 * MIB
    fetch_timeout_seconds: float = 120.0
    fetch_retries: int = 4
    max_retry_after_seconds: float = 60.0
    sync_concurrency: int = 16
    lease_seconds: float = 90.0
    # Helper processes that read the second half of a big sheet (sync/split.py);
    # 0 reads every sheet in the syncing process.
    read_workers: int = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            database_url=_database_url(env),
            enable_leads_sync=_flag(env.get("ENABLE_LEADS_SYNC")),
            leads_sync_interval_seconds=_int(env, "LEADS_SYNC_INTERVAL_SECONDS", 600),
            google_sheets_base_url=(
                env.get("GOOGLE_SHEETS_BASE_URL", "").strip().rstrip("/")
                or DEFAULT_GOOGLE_BASE_URL
            ),
            google_service_account_file=(
                env.get("GOOGLE_SERVICE_ACCOUNT_FILE", "").strip() or None
            ),
            max_sheet_bytes=_int(env, "LEADSYNC_MAX_SHEET_BYTES", 256 * MIB),
            fetch_timeout_seconds=_float(env, "LEADSYNC_FETCH_TIMEOUT_SECONDS", 120.0),
            fetch_retries=_int(env, "LEADSYNC_FETCH_RETRIES", 4),
            max_retry_after_seconds=_float(
                env, "LEADSYNC_MAX_RETRY_AFTER_SECONDS", 60.0
            ),
            sync_concurrency=max(1, _int(env, "LEADSYNC_SYNC_CONCURRENCY", 16)),
            lease_seconds=max(3.0, _float(env, "LEADSYNC_LEASE_SECONDS", 90.0)),
            read_workers=max(
                0, _int(env, "LEADSYNC_READ_WORKERS", _default_read_workers())
            ),
        )


def _default_read_workers() -> int:
    """One helper per CPU beyond the first, at most four."""
    return max(0, min(4, len(os.sched_getaffinity(0)) - 1))
