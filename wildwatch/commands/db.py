"""`wildwatch init`: create or migrate the database."""

from __future__ import annotations

import typer

from store.db import current_revision
from wildwatch.commands.options import DbOption
from wildwatch.runtime import open_store


def init(db: DbOption = None) -> None:
    """Create the database or migrate it to the latest schema (safe to rerun)."""
    store = open_store(db)
    revision = current_revision(store.engine)
    typer.echo(f"database ready at {store.engine.url.render_as_string()} (schema {revision})", err=True)
    store.close()


def register(app: typer.Typer) -> None:
    app.command()(init)
