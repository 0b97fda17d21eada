"""Cleaning every cell: Unicode form, white space, invisible characters, placeholders,
formula errors, Meta's type prefixes, and the flags for markup and formula-like text.

Most cells of a real sheet are short ASCII text, so every function here answers the
ASCII case first without touching ``unicodedata`` or a regex.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible characters removed from every cell: zero-width characters, direction
# marks, and the direction embeddings, overrides and isolates (U+202A-U+202E,
# U+2066-U+2069), with which "<U+202E>gnp.exe" shows as "exe.png". U+200D (zero
# width joiner) is not in this set: it glues emoji sequences in names and text, so
# only emails and phones drop it (ZWJ below).
INVISIBLE = (
    "\u200b\u200c\u200e\u200f\u2060\ufeff"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
ZWJ = "\u200d"
_DROP_INVISIBLE = str.maketrans("", "", INVISIBLE)
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")

# Whole-cell placeholders (compared lower-cased) that mean "no value".
PLACEHOLDERS = frozenset(
    {
        "n/a",
        "na",
        "none",
        "null",
        "nil",
        "-",
        "--",
        "—",
        "?",
        "tbd",
        "tbc",
        "unknown",
        "no email",
        "no phone",
        "not provided",
    }
)
# In the name field only these count, so short real names ("Jia Na") survive.
NAME_PLACEHOLDERS = frozenset({"n/a", "-", "--", "—", "?", "tbd", "unknown"})
_LONGEST_PLACEHOLDER = max(len(p) for p in PLACEHOLDERS)

FORMULA_ERRORS = frozenset(
    {
        "#N/A",
        "#REF!",
        "#VALUE!",
        "#DIV/0!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#ERROR!",
        "#SPILL!",
        "#CALC!",
    }
)
PENDING = "loading..."

# Why a non-empty cell reads as empty.
FORMULA_ERROR = "formula_error_value"
FORMULA_PENDING = "formula_pending_value"
PLACEHOLDER = "placeholder"  # no warning of its own

# A tag name right after "<" (``<script>``, ``</b>``, ``<img src=x``) or an HTML
# comment. ``<ana@example.com>`` is not markup: "@" cannot follow a tag name.
_MARKUP_RE = re.compile(r"<\s*/?\s*[a-z][a-z0-9:-]*(?=[\s/>]|$)|<!--", re.I)
_SCRIPT_SCHEME_RE = re.compile(r"(?:java|vb)script\s*:", re.I)
FORMULA_START = frozenset("=+-@\t\r")


def clean(value: str) -> str:
    """NFC, invisible characters removed, line breaks as LF, trimmed (NBSP too)."""
    if value.isascii():
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return value.strip()
    value = unicodedata.normalize("NFC", value).translate(_DROP_INVISIBLE)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


def has_invisible(value: str) -> bool:
    """Whether ``clean`` removes an invisible character from this raw cell."""
    return not value.isascii() and _INVISIBLE_RE.search(value) is not None


def void_reason(value: str, *, name: bool = False) -> str | None:
    """Why a cleaned, non-empty value counts as empty, or None when it is a value."""
    first = value[0]
    if first == "#" and value.upper() in FORMULA_ERRORS:
        return FORMULA_ERROR
    if len(value) <= _LONGEST_PLACEHOLDER:
        low = value.lower()
        if low in (NAME_PLACEHOLDERS if name else PLACEHOLDERS):
            return PLACEHOLDER
        if low == PENDING:
            return FORMULA_PENDING
    if first == "{" and not name and value.startswith("{{") and value.endswith("}}"):
        return PLACEHOLDER  # an unresolved template macro such as {{campaign.name}}
    return None


def strip_prefix(value: str, prefix: str) -> str:
    """Remove a Meta type prefix (``p:``, ``l:``, ``z:`` ...), any case."""
    if value[: len(prefix)].lower() == prefix:
        return value[len(prefix) :].strip()
    return value


def text_flags(value: str) -> tuple[str, ...]:
    """Warnings for a text value stored verbatim: markup, or a formula-like start."""
    formula = value[0] in FORMULA_START
    markup = ("<" in value and _MARKUP_RE.search(value) is not None) or (
        ":" in value and _SCRIPT_SCHEME_RE.search(value) is not None
    )
    if formula and markup:
        return ("markup_in_text", "formula_like_value")
    if markup:
        return ("markup_in_text",)
    if formula:
        return ("formula_like_value",)
    return ()


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the sheet's column letters."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
