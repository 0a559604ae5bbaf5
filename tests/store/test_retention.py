"""Snapshot retention: what `wildwatch snapshots prune` deletes and what it keeps as evidence."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from store.retention import prune_snapshots
from store.db import session_scope
from store.listings import ListingIn, SnapshotIn, upsert_listings
from store.models import Listing, Snapshot
from store.snapshots import SnapshotStore, sha256_hex
from wildwatch.runtime import Store, open_store

NOW = datetime(2026, 11, 25, tzinfo=UTC)
OLD = NOW - timedelta(days=100)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    yield opened
    opened.close()


def _fetch(snapshots: SnapshotStore, url: str, title: str, body: bytes, when: datetime) -> ListingIn:
    blob = snapshots.save(body)
    return ListingIn(url=url, marketplace="example.test", title=title, fetched_at=when,
                     snapshot=SnapshotIn(url=url, http_status=200, sha256=blob.sha256, path=blob.path,
                                         size=blob.size, fetched_at=when))


def _path_of(body: bytes) -> str:
    digest = sha256_hex(body)
    return f"{digest[:2]}/{digest[2:4]}/{digest}.gz"


def _paths(store: Store) -> dict[str, set[str]]:
    with session_scope(store.sessions) as session:
        rows = session.execute(select(Snapshot.url, Snapshot.path)).all()
    out: dict[str, set[str]] = {}
    for url, path in rows:
        out.setdefault(url, set()).add(path)
    return out


def test_prune_keeps_latest_and_reviewed_evidence(store: Store, tmp_path: Path) -> None:
    snapshots = SnapshotStore(tmp_path / "snaps")
    with session_scope(store.sessions) as session:
        upsert_listings(session, [
            _fetch(snapshots, "http://e.test/a", "A v1", b"<p>A one</p>", OLD),
            _fetch(snapshots, "http://e.test/b", "B v1", b"<p>B one</p>", OLD),
            _fetch(snapshots, "http://e.test/c", "C v1", b"<p>C one</p>", OLD),
            _fetch(snapshots, "http://e.test/e", "E", b"<p>A one</p>", OLD + timedelta(days=1)),  # same bytes as A v1
        ])
        upsert_listings(session, [
            _fetch(snapshots, "http://e.test/a", "A v2", b"<p>A two</p>", OLD + timedelta(days=2)),
            _fetch(snapshots, "http://e.test/b", "B v2", b"<p>B two</p>", OLD + timedelta(days=2)),
            _fetch(snapshots, "http://e.test/c", "C v2", b"<p>C two</p>", NOW - timedelta(days=1)),
        ])
        session.execute(update(Listing).where(Listing.url == "http://e.test/b").values(review_status="confirmed"))
    orphan_old = snapshots.save(b"orphan old")
    orphan_new = snapshots.save(b"orphan new")
    old_time = time.time() - 200 * 86400
    os.utime(snapshots.root / orphan_old.path, (old_time, old_time))
    a_one, b_one = _path_of(b"<p>A one</p>"), _path_of(b"<p>B one</p>")

    with session_scope(store.sessions) as session:
        result = prune_snapshots(session, snapshots, older_than=timedelta(days=30), now=NOW)

    paths = _paths(store)
    assert result.rows_deleted == 2  # A v1 and C v1 (old, superseded, not reviewed)
    assert len(paths["http://e.test/a"]) == 1 and a_one not in paths["http://e.test/a"]
    assert paths["http://e.test/b"] == {b_one, _path_of(b"<p>B two</p>")}  # reviewed: all kept
    assert len(paths["http://e.test/c"]) == 1
    assert (snapshots.root / a_one).is_file()  # still E's evidence (content-addressed, shared)
    assert result.files_deleted == 1 and not (snapshots.root / _path_of(b"<p>C one</p>")).exists()
    assert result.orphan_files_deleted == 1
    assert not (snapshots.root / orphan_old.path).exists() and (snapshots.root / orphan_new.path).exists()
    with session_scope(store.sessions) as session:
        assert all(listing.snapshot_id is not None for listing in session.scalars(select(Listing)))


def test_prune_dry_run_changes_nothing(store: Store, tmp_path: Path) -> None:
    snapshots = SnapshotStore(tmp_path / "snaps")
    with session_scope(store.sessions) as session:
        upsert_listings(session, [_fetch(snapshots, "http://e.test/a", "A v1", b"one", OLD)])
        upsert_listings(session, [_fetch(snapshots, "http://e.test/a", "A v2", b"two", OLD)])
    with session_scope(store.sessions) as session:
        result = prune_snapshots(session, snapshots, older_than=timedelta(days=30), now=NOW, dry_run=True)
    assert result.rows_deleted == 1 and result.files_deleted == 1
    assert len(_paths(store)["http://e.test/a"]) == 2


def test_prune_command(store: Store, tmp_path: Path) -> None:
    env = dict(os.environ, WILDWATCH_CRAWLER__SNAPSHOT_DIR=str(tmp_path / "snaps"))
    result = subprocess.run([sys.executable, "-m", "wildwatch.cli", "snapshots", "prune", "--older-than", "30",
                             "--db", store.url], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "deleted 0 snapshots" in result.stderr
