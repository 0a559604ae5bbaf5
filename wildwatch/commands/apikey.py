"""`wildwatch apikey`: create, list and revoke API keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from store.apikeys import ROLES, create_api_key, list_api_keys, revoke_api_key
from store.db import session_scope
from wildwatch.commands.options import DbOption
from core.errors import InputError
from wildwatch.runtime import open_store

apikey_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


@apikey_app.command("create")
def create(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")] = "analyst",
    name: Annotated[str, typer.Option(help="Who or what the key is for.")] = "",
    db: DbOption = None,
) -> None:
    """Create a key and print it once on stdout (only the key: `KEY=$(wildwatch apikey create)`)."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    store = open_store(db)
    with session_scope(store.sessions) as session:
        row, key = create_api_key(session, role=role, name=name or f"{role} key")
        key_id = row.id
    typer.echo(f"created {role} key #{key_id}; it is shown only now", err=True)
    typer.echo(key)


@apikey_app.command("list")
def list_keys(db: DbOption = None) -> None:
    """List keys (never the keys themselves)."""
    store = open_store(db, create=False)
    table = Table("id", "name", "role", "prefix", "created", "last used", "revoked")
    with session_scope(store.sessions) as session:
        for row in list_api_keys(session):
            table.add_row(
                str(row.id), row.name, row.role, row.prefix + "…", f"{row.created_at:%Y-%m-%d %H:%M}",
                f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "-",
                f"{row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "",
            )
    Console().print(table)


@apikey_app.command("revoke")
def revoke(key_id: Annotated[int, typer.Argument(help="The key's id (see `apikey list`).")], db: DbOption = None) -> None:
    """Revoke a key at once."""
    store = open_store(db, create=False)
    with session_scope(store.sessions) as session:
        if not revoke_api_key(session, key_id):
            raise InputError(f"no active key #{key_id}")
    typer.echo(f"revoked key #{key_id}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(apikey_app, name="apikey")
