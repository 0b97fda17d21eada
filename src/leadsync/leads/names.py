"""Names and other free text: mojibake repair and re-casing of all-caps or
all-lower names. Mixed case is a person's decision and is never touched."""

from __future__ import annotations

import re

from leadsync.leads.cells import text_flags

NameResult = tuple[str, tuple[str, ...]]
"""(the name, warning codes)"""

# Sequences that double-decoded UTF-8 leaves behind ("Ã©" for "é").
_MOJIBAKE_MARKERS = ("Ã", "Â", "â€")
PARTICLES = frozenset(
    {
        "da",
        "das",
        "de",
        "del",
        "della",
        "der",
        "di",
        "do",
        "dos",
        "du",
        "la",
        "le",
        "van",
        "von",
        "y",
    }
)
TEST_NAMES = frozenset(
    {
        "test",
        "testing",
        "test test",
        "test lead",
        "asdf",
        "asdf asdf",
        "qwerty",
        "dummy",
        "xxx",
    }
)
APOSTROPHES = "'’"
_SPACES_RE = re.compile(r"\s+")
_VERBATIM_START = frozenset("=+-@")


def repair_mojibake(value: str) -> str | None:
    """The repaired text when ``value`` is double-decoded UTF-8, else None.

    Only text with a typical marker is tried, and only a clean round trip through
    Windows-1252 counts, so correct text (João, Promoção) is never touched.
    """
    if not any(marker in value for marker in _MOJIBAKE_MARKERS):
        return None
    try:
        repaired = _as_cp1252(value).decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return None
    return repaired if repaired != value else None


def _as_cp1252(value: str) -> bytes:
    """Windows-1252 bytes; the five bytes it leaves undefined pass through as
    themselves, as they do when a decoder maps them to C1 controls."""
    out = bytearray()
    for char in value:
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                raise
            out.append(ord(char))
    return bytes(out)


def normalize_name(value: str) -> NameResult:
    """Collapse white space, repair mojibake, re-case a one-case name."""
    codes: list[str] = []
    name = value if " " not in value and value.isprintable() else _collapse(value)
    repaired = repair_mojibake(name)
    if repaired is not None:
        name = repaired
        codes.append("mojibake_repaired")
    flags = text_flags(name)
    codes.extend(flags)
    if flags or name[0] in _VERBATIM_START:
        return name, tuple(codes)  # markup or formula-like: kept exactly
    letters = [c for c in name if c.isalpha()]
    if not letters:
        codes.append("name_has_no_letters")
    elif all(c.isupper() for c in letters) or all(c.islower() for c in letters):
        recased = recase(name)
        if recased != name:
            name = recased
            codes.append("name_recased")
    return name, tuple(codes)


def _collapse(value: str) -> str:
    return _SPACES_RE.sub(" ", value).strip()


def recase(name: str) -> str:
    """Title-case a name: each word, after "-", after O' (one letter then an
    apostrophe); particles stay lower case after the first word; no Mc/Mac guess."""
    words = name.lower().split(" ")
    out = []
    for index, word in enumerate(words):
        if index and word in PARTICLES:
            out.append(word)
        else:
            out.append(_capitalize_word(word))
    return " ".join(out)


def _capitalize_word(word: str) -> str:
    chars = list(word)
    upper_next = True
    run = 0  # letters since the last word break
    for i, char in enumerate(chars):
        if char.isalpha():
            if upper_next:
                chars[i] = char.upper()
                upper_next = False
            run += 1
        elif char == "-" or (char in APOSTROPHES and run == 1):
            upper_next, run = True, 0
        else:
            run = 0 if not char.isalpha() else run
    return "".join(chars)


def is_test_name(name: str) -> bool:
    return len(name) <= 9 and name.lower() in TEST_NAMES
