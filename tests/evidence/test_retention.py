"""Retention carries over to WARC captures: old pages go, reviewed listings keep every capture, and a
package says which versions lost their page to retention."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from core.evidence.keys import load_or_create_key
from core.evidence.verify import verify_package
from store.retention import prune_snapshots
from store.evidence import export_case
from store.images import ImageStore
from store.models import Listing
from store.snapshots import SnapshotStore
from tests.evidence.seed import T0, seed_case


def _warc_files(root: Path) -> int:
    return len(list(root.rglob("*.warc.gz")))


def test_prune_keeps_reviewed_listings_whole_and_drops_old_warc_pages_of_others(session: Session,
                                                                             tmp_path: Path) -> None:
    store = SnapshotStore(tmp_path / "snaps")
    case = seed_case(session, store.root)
    now = T0 + timedelta(days=60)
    before = _warc_files(store.root)
    kept = prune_snapshots(session, store, older_than=timedelta(days=1), now=now)
    assert (kept.files_deleted, _warc_files(store.root)) == (0, before)  # ivory was reviewed: all kept

    ivory = session.get(Listing, case.ids["ivory"])
    assert ivory is not None
    ivory.review_status = None
    session.flush()
    pruned = prune_snapshots(session, store, older_than=timedelta(days=1), now=now)
    assert pruned.files_deleted == 2 and _warc_files(store.root) == before - 2  # versions 1 and 2

    key = load_or_create_key(tmp_path / "k.pem")
    result = export_case(session, store, ImageStore(tmp_path / "images"), tmp_path / "case.wacz",
                         listing_ids=[case.ids["ivory"]], key=key, actor="t", via="test")
    assert verify_package(result.path).pages == 2  # version 3 and the later fetch of the same bytes
    with zipfile.ZipFile(result.path) as archive:
        versions = json.loads(archive.read("case/case.json"))["listings"][0]["versions"]
    assert [v["page_pruned"] for v in versions] == [True, True, False]
