"""The reader's vocabulary: settings in, classified rows out. Plain data, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from mypy_extensions import mypyc_attr

# Fields a column can map to (DESIGN.md "Reading a sheet", cases/README.md).
FIELDS = (
    "name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "created_at",
    "channel",
    "campaign",
    "external_id",
)
# Fields a stored lead owns from its sheet (first/last name fold into name).
LEAD_FIELDS = (
    "name",
    "email",
    "phone",
    "created_at",
    "channel",
    "campaign",
    "external_id",
)
KeyKind = Literal["external_id", "email", "phone"]

# Bump when the reader's output for the same bytes and settings may change: a sheet
# whose content hash is unchanged is re-read anyway after a reader upgrade.
READER_VERSION = 1

# How a class compiles (setup.py, mypyc): a frozen one stays a Python class, as a
# compiled frozen class cannot be unpickled (the read helper's job and result are
# pickled, sync/split.py); the others compile, and pickle (serializable).


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class SheetSettings:
    """How to read one sheet. Defaults are DESIGN.md's last resort."""

    region: str = "US"
    locale: str = "en_US"
    timezone: str = "UTC"
    header_row: int | None = None
    column_map: Mapping[str, str] = field(default_factory=dict)
    fill_down: tuple[str, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def fingerprint(self) -> str:
        """A stable text of every setting that changes how rows read."""
        cmap = ",".join(f"{k}={v}" for k, v in sorted(self.column_map.items()))
        return (
            f"v{READER_VERSION}|{self.region}|{self.locale}|{self.timezone}|"
            f"{self.header_row}|{cmap}|{','.join(sorted(self.fill_down))}"
        )


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class CreatedAt:
    """When a lead was created, as the sheet says: a date, or an instant with offset."""

    value: date | datetime  # a datetime is always timezone-aware
    zone: str = "UTC"  # the sheet's zone, which gives a date its start instant

    @property
    def date_only(self) -> bool:
        return not isinstance(self.value, datetime)

    def iso(self) -> str:
        if isinstance(self.value, datetime):
            return self.value.isoformat(timespec="seconds")
        return self.value.isoformat()

    @property
    def instant(self) -> datetime:
        """The UTC instant; a date means the start of that day in the sheet's zone."""
        if isinstance(self.value, datetime):
            return self.value.astimezone(ZoneInfo("UTC"))
        start = datetime.combine(self.value, time(0), tzinfo=ZoneInfo(self.zone))
        return start.astimezone(ZoneInfo("UTC"))

    @property
    def offset_minutes(self) -> int | None:
        if not isinstance(self.value, datetime):
            return None
        offset = self.value.utcoffset() or timedelta(0)
        return int(offset.total_seconds() // 60)


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Warning:
    """A reader or sync warning. ``row`` is None for a file-level warning."""

    row: int | None
    column: str | None
    code: str
    field: str | None = None
    header: str | None = None


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class FileError:
    code: str
    message: str


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class Column:
    letter: str
    header: str
    field: str | None  # the mapped field, or None for an extra column
    key: str  # the key in ``extra`` (for unmapped columns) or the field name


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class SkippedRow:
    row: int
    reason: str


@mypyc_attr(serializable=True)
@dataclass
class LeadRow:
    """One sheet row that is a lead, normalized."""

    row: int
    lead_key: str
    key_kind: KeyKind
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    created_at: CreatedAt | None = None
    channel: str | None = None
    campaign: str | None = None
    external_id: str | None = None
    secondary_emails: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)
    # The cleaned-but-unnormalized cell of every mapped field that had one, so a
    # person can see what an unreadable phone or email was.
    raw: dict[str, str] = field(default_factory=dict)
    warnings: list[Warning] = field(default_factory=list)
    # The record's digest (leads/digest.py) when a sync asked for one: what the
    # next sync recognizes the row by.
    digest: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def person_key(self) -> str | None:
        return self.email or self.phone


@mypyc_attr(serializable=True)
@dataclass
class ReadResult:
    """Everything the reader made of one snapshot."""

    status: Literal["ok", "rejected"] = "ok"
    file_errors: list[FileError] = field(default_factory=list)
    header_row: int | None = None
    columns: list[Column] = field(default_factory=list)
    leads: list[LeadRow] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)  # every warning, in order
    rows_read: int = 0  # records in the file, header and title rows included

    @property
    def provided_fields(self) -> frozenset[str]:
        """Lead fields that some column of this snapshot maps to."""
        return provided_fields(self.columns)


def provided_fields(columns: list[Column]) -> frozenset[str]:
    """Lead fields that some of these columns map to."""
    mapped = {c.field for c in columns if c.field}
    if mapped & {"first_name", "last_name"}:
        mapped.add("name")
    return frozenset(f for f in mapped if f in LEAD_FIELDS)
