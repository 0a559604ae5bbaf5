"""`wildwatch snapshots prune`: apply the evidence retention policy to page snapshots (see store.retention)
and listing photos (see store.images), which follow the same rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from store.db import session_scope
from store.images import ImageStore, prune_images
from store.snapshots import SnapshotStore
from wildwatch.commands.options import DbOption
from core.errors import InputError
from wildwatch.runtime import open_store
from core.settings import get_settings

snapshots_app = typer.Typer(help="Raw page snapshots and listing photos kept as evidence.", no_args_is_help=True)


@snapshots_app.command("prune")
def prune(
    older_than: Annotated[float, typer.Option("--older-than", help="Delete snapshots and photos fetched more than this many days ago.")],
    db: DbOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be deleted.")] = False,
) -> None:
    """Delete old snapshots and photos, keeping every listing's latest evidence and all evidence of reviewed listings."""
    from store.retention import prune_snapshots

    if older_than < 0:
        raise InputError("--older-than must be zero or more days")
    settings = get_settings()
    store = open_store(db, create=False)
    with session_scope(store.sessions) as session:
        result = prune_snapshots(session, SnapshotStore(settings.crawler.snapshot_dir),
                                 older_than=timedelta(days=older_than), dry_run=dry_run)
        photos = prune_images(session, ImageStore(settings.images.dir),
                              older_than=timedelta(days=older_than), dry_run=dry_run)
    store.close()
    verb = "would delete" if dry_run else "deleted"
    typer.echo(f"{verb} {result.rows_deleted} snapshots ({result.files_deleted} files, "
               f"{result.bytes_freed / 1e6:.1f} MB compressed) and {result.orphan_files_deleted} orphan files; "
               f"kept {result.rows_kept} old snapshots still used as evidence", err=True)
    typer.echo(f"{verb} {photos.records_deleted} listing photo records and {photos.images_deleted} photos "
               f"({photos.files_deleted} files, {photos.bytes_freed / 1e6:.1f} MB) and {photos.orphan_files_deleted} "
               f"orphan files; kept {photos.records_kept} old photo records still used as evidence", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(snapshots_app, name="snapshots")
