"""`wildwatch serve`: the analyst API and review UI."""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import TYPE_CHECKING, Annotated

import typer
import uvicorn
from sqlalchemy import Engine

from core.settings import Settings, get_settings
from store.db import make_engine, require_current_schema
from wildwatch.commands.options import DbOption
from wildwatch.workers import serve_forked

if TYPE_CHECKING:
    from fastapi import FastAPI


def is_loopback(host: str) -> bool:
    """True when ``host`` (an address or a name) only listens on this machine."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses)


def serving_settings(settings: Settings, host: str | None, port: int | None) -> Settings:
    """``settings`` with the address actually bound (response links default to it)."""
    api = settings.api.model_copy(update={"host": host or settings.api.host, "port": port or settings.api.port})
    return settings.model_copy(update={"api": api})


def warn_if_exposed(settings: Settings) -> None:
    """Development mode on a non-loopback address: say loudly what that means."""
    if settings.env == "development" and not is_loopback(settings.api.host):
        typer.secho(
            f"WARNING: development mode on {settings.api.host}, reachable from other machines. Session cookies\n"
            "         are sent without Secure (plain HTTP) and the secret key is this install's own file.\n"
            "         For anything but a trusted network set WILDWATCH_ENV=production and WILDWATCH_SECRET_KEY,\n"
            "         and put TLS in front.",
            err=True, fg=typer.colors.RED, bold=True,
        )


#: ``workers = 0`` (the default) starts one process per core up to this many.
AUTO_WORKERS_MAX = 4


def worker_count(configured: int) -> int:
    """Processes to serve with: ``configured``, or for 0 one per usable CPU core, at most 4."""
    if configured > 0:
        return configured
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, AUTO_WORKERS_MAX))


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default: WILDWATCH_API__HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: WILDWATCH_API__PORT, 8000).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Processes (default: WILDWATCH_API__WORKERS, 0: one per CPU core, at most 4).",
                     show_default=False),
    ] = None,
    db: DbOption = None,
) -> None:
    """Serve the API (docs at /docs) until Ctrl-C; the database must exist (`wildwatch init`)."""
    from api.app import create_app, public_base_url

    settings = serving_settings(get_settings(), host, port)
    if db:
        settings = settings.model_copy(update={"database_url": db})
    engine = make_engine(settings.database_url, create=False)  # serving never creates an empty store
    require_current_schema(engine)
    warn_if_exposed(settings)
    processes = workers or worker_count(settings.api.workers)
    typer.echo(f"WildWatch API on http://{settings.api.host}:{settings.api.port}  (docs: /docs, health: /healthz, "
               f"links: {public_base_url(settings)}, {processes} worker process{'es' if processes > 1 else ''})",
               err=True)
    run_app(create_app(settings, engine=engine), host=settings.api.host, port=settings.api.port, processes=processes)


def run_app(app: FastAPI, *, host: str, port: int, processes: int) -> None:
    """Serve ``app`` (from ``api.app.create_app``) on ``host:port`` from ``processes`` processes.

    More than one: forked from this process (``wildwatch.workers``), after loading the search
    tokenizer, so the workers share its dictionaries, and closing the pooled connections.
    """
    from store.search import get_tokenizer

    if processes == 1:
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    get_tokenizer()("象牙")
    engine: Engine = app.state.engine
    engine.dispose()  # no pooled connection may be shared by two processes
    serve_forked(config, processes, after_fork=lambda: engine.dispose(close=False))


def register(app: typer.Typer) -> None:
    app.command()(serve)
