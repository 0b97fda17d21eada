"""created_at: locale order, ISO, month names, serials, time zones and DST."""

from __future__ import annotations

import pytest

from leadsync.leads.dates import DateReader


def iso(value: str, locale: str = "en_US", zone: str = "UTC") -> str | None:
    created, _ = DateReader(locale, zone).read(value)
    return created.iso() if created else None


def code(value: str, locale: str = "en_US", zone: str = "UTC") -> str | None:
    return DateReader(locale, zone).read(value)[1]


@pytest.mark.parametrize(
    ("value", "locale", "expected"),
    [
        ("03/04/2024", "en_US", "2024-03-04"),
        ("03/04/2024", "en_GB", "2024-04-03"),
        ("03/04/2024", "en_AU", "2024-04-03"),
        ("03.04.2024", "de_DE", "2024-04-03"),
        ("1/22/24", "en_US", "2024-01-22"),
        ("22/1/24", "en_AU", "2024-01-22"),
        ("2024/04/03", "en_GB", "2024-04-03"),
        ("5 Apr 2024", "en_US", "2024-04-05"),
        ("Apr 5, 2024", "en_GB", "2024-04-05"),
        ("April 5th, 2024", "en_US", "2024-04-05"),
        ("Tue, 5 March 2024", "en_US", "2024-03-05"),
        ("2024-03-05", "en_GB", "2024-03-05"),
    ],
)
def test_dates(value: str, locale: str, expected: str) -> None:
    assert iso(value, locale) == expected


def test_impossible_under_the_locale_is_never_swapped() -> None:
    assert iso("13/04/2024", "en_US") is None
    assert code("13/04/2024", "en_US") == "date_invalid_for_locale"
    assert code("04/13/2024", "en_AU") == "date_invalid_for_locale"
    assert code("31/02/2024", "en_GB") == "date_invalid_for_locale"


@pytest.mark.parametrize("value", ["1/5", "Jan 8", "2/13", "2024", "soon", "99999"])
def test_unparseable(value: str) -> None:
    assert iso(value) is None
    assert code(value) == "date_unparseable"


def test_forms_timestamp_gets_the_zone_and_its_dst_offset() -> None:
    zone = "America/New_York"
    assert iso("3/9/2024 23:59:59", zone=zone) == "2024-03-09T23:59:59-05:00"
    assert iso("3/10/2024 3:30:00", zone=zone) == "2024-03-10T03:30:00-04:00"
    assert iso("7/15/2024 9:05:07 PM", zone=zone) == "2024-07-15T21:05:07-04:00"


def test_australian_zone_and_day_first_timestamp() -> None:
    # Sydney is on daylight time (+11:00) in January, standard (+10:00) in July.
    assert iso("15/01/2024 10:00", "en_AU", "Australia/Sydney") == (
        "2024-01-15T10:00:00+11:00"
    )
    assert iso("15/07/2024 10:00", "en_AU", "Australia/Sydney") == (
        "2024-07-15T10:00:00+10:00"
    )


def test_repeated_wall_time_takes_the_first_occurrence() -> None:
    zone = "America/New_York"
    assert iso("2024-11-03 01:30:00", zone=zone) == "2024-11-03T01:30:00-04:00"


def test_skipped_wall_time_uses_the_offset_before_the_change() -> None:
    zone = "America/New_York"
    assert iso("2024-03-10 02:30:00", zone=zone) == "2024-03-10T02:30:00-05:00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05T14:22:31Z", "2024-03-05T14:22:31+00:00"),
        ("2024-03-05T14:22:31+0000", "2024-03-05T14:22:31+00:00"),
        ("2024-03-05T14:22:31+05:30", "2024-03-05T14:22:31+05:30"),
        ("2024-03-05T14:22:31.123Z", "2024-03-05T14:22:31+00:00"),
        ("2024-03-05 14:22", "2024-03-05T14:22:00+01:00"),
    ],
)
def test_iso_keeps_its_offset(value: str, expected: str) -> None:
    assert iso(value, zone="Europe/Berlin") == expected


def test_serial_numbers() -> None:
    reader = DateReader("en_GB", "Europe/London")
    created, warning = reader.read("45356")
    assert created is not None and created.iso() == "2024-03-05"
    assert warning == "date_serial_converted"
    created, _ = reader.read("45478.5")  # 2024-07-05 12:00 London summer time
    assert created is not None and created.iso() == "2024-07-05T12:00:00+01:00"


def test_a_date_stays_a_date() -> None:
    created, _ = DateReader("en_US", "America/New_York").read("2024-03-05")
    assert created is not None and created.date_only
    assert created.instant.isoformat() == "2024-03-05T05:00:00+00:00"
