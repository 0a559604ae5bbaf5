"""End to end: `wildwatch crawl` against the loopback fixture marketplace, asserting what is stored."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from store.models import CrawlRun, CrawlSkip, Listing, ListingVersion, Snapshot
from store.snapshots import SnapshotStore
from tests.crawler.sites.fixture_site import EXPECTED, SKIPS, FixtureSite
from tests.crawler.sites.runner import run_crawl_cli

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

CRAWL_ARGS = ("--set", "DOWNLOAD_TIMEOUT=2", "--set", "RETRY_TIMES=1", "--set", "DOWNLOAD_MAXSIZE=200000",
              "--set", "REDIRECT_MAX_TIMES=3")


@dataclass
class Crawled:
    site: FixtureSite
    engine: Engine
    tmp: Path
    db_url: str
    stderr: str


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    tmp = tmp_path_factory.mktemp("fixture-crawl")
    site = FixtureSite().start()
    db_url = f"sqlite:///{tmp / 'crawl.db'}"
    try:
        result = run_crawl_cli(site.url + "/", db_url, tmp, *CRAWL_ARGS)
        assert result.returncode == 0, result.stderr[-3000:]
        engine = create_engine(db_url)
        yield Crawled(site, engine, tmp, db_url, result.stderr)
        engine.dispose()
    finally:
        site.stop()


def _listings(engine: Engine) -> dict[str, Listing]:
    with engine.connect() as conn:
        return {row.url: row for row in conn.execute(select(Listing))}


def test_every_listing_is_stored_once_and_nothing_else(crawled: Crawled) -> None:
    stored = _listings(crawled.engine)
    assert set(stored) == {crawled.site.url + path for path in EXPECTED}


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_listing_fields_in_every_encoding(crawled: Crawled, path: str) -> None:
    expected = EXPECTED[path]
    listing = _listings(crawled.engine)[crawled.site.url + path]
    assert listing.title == expected.title
    assert listing.price == Decimal(expected.price)
    assert listing.currency == expected.currency


@pytest.mark.parametrize(("reason", "path"), SKIPS)
def test_bad_pages_are_skipped_with_a_reason(crawled: Crawled, reason: str, path: str) -> None:
    with crawled.engine.connect() as conn:
        reasons = {row.reason for row in conn.execute(select(CrawlSkip).where(CrawlSkip.url == crawled.site.url + path))}
    assert reason in reasons


def test_tracking_variants_are_fetched_once_and_robots_obeyed(crawled: Crawled) -> None:
    assert crawled.site.hits["/item/1"] == 1
    assert crawled.site.hits.get("/private/item/99", 0) == 0
    assert crawled.site.hits["/robots.txt"] == 1


def test_each_listing_points_at_its_verifiable_snapshot(crawled: Crawled) -> None:
    with crawled.engine.connect() as conn:
        rows = conn.execute(select(Listing.url, Snapshot).join(Snapshot, Listing.snapshot_id == Snapshot.id)).all()
    assert len(rows) == len(EXPECTED)
    snapshots = SnapshotStore(crawled.tmp / "snapshots")
    for row in rows:
        assert row.path.endswith(".warc.gz")  # captured as WARC records (issue 18)
        raw = snapshots.read(row.path)
        assert hashlib.sha256(raw).hexdigest() == row.sha256
        assert row.http_status == 200 and row.size == len(raw) and row.fetched_at is not None
        assert any(name.lower() == "content-type" for name in row.headers)
    gbk = next(row for row in rows if row.url.endswith("/gbk/item/4"))
    raw = snapshots.read(gbk.path)
    assert "出售穿山甲片".encode("gbk") in raw  # the evidence is the bytes as served, not our decoding


def test_run_is_recorded_and_summarised(crawled: Crawled) -> None:
    with crawled.engine.connect() as conn:
        run = conn.execute(select(CrawlRun)).one()
    assert run.status == "completed" and run.finished_at is not None
    assert run.listings_new == len(EXPECTED) and run.listings_updated == 0
    assert run.pages_fetched >= len(EXPECTED) and run.bytes_fetched > 0
    assert {reason for reason, _ in SKIPS} <= set(run.errors)
    assert f"listings new={len(EXPECTED)}" in crawled.stderr


def test_recrawl_versions_a_changed_listing_instead_of_duplicating(crawled: Crawled) -> None:
    crawled.site.prices["/item/1"] = 1500
    result = run_crawl_cli(crawled.site.url + "/", crawled.db_url, crawled.tmp, *CRAWL_ARGS)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"new=0 updated=1 unchanged={len(EXPECTED) - 1}" in result.stderr
    stored = _listings(crawled.engine)
    assert len(stored) == len(EXPECTED)
    changed = stored[crawled.site.url + "/item/1"]
    assert changed.price == Decimal("1500") and changed.version == 2
    with crawled.engine.connect() as conn:
        versions = conn.execute(select(func.count()).select_from(ListingVersion)
                                .where(ListingVersion.listing_id == changed.id)).scalar_one()
        unchanged_versions = conn.execute(select(func.max(Listing.version)).where(Listing.id != changed.id)).scalar_one()
    assert versions == 2 and unchanged_versions == 1
    assert changed.last_seen > changed.first_seen
