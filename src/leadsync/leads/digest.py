"""Row digests: what lets a sync recognize a row it has read before without reading
it again.

A record's reading depends on its cells, the sheet's layout (header, mapped fields,
prefixes, how a generic id column was judged), the settings and the reader's own
code, and on nothing else once fill-down is off and the row shares its key with no
other row (leads/stream.py and store/known.py see to those two). So a digest of the
cells, salted with a digest of everything else, names the reading: equal digests,
equal leads. The reader's source and the libraries it reads with are part of the
salt, so a changed reader never trusts what an older one read.
"""

from __future__ import annotations

import contextlib
import hashlib
import unicodedata
import zoneinfo
from collections.abc import Sequence
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import phonenumbers

from leadsync.leads.header import Layout
from leadsync.leads.model import SheetSettings

DigestKey = tuple[bytes, bytes]
"""(salt, person) of BLAKE2b: 32 bytes naming how a sheet's records read"""


def layout_key(layout: Layout, settings: SheetSettings) -> DigestKey:
    """The salt of one reading: the settings, the layout and the reader's code."""
    columns = [(c.letter, c.header, c.field, c.key) for c in layout.columns]
    text = repr(
        (
            reader_source_digest(),
            settings.fingerprint(),
            layout.header_row,
            columns,
            layout.norms,
            layout.prefixes,
            layout.is_test,
            sorted(layout.judged_ids.items()),
        )
    )
    key = hashlib.blake2b(text.encode(), digest_size=32).digest()
    return key[:16], key[16:]


def reading_fingerprint(settings: SheetSettings) -> str:
    """What an unchanged snapshot must share with the last one applied to be
    skipped: the settings, and the reader (a new release reads every sheet once)."""
    return f"{settings.fingerprint()}|{reader_source_digest()}"


def row_digest(record: Sequence[str], key: DigestKey) -> bytes:
    """16 bytes naming one record's reading. No cell holds a NUL (the reader
    refuses such bodies), so NUL-joined cells read back one way only."""
    salt, person = key
    data = "\0".join(record).encode()
    return hashlib.blake2b(data, digest_size=16, salt=salt, person=person).digest()


@cache
def reader_source_digest() -> str:
    """A digest of what reads a cell: the reader package's source files, and the
    versions of libphonenumber's metadata, of Python's Unicode database and of
    the time zone rules (a number valid, or a wall time's offset, in one release
    of these may differ in the next)."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    versions = (phonenumbers.__version__, unicodedata.unidata_version, _tz_version())
    digest.update("|".join(versions).encode())
    return digest.hexdigest()


def _tz_version() -> str:
    """The version line of the time zone database zoneinfo reads, or of the tzdata
    package it falls back to; "" when neither says."""
    for folder in zoneinfo.TZPATH:
        with contextlib.suppress(OSError), open(Path(folder) / "tzdata.zi") as data:
            return data.readline().strip()
    with contextlib.suppress(PackageNotFoundError):
        return version("tzdata")
    return ""
