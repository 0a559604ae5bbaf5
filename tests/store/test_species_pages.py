"""Species pages newest first answer what the listings say, after every kind of write.

On PostgreSQL such a page reads each listing's flag and ``last_seen`` from its copies in
``listing_species`` (migration 0019), which triggers and the writers keep exact.  These tests
compute the expected pages from ``listings`` alone and compare, page by page through the cursor,
after a bulk load, a crawl seeing listings again, stored scoring and a flag changed by hand.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from bench.gen_listings import generate_listings, generate_sellers
from store.bulk import deferred_indexes, load_listings, load_sellers
from store.models import Listing, ListingSpecies
from store.queries import ListingFilter, list_listing_values
from store.scores import ScoreIn, record_scores

ROWS = 400


def _expected(session: Session, species: str, flagged: bool | None, descending: bool) -> list[int]:
    query = select(Listing.id, Listing.last_seen).join(ListingSpecies, ListingSpecies.listing_id == Listing.id).where(
        ListingSpecies.species == species)
    if flagged is not None:
        query = query.where(Listing.flagged.is_(flagged))
    rows = sorted(session.execute(query).all(), key=lambda row: (row.last_seen, row.id), reverse=descending)
    return [row.id for row in rows]


def _pages(session: Session, species: str, flagged: bool | None, sort: str) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        page = list_listing_values(session, ListingFilter(species=species, flagged=flagged), limit=7, cursor=cursor,
                                   sort=sort)
        ids += [row[0] for row in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def _check(engine: Engine, session: Session) -> None:
    species = session.scalars(select(ListingSpecies.species).distinct().order_by(ListingSpecies.species)).all()
    assert len(species) >= 3
    for name in species[:3]:
        for flagged in (True, False, None):
            for sort in ("-last_seen", "last_seen"):
                expected = _expected(session, name, flagged, descending=sort.startswith("-"))
                assert _pages(session, name, flagged, sort) == expected, (name, flagged, sort)
    if engine.dialect.name == "postgresql":
        stale = session.scalar(text(
            "SELECT count(*) FROM listing_species s JOIN listings l ON l.id = s.listing_id "
            "WHERE s.flagged IS DISTINCT FROM l.flagged OR s.last_seen IS DISTINCT FROM l.last_seen"))
        assert stale == 0


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    load_sellers(engine, generate_sellers(10))
    with deferred_indexes(engine):
        load_listings(engine, generate_listings(ROWS, 10, batch=100))
    return engine


def test_species_pages_after_a_bulk_load(loaded: Engine, session: Session) -> None:
    _check(loaded, session)


def test_species_pages_follow_a_crawl_scoring_and_a_changed_flag(loaded: Engine, session: Session) -> None:
    with_species = session.scalars(select(ListingSpecies.listing_id).distinct().order_by(ListingSpecies.listing_id)).all()
    without = session.scalars(select(Listing.id).where(Listing.id.not_in(with_species)).order_by(Listing.id)).all()
    assert len(with_species) >= 25 and len(without) >= 20
    seen_again, flipped = with_species[:10], with_species[10:15]
    rescored = [*with_species[15:25], *without[:20]]  # species replaced, and species given to listings without
    # a crawl sees listings again: last_seen moves past every other listing's
    newest = session.scalar(select(Listing.last_seen).order_by(Listing.last_seen.desc()).limit(1))
    assert newest is not None
    for offset, listing_id in enumerate(seen_again):
        session.execute(update(Listing).where(Listing.id == listing_id).values(last_seen=newest + timedelta(minutes=offset + 1)))
    # stored scoring: new species and flags, the species rows replaced
    hashes = {row.id: row.content_hash for row in session.execute(select(Listing.id, Listing.content_hash).where(Listing.id.in_(rescored)))}
    record_scores(session, [ScoreIn(listing_id=i, content_hash=hashes[i], score=0.9 if i % 2 else 0.1, flagged=bool(i % 2),
                                    species=["pangolin", "tiger"] if i % 3 else ["helmeted hornbill"], reasons=["r"])
                            for i in rescored], model_version="test-2", threshold=0.5)
    # a flag changed by hand (a moderator's correction written straight to the table)
    for listing_id in flipped:
        session.execute(update(Listing).where(Listing.id == listing_id).values(flagged=~Listing.flagged))
    session.commit()
    _check(loaded, session)
    for name in ("pangolin", "tiger", "helmeted hornbill"):
        for flagged in (True, False, None):
            assert _pages(session, name, flagged, "-last_seen") == _expected(session, name, flagged, descending=True)
