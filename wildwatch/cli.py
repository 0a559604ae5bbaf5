"""The `wildwatch` command: the composition root that wires settings, store, crawler,
classifier and API together.  Each command lives in ``wildwatch/commands/``."""

from __future__ import annotations

import sys
from typing import Any

import click
import typer

# Usage errors: typer >= 0.20 raises those of its own vendored click, older typer click's.
CLICK_ERRORS: tuple[type[Exception], ...]
try:
    from typer._click.exceptions import ClickException as _VendoredClickException

    CLICK_ERRORS = (click.ClickException, _VendoredClickException)
except ImportError:  # pragma: no cover - older typer
    CLICK_ERRORS = (click.ClickException,)

from core import __version__
from wildwatch.commands import (
    alerts,
    apikey,
    crawl,
    db,
    demo,
    evidence,
    export,
    model,
    nightly,
    schedule,
    score,
    serve,
    sites,
    snapshots,
    status,
)
from core.errors import WildwatchError
from core.logs import configure_logging
from core.settings import get_settings

app = typer.Typer(
    name="wildwatch",
    help="Find illegal wildlife trade in online marketplace listings: crawl, score, serve.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMANDS = (
    db,
    crawl,
    score,
    model,
    serve,
    export,
    apikey,
    demo,
    alerts,
    sites,
    nightly,
    status,
    schedule,
    snapshots,
    evidence,
)
for module in COMMANDS:
    module.register(app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wildwatch {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Find illegal wildlife trade in online marketplace listings: crawl, score, serve."""
    settings = get_settings()
    configure_logging("DEBUG" if verbose else settings.log_level, json_lines=settings.log_json)


def _usage_line(exc: Any) -> str:
    """A usage mistake as one line: what was wrong, and where help is."""
    context = getattr(exc, "ctx", None)
    where = f"{context.command_path} --help" if context is not None else "wildwatch --help"
    return f"error: {exc.format_message()} (see `{where}`)"


def main() -> None:
    """Console entry point: domain errors and usage mistakes become one readable line and an exit code."""
    try:
        code = app(standalone_mode=False)  # without standalone mode click *returns* typer.Exit's code
        if isinstance(code, int) and code:
            sys.exit(code)
    except WildwatchError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.secho("aborted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except CLICK_ERRORS as exc:
        typer.secho(_usage_line(exc), err=True, fg=typer.colors.RED)
        sys.exit(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
