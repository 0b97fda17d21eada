"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from json import encoder
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
JsonType = JSON().with_variant(JSONB(), "postgresql")


def _not_json(value: object) -> Any:
    raise TypeError(f"not JSON: {type(value).__name__}")


# json.dumps builds an encoder for every call; the bulk paths write several JSON
# columns per lead, so they keep one. Same output as json.dumps with its defaults.
_MAKE_ENCODER: Any = getattr(encoder, "c_make_encoder", None)
_ENCODE = (
    _MAKE_ENCODER(
        None,
        _not_json,
        encoder.encode_basestring_ascii,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )
    if _MAKE_ENCODER is not None
    else None
)


def dumps(value: list[str] | dict[str, str]) -> str:
    """What SQLAlchemy's JSON type writes, byte for byte; most lists are empty."""
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    if _ENCODE is None:
        return json.dumps(value)
    return "".join(_ENCODE(value, 0))


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite otherwise hands back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    """How every timestamp leaves the store: ISO 8601 to the second, with offset."""
    return value.isoformat(timespec="seconds") if value else None
