"""Row digests name a record's reading: its cells, the layout, the settings and
everything the reader reads with."""

from __future__ import annotations

from collections.abc import Iterator

import phonenumbers
import pytest

from leadsync.leads import digest
from leadsync.leads.header import map_columns
from leadsync.leads.model import SheetSettings

HEADER = ["Name", "Email", "Phone"]


@pytest.fixture
def fresh_digest() -> Iterator[None]:
    digest.reader_source_digest.cache_clear()
    yield
    digest.reader_source_digest.cache_clear()


def _key(settings: SheetSettings, header: list[str] = HEADER) -> digest.DigestKey:
    return digest.layout_key(map_columns(header, 1, settings, []), settings)


def test_equal_cells_under_one_layout_have_one_digest() -> None:
    key = _key(SheetSettings())
    row = ["Ana", "ana@example.com", "+14155550101"]
    assert digest.row_digest(row, key) == digest.row_digest(list(row), key)
    assert digest.row_digest(row, key) != digest.row_digest([*row, ""], key)
    assert digest.row_digest(["a,b", "c"], key) != digest.row_digest(["a", "b,c"], key)


def test_settings_and_layout_salt_the_digest() -> None:
    row = ["Ana", "ana@example.com", "+14155550101"]
    plain = digest.row_digest(row, _key(SheetSettings()))
    assert plain != digest.row_digest(row, _key(SheetSettings(region="GB")))
    assert plain != digest.row_digest(
        row, _key(SheetSettings(), ["Name", "E-mail", "Tel"])
    )


@pytest.mark.parametrize(
    "patch",
    [
        (phonenumbers, "__version__", "99.0.0"),
        (digest.unicodedata, "unidata_version", "99.0.0"),
        (digest, "_tz_version", lambda: "# version 2099z"),
    ],
    ids=["libphonenumber", "unicode", "time zones"],
)
def test_a_library_the_reader_reads_with_salts_the_digest(
    fresh_digest: None,
    monkeypatch: pytest.MonkeyPatch,
    patch: tuple[object, str, object],
) -> None:
    before = digest.reader_source_digest()
    digest.reader_source_digest.cache_clear()
    monkeypatch.setattr(*patch)
    assert digest.reader_source_digest() != before
    settings = SheetSettings()
    assert digest.reading_fingerprint(settings).endswith(digest.reader_source_digest())
