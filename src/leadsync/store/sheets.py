"""Registered sheets: add, edit, delete (which keeps leads) and their settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadsync.errors import Conflict, InvalidInput, NotFound
from leadsync.leads.header import normalize_header
from leadsync.leads.model import FIELDS, SheetSettings
from leadsync.sheets.access import ACCESS_MODES
from leadsync.sheets.urls import parse_sheet_url
from leadsync.store.customers import check_locale, check_region, check_timezone
from leadsync.store.models import Customer, LeadSyncState, SheetSourceConfig
from leadsync.store.types import utcnow

# The only fields a person may set on a sheet (the spec's whitelist).
SHEET_FIELDS = (
    "url",
    "label",
    "enabled",
    "region",
    "locale",
    "timezone",
    "header_row",
    "column_map",
    "fill_down",
    "access_mode",
)
MAX_HEADER_ROW = 1000
FILL_DOWN_FIELDS = ("name", "created_at", "channel", "campaign")


def clean_sheet_fields(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Validate whitelisted fields; anything else is an error, never ignored."""
    unknown = sorted(set(changes) - set(SHEET_FIELDS))
    if unknown:
        raise InvalidInput(f"unknown or read-only field(s): {', '.join(unknown)}")
    cleaned: dict[str, Any] = {}
    for key, value in changes.items():
        cleaned[key] = _CLEANERS[key](value)
    return cleaned


def _clean_label(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("a sheet needs a label")
    if len(value.strip()) > 200:
        raise InvalidInput("a label has at most 200 characters")
    return value.strip()


def _clean_url(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput("the sheet URL must be text")
    parse_sheet_url(value)  # raises InvalidUrl with a message a person can act on
    return value.strip()


def _clean_enabled(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("enabled must be true or false")
    return value


def _optional(check: Any) -> Any:
    def clean(value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise InvalidInput("expected text")
        return check(value)

    return clean


def _clean_header_row(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("header_row must be a row number")
    if not 1 <= value <= MAX_HEADER_ROW:
        raise InvalidInput(f"header_row must be between 1 and {MAX_HEADER_ROW}")
    return value


def _clean_column_map(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput('column_map must be an object like {"channel": "Header"}')
    cleaned: dict[str, str] = {}
    for field, header in value.items():
        if field not in FIELDS:
            raise InvalidInput(
                f"column_map: unknown field {field!r} (use one of {', '.join(FIELDS)})"
            )
        if not isinstance(header, str) or not header.strip():
            raise InvalidInput(f"column_map: the header for {field!r} must be text")
        if not normalize_header(header):
            raise InvalidInput(
                f"column_map: the header {header.strip()!r} for {field!r} has no "
                "letter or digit, so no column can be told by it: rename the column"
            )
        cleaned[field] = header.strip()
    by_header: dict[str, str] = {}
    for field, header in cleaned.items():
        other = by_header.setdefault(normalize_header(header), field)
        if other != field:
            raise InvalidInput(
                f"column_map: {other!r} and {field!r} both name the column {header!r}"
            )
    return cleaned


def _clean_fill_down(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("fill_down must be a list of field names")
    unknown = [v for v in value if v not in FILL_DOWN_FIELDS]
    if unknown:
        # Copying an email, phone or id down would merge different people.
        raise InvalidInput(
            f"fill_down: {', '.join(unknown)} cannot be filled down "
            f"(use {', '.join(FILL_DOWN_FIELDS)})"
        )
    return sorted(set(value))


def _clean_access_mode(value: Any) -> str:
    if value not in ACCESS_MODES:
        raise InvalidInput(f"access_mode must be one of {', '.join(ACCESS_MODES)}")
    return str(value)


_CLEANERS: dict[str, Any] = {
    "url": _clean_url,
    "label": _clean_label,
    "enabled": _clean_enabled,
    "region": _optional(check_region),
    "locale": _optional(check_locale),
    "timezone": _optional(check_timezone),
    "header_row": _clean_header_row,
    "column_map": _clean_column_map,
    "fill_down": _clean_fill_down,
    "access_mode": _clean_access_mode,
}


def add_sheet(
    session: Session,
    customer_id: int,
    *,
    is_legacy: bool = False,
    **fields: Any,
) -> SheetSourceConfig:
    """Register a sheet; re-adding a deleted one restores it with its leads."""
    cleaned = clean_sheet_fields(fields)
    if "url" not in cleaned:
        raise InvalidInput("a sheet needs a URL")
    if "label" not in cleaned:
        raise InvalidInput("a label is required when a URL is given")
    ref = parse_sheet_url(cleaned["url"])
    existing = _find_tab(session, customer_id, ref.spreadsheet_id, ref.gid)
    if existing is not None and existing.deleted_at is None:
        raise Conflict(
            f"this tab is already registered as sheet {existing.id} "
            f"({existing.label!r})"
        )
    sheet = existing or SheetSourceConfig(customer_id=customer_id, is_legacy=is_legacy)
    _apply(sheet, {"enabled": True, **cleaned}, ref.spreadsheet_id, ref.gid)
    sheet.deleted_at = None
    if existing is None:
        session.add(sheet)
        session.flush()
        session.add(
            LeadSyncState(
                sheet_id=sheet.id, customer_id=customer_id, next_run_at=utcnow()
            )
        )
    else:
        make_due(session, sheet.id)
    session.flush()
    return sheet


def update_sheet(
    session: Session, sheet: SheetSourceConfig, changes: Mapping[str, Any]
) -> SheetSourceConfig:
    """Change whitelisted fields; omitted fields stay. A saved sheet is due at once."""
    cleaned = clean_sheet_fields(changes)
    spreadsheet_id, gid = sheet.spreadsheet_id, sheet.gid
    if "url" in cleaned:
        ref = parse_sheet_url(cleaned["url"])
        spreadsheet_id, gid = ref.spreadsheet_id, ref.gid
        other = _find_tab(session, sheet.customer_id, spreadsheet_id, gid)
        if other is not None and other.id != sheet.id:
            raise Conflict(f"this tab is already registered as sheet {other.id}")
    _apply(sheet, cleaned, spreadsheet_id, gid)
    make_due(session, sheet.id)
    session.flush()
    return sheet


def _apply(
    sheet: SheetSourceConfig, cleaned: Mapping[str, Any], spreadsheet_id: str, gid: str
) -> None:
    for key, value in cleaned.items():
        setattr(sheet, key, value)
    sheet.spreadsheet_id = spreadsheet_id
    sheet.gid = gid
    sheet.updated_at = utcnow()


def make_due(session: Session, sheet_id: int) -> None:
    """A saved sheet is synced at once, even one that was backing off."""
    state = session.get(LeadSyncState, sheet_id)
    if state is not None:
        state.next_run_at = utcnow()
        state.consecutive_failures = 0


def delete_sheet(session: Session, sheet: SheetSourceConfig) -> None:
    """Stop syncing the sheet. Its leads stay, and re-adding it restores them."""
    sheet.deleted_at = utcnow()
    sheet.enabled = False
    state = session.get(LeadSyncState, sheet.id)
    if state is not None:
        state.next_run_at = None
        state.requested_at = None
    session.flush()


def get_sheet(
    session: Session, sheet_id: int, *, customer_id: int | None = None
) -> SheetSourceConfig:
    """A live sheet by id; another customer's sheet does not exist for the caller."""
    sheet = session.get(SheetSourceConfig, sheet_id)
    if (
        sheet is None
        or sheet.deleted_at is not None
        or (customer_id is not None and sheet.customer_id != customer_id)
    ):
        raise NotFound(f"sheet {sheet_id} not found")
    return sheet


def list_sheets(
    session: Session, customer_id: int | None = None
) -> list[SheetSourceConfig]:
    query = select(SheetSourceConfig).where(SheetSourceConfig.deleted_at.is_(None))
    if customer_id is not None:
        query = query.where(SheetSourceConfig.customer_id == customer_id)
    return list(session.scalars(query.order_by(SheetSourceConfig.id)))


def find_legacy_sheet(session: Session, customer_id: int) -> SheetSourceConfig | None:
    query = select(SheetSourceConfig).where(
        SheetSourceConfig.customer_id == customer_id,
        SheetSourceConfig.is_legacy.is_(True),
    )
    return session.scalars(query).first()


def _find_tab(
    session: Session, customer_id: int, spreadsheet_id: str, gid: str
) -> SheetSourceConfig | None:
    query = select(SheetSourceConfig).where(
        SheetSourceConfig.customer_id == customer_id,
        SheetSourceConfig.spreadsheet_id == spreadsheet_id,
        SheetSourceConfig.gid == gid,
    )
    return session.scalars(query).first()


def reading_settings(sheet: SheetSourceConfig, customer: Customer) -> SheetSettings:
    """The sheet's own settings, else its customer's defaults."""
    return SheetSettings(
        region=sheet.region or customer.region,
        locale=sheet.locale or customer.locale,
        timezone=sheet.timezone or customer.timezone,
        header_row=sheet.header_row,
        column_map=dict(sheet.column_map or {}),
        fill_down=tuple(sheet.fill_down or ()),
    )
