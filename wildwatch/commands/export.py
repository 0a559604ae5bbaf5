"""`wildwatch export`: stored listings with their latest score, to CSV, JSONL or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from store.db import session_scope
from core.errors import InputError
from core.tables import table_format
from store.exports import write_export
from store.queries import ListingFilter, iter_export_rows
from wildwatch.commands.options import DbOption
from wildwatch.runtime import open_store


def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write: .csv, .parquet or .jsonl.")],
    flagged_only: Annotated[bool, typer.Option("--flagged-only", help="Only listings flagged by their latest score.")] = False,
    excel: Annotated[bool, typer.Option("--excel", help="CSV for spreadsheets: a UTF-8 byte-order mark first, so "
                                        "Excel shows Chinese instead of mojibake.")] = False,
    db: DbOption = None,
) -> None:
    """Export stored listings (streamed: safe for millions of rows).

    JSONL and Parquet keep types (booleans, numbers, UTC timestamps, species and reasons as lists).
    """
    if excel and table_format(output) != "csv":
        raise InputError(f"--excel writes CSV; {output} is not a .csv file")
    store = open_store(db, create=False)
    filters = ListingFilter(flagged=True if flagged_only else None)
    try:
        with session_scope(store.sessions) as session:
            count = write_export(output, iter_export_rows(session, filters), bom=excel)
    finally:
        store.close()
    typer.echo(f"wrote {count} listings to {output}", err=True)


def register(app: typer.Typer) -> None:
    app.command()(export)

