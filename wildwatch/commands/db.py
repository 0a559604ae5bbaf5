"""`wildwatch init`: create or migrate the database."""

from __future__ import annotations

import typer

from core.secrets import secret_box
from core.settings import get_settings
from store.alerts import reseal_secrets
from store.db import current_revision, session_scope
from wildwatch.commands.options import DbOption
from wildwatch.runtime import open_store


def init(db: DbOption = None) -> None:
    """Create the database or migrate it to the latest schema (safe to rerun).

    Webhook secrets stored in plain text by an older version are encrypted on the way.
    """
    store = open_store(db)
    revision = current_revision(store.engine)
    with session_scope(store.sessions) as session:
        sealed, unreadable = reseal_secrets(session, secret_box(get_settings()))
    if sealed:
        typer.echo(f"encrypted {sealed} webhook secret(s) with the current key", err=True)
    if unreadable:
        typer.secho(f"warning: {len(unreadable)} webhook secret(s) were sealed with another secret key; see "
                    "`wildwatch alerts rotate-secrets --help`", err=True, fg=typer.colors.YELLOW)
    typer.echo(f"database ready at {store.engine.url.render_as_string()} (schema {revision})", err=True)
    store.close()


def register(app: typer.Typer) -> None:
    app.command()(init)
