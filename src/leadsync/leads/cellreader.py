"""The cells of one row: cleaned, prefixes removed, placeholders and formula errors
emptied, with their warnings.

What a cell becomes depends only on its column and its text, and most columns of a
lead sheet repeat a few values (campaign, ad set, form, platform, status), so those
columns are read once per distinct value. Columns of mostly unique values (ids,
emails, times) skip the memo, which would only cost memory.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

from leadsync.leads.cells import (
    PLACEHOLDER,
    clean,
    column_letter,
    has_invisible,
    strip_prefix,
    void_reason,
)
from leadsync.leads.classify import TEST_MARKER
from leadsync.leads.header import Layout, normalize_header

CellCodes = tuple[tuple[str, str | None], ...]
"""(warning code, field) pairs of one cell"""
CellInfo = tuple[str, str, CellCodes, int]
"""(cleaned text, value, warnings, flags: HEADER_LIKE | TEST_LIKE)"""
HEADER_LIKE = 1  # equals its column's header (after header normalisation)
TEST_LIKE = 2  # starts with Meta's testing-tool marker
Note = tuple[int, str, str | None]
"""(column index, warning code, field)"""

_NAME_FIELDS = frozenset({"name", "first_name", "last_name"})
SAMPLE_ROWS = 2000
_NOT_ALNUM = " +-=@#'\"()<>[]{}*^.,;:/\\_|~!?$%&"
_SHORT = 12  # longer cells cannot be a placeholder or a formula error
_EMPTY: CellInfo = ("", "", (), 0)
# A column that repeated in the first rows may stop repeating later; a memo this
# full starts over, so a long sheet never grows it without bound.
MEMO_LIMIT = 20_000


class CellReader:
    def __init__(self, layout: Layout, data: Sequence[Sequence[str]]) -> None:
        self.width = layout.width
        self.fields = [c.field for c in layout.columns]
        self.prefixes = layout.prefixes
        self.norms = layout.norms
        # First characters that make a long ASCII cell plain: no prefix, apostrophe,
        # macro, formula error or markup, and not its column's header.
        self.plain_starts = [
            _plain_starts(norm, prefix)
            for norm, prefix in zip(layout.norms, layout.prefixes, strict=True)
        ] + [_plain_starts("", None)]
        sample = data[:SAMPLE_ROWS]
        self.memos: list[dict[str, CellInfo] | None] = [
            {} if _repeats(sample, index) else None for index in range(self.width)
        ]

    def read(
        self, record: Sequence[str]
    ) -> tuple[list[str], list[str], list[Note], int, int, bool]:
        """Cleaned texts, values, warnings, the counts of non-empty cells and of cells
        equal to their column's header, and whether a cell has the test marker."""
        raw: list[str] = []
        values: list[str] = []
        notes: list[Note] = []
        filled = header_like = test_like = 0
        memos = self.memos
        width = self.width
        for index, cell in enumerate(record):
            if not cell:
                info = _EMPTY
            elif index >= width:
                info = self._cell(index, cell)
            else:
                memo = memos[index]
                if memo is None:
                    info = self._cell(index, cell)
                else:
                    info = memo.get(cell) or _remember(
                        memo, cell, self._cell(index, cell)
                    )
            raw.append(info[0])
            values.append(info[1])
            if info[1]:
                filled += 1
                if info[3]:
                    header_like += info[3] & HEADER_LIKE
                    test_like |= info[3] & TEST_LIKE
            if info[2]:
                notes.extend((index, code, field) for code, field in info[2])
        if len(raw) < width:
            missing = [""] * (width - len(raw))
            raw.extend(missing)
            values.extend(missing)
        return raw, values, notes, filled, header_like, bool(test_like)

    def _cell(self, index: int, cell: str) -> CellInfo:
        if (
            len(cell) > _SHORT
            and cell[0] in self.plain_starts[min(index, self.width)]
            and cell.isascii()
            and not cell[-1].isspace()
            and "\r" not in cell
        ):
            return cell, cell, (), 0  # nothing to clean, strip, void or flag
        text = cell.strip() if cell.isascii() and "\r" not in cell else clean(cell)
        if not text:
            return _EMPTY
        codes: list[tuple[str, str | None]] = []
        value = self._value(index, text, cell, codes)
        if not value:
            return text, value, tuple(codes), 0
        flags = HEADER_LIKE if self._is_header(index, value) else 0
        if value[0] == "<" and value[:11].lower() == TEST_MARKER:
            flags |= TEST_LIKE
        return text, value, tuple(codes), flags

    def _value(
        self, index: int, value: str, cell: str, codes: list[tuple[str, str | None]]
    ) -> str:
        inside = index < self.width
        field = self.fields[index] if inside else None
        prefix = self.prefixes[index] if inside else None
        if prefix is not None:
            value = strip_prefix(value, prefix)
            if not value:
                return ""
        if field is not None:
            if not cell.isascii() and has_invisible(cell):
                codes.append(("invisible_chars_removed", field))
            if value[0] == "'":
                value = value[1:].strip()
                codes.append(("apostrophe_stripped", field))
                if not value:
                    return ""
        reason = void_reason(value, name=field in _NAME_FIELDS)
        if reason is None:
            return value
        if reason != PLACEHOLDER:
            codes.append((reason, field))
        return ""

    def _is_header(self, index: int, value: str) -> bool:
        norm = self.norms[index] if index < self.width else ""
        if not norm:
            return False
        # Cheap test first: a different first letter or digit cannot normalise equal.
        start = value[0]
        if not start.isalnum():
            start = value.lstrip(_NOT_ALNUM)[:1]
        if start.isalnum() and start.lower() != norm[0]:
            return False
        return normalize_header(value) == norm


def _remember(memo: dict[str, CellInfo], cell: str, info: CellInfo) -> CellInfo:
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[cell] = info
    return info


def _plain_starts(norm: str, prefix: str | None) -> frozenset[str]:
    starts = set(string.ascii_letters + string.digits)
    starts -= {norm[:1].lower(), norm[:1].upper()}
    if prefix:
        starts -= {prefix[0].lower(), prefix[0].upper()}
    return frozenset(starts)


def _repeats(sample: Sequence[Sequence[str]], index: int) -> bool:
    """Whether a column's first rows repeat values often enough to read each once."""
    cells = [r[index] for r in sample if index < len(r) and r[index]]
    return len(set(cells)) * 5 <= len(cells) * 4


def overflow_key(index: int) -> str:
    return f"column_{column_letter(index)}"
