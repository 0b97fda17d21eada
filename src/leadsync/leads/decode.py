"""From the downloaded bytes to CSV records: encoding, sign-in pages, cut-off bodies.

Every refusal is a ``SyncFailure`` with one of DESIGN.md's codes; the reader turns it
into a rejected result.
"""

from __future__ import annotations

import csv
import io
import re

from leadsync.errors import SyncFailure

_BOM = "\ufeff"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_HTML_START_RE = re.compile(r"\s*<(?:!doctype\s+html|html[\s>])", re.I)
_HTML_TYPES = ("text/html", "application/xhtml")


def decode_body(raw: bytes, content_type: str | None = None) -> str:
    """UTF-8 text without a byte-order mark, or a refusal."""
    if content_type and any(t in content_type.lower() for t in _HTML_TYPES):
        raise SyncFailure("sheet_not_public")
    if raw.startswith(_UTF16_BOMS):
        raise SyncFailure("invalid_format")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SyncFailure("invalid_format") from exc
    if text.startswith(_BOM):
        text = text[1:]
    if _HTML_START_RE.match(text[:512]):
        raise SyncFailure("sheet_not_public")
    if "\x00" in text:
        raise SyncFailure("invalid_format")  # UTF-16 without a mark, or binary data
    return text


def parse_records(text: str) -> list[list[str]]:
    """RFC 4180 records (not lines). A body that ends inside a quoted field is cut."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return list(reader)
    except csv.Error as exc:
        # Python's csv reader reports a cut quoted field as "unexpected end of data"
        # only in strict mode; an odd number of quotes says the same for a body cut
        # inside a field longer than the csv module's field limit.
        if text.count('"') % 2:
            raise SyncFailure("truncated_download") from exc
        raise SyncFailure("invalid_format") from exc


def ends_with_line_break(text: str) -> bool:
    return text.endswith(("\n", "\r"))
