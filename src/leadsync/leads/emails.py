"""Emails: mailto links, display names, several addresses in one cell, and the strict
syntax rule (one "@", a local part without spaces or markup, a dotted domain). No DNS.
"""

from __future__ import annotations

import re

from leadsync.leads.cells import ZWJ

# Plain ASCII addresses, the common case, answered without the slow path. Every
# address this accepts is valid under ``is_valid`` and needs no repair, so the answer
# is the same (asserted by a property test).
_FAST_RE = re.compile(
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}"
)
_LOCAL_FORBIDDEN_RE = re.compile(r"[\s<>()\[\]\\,;:\"@]")
_DOMAIN_RE = re.compile(
    r"(?:[^\W_](?:[\w-]*[^\W_])?\.)+(?:[^\W\d_]{2,}|xn--[a-z0-9-]+)", re.UNICODE
)
_MAILTO_RE = re.compile(r"^\s*mailto:", re.I)
_DISPLAY_RE = re.compile(r"^(.*?)<([^<>]*@[^<>]*)>\s*$", re.S)
_SPLIT_RE = re.compile(r"[;,/|\s]+")

# Local parts of junk submissions (a test row, not a lead).
TEST_LOCAL_PARTS = frozenset({"test", "testing", "asdf", "qwerty", "dummy"})

EmailResult = tuple[str | None, tuple[str, ...], tuple[str, ...]]
"""(email or None, secondary emails, warning codes)"""


def is_valid(address: str) -> bool:
    """The strict syntax rule, for an address already lower-cased and trimmed."""
    local, at, domain = address.partition("@")
    if not at or not local or "@" in domain:
        return False
    if _LOCAL_FORBIDDEN_RE.search(local):
        return False
    if local[0] == "." or local[-1] == "." or ".." in local:
        return False
    return _DOMAIN_RE.fullmatch(domain) is not None


def normalize_email(value: str) -> EmailResult:
    """Read one cleaned, non-empty email cell."""
    if _FAST_RE.fullmatch(value):
        return value.lower(), (), ()
    return _slow(value)


def _slow(value: str) -> EmailResult:
    codes: list[str] = []
    if ZWJ in value:
        value = value.replace(ZWJ, "").strip()
        codes.append("invisible_chars_removed")
    if value.count("@") >= 2:
        return _several(value, codes)
    address = _single(value, codes)
    if address is None:
        codes.append("email_invalid")
    return address, (), tuple(codes)


def _single(value: str, codes: list[str]) -> str | None:
    """One address out of a cell: mailto and display name removed, then checked."""
    address = _strip_mailto(value, codes)
    match = _DISPLAY_RE.match(address)
    if match:
        address = _strip_mailto(match.group(2), codes)
        codes.append("email_display_name_stripped")
    address = address.strip().lower()
    if address.endswith("."):
        address = address[:-1]
        codes.append("email_trailing_dot_stripped")
    return address if is_valid(address) else None


def _strip_mailto(value: str, codes: list[str]) -> str:
    match = _MAILTO_RE.match(value)
    if not match:
        return value
    codes.append("email_mailto_stripped")
    return value[match.end() :].split("?", 1)[0].strip()


def _several(value: str, codes: list[str]) -> EmailResult:
    """A cell with two or more "@": split it and keep every valid address in order."""
    tokens = [t for t in _SPLIT_RE.split(value) if t]
    found: list[str] = []
    for token in tokens:
        if "@" not in token:
            continue  # "or", "and", a display name's words
        address = _single(token, codes)
        if address is not None and address not in found:
            found.append(address)
    if sum("@" in t for t in tokens) >= 2:
        codes.append("multiple_emails_in_cell")
    if not found:
        codes.append("email_invalid")
        return None, (), tuple(codes)
    return found[0], tuple(found[1:]), tuple(codes)


def local_part(address: str) -> str:
    return address.partition("@")[0]
