"""``leadsync keys``: API tokens. A token is printed once and stored only hashed."""

from __future__ import annotations

from typing import Annotated

import typer

from leadsync.cli.context import app, emit_json, one_line_errors, say
from leadsync.store.keys import ROLES, create_key, list_keys, revoke_key

keys_cli = typer.Typer(help="API tokens for scripts and the UI.", no_args_is_help=True)


@keys_cli.command("create")
@one_line_errors
def keys_create(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    customer: Annotated[
        int | None, typer.Option(help="Customer id (editor and viewer keys).")
    ] = None,
) -> None:
    """Create a key and print its token (only the token, on stdout, once)."""
    with app().sessions.begin() as session:
        key, token = create_key(session, role, customer)
        key_id = key.id
    say(f"created API key {key_id} ({role}); the token is shown only now")
    typer.echo(token)


@keys_cli.command("revoke")
@one_line_errors
def keys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id.")]) -> None:
    """Revoke a key: its token stops working at once."""
    with app().sessions.begin() as session:
        revoke_key(session, key_id)
    say(f"API key {key_id} revoked")


@keys_cli.command("list")
@one_line_errors
def keys_list() -> None:
    """Every key as JSON (ids, roles, prefixes; never tokens)."""
    with app().sessions() as session:
        emit_json(
            [
                {
                    "id": k.id,
                    "prefix": k.prefix,
                    "role": k.role,
                    "customer_id": k.customer_id,
                    "created_at": k.created_at.isoformat(timespec="seconds"),
                    "revoked_at": (
                        k.revoked_at.isoformat(timespec="seconds")
                        if k.revoked_at
                        else None
                    ),
                }
                for k in list_keys(session)
            ]
        )
