"""POST /api/sheets/preview: download and read a sheet now, store nothing."""

from __future__ import annotations

from typing import Any

from leadsync.api.context import ApiContext
from leadsync.api.items import OPERATOR_PROBLEM
from leadsync.api.principal import Principal
from leadsync.api.schemas import PreviewRequest
from leadsync.errors import SyncFailure
from leadsync.leads.model import SheetSettings
from leadsync.leads.preview import preview_json
from leadsync.leads.reader import read_sheet
from leadsync.sheets.access import fetch_sheet
from leadsync.sheets.fetch import Download
from leadsync.sheets.urls import SheetRef, parse_sheet_url
from leadsync.store.customers import get_customer
from leadsync.store.sheets import clean_sheet_fields


def run_preview(
    ctx: ApiContext, caller: Principal, body: PreviewRequest
) -> dict[str, Any]:
    # The link was checked by the schema; parse it again to get the tab. We fetch
    # only the export URL built from its id and gid, never what was typed.
    ref = parse_sheet_url(body.url)
    settings = _reading_settings(ctx, caller, body)
    with _fetch(ctx, caller, ref) as download:
        result = read_sheet(download.body, settings)
    return preview_json(result)


def _fetch(ctx: ApiContext, caller: Principal, ref: SheetRef) -> Download:
    # A preview reads the way a new sheet is synced: the link, then the agency's
    # service account.
    try:
        return fetch_sheet(ref, ctx.settings, "auto")[0]
    except SyncFailure as failure:
        if failure.code == "auth_failed" and caller.customer_id is not None:
            raise SyncFailure("auth_failed", OPERATOR_PROBLEM) from None
        raise


def _reading_settings(
    ctx: ApiContext, caller: Principal, body: PreviewRequest
) -> SheetSettings:
    """The settings given, else the caller's customer's defaults, else US/en_US/UTC."""
    given = clean_sheet_fields(body.model_dump(exclude={"url"}, exclude_none=True))
    defaults = SheetSettings()
    if caller.customer_id is not None:
        with ctx.sessions() as session:
            customer = get_customer(session, caller.customer_id)
            defaults = SheetSettings(
                customer.region, customer.locale, customer.timezone
            )
    return SheetSettings(
        region=given.get("region") or defaults.region,
        locale=given.get("locale") or defaults.locale,
        timezone=given.get("timezone") or defaults.timezone,
        header_row=given.get("header_row"),
        column_map=given.get("column_map", {}),
        fill_down=tuple(given.get("fill_down", ())),
    )
