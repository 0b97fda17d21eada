"""Commands that create or list records: customers, sheets, leads, status."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from leadsync.cli.context import (
    app,
    emit_json,
    fail,
    one_line_errors,
    parse_json_option,
)
from leadsync.config import Settings
from leadsync.errors import SyncFailure
from leadsync.sheets.google_auth import SHARE_HINT, service_account_email
from leadsync.store import customers as customer_store
from leadsync.store import sheets as sheet_store
from leadsync.store.leads import LeadFilter, iter_leads, lead_item, seen_times
from leadsync.store.state import list_states, state_item

customers_cli = typer.Typer(help="Customers (tenants).", no_args_is_help=True)
sheets_cli = typer.Typer(help="Registered lead sheets.", no_args_is_help=True)

Region = Annotated[str | None, typer.Option(help="Country code for phone numbers.")]
Locale = Annotated[str | None, typer.Option(help="Locale for dates, e.g. en_GB.")]
Timezone = Annotated[str | None, typer.Option(help="IANA time zone.")]


@customers_cli.command("create")
@one_line_errors
def customers_create(
    name: str,
    region: Region = None,
    locale: Locale = None,
    timezone: Timezone = None,
    leads_reporting_url: Annotated[
        str | None, typer.Option(help="Legacy single sheet URL.")
    ] = None,
) -> None:
    """Create a customer and print its id."""
    with app().sessions.begin() as session:
        customer = customer_store.create_customer(
            session,
            name,
            region=region or "US",
            locale=locale or "en_US",
            timezone=timezone or "UTC",
            leads_reporting_url=leads_reporting_url,
        )
        typer.echo(customer.id)


@customers_cli.command("list")
@one_line_errors
def customers_list() -> None:
    """Every customer as JSON."""
    with app().sessions() as session:
        emit_json(
            [
                {
                    "id": c.id,
                    "name": c.name,
                    "region": c.region,
                    "locale": c.locale,
                    "timezone": c.timezone,
                    "leads_reporting_url": c.leads_reporting_url,
                }
                for c in customer_store.list_customers(session)
            ]
        )


ColumnMap = Annotated[
    str | None, typer.Option(help='JSON, e.g. {"channel": "Header text"}.')
]
HeaderRow = Annotated[int | None, typer.Option(help="The header's row.")]
FillDown = Annotated[
    str | None, typer.Option(help="Comma-separated fields to fill down.")
]
AccessMode = Annotated[
    str | None,
    typer.Option(
        help="auto (the link, else the service account), link or service_account."
    ),
]


def _sheet_fields(given: dict[str, Any]) -> dict[str, Any]:
    """The sheet options of a command that were given (from its arguments, by
    name), as sheet fields: the column map's JSON and the fill-down list parsed."""
    fields: dict[str, Any] = {}
    for name in sheet_store.SHEET_FIELDS:
        value = given.get(name)
        if value is None:
            continue
        if name == "column_map":
            value = parse_json_option(value, "--column-map")
        elif name == "fill_down":
            value = [f.strip() for f in value.split(",") if f.strip()]
        fields[name] = value
    return fields


@sheets_cli.command("add")
@one_line_errors
def sheets_add(
    customer: Annotated[int, typer.Option(help="Customer id.")],
    url: Annotated[str, typer.Option(help="Any Google Sheets link to the tab.")],
    label: Annotated[str, typer.Option(help="A name people will recognise.")],
    region: Region = None,
    locale: Locale = None,
    timezone: Timezone = None,
    column_map: ColumnMap = None,
    header_row: HeaderRow = None,
    fill_down: FillDown = None,
    access_mode: AccessMode = None,
) -> None:
    """Register a sheet and print its id."""
    fields = _sheet_fields(locals())
    with app().sessions.begin() as session:
        customer_store.get_customer(session, customer)
        sheet = sheet_store.add_sheet(session, customer, **fields)
        typer.echo(sheet.id)


@sheets_cli.command("edit")
@one_line_errors
def sheets_edit(
    sheet: Annotated[int, typer.Argument(help="Sheet id.")],
    url: Annotated[str | None, typer.Option(help="Another link to the tab.")] = None,
    label: Annotated[str | None, typer.Option(help="A new label.")] = None,
    region: Region = None,
    locale: Locale = None,
    timezone: Timezone = None,
    column_map: ColumnMap = None,
    header_row: HeaderRow = None,
    fill_down: FillDown = None,
    access_mode: AccessMode = None,
    enabled: Annotated[
        bool | None, typer.Option("--enable/--disable", help="Sync it or not.")
    ] = None,
) -> None:
    """Change a sheet's settings (omitted ones stay); it syncs again soon."""
    fields = _sheet_fields(locals())
    if not fields:
        raise fail("nothing to change: give a setting, e.g. --column-map")
    with app().sessions.begin() as session:
        sheet_store.update_sheet(session, sheet_store.get_sheet(session, sheet), fields)
        typer.echo(sheet)


@sheets_cli.command("list")
@one_line_errors
def sheets_list(
    customer: Annotated[int | None, typer.Option(help="Customer id.")] = None,
) -> None:
    """Registered sheets as JSON."""
    with app().sessions() as session:
        emit_json(
            [
                {
                    "id": s.id,
                    "customer_id": s.customer_id,
                    "label": s.label,
                    "url": s.url,
                    "spreadsheet_id": s.spreadsheet_id,
                    "gid": s.gid,
                    "enabled": s.enabled,
                    "access_mode": s.access_mode,
                }
                for s in sheet_store.list_sheets(session, customer)
            ]
        )


@one_line_errors
def leads(
    customer: Annotated[int, typer.Option(help="Customer id.")],
    sheet: Annotated[int | None, typer.Option(help="Only this sheet.")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every stored lead of a customer, as a JSON array."""
    with app().sessions() as session:
        customer_store.get_customer(session, customer)
        if sheet is not None:
            sheet_store.get_sheet(session, sheet, customer_id=customer)
        seen = seen_times(
            session, [s.id for s in sheet_store.list_sheets(session, customer)]
        )
        items = [
            lead_item(lead, seen)
            for lead in iter_leads(session, LeadFilter(customer, sheet_id=sheet))
        ]
    emit_json(items)


@one_line_errors
def status(
    customer: Annotated[int | None, typer.Option(help="Customer id.")] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Sync state of every sheet: what is due, running, failing and why."""
    with app().sessions() as session:
        items = [state_item(s) for s in list_states(session, customer_id=customer)]
    if json_:
        emit_json(items)
        return
    typer.echo(_service_account_line(app().settings))
    for item in items:
        line = (
            f"sheet {item['sheet_id']}: {item['status']}"
            f" last={item['last_sync_at'] or 'never'} next={item['next_run_at']}"
        )
        if item["read_as"]:
            line += f" read_as={item['read_as']}"
        if item["error_code"]:
            line += f" {item['error_code']}: {item['error_message']}"
        typer.echo(line)


def _service_account_line(settings: Settings) -> str:
    try:
        email = service_account_email(settings)
    except SyncFailure as failure:
        return f"Service account: unusable — {failure.message}"
    if email is None:
        return "Service account: none (GOOGLE_SERVICE_ACCOUNT_FILE is not set)"
    return f"Service account: {email} — {SHARE_HINT}"
