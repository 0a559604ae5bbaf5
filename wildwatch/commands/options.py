"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: WILDWATCH_DATABASE_URL or var/wildwatch.db).", show_default=False),
]
