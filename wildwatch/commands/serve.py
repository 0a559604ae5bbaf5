"""`wildwatch serve`: the analyst API and review UI."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from wildwatch.commands.options import DbOption
from wildwatch.runtime import open_store
from core.settings import get_settings


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default: WILDWATCH_API__HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: WILDWATCH_API__PORT, 8000).")] = None,
    db: DbOption = None,
) -> None:
    """Serve the API (docs at /docs) until Ctrl-C."""
    from api.app import create_app

    settings = get_settings()
    if db:
        settings = settings.model_copy(update={"database_url": db})
    store = open_store(settings=settings)
    app = create_app(settings, engine=store.engine)
    host = host or settings.api.host
    port = port or settings.api.port
    typer.echo(f"WildWatch API on http://{host}:{port}  (docs: /docs, health: /healthz)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command()(serve)
