"""Sheet settings from plain data: a case file's ``settings``, CLI flags, API bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from leadsync.leads.model import SheetSettings


def settings_from_dict(data: Mapping[str, Any]) -> SheetSettings:
    """Build ``SheetSettings`` from a mapping; missing keys take the defaults."""
    defaults = SheetSettings()
    header_row = data.get("header_row")
    return SheetSettings(
        region=str(data.get("region") or defaults.region).upper(),
        locale=str(data.get("locale") or defaults.locale),
        timezone=str(data.get("timezone") or defaults.timezone),
        header_row=int(header_row) if header_row is not None else None,
        column_map={str(k): str(v) for k, v in (data.get("column_map") or {}).items()},
        fill_down=tuple(str(name) for name in data.get("fill_down") or ()),
    )
