"""``created_at``: ISO dates and date-times, slash dates by the sheet's locale, month
names, Google Sheets serial numbers and Forms timestamps.

A date stays a date; a date-time without an offset gets the sheet's time zone, with
the offset in force at that wall time (zoneinfo, fold=0: a repeated wall time takes
the first, summer-time occurrence; a skipped one the offset from before the change).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo

from leadsync.leads.model import CreatedAt

DateResult = tuple[CreatedAt | None, str | None]
"""(created_at or None, warning code or None)"""

UNPARSEABLE = "date_unparseable"
INVALID_FOR_LOCALE = "date_invalid_for_locale"
SERIAL = "date_serial_converted"

# Locales whose slash dates are month/day/year; every other locale is day-first.
MONTH_FIRST_LOCALES = frozenset(
    {"en_us", "es_us", "en_ph", "fil_ph", "en_pr", "en_gu", "en_vi", "en_as", "en_um"}
)
SERIAL_FIRST, SERIAL_LAST = 36526, 73050  # 2000-01-01 .. 2099-12-31
_SERIAL_EPOCH = date(1899, 12, 30)

_TIME = (
    r"(?:[ T,]+(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}))?"
    r"(?:[.,](?P<frac>[0-9]+))?\s*(?P<ampm>[ap]\.?m\.?)?)?"
)
_ISO_RE = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:[T ](?P<h>[0-9]{2}):(?P<mi>[0-9]{2})"
    r"(?::(?P<s>[0-9]{2})(?:[.,](?P<frac>[0-9]+))?)?"
    r"\s*(?P<tz>Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?",
    re.I,
)
_SLASH_RE = re.compile(
    r"(?P<a>[0-9]{1,4})[/.](?P<b>[0-9]{1,2})[/.](?P<c>[0-9]{1,4})" + _TIME, re.I
)
_DAY_MONTH_RE = re.compile(
    r"(?:[a-z]+\.?,?\s+)?(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?[\s-]+(?P<mon>[a-z]+)\.?,?"
    r"[\s-]+(?P<y>[0-9]{4})" + _TIME,
    re.I,
)
_MONTH_DAY_RE = re.compile(
    r"(?:[a-z]+\.?,?\s+)?(?P<mon>[a-z]+)\.?\s+(?P<d>[0-9]{1,2})(?:st|nd|rd|th)?,?"
    r"\s+(?P<y>[0-9]{4})" + _TIME,
    re.I,
)
_NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


class DateReader:
    """Reads the created_at cells of one sheet: one locale rule, one time zone."""

    def __init__(self, locale: str, zone_name: str) -> None:
        self.month_first = locale.replace("-", "_").lower() in MONTH_FIRST_LOCALES
        self.zone_name = zone_name
        self.zone = ZoneInfo(zone_name)

    def read(self, value: str) -> DateResult:
        fast = self.fast(value)
        return fast if fast is not None else self.slow(value)

    def fast(self, value: str) -> DateResult | None:
        """ISO shapes through ``fromisoformat``; None when the slow path must decide."""
        size = len(value)
        if size < 10 or value[4] != "-" or value[7] != "-":
            return None
        try:
            if size == 10:
                return CreatedAt(date.fromisoformat(value), self.zone_name), None
            if size in (19, 20, 24, 25) and value[10] in "T " and value[16] == ":":
                if size > 19 and value[19] not in "Z+-":
                    return None
                return self._at(datetime.fromisoformat(value)), None
        except ValueError:
            return None
        return None

    def slow(self, value: str) -> DateResult:
        for parse in (self._iso, self._slash, self._month_name, self._serial):
            result = parse(value)
            if result is not None:
                return result
        return None, UNPARSEABLE

    def _at(self, moment: datetime) -> CreatedAt:
        """A date-time with a fixed offset: the sheet's zone when none was written."""
        if type(moment.tzinfo) is timezone:
            return CreatedAt(moment, self.zone_name)  # a fixed offset already
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        offset = moment.utcoffset() or timedelta(0)
        return CreatedAt(moment.replace(tzinfo=_fixed(offset)), self.zone_name)

    def _iso(self, value: str) -> DateResult | None:
        m = _ISO_RE.fullmatch(value)
        if m is None:
            return None
        try:
            day = date(int(m["y"]), int(m["mo"]), int(m["d"]))
            if m["h"] is None:
                return CreatedAt(day, self.zone_name), None
            moment = _combine(day, m["h"], m["mi"], m["s"], m["frac"], None)
            moment = moment.replace(tzinfo=_offset(m["tz"]))
        except ValueError:
            return None, UNPARSEABLE
        return self._at(moment), None

    def _slash(self, value: str) -> DateResult | None:
        m = _SLASH_RE.fullmatch(value)
        if m is None:
            return None
        a, b, c = m["a"], m["b"], m["c"]
        if len(a) == 4:
            year, month, day_ = a, b, c  # year first: unambiguous
        elif self.month_first:
            month, day_, year = a, b, c
        else:
            day_, month, year = a, b, c
        if len(year) not in (2, 4):
            return None, UNPARSEABLE
        try:
            day = date(_year(year), int(month), int(day_))
        except ValueError:
            return None, INVALID_FOR_LOCALE
        return self._with_time(day, m)

    def _month_name(self, value: str) -> DateResult | None:
        m = _DAY_MONTH_RE.fullmatch(value) or _MONTH_DAY_RE.fullmatch(value)
        if m is None:
            return None
        month = _MONTHS.get(m["mon"].lower())
        if month is None:
            return None
        try:
            day = date(int(m["y"]), month, int(m["d"]))
        except ValueError:
            return None, UNPARSEABLE
        return self._with_time(day, m)

    def _with_time(self, day: date, m: re.Match[str]) -> DateResult:
        if m["h"] is None:
            return CreatedAt(day, self.zone_name), None
        try:
            moment = _combine(day, m["h"], m["mi"], m["s"], m["frac"], m["ampm"])
        except ValueError:
            return None, UNPARSEABLE
        return self._at(moment), None

    def _serial(self, value: str) -> DateResult | None:
        """Days since 1899-12-30; a fraction is the time of day in the sheet's zone."""
        if _NUMBER_RE.fullmatch(value) is None:
            return None
        whole, _, fraction = value.partition(".")
        days = int(whole)
        if not SERIAL_FIRST <= days <= SERIAL_LAST:
            return None, UNPARSEABLE
        day = _SERIAL_EPOCH + timedelta(days=days)
        if not fraction.strip("0"):
            return CreatedAt(day, self.zone_name), SERIAL
        seconds = round(float("0." + fraction) * 86400)
        moment = datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)
        return self._at(moment), SERIAL


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _combine(
    day: date,
    hour: str,
    minute: str,
    second: str | None,
    fraction: str | None,
    ampm: str | None,
) -> datetime:
    h = int(hour)
    if ampm is not None:
        if not 1 <= h <= 12:
            raise ValueError("hour out of range for a 12-hour clock")
        h = h % 12 + (12 if ampm[0].lower() == "p" else 0)
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    return datetime(
        day.year, day.month, day.day, h, int(minute), int(second or 0), micro
    )


def _offset(text: str | None) -> tzinfo | None:
    if text is None:
        return None
    if text in "Zz":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    return _fixed(sign * timedelta(hours=hours, minutes=minutes))


@cache
def _fixed(offset: timedelta) -> timezone:
    return UTC if not offset else timezone(offset)
