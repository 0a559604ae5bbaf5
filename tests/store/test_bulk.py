"""The bulk loader writes rows the ORM, the filters and the search index read back correctly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bench.gen_listings import generate_listings, generate_sellers
from store.bulk import deferred_indexes, load_listings, load_sellers
from store.db import make_engine, migrate
from store.models import Listing
from store.queries import ListingFilter, get_listing_detail, list_listings


def test_bulk_load_round_trip(engine: Engine, session: Session) -> None:
    load_sellers(engine, generate_sellers(20))
    batches = list(generate_listings(300, 20, batch=100))
    with deferred_indexes(engine):
        assert load_listings(engine, batches) == 300
    rows = [row for batch in batches for row in batch]
    assert session.scalar(select(func.count()).select_from(Listing)) == 300
    flagged = [row for row in rows if row.flagged]
    page = list_listings(session, ListingFilter(flagged=True), limit=500)
    assert {item.id for item in page.items} == {row.id for row in flagged}
    newest = max(rows, key=lambda row: (row.last_seen, row.id))
    assert list_listings(session, ListingFilter(), limit=1).items[0].id == newest.id
    cutoff = sorted(row.first_seen for row in rows)[150]
    since = list_listings(session, ListingFilter(first_seen_from=cutoff), limit=500).items
    assert len(since) == 150
    species = flagged[0].species[0]
    found = list_listings(session, ListingFilter(species=species), limit=500).items
    assert {item.id for item in found} == {row.id for row in flagged if species in row.species}
    word = rows[0].title.split()[0] if rows[0].lang == "en" else rows[0].tokens.split()[0]
    assert rows[0].id in {item.id for item in list_listings(session, ListingFilter(q=word), limit=500).items}
    detail = get_listing_detail(session, rows[0].id)
    assert detail.listing.first_seen == rows[0].first_seen and detail.seller is not None


def test_bulk_load_leaves_one_search_index_segment(tmp_path: Path) -> None:
    """A lookup of one listing reads every FTS5 segment: the loader merges them at the end."""
    engine = make_engine(f"sqlite:///{tmp_path / 'bulk.db'}")
    try:
        migrate(engine)
        load_sellers(engine, generate_sellers(20))
        with deferred_indexes(engine):
            load_listings(engine, generate_listings(300, 20, batch=50))  # one segment per batch
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(DISTINCT segid) FROM listings_fts_idx").scalar() == 1
    finally:
        engine.dispose()
