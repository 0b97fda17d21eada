"""Every fast path gives exactly the slow path's answer (Hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from leadsync.leads.cells import FORMULA_START, text_flags
from leadsync.leads.dates import DateReader
from leadsync.leads.emails import _slow as slow_email
from leadsync.leads.emails import normalize_email
from leadsync.leads.phones import fast_phone, slow_phone
from leadsync.leads.rows import _may_flag

REGIONS = st.sampled_from(["US", "GB", "AU", "DE", "FR", "IT", "BR", "IN", "MX", "JP"])
ZONES = st.sampled_from(
    ["UTC", "America/New_York", "Europe/London", "Australia/Sydney"]
)
COUNTRY_CODES = st.sampled_from(
    ["1", "44", "61", "49", "33", "39", "55", "91", "52", "81", "7", "86", "353", "971"]
)


@settings(max_examples=400)
@given(COUNTRY_CODES, st.text("0123456789", min_size=4, max_size=13), REGIONS)
def test_e164_fast_path_equals_parse(code: str, digits: str, region: str) -> None:
    value = f"+{code}{digits}"
    if len(value) > 16:
        value = value[:16]
    fast = fast_phone(value)
    if fast is not None:
        assert fast == slow_phone(value, region)


@settings(max_examples=200)
@given(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True), REGIONS)
def test_e164_fast_path_on_any_digits(value: str, region: str) -> None:
    fast = fast_phone(value)
    if fast is not None:
        assert fast == slow_phone(value, region)


ISO_FORMATS = [
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S{offset}",
    "%Y-%m-%dT%H:%M:%S{compact}",
]


@settings(max_examples=400)
@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
    st.sampled_from(ISO_FORMATS),
    ZONES,
)
def test_iso_fast_path_equals_slow(
    moment: datetime, minutes: int, pattern: str, zone: str
) -> None:
    offset = datetime(2024, 1, 1, tzinfo=timezone(timedelta(minutes=minutes)))
    full, compact = (
        offset.strftime("%z")[:3] + ":" + offset.strftime("%z")[3:],
        (offset.strftime("%z")),
    )
    value = moment.strftime(pattern.format(offset=full, compact=compact))
    _same_date_answer(value, zone)


@settings(max_examples=400)
@given(st.text("0123456789-:T Z+.", min_size=10, max_size=26), ZONES)
def test_iso_fast_path_on_near_iso_text(value: str, zone: str) -> None:
    _same_date_answer(value, zone)


def _same_date_answer(value: str, zone: str) -> None:
    reader = DateReader("en_US", zone)
    fast = reader.fast(value)
    if fast is None:
        return
    slow = reader.slow(value)
    assert fast[1] == slow[1]
    assert (fast[0] is None) == (slow[0] is None)
    if fast[0] is not None and slow[0] is not None:
        assert fast[0].iso() == slow[0].iso()
        assert fast[0].date_only == slow[0].date_only
        assert fast[0].offset_minutes == slow[0].offset_minutes


LOCAL = st.from_regex(r"[A-Za-z0-9._%+'-]{1,20}", fullmatch=True)
DOMAIN = st.from_regex(
    r"[A-Za-z0-9-]{1,10}(\.[A-Za-z0-9-]{1,10}){0,2}\.[A-Za-z]{1,6}", fullmatch=True
)


@settings(max_examples=500)
@given(LOCAL, DOMAIN)
def test_email_fast_path_equals_slow(local: str, domain: str) -> None:
    value = f"{local}@{domain}"
    assert normalize_email(value) == slow_email(value)


@settings(max_examples=300)
@given(st.text(min_size=1, max_size=40))
def test_email_fast_path_on_any_text(value: str) -> None:
    assert normalize_email(value) == slow_email(value)


EXTRA_TEXT = st.lists(
    st.sampled_from([*"ab1 <>:=+-@\t\r/!sScript", "é", "javascript:", "<b"]),
    min_size=1,
    max_size=8,
).map("".join)


@settings(max_examples=400)
@given(st.lists(EXTRA_TEXT, min_size=1, max_size=6))
def test_extra_precheck_never_misses_a_flag(values: list[str]) -> None:
    """A row's extra values are checked for flags at once; a value text_flags
    would flag must always pass that check."""
    flagged = any(text_flags(value) for value in values)
    may = _may_flag("\0" + "\0".join(values))
    if flagged:
        assert may
    assert may == any(v[0] in FORMULA_START or "<" in v or ":" in v for v in values)
