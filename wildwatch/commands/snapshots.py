"""`wildwatch snapshots prune`: apply the snapshot retention policy (see store.retention)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from store.db import session_scope
from store.snapshots import SnapshotStore
from wildwatch.commands.options import DbOption
from core.errors import InputError
from wildwatch.runtime import open_store
from core.settings import get_settings

snapshots_app = typer.Typer(help="Raw page snapshots kept as evidence.", no_args_is_help=True)


@snapshots_app.command("prune")
def prune(
    older_than: Annotated[float, typer.Option("--older-than", help="Delete snapshots fetched more than this many days ago.")],
    db: DbOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be deleted.")] = False,
) -> None:
    """Delete old snapshots, keeping every listing's latest evidence and all evidence of reviewed listings."""
    from store.retention import prune_snapshots

    if older_than < 0:
        raise InputError("--older-than must be zero or more days")
    settings = get_settings()
    store = open_store(db)
    with session_scope(store.sessions) as session:
        result = prune_snapshots(session, SnapshotStore(settings.crawler.snapshot_dir),
                                 older_than=timedelta(days=older_than), dry_run=dry_run)
    store.close()
    verb = "would delete" if dry_run else "deleted"
    typer.echo(f"{verb} {result.rows_deleted} snapshots ({result.files_deleted} files, "
               f"{result.bytes_freed / 1e6:.1f} MB compressed) and {result.orphan_files_deleted} orphan files; "
               f"kept {result.rows_kept} old snapshots still used as evidence", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(snapshots_app, name="snapshots")
