"""Why a record is not a lead: the skip reasons of cases/README.md, in their order."""

from __future__ import annotations

import re
from collections.abc import Sequence

from leadsync.leads.emails import TEST_LOCAL_PARTS, local_part
from leadsync.leads.names import is_test_name

TEST_MARKER = "<test lead:"
_TRUE_VALUES = frozenset({"true", "yes", "1"})
_TOTALS_RE = re.compile(r"(?:(?:sub-?|grand\s+)?totals?|sum|count)\b", re.I)
_NOTE_START_RE = re.compile(r"(?:note|nb|ps)\b|[*^]", re.I)
_COLON_WORDS_RE = re.compile(r":\s*(\S+\s+){3,}\S+")


def is_test(name: str | None, email: str | None, is_test_value: str | None) -> bool:
    if name and is_test_name(name):
        return True
    if email and local_part(email) in TEST_LOCAL_PARTS:
        return True
    return bool(is_test_value) and str(is_test_value).lower() in _TRUE_VALUES


def without_contact(values: Sequence[str]) -> str:
    """The reason for a row that has no valid email or phone."""
    filled = [(index, value) for index, value in enumerate(values) if value]
    if filled and _TOTALS_RE.match(filled[0][1]):
        return "totals_row"
    if len(filled) == 1:
        index, text = filled[0]
        if index > 0 or _NOTE_START_RE.match(text) or _COLON_WORDS_RE.search(text):
            return "note_row"
        return "section_header"
    return "no_contact_fields"
