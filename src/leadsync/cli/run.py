"""Commands that do work now: sync, preview, db upgrade."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from leadsync.cli.context import (
    app,
    emit_json,
    fail,
    one_line_errors,
    parse_json_option,
    say,
)
from leadsync.errors import SyncFailure
from leadsync.leads.model import SheetSettings
from leadsync.leads.preview import preview_json
from leadsync.leads.reader import read_sheet
from leadsync.sheets.access import fetch_sheet
from leadsync.sheets.urls import parse_sheet_url
from leadsync.store import sheets as sheet_store
from leadsync.store.models import SheetSourceConfig
from leadsync.sync.run import RunOutcome, sync_sheet

db_cli = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@db_cli.command("upgrade")
@one_line_errors
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    app()
    say("database is up to date")


@one_line_errors
def sync(
    sheet: Annotated[int | None, typer.Option(help="Only this sheet.")] = None,
    customer: Annotated[int | None, typer.Option(help="Only this customer.")] = None,
) -> None:
    """Sync sheets now, one summary line per sheet; exit 1 if any failed."""
    ctx = app()
    with ctx.sessions() as session:
        if sheet is not None:
            targets = [sheet_store.get_sheet(session, sheet, customer_id=customer)]
        else:
            targets = [
                s for s in sheet_store.list_sheets(session, customer) if s.enabled
            ]
    if not targets:
        say("no enabled sheets to sync")
        return
    failed = 0
    show_progress = sys.stderr.isatty()
    for index, target in enumerate(targets, start=1):
        if show_progress:
            sys.stderr.write(f"\r[{index}/{len(targets)}] syncing {target.label}…")
            sys.stderr.flush()
        outcome = sync_sheet(ctx.sessions, target.id, ctx.settings, trigger="manual")
        if show_progress:
            sys.stderr.write("\r\033[K")
        say(summary_line(target, outcome))
        failed += outcome.failed
    if failed:
        raise typer.Exit(1)


def _looks_like_a_path(text: str) -> bool:
    """A local name, not a link or a bare spreadsheet id."""
    if "://" in text or text.startswith(("docs.google.com", "www.")):
        return False
    return "/" in text or text.lower().endswith((".csv", ".tsv", ".txt"))


def summary_line(sheet: SheetSourceConfig, outcome: RunOutcome) -> str:
    head = f"sheet {sheet.id} ({sheet.label}): {outcome.status}"
    if outcome.status == "busy":
        return f"{head}: another worker is syncing it right now; that run counts"
    if outcome.failed:
        return f"{head} {outcome.error_code}: {outcome.error_message}"
    c = outcome.counts
    return (
        f"{head}: {c['leads']} leads, {c['inserted']} new, {c['updated']} updated, "
        f"{c['unchanged']} unchanged, {c['missing']} missing, "
        f"{c['skipped']} rows skipped, {c['warnings']} warnings"
    )


@one_line_errors
def preview(
    path_or_url: Annotated[str, typer.Argument(help="A CSV file or a sheet link.")],
    region: Annotated[str, typer.Option(help="Country for phones.")] = "US",
    locale: Annotated[str, typer.Option(help="Locale for dates.")] = "en_US",
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "UTC",
    column_map: Annotated[str | None, typer.Option(help="JSON field map.")] = None,
    header_row: Annotated[int | None, typer.Option(help="The header's row.")] = None,
    fill_down: Annotated[
        str | None, typer.Option(help="Comma-separated fields to fill down.")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Read a sheet the way a sync would, without storing anything."""
    fields = {
        "region": region,
        "locale": locale,
        "timezone": timezone,
        "header_row": header_row,
        "column_map": parse_json_option(column_map, "--column-map") or {},
        "fill_down": [f.strip() for f in fill_down.split(",")] if fill_down else [],
    }
    cleaned = sheet_store.clean_sheet_fields(fields)
    settings = SheetSettings(
        region=cleaned["region"],
        locale=cleaned["locale"],
        timezone=cleaned["timezone"],
        header_row=cleaned["header_row"],
        column_map=cleaned["column_map"],
        fill_down=tuple(cleaned["fill_down"]),
    )
    path = Path(path_or_url)
    if path.is_file():
        with path.open("rb") as handle:
            result = read_sheet(handle, settings)
    elif path.exists() or _looks_like_a_path(path_or_url):
        raise fail(f"{path_or_url}: no such file (give a CSV file or a sheet link)")
    else:
        ref = parse_sheet_url(path_or_url)
        try:
            download, _ = fetch_sheet(ref, app(migrate=False).settings, "auto")
        except SyncFailure as failure:
            raise fail(f"{failure.code}: {failure.message}") from None
        with download.body:
            result = read_sheet(download.body, settings)
    report = preview_json(result)
    if json_:
        emit_json(report)
        return
    say(
        f"{report['status']}: header on row {report['header_row']}, "
        f"{len(report['leads'])} lead rows, {len(report['skipped'])} skipped, "
        f"{len(report['warnings'])} warnings"
    )
    for error in report["file_errors"]:
        say(f"{error['code']}: {error['message']}")
