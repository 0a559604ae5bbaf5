"""The demo marketplace, crawled blind (no profile) and with its profile's keyword search."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from store.models import Listing, Seller
from tests.crawler.sites.runner import run_crawl_cli
from wildwatch.demo.server import listing_url, load_listings, make_server

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    server = make_server("127.0.0.1", 0).start()
    try:
        yield server.url.rstrip("/")
    finally:
        server.stop()


def _stored(db_url: str) -> dict[str, tuple[Listing, Seller | None]]:
    engine = create_engine(db_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            rows = session.execute(select(Listing, Seller).outerjoin(Seller, Listing.seller_id == Seller.id)).all()
    finally:
        engine.dispose()
    return {listing.url: (listing, seller) for listing, seller in rows}


def _assert_every_demo_listing_exact(demo_url: str, db_url: str) -> dict[str, tuple[Listing, Seller | None]]:
    """Every demo listing stored, none else, with the ground truth's title, price and currency."""
    stored = _stored(db_url)
    truth = {listing_url(demo_url, record): record for record in load_listings()}
    assert set(stored) == set(truth)
    wrong = [
        (url, listing.title, listing.price, listing.currency)
        for url, (listing, _) in stored.items()
        if (listing.title, listing.price, listing.currency)
        != (truth[url]["title"], Decimal(str(truth[url]["price"])), truth[url]["currency"])
    ]
    assert wrong == []
    return stored


def test_blind_crawl_stores_every_demo_listing_exactly(demo_url: str, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'blind.db'}"
    # pages read in an extraction worker, as on a 2-core machine by default (tests run without one)
    result = run_crawl_cli(demo_url + "/", db_url, tmp_path, env={"WILDWATCH_CRAWLER__EXTRACT_WORKERS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    stored = _assert_every_demo_listing_exact(demo_url, db_url)
    assert all(seller is not None for _, seller in stored.values())


def test_profile_crawl_reads_exact_fields(demo_url: str, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'profile.db'}"
    result = run_crawl_cli(demo_url + "/", db_url, tmp_path, "--profile", "demo", "--no-keywords")
    assert result.returncode == 0, result.stderr[-3000:]
    _assert_every_demo_listing_exact(demo_url, db_url)


def test_keyword_search_crawl_stores_the_search_hits(demo_url: str, tmp_path: Path) -> None:
    terms = ("鹦鹉", "象牙", "ivory")  # Simplified Chinese and English; Traditional pages match 象牙 too
    db_url = f"sqlite:///{tmp_path / 'search.db'}"
    args = ["--profile", "demo", "--no-categories"] + [arg for term in terms for arg in ("--keyword", term)]
    result = run_crawl_cli(demo_url + "/", db_url, tmp_path, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    hits = {
        listing_url(demo_url, record)
        for record in load_listings()
        if any(term.casefold() in (record["title"] + "\n" + record["description"]).casefold() for term in terms)
    }
    assert hits and set(_stored(db_url)) == hits
