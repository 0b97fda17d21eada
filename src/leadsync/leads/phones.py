"""Phones to E.164 with the sheet's region, through Google's libphonenumber
(``phonenumbers``).

A number is accepted when it is *possible* (``is_possible_number_with_reason`` gives
IS_POSSIBLE: the right length, not a local-only number) and its national number fully
matches the country's general pattern (a US number cannot start with 0). Allocation to
a carrier is not required: the fictional ranges the cases use fail that on purpose.
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
from phonenumbers import (
    CountryCodeSource,
    NumberParseException,
    PhoneMetadata,
    PhoneNumber,
)
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, ValidationResult

from leadsync.leads.cells import ZWJ

PhoneResult = tuple[str | None, tuple[str, ...]]
"""(E.164 phone or None, warning codes)"""

_E164_RE = re.compile(r"\+[1-9][0-9]{6,14}")
_SCI_RE = re.compile(r"[+-]?([0-9]+)(?:[.,]([0-9]+))?[eE]\+?([0-9]+)")
_NOT_DIGIT_RE = re.compile(r"[^0-9]")
_NANP = 1  # a leading 1 is the NANP trunk prefix, not a lost "+"


def normalize_phone(value: str, region: str) -> PhoneResult:
    """Read one cleaned, non-empty phone cell written in a sheet of ``region``."""
    if _E164_RE.fullmatch(value):
        fast = fast_phone(value)
        if fast is not None:
            return fast
    return slow_phone(value, region)


def slow_phone(value: str, region: str) -> PhoneResult:
    """The full rule: prefixes, E-notation, placeholders, then libphonenumber."""
    codes: list[str] = []
    if ZWJ in value:
        value = value.replace(ZWJ, "").strip()
        codes.append("invisible_chars_removed")
    if value[:2].lower() == "p:":
        value = value[2:].strip()
        if not value:
            return None, tuple(codes)
    sci = _SCI_RE.fullmatch(value)
    if sci:
        expanded = _expand(sci)
        if expanded is None:
            return None, (*codes, "phone_precision_lost")
        codes.append("phone_sci_notation_recovered")
        value = expanded
    digits = _NOT_DIGIT_RE.sub("", value)
    if len(digits) >= 5 and digits == digits[0] * len(digits):
        return None, (*codes, "phone_placeholder")
    phone, without_plus, extension = _parse(value, region)
    if phone is None:
        return None, (*codes, "phone_unparseable")
    if without_plus:
        codes.append("phone_country_code_without_plus")
    if extension:
        # E.164 has no extension; the raw cell keeps it for a person to read.
        codes.append("phone_extension_dropped")
    return phone, tuple(codes)


def _expand(match: re.Match[str]) -> str | None:
    """Digits of E-notation, or None when the mantissa cannot hold them all.

    ``4.47700900123E+11`` keeps all 12 digits; ``4.47701E+11`` would need six zeros
    of padding, which are a guess. A true number ending in 0 is lost the same way.
    """
    whole, fraction, exponent = (
        match.group(1),
        match.group(2) or "",
        int(match.group(3)),
    )
    if exponent != len(fraction):
        return None
    return whole + fraction


def _parse(value: str, region: str) -> tuple[str | None, bool, str | None]:
    try:
        number = phonenumbers.parse(value, region, keep_raw_input=True)
    except NumberParseException:
        return None, False, None
    phone = _accept(number, phonenumbers.national_significant_number(number))
    without_plus = (
        number.country_code_source == CountryCodeSource.FROM_NUMBER_WITHOUT_PLUS_SIGN
        and number.country_code != _NANP
    )
    return phone, without_plus, number.extension or None


def _accept(number: PhoneNumber, national: str) -> str | None:
    """E.164 when the number is possible and has its country's general shape."""
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != ValidationResult.IS_POSSIBLE:
        return None
    meta = _metadata(number.country_code)
    general = meta.general_desc if meta else None
    pattern = general.national_number_pattern if general else None
    if pattern is None or not _compiled(pattern).fullmatch(national):
        return None
    return f"+{number.country_code}{national}"


def _split_e164(value: str) -> tuple[int, str] | None:
    """Country code and national number of ``+digits``, as libphonenumber splits it.

    Country calling codes are prefix-free, so the first 1-3 digit prefix that is a
    code is the code. Returns None when the slow path must decide: no code, a leading
    zero (Italian-style numbers) or a national prefix libphonenumber would strip.
    """
    digits = value[1:]
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[size:]
    meta = _metadata(code)
    if meta is None or national[:1] == "0":
        return None
    prefix = meta.national_prefix_for_parsing
    if prefix and _compiled(prefix).match(national):
        return None
    return code, national


def fast_phone(value: str) -> PhoneResult | None:
    """The answer for an E.164-shaped cell without parsing it; None to fall back."""
    if value[1:] == value[1] * (len(value) - 1):
        return None  # one repeated digit: the slow path calls it a placeholder
    split = _split_e164(value)
    if split is None:
        return None
    code, national = split
    number = PhoneNumber(country_code=code, national_number=int(national))
    phone = _accept(number, national)
    return (phone, ()) if phone else (None, ("phone_unparseable",))


@cache
def _metadata(code: int) -> PhoneMetadata | None:
    region = phonenumbers.region_code_for_country_code(code)
    return PhoneMetadata.metadata_for_region_or_calling_code(code, region)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
