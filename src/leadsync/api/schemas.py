"""What each write route accepts: exactly the fields a caller may set, nothing else.

Unknown and read-only fields (ids, timestamps, sheet-owned lead fields) fail with 422
naming the field. Values are checked by the same rules the store applies, so the
error points at the field before anything is written or fetched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from leadsync.errors import InvalidInput
from leadsync.sheets.urls import parse_sheet_url
from leadsync.store.customer_edits import clean_name
from leadsync.store.customers import check_locale, check_region, check_timezone
from leadsync.store.lead_edits import MAX_NOTES
from leadsync.store.sheets import clean_sheet_fields

MAX_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL; larger ones cannot exist
LeadStatus = Literal["new", "contacted", "qualified", "won", "lost", "spam"]
AccessMode = Literal["auto", "link", "service_account"]


def _check_text(value: Any) -> None:
    # The database cannot store NUL or unpaired surrogates; say so as a 422.
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text may not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("text must be valid Unicode") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


def _by_store_rule(check: Callable[[Any], Any], value: Any) -> Any:
    try:
        check(value)
    except InvalidInput as exc:
        raise ValueError(exc.message) from exc
    return value


class WriteModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        _check_text(value)
        return value


class ReadingSettings(WriteModel):
    region: str | None = Field(None, description="Country for phone numbers, e.g. GB.")
    locale: str | None = Field(None, description="Locale for dates, e.g. en_GB.")
    timezone: str | None = Field(None, description="IANA time zone.")
    header_row: int | None = Field(None, description="The header's row (1-based).")
    column_map: dict[str, str] | None = Field(
        None, description='Field to header text, e.g. {"channel": "Source"}.'
    )
    fill_down: list[str] | None = Field(
        None, description="Fields whose blank cells repeat the value above."
    )

    @field_validator(
        "region", "locale", "timezone", "header_row", "column_map", "fill_down"
    )
    @classmethod
    def _sheet_rules(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name
        assert name is not None
        return _by_store_rule(lambda v: clean_sheet_fields({name: v}), value)


class SheetFields(ReadingSettings):
    url: str | None = Field(None, description="Any Google Sheets link to the tab.")
    label: str | None = Field(None, description="A name people recognise.")
    enabled: bool | None = None
    access_mode: AccessMode | None = Field(
        None,
        description=(
            "Who reads the sheet: auto (its link, else the agency's service "
            "account when Google asks for a sign-in), link, or service_account."
        ),
    )

    @field_validator("url", "label", "enabled", "access_mode")
    @classmethod
    def _own_rules(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name
        assert name is not None
        return _by_store_rule(lambda v: clean_sheet_fields({name: v}), value)

    def changes(self) -> dict[str, Any]:
        """Only what the caller sent: PUT leaves omitted fields as they are."""
        return self.model_dump(exclude_unset=True, exclude={"customer_id"})


class SheetCreate(SheetFields):
    customer_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Optional for a customer's own key."
    )
    url: str = Field(description="Any Google Sheets link to the tab.")
    label: str = Field(description="Required whenever a URL is given.")


class SheetUpdate(SheetFields):
    customer_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description=(
            "Read-only: a sheet never moves between customers. Sending it answers "
            "404 for a customer the key cannot see, else 422."
        ),
    )


class PreviewRequest(ReadingSettings):
    url: str = Field(description="Any Google Sheets link to the tab.")

    @field_validator("url")
    @classmethod
    def _sheet_link(cls, value: str) -> str:
        return _by_store_rule(parse_sheet_url, value)  # type: ignore[no-any-return]


class CustomerFields(WriteModel):
    @field_validator("name", "region", "locale", "timezone", check_fields=False)
    @classmethod
    def _customer_rules(cls, value: Any, info: ValidationInfo) -> Any:
        checks = {
            "name": clean_name,
            "region": check_region,
            "locale": check_locale,
            "timezone": check_timezone,
        }
        assert info.field_name is not None
        if value is None:
            raise ValueError(f"{info.field_name} cannot be empty")
        return _by_store_rule(checks[info.field_name], value)

    @field_validator("leads_reporting_url", check_fields=False)
    @classmethod
    def _legacy_link(cls, value: str | None) -> str | None:
        if value:
            _by_store_rule(parse_sheet_url, value)
        return value


class CustomerCreate(CustomerFields):
    name: str
    region: str = "US"
    locale: str = "en_US"
    timezone: str = "UTC"
    leads_reporting_url: str | None = Field(
        None, description='Legacy single sheet: synced as the "Leads reporting" sheet.'
    )


class CustomerUpdate(CustomerFields):
    name: str | None = None
    region: str | None = None
    locale: str | None = None
    timezone: str | None = None
    leads_reporting_url: str | None = None


class LeadPatch(WriteModel):
    status: LeadStatus | None = None
    notes: str | None = Field(None, max_length=MAX_NOTES)

    @field_validator("status")
    @classmethod
    def _status_given(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("status cannot be empty")
        return value
