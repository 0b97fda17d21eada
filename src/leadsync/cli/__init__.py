"""The ``leadsync`` command. A thin skin over the service functions."""

from __future__ import annotations

import logging

import typer

from leadsync import native
from leadsync.cli import data, demo, keys, run, serve, worker
from leadsync.cli.context import setup_logging

log = logging.getLogger("leadsync")

cli = typer.Typer(
    help="leadsync: keep leads in sync with Google Sheets.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
cli.add_typer(data.customers_cli, name="customers")
cli.add_typer(data.sheets_cli, name="sheets")
cli.add_typer(run.db_cli, name="db")
cli.command("leads")(data.leads)
cli.command("status")(data.status)
cli.command("sync")(run.sync)
cli.command("preview")(run.preview)
cli.command("worker")(worker.worker)
cli.command("demo")(demo.demo)
cli.add_typer(keys.keys_cli, name="keys")
cli.command("serve")(serve.serve)


@cli.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
) -> None:
    setup_logging(verbose)
    stale = native.stale()
    if stale:
        log.warning(
            "compiled modules older than their source run instead of it: %s "
            "(run make native, or reinstall leadsync)",
            ", ".join(stale),
        )


def main() -> None:
    cli()
