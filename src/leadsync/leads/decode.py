"""From the downloaded bytes to CSV records: encoding, sign-in pages, cut-off bodies.

The body is read twice, in chunks, never whole: ``inspect_body`` checks the whole
body first (UTF-8, no NUL, not an HTML page, quote parity, last character), so a
body refused for its encoding is refused before any record is read, exactly as if
it had been decoded in one piece; ``iter_records`` then yields the CSV records.
Every refusal is a ``SyncFailure`` with one of DESIGN.md's codes.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from mypy_extensions import mypyc_attr

from leadsync.errors import SyncFailure

CHUNK_BYTES = 1024 * 1024
_BOM = "\ufeff"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_HTML_START_RE = re.compile(r"\s*<(?:!doctype\s+html|html[\s>])", re.I)
_HTML_TYPES = ("text/html", "application/xhtml")
_SNIFF_CHARS = 512


@mypyc_attr(native_class=False)
@dataclass(frozen=True)
class BodyFacts:
    """What the records alone cannot tell about a body."""

    odd_quotes: bool  # an odd number of '"': the body ends inside a quoted field
    line_break: bool  # the last character is a line break


def inspect_body(stream: BinaryIO, content_type: str | None = None) -> BodyFacts:
    """Check the whole body, then rewind it; refuse what is not UTF-8 CSV text."""
    if content_type and any(t in content_type.lower() for t in _HTML_TYPES):
        raise SyncFailure("sheet_not_public")
    start = stream.tell()
    decoder = codecs.getincrementaldecoder("utf-8")()
    head, quotes, nul, last = "", 0, False, b""
    while chunk := stream.read(CHUNK_BYTES):
        if not last and chunk.startswith(_UTF16_BOMS):
            raise SyncFailure("invalid_format")
        text = _decode(decoder, chunk)
        if len(head) < _SNIFF_CHARS + 1:
            head += text[: _SNIFF_CHARS + 1]
        quotes += chunk.count(b'"')
        nul = nul or b"\x00" in chunk
        last = chunk[-1:]
    _decode(decoder, b"", final=True)
    stream.seek(start)
    if _HTML_START_RE.match(head.removeprefix(_BOM)[:_SNIFF_CHARS]):
        raise SyncFailure("sheet_not_public")
    if nul:
        raise SyncFailure("invalid_format")  # UTF-16 without a mark, or binary data
    return BodyFacts(odd_quotes=bool(quotes % 2), line_break=last in (b"\n", b"\r"))


def _decode(
    decoder: codecs.IncrementalDecoder, chunk: bytes, final: bool = False
) -> str:
    try:
        return decoder.decode(chunk, final)
    except UnicodeDecodeError as exc:
        raise SyncFailure("invalid_format") from exc


def iter_records(
    stream: BinaryIO, facts: BodyFacts, *, body_start: bool = True
) -> Iterator[list[str]]:
    """RFC 4180 records (not lines) of an inspected body, from its current place:
    its start (where a byte order mark is dropped) or a later record's start."""
    reader = csv.reader(_lines(stream, body_start), strict=True)
    try:
        yield from reader
    except csv.Error as exc:
        # Python's csv reader reports a cut quoted field as "unexpected end of data"
        # only in strict mode; an odd number of quotes says the same for a body cut
        # inside a field longer than the csv module's field limit.
        code = "truncated_download" if facts.odd_quotes else "invalid_format"
        raise SyncFailure(code) from exc


def _lines(stream: BinaryIO, body_start: bool = True) -> Iterator[str]:
    """Text lines as ``open(newline="")`` gives them, decoded chunk by chunk.

    A chunk's last line is held back until the next chunk: it may be cut in the
    middle, or be a "\\r" whose "\\n" starts the next chunk.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    carry = ""
    first = body_start
    while chunk := stream.read(CHUNK_BYTES):
        text = carry + _decode(decoder, chunk)
        if first and text:
            text, first = text.removeprefix(_BOM), False
        lines = io.StringIO(text, newline="").readlines()
        carry = lines.pop() if lines and not lines[-1].endswith("\n") else ""
        yield from lines
    rest = carry + _decode(decoder, b"", final=True)
    if rest:
        yield from io.StringIO(rest, newline="").readlines()
