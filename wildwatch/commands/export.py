"""`wildwatch export`: stored listings with their latest score, to CSV or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from store.db import session_scope
from store.queries import EXPORT_COLUMNS, ListingFilter, iter_export_rows
from wildwatch.commands.options import DbOption
from wildwatch.runtime import open_store
from core.tables import spreadsheet_safe, write_rows


def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write: .csv, .parquet or .jsonl.")],
    flagged_only: Annotated[bool, typer.Option("--flagged-only", help="Only listings flagged by their latest score.")] = False,
    db: DbOption = None,
) -> None:
    """Export stored listings (streamed: safe for millions of rows)."""
    store = open_store(db, create=False)
    filters = ListingFilter(flagged=True if flagged_only else None)
    with session_scope(store.sessions) as session:
        rows = iter_export_rows(session, filters)
        if output.suffix.lower() == ".csv":  # a planted '=HYPERLINK(...)' must not run in a spreadsheet
            rows = ({name: spreadsheet_safe(value) for name, value in row.items()} for row in rows)
        count = write_rows(output, EXPORT_COLUMNS, rows)
    typer.echo(f"wrote {count} listings to {output}", err=True)


def register(app: typer.Typer) -> None:
    app.command()(export)

