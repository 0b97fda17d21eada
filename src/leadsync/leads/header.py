"""Finding the header row and mapping its columns to fields (aliases + column_map)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from mypy_extensions import mypyc_attr

from leadsync.leads.aliases import build_aliases
from leadsync.leads.cells import INVISIBLE, ZWJ, clean, column_letter
from leadsync.leads.model import FIELDS, Column, SheetSettings, Warning

HEADER_SCAN_ROWS = 10

CONTACT_FIELDS = frozenset({"email", "phone"})

ALIASES: dict[str, str] = build_aliases()
GENERIC_ID = "id"  # counts only when its values look like platform ids
IS_TEST = "istest"

# Meta's type markers, removed from the columns that carry them (mapped or extra).
_PREFIX_BY_HEADER = {
    "id": "l:",
    "leadid": "l:",
    "adid": "ag:",
    "adsetid": "as:",
    "campaignid": "c:",
    "formid": "f:",
}
_ZIP_RE = re.compile(r"zip|postcode|postalcode")
# A row number typed by a person (1, 2, 3 ... 999999), not a platform's lead id.
_ROW_NUMBER_RE = re.compile(r"(?:l:)?[0-9]{1,6}", re.I)
_DROP_ALL_INVISIBLE = str.maketrans("", "", INVISIBLE + ZWJ)


def normalize_header(text: str) -> str:
    """NFC, invisible characters removed, lower case, letters and digits only."""
    if text.isascii():
        return "".join(c for c in text.lower() if c.isalnum())
    text = unicodedata.normalize("NFC", text).translate(_DROP_ALL_INVISIBLE)
    return "".join(c for c in text.lower() if c.isalnum())


def column_map_fields(settings: SheetSettings) -> dict[str, str]:
    """Normalized header -> field, for the sheet's column_map."""
    return {
        normalize_header(header): name
        for name, header in settings.column_map.items()
        if name in FIELDS and normalize_header(header)
    }


def find_header(
    records: Sequence[Sequence[str]], settings: SheetSettings
) -> int | None:
    """0-based index of the header record, or None when no row qualifies.

    The first of the first 10 rows where two cells match an alias or a column_map
    header and one of them maps to email or phone. If no row does, a row whose one
    known header is an email or phone column (a one-column sheet) is taken.
    """
    if settings.header_row is not None:
        index = settings.header_row - 1
        return index if 0 <= index < len(records) else None
    cmap = column_map_fields(settings)
    fallback = None
    for index, record in enumerate(records[:HEADER_SCAN_ROWS]):
        found = [_known(normalize_header(cell), cmap) for cell in record if cell]
        matched = [f for f in found if f]
        has_contact = any(f in CONTACT_FIELDS for f in matched)
        if has_contact and len(matched) >= 2:
            return index
        if has_contact and fallback is None:
            fallback = index
    return fallback


def _known(norm: str, cmap: Mapping[str, str]) -> str | None:
    return cmap.get(norm) or ALIASES.get(norm)


@mypyc_attr(serializable=True)
@dataclass
class Layout:
    """The header's columns and what each one feeds."""

    header_row: int  # 1-based
    columns: list[Column]
    norms: list[str]  # normalized header per column
    fields: dict[str, int]  # field -> column index
    prefixes: list[str | None]  # Meta prefix per column
    warnings: list[Warning] = field(default_factory=list)
    is_test: int | None = None
    # Generic ``id`` columns judged by the rows given to map_columns, and what those
    # rows showed: "ids" (platform ids), "numbers" (row numbers) or "empty".
    judged_ids: dict[int, str] = field(default_factory=dict)
    # The generic ``id`` column read as the external id: a cell of it that looks
    # like a row number is not that row's id (rows.py).
    generic_id: int | None = None

    @property
    def width(self) -> int:
        return len(self.columns)


def map_columns(
    header: Sequence[str],
    header_row: int,
    settings: SheetSettings,
    data: Sequence[Sequence[str]],
    id_columns: Mapping[int, str] | None = None,
) -> Layout:
    """Map each header cell to a field or an extra key; the leftmost column wins.

    A generic ``id`` column is an id column when it holds platform ids: as
    ``id_columns`` says (the caller judged every row), else as ``data`` shows.
    """
    cmap = column_map_fields(settings)
    by_map = set(cmap.values())
    layout = Layout(header_row, [], [], {}, [])
    used_keys: set[str] = set()
    for index, text in enumerate(header):
        norm = normalize_header(text)
        name = cmap.get(norm)
        if name is None and ALIASES.get(norm) not in by_map:
            name = ALIASES.get(norm)
        if name == "external_id" and norm == GENERIC_ID and norm not in cmap:
            seen = (id_columns or {}).get(index)
            if seen is None:
                seen = layout.judged_ids[index] = id_column_values(data, index)
            name = "external_id" if seen == "ids" else None
            if name is not None and "external_id" not in layout.fields:
                layout.generic_id = index
        _add_column(layout, index, text, norm, name, used_keys)
    _fold_name_parts(layout)
    return layout


def _add_column(
    layout: Layout,
    index: int,
    text: str,
    norm: str,
    name: str | None,
    used_keys: set[str],
) -> None:
    letter = column_letter(index)
    trimmed = clean(text)
    if name is not None and name in layout.fields:
        layout.warnings.append(Warning(None, letter, "duplicate_header", name, text))
        name = None
        key = f"{trimmed}__{letter}"
    elif name is not None:
        layout.fields[name] = index
        key = name
    elif not trimmed:
        key = f"column_{letter}"
    elif trimmed in used_keys:
        layout.warnings.append(Warning(None, letter, "duplicate_header", None, text))
        key = f"{trimmed}__{letter}"
    else:
        key = trimmed
        if norm not in ALIASES:
            layout.warnings.append(Warning(None, letter, "unmapped_column", None, text))
    used_keys.add(key)
    layout.columns.append(Column(letter, text, name, key))
    layout.norms.append(norm)
    layout.prefixes.append(_prefix(norm, name))
    if norm == IS_TEST and layout.is_test is None:
        layout.is_test = index


def _prefix(norm: str, name: str | None) -> str | None:
    if name == "phone" or ALIASES.get(norm) == "phone":
        return "p:"
    if name == "external_id":
        return "l:"
    if norm in _PREFIX_BY_HEADER:
        return _PREFIX_BY_HEADER[norm]
    return "z:" if _ZIP_RE.search(norm) else None


def _fold_name_parts(layout: Layout) -> None:
    """With a name column, first- and last-name columns are plain extra columns."""
    if "name" not in layout.fields:
        return
    for part in ("first_name", "last_name"):
        index = layout.fields.pop(part, None)
        if index is not None:
            old = layout.columns[index]
            key = clean(old.header) or old.key
            layout.columns[index] = Column(old.letter, old.header, None, key)


def id_column_values(data: Iterable[Sequence[str]], index: int) -> str:
    """What a generic ``id`` column holds: "ids" when at least as many of its
    values look like platform ids as like row numbers (1, 2, 3), "numbers" when it
    has values and not, "empty" when it has none. A row or two typed by hand into
    a platform's export must not turn every lead's id into nothing."""
    counts = {"ids": 0, "numbers": 0}
    for record in data:
        value = id_value(record, index)
        if value is not None:
            counts[value] += 1
    return id_judgement(counts)


def id_judgement(counts: Mapping[str, int]) -> str:
    """ "ids", "numbers" or "empty" from how many values looked like each."""
    if counts["ids"] and counts["ids"] >= counts["numbers"]:
        return "ids"  # a tie too: hand-typed rows are the likelier minority
    return "numbers" if counts["numbers"] else "empty"


def looks_like_row_number(value: str) -> bool:
    return _ROW_NUMBER_RE.fullmatch(value) is not None


def id_value(record: Sequence[str], index: int) -> str | None:
    """What one record's generic ``id`` cell is: "numbers", "ids" or None (empty)."""
    if index >= len(record):
        return None
    value = clean(record[index])
    if not value:
        return None
    return "numbers" if _ROW_NUMBER_RE.fullmatch(value) else "ids"
