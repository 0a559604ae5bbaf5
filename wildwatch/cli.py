"""The `wildwatch` command: the composition root that wires settings, store, crawler,
classifier and API together.  Each command lives in ``wildwatch/commands/``."""

from __future__ import annotations

import difflib
import importlib
import sys
from typing import Any

import click
import typer
from typer.core import TyperCommand, TyperGroup

# Usage errors: typer >= 0.20 raises those of its own vendored click, older typer click's.
CLICK_ERRORS: tuple[type[Exception], ...]
try:
    from typer._click.exceptions import ClickException as _VendoredClickException

    CLICK_ERRORS = (click.ClickException, _VendoredClickException)
except ImportError:  # pragma: no cover - older typer
    CLICK_ERRORS = (click.ClickException,)

from core import __version__
from core.errors import WildwatchError

#: Each command name -> the module under ``wildwatch/commands/`` whose ``register(app)`` adds it.
#: A command's module (and what it imports: the store, Scrapy, FastAPI, the classifier) is imported
#: only when that command runs, so `wildwatch score` does not pay for `wildwatch serve`'s imports.
#: ``tests/test_cli_lazy.py`` checks this table against what the modules register.
COMMANDS: dict[str, str] = {
    "init": "db",
    "crawl": "crawl",
    "score": "score",
    "train": "model",
    "evaluate": "model",
    "serve": "serve",
    "export": "export",
    "apikey": "apikey",
    "demo": "demo",
    "subscribe": "alerts",
    "alerts": "alerts",
    "sites": "sites",
    "nightly": "nightly",
    "status": "status",
    "schedule": "schedule",
    "snapshots": "snapshots",
    "evidence": "evidence",
}


#: Each command's summary as the root help lists it: the first paragraph of its help text, kept here so
#: `wildwatch --help` imports no command module (as pip's command table does).
#: ``tests/test_cli_lazy.py`` checks each against the command's own help.
SUMMARIES: dict[str, str] = {
    "init": "Create the database or migrate it to the latest schema (safe to rerun).",
    "crawl": "Crawl a marketplace starting at URL and store every listing found (with evidence).",
    "score": "Score listings.  With --input: a file, written to --output.  Without: the stored\n"
             "listings that the current model has not scored yet (new or changed ones).",
    "train": "Train a classifier on the seed data (+ extra rows and reviews), evaluate it, and save it.",
    "evaluate": "Print precision, recall, F1, FP rate on hard negatives and per language for labeled rows.",
    "serve": "Serve the API (docs at /docs) until Ctrl-C; the database must exist (`wildwatch init`).",
    "export": "Export stored listings (streamed: safe for millions of rows).",
    "apikey": "Create, list and revoke API keys.",
    "demo": "Serve the demo marketplace, crawl it, score it, summarise, then serve the API.",
    "subscribe": "Subscribe to alerts for flagged listings; prints only the new subscription's id.",
    "alerts": "Deliver queued alerts and inspect deliveries.",
    "sites": "Marketplaces registered for the nightly crawl.",
    "nightly": "Crawl every enabled site, score new and changed listings, send alerts, write the run report.",
    "status": "Show the last nightly runs and the queue sizes (to score, alerts, review backlog).",
    "schedule": "Run `wildwatch nightly` on a schedule until stopped (SIGTERM/Ctrl-C).",
    "snapshots": "Raw page snapshots and listing photos kept as evidence.",
    "evidence": "Signed evidence packages (WACZ) for a case, and their verification.",
}


def command_module(name: str) -> Any:
    """The module that defines command ``name`` (imported on first use)."""
    return importlib.import_module(f"wildwatch.commands.{COMMANDS[name]}")


def build_app(modules: list[Any]) -> typer.Typer:
    """A Typer app with the commands of ``modules`` registered (what the lazy group builds per command)."""
    sub = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    for module in modules:
        module.register(sub)
    return sub


class LazyGroup(TyperGroup):
    """The root command group: lists every command, imports a command's module only when it is used."""

    _listing_only = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The root help from ``SUMMARIES``: listing the commands imports none of their modules (3 s to 0.1 s)."""
        self._listing_only = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing_only = False

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if self._listing_only and cmd_name not in self.commands:
            return TyperCommand(cmd_name, help=SUMMARIES[cmd_name])
        if cmd_name not in self.commands:
            group = typer.main.get_group(build_app([command_module(cmd_name)]))
            self.commands.update(group.commands)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """Typer suggests only commands already loaded; suggest from the whole table."""
        try:
            return super().resolve_command(ctx, args)
        except CLICK_ERRORS as exc:
            message = str(getattr(exc, "message", ""))
            if args and message.startswith("No such command") and "Did you mean" not in message:
                matches = difflib.get_close_matches(args[0], list(COMMANDS))
                if matches:
                    exc.message = f"{message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"  # type: ignore[attr-defined]
            raise


app = typer.Typer(
    name="wildwatch",
    cls=LazyGroup,
    help="Find illegal wildlife trade in online marketplace listings: crawl, score, serve.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


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
    # Settings (pydantic, ~0.1 s to import) load when a command runs, not for --version or --help.
    from core.logs import configure_logging
    from core.settings import get_settings

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
        if type(exc).__name__ != "NoArgsIsHelpError":  # `wildwatch` alone: the help is printed, nothing to add
            typer.secho(_usage_line(exc), err=True, fg=typer.colors.RED)
        sys.exit(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
