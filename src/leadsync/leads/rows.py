"""One record after the header: cleaned, classified, and normalized into a lead.

This runs for every row of every sheet at every sync, so per-sheet work (column
plans) is done once in ``RowReader.__init__`` and repeated values (names, phones,
channels, campaigns) are read once per sheet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import TypeVar

from leadsync.leads import classify
from leadsync.leads.cellreader import MEMO_LIMIT, CellReader, Note, overflow_key
from leadsync.leads.cells import (
    FORMULA_PENDING,
    FORMULA_START,
    column_letter,
    text_flags,
)
from leadsync.leads.dates import DateReader
from leadsync.leads.emails import EmailResult, normalize_email
from leadsync.leads.header import Layout, looks_like_row_number
from leadsync.leads.model import KeyKind, LeadRow, SheetSettings, SkippedRow, Warning
from leadsync.leads.names import NameResult, normalize_name, repair_mojibake
from leadsync.leads.phones import PhoneResult, normalize_phone

Outcome = tuple[LeadRow | SkippedRow, list[Warning]]
_T = TypeVar("_T")

# leads.external_id's width: a longer cell keys its row by email or phone.
MAX_ID_LENGTH = 128
_SCI_ID_RE = re.compile(r"[0-9](?:[.,][0-9]+)?[eE]\+?[0-9]+")
# An extra value text_flags may flag has a formula-like start, or markup or a
# scheme somewhere. A row's extra values are checked at once, NUL-joined: "<" and
# ":" by substring search, the starts by a pattern with a literal first character
# (the regex engine skips to each NUL instead of trying every position).
_FORMULA_AFTER_NUL_RE = re.compile(r"\0[=+\-@\t\r]")
_VALUE = itemgetter(1)
_TEXT_FIELDS = ("channel", "campaign")


class RowReader:
    """Reads the records of one sheet, given its header layout and settings."""

    def __init__(
        self, layout: Layout, settings: SheetSettings, data: Sequence[Sequence[str]]
    ) -> None:
        self.layout = layout
        self.cells = CellReader(layout, data)
        self.region = settings.region.upper()
        self.dates = DateReader(settings.locale, settings.timezone)
        self.width = layout.width
        self.letters = [c.letter for c in layout.columns]
        self.fields = [c.field for c in layout.columns]
        self.prefixes = layout.prefixes
        self.extras = [(i, c.key) for i, c in enumerate(layout.columns) if not c.field]
        self.extra_keys = [key for _, key in self.extras]
        self.extra_values = _picker([index for index, _ in self.extras])
        self.at = layout.fields
        self.raw_names = list(layout.fields)
        self.raw_values = _picker(list(layout.fields.values()))
        self._names: dict[str, NameResult] = {}
        self._phones: dict[str, PhoneResult] = {}
        self._texts: dict[str, tuple[str, tuple[str, ...]]] = {}
        # Cells still calculating ("Loading..."), per column letter, in every row
        # read, whatever the row turned out to be.
        self.pending: dict[str, int] = {}

    def read(self, row: int, record: Sequence[str]) -> Outcome:
        raw, values, notes, filled, header_like, marked = self.cells.read(record)
        if notes:
            for index, code, _ in notes:
                if code == FORMULA_PENDING:
                    letter = self._letter(index)
                    self.pending[letter] = self.pending.get(letter, 0) + 1
        if not filled:
            return SkippedRow(row, "blank_row"), []
        # A pasted header: two or more cells, at least half equal to their header.
        if filled >= 2 and header_like * 2 >= filled:
            return SkippedRow(row, "repeated_header"), []
        if marked:
            return SkippedRow(row, "test_row"), []
        lead = self._lead(row, raw, values, notes)
        if classify.is_test(lead.name, lead.email, self._is_test_value(values)):
            return SkippedRow(row, "test_row"), []
        warnings = self._warnings(row, notes) if notes else []
        if lead.email is None and lead.phone is None:
            reason = classify.without_contact(values)
            kept = warnings if reason == "no_contact_fields" else []
            return SkippedRow(row, reason), kept
        lead.warnings = warnings
        return lead, warnings

    def _is_test_value(self, values: Sequence[str]) -> str | None:
        index = self.layout.is_test
        return values[index] if index is not None else None

    # -- fields -----------------------------------------------------------------

    def _lead(
        self, row: int, raw: list[str], values: list[str], notes: list[Note]
    ) -> LeadRow:
        lead = LeadRow(row=row, lead_key="", key_kind="email")
        at = self.at
        lead.raw = dict(
            filter(_VALUE, zip(self.raw_names, self.raw_values(raw), strict=True))
        )
        self._read_name(lead, values, notes)
        if "email" in at and values[at["email"]]:
            self._read_email(lead, values[at["email"]], at["email"], notes)
        if "phone" in at and values[at["phone"]]:
            self._read_phone(lead, values[at["phone"]], at["phone"], notes)
        if "created_at" in at and values[at["created_at"]]:
            self._read_date(lead, values[at["created_at"]], at["created_at"], notes)
        for name in _TEXT_FIELDS:
            if name in at and values[at[name]]:
                setattr(lead, name, self._text(values[at[name]], at[name], name, notes))
        if "external_id" in at and values[at["external_id"]]:
            index = at["external_id"]
            if index != self.layout.generic_id or not looks_like_row_number(
                values[index]
            ):
                self._read_id(lead, values[index], index, notes)
        self._read_extra(lead, values, notes)
        self._key(lead)
        return lead

    def _read_name(self, lead: LeadRow, values: list[str], notes: list[Note]) -> None:
        at = self.at
        if "name" in at:
            index = at["name"]
            text = values[index]
        else:
            parts = [values[at[p]] for p in ("first_name", "last_name") if p in at]
            text = " ".join(p for p in parts if p)
            index = at.get("first_name", at.get("last_name", -1))
        if not text:
            return
        result = self._names.get(text)
        if result is None:
            result = _remember(self._names, text, normalize_name(text))
        lead.name = result[0]
        for code in result[1]:
            notes.append((index, code, "name"))

    def _read_email(
        self, lead: LeadRow, value: str, index: int, notes: list[Note]
    ) -> None:
        result: EmailResult = normalize_email(value)
        lead.email, lead.secondary_emails = result[0], result[1]
        for code in result[2]:
            notes.append((index, code, "email"))

    def _read_phone(
        self, lead: LeadRow, value: str, index: int, notes: list[Note]
    ) -> None:
        result = self._phones.get(value)
        if result is None:
            result = _remember(self._phones, value, normalize_phone(value, self.region))
        lead.phone = result[0]
        for code in result[1]:
            notes.append((index, code, "phone"))

    def _read_date(
        self, lead: LeadRow, value: str, index: int, notes: list[Note]
    ) -> None:
        created, code = self.dates.read(value)
        if created is not None and created.value.year in (1, 9999):
            try:  # the first or last day there is may have no UTC instant
                created.instant  # noqa: B018
            except OverflowError:
                created, code = None, "date_out_of_range"
        lead.created_at = created
        if code is not None:
            notes.append((index, code, "created_at"))

    def _text(self, value: str, index: int, name: str, notes: list[Note]) -> str:
        """Channel and campaign: verbatim, mojibake repaired, markup flagged."""
        result = self._texts.get(value)
        if result is None:
            repaired = repair_mojibake(value)
            text = repaired or value
            codes = ("mojibake_repaired",) if repaired else ()
            result = _remember(self._texts, value, (text, codes + text_flags(text)))
        for code in result[1]:
            notes.append((index, code, name))
        return result[0]

    def _read_id(
        self, lead: LeadRow, value: str, index: int, notes: list[Note]
    ) -> None:
        if _SCI_ID_RE.fullmatch(value):
            notes.append((index, "id_precision_lost", "external_id"))
            return
        if len(value) > MAX_ID_LENGTH:  # not an id a platform gives; not stored
            notes.append((index, "id_too_long", "external_id"))
            return
        lead.external_id = value
        for code in text_flags(value):
            notes.append((index, code, "external_id"))

    def _read_extra(self, lead: LeadRow, values: list[str], notes: list[Note]) -> None:
        extra = dict(
            filter(_VALUE, zip(self.extra_keys, self.extra_values(values), strict=True))
        )
        lead.extra = extra
        if extra and _may_flag("\0" + "\0".join(extra.values())):
            for index, _ in self.extras:
                value = values[index]
                if value and (
                    value[0] in FORMULA_START or "<" in value or ":" in value
                ):
                    notes.extend((index, code, None) for code in text_flags(value))
        for index in range(self.width, len(values)):
            if values[index]:
                extra[overflow_key(index)] = values[index]
                notes.append((index, "row_wider_than_header", None))

    def _key(self, lead: LeadRow) -> None:
        """The external id when usable, else the email, else the E.164 phone."""
        kind: KeyKind
        if lead.external_id:
            kind, key = "external_id", lead.external_id
        elif lead.email:
            kind, key = "email", lead.email
        else:
            kind, key = "phone", lead.phone or ""
        lead.key_kind, lead.lead_key = kind, key

    def _letter(self, index: int) -> str:
        return self.letters[index] if 0 <= index < self.width else column_letter(index)

    def _warnings(self, row: int, notes: list[Note]) -> list[Warning]:
        seen: set[tuple[int, str]] = set()
        out = []
        for index, code, field in notes:
            if (index, code) in seen:
                continue
            seen.add((index, code))
            out.append(Warning(row, self._letter(index), code, field))
        return out


def _may_flag(joined: str) -> bool:
    """Whether a NUL-led, NUL-joined row of values may hold one text_flags flags."""
    return "<" in joined or ":" in joined or bool(_FORMULA_AFTER_NUL_RE.search(joined))


def _picker(indices: list[int]) -> Callable[[Sequence[str]], tuple[str, ...]]:
    """The cells at ``indices`` of a row, as a tuple, in one C-level call."""
    if len(indices) > 1:
        return itemgetter(*indices)
    if indices:
        (index,) = indices
        return lambda cells: (cells[index],)
    return lambda cells: ()


def _remember(memo: dict[str, _T], key: str, value: _T) -> _T:
    """Memos of repeated values are bounded: a sheet of unique values starts over."""
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value
