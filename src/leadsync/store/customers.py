"""Customers: creating, reading and the legacy single-sheet link."""

from __future__ import annotations

import unicodedata
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadsync.errors import Conflict, InvalidInput, NotFound
from leadsync.leads.cells import INVISIBLE, ZWJ
from leadsync.store.models import Customer

LEGACY_LABEL = "Leads reporting"
_NO_INVISIBLE = str.maketrans("", "", INVISIBLE + ZWJ)


def check_region(region: str) -> str:
    import phonenumbers

    value = region.strip().upper()
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(f"unknown region {region!r}: use a two-letter country code")
    return value


def check_locale(locale: str) -> str:
    value = locale.strip().replace("-", "_")
    lang, _, country = value.partition("_")
    if not (lang.isalpha() and 2 <= len(lang) <= 3) or (
        country and not (country.isalpha() and len(country) == 2)
    ):
        raise InvalidInput(f"unknown locale {locale!r}: use a form like en_US or de_DE")
    return f"{lang.lower()}_{country.upper()}" if country else lang.lower()


def check_timezone(timezone: str) -> str:
    value = timezone.strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown time zone {timezone!r}: use an IANA name like Europe/London"
        ) from exc
    return value


def create_customer(
    session: Session,
    name: str,
    *,
    region: str = "US",
    locale: str = "en_US",
    timezone: str = "UTC",
    leads_reporting_url: str | None = None,
) -> Customer:
    if not name.strip():
        raise InvalidInput("a customer needs a name")
    check_name_free(session, name)
    customer = Customer(
        name=name.strip(),
        region=check_region(region),
        locale=check_locale(locale),
        timezone=check_timezone(timezone),
    )
    session.add(customer)
    session.flush()
    if leads_reporting_url:
        set_leads_reporting_url(session, customer, leads_reporting_url)
    return customer


def check_name_free(session: Session, name: str, keep: int | None = None) -> None:
    """Two customers of one name would be told apart by their ids only: a re-run
    script or a double click, most likely. Names compare as people read them:
    case, Unicode forms, invisible characters and runs of spaces aside."""
    wanted = _name_key(name)
    for id_, other in session.execute(select(Customer.id, Customer.name)):
        if id_ != keep and _name_key(other) == wanted:
            raise Conflict(f"a customer named {other!r} exists already (id {id_})")


def _name_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).translate(_NO_INVISIBLE)
    return " ".join(text.split()).casefold()


def get_customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    return customer


def list_customers(session: Session, only: int | None = None) -> list[Customer]:
    query = select(Customer).order_by(Customer.id)
    if only is not None:
        query = query.where(Customer.id == only)
    return list(session.scalars(query))


def set_leads_reporting_url(
    session: Session, customer: Customer, url: str | None
) -> None:
    """The legacy single sheet is an ordinary sheet labelled "Leads reporting"."""
    from leadsync.store.sheets import add_sheet, find_legacy_sheet, update_sheet

    customer.leads_reporting_url = url or None
    legacy = find_legacy_sheet(session, customer.id)
    if not url:
        if legacy is not None:
            update_sheet(session, legacy, {"enabled": False})
        return
    if legacy is None:
        add_sheet(session, customer.id, url=url, label=LEGACY_LABEL, is_legacy=True)
    else:
        update_sheet(session, legacy, {"url": url, "enabled": True})
