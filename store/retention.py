"""Snapshot retention: old evidence goes, evidence anything still stands on stays.

Policy (``wildwatch snapshots prune --older-than DAYS``): a snapshot fetched more than DAYS ago
is deleted unless it is
  1. the current snapshot of a listing (``listings.snapshot_id``),
  2. the snapshot of a listing's latest version, or
  3. any snapshot of a listing that a moderator reviewed (its evidence trail stays whole).
Older versions of a listing keep their text but lose their page (``snapshot_id`` set to NULL).
Files are content-addressed and may be shared by several rows: a file is removed only when no
remaining row points at it.  Files no row points at (a crawl killed between writing the file and
committing its batch) are removed once they are older than DAYS too.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, select, update
from sqlalchemy.orm import Session

from store.models import Listing, ListingVersion, Snapshot, utcnow
from store.snapshots import SnapshotStore

__all__ = ["PruneResult", "prune_snapshots"]

logger = logging.getLogger(__name__)

_CHUNK = 500


@dataclass
class PruneResult:
    rows_deleted: int = 0
    files_deleted: int = 0
    bytes_freed: int = 0
    rows_kept: int = 0
    orphan_files_deleted: int = 0


def _protected_ids(session: Session) -> set[int]:
    current = select(Listing.snapshot_id).where(Listing.snapshot_id.is_not(None))
    latest = (
        select(ListingVersion.snapshot_id)
        .join(Listing, and_(Listing.id == ListingVersion.listing_id, Listing.version == ListingVersion.version))
        .where(ListingVersion.snapshot_id.is_not(None))
    )
    reviewed = (
        select(ListingVersion.snapshot_id)
        .join(Listing, Listing.id == ListingVersion.listing_id)
        .where(Listing.review_status.is_not(None), ListingVersion.snapshot_id.is_not(None))
    )
    ids: set[int] = set()
    for query in (current, latest, reviewed):
        ids.update(snapshot_id for snapshot_id in session.execute(query).scalars() if snapshot_id is not None)
    return ids


def prune_snapshots(session: Session, store: SnapshotStore, *, older_than: timedelta, dry_run: bool = False,
                    now: datetime | None = None) -> PruneResult:
    """Apply the retention policy (module docstring); rows are deleted in ``session``, files on disk."""
    cutoff = (now or utcnow()) - older_than
    result = PruneResult()
    protected = _protected_ids(session)
    old = session.execute(select(Snapshot.id, Snapshot.path, Snapshot.size).where(Snapshot.fetched_at < cutoff)).all()
    doomed = [row for row in old if row.id not in protected]
    result.rows_kept = len(old) - len(doomed)
    doomed_ids = [row.id for row in doomed]
    doomed_set = set(doomed_ids)
    doomed_paths = {row.path for row in doomed}
    still_used = {path for row_id, path in session.execute(select(Snapshot.id, Snapshot.path)) if row_id not in doomed_set}
    if not dry_run:
        for start in range(0, len(doomed_ids), _CHUNK):
            chunk = doomed_ids[start:start + _CHUNK]
            session.execute(update(ListingVersion).where(ListingVersion.snapshot_id.in_(chunk)).values(snapshot_id=None))
            session.execute(update(Listing).where(Listing.snapshot_id.in_(chunk)).values(snapshot_id=None))
            session.execute(delete(Snapshot).where(Snapshot.id.in_(chunk)))
        session.flush()
    result.rows_deleted = len(doomed_ids)
    for path in sorted(doomed_paths - still_used):
        target = store.root / path
        if target.is_file():
            result.files_deleted += 1
            result.bytes_freed += target.stat().st_size
            if not dry_run:
                target.unlink()
    result.orphan_files_deleted = _prune_orphans(store, still_used | doomed_paths, cutoff, dry_run)
    logger.info("snapshot prune: %d rows and %d files deleted, %d old rows kept as evidence, %d orphan files",
                result.rows_deleted, result.files_deleted, result.rows_kept, result.orphan_files_deleted)
    return result


def _prune_orphans(store: SnapshotStore, known: set[str], cutoff: datetime, dry_run: bool) -> int:
    if not store.root.is_dir():
        return 0
    limit = time.time() - (utcnow() - cutoff).total_seconds()
    removed = 0
    for directory, _, files in os.walk(store.root):
        for name in files:
            if not name.endswith(".gz"):
                continue
            full = os.path.join(directory, name)
            relative = os.path.relpath(full, store.root).replace(os.sep, "/")
            if relative not in known and os.stat(full).st_mtime < limit:
                removed += 1
                if not dry_run:
                    os.unlink(full)
    return removed
