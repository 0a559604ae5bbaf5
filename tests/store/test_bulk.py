"""The bulk loader writes rows the ORM, the filters and the search index read back correctly."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bench.gen_listings import generate_listings, generate_sellers
from store.bulk import BulkListing, deferred_indexes, load_listings, load_sellers
from store.db import make_engine, migrate
from store.listings import ListingIn, upsert_listings
from store.models import Listing, ListingSpecies, ListingVersion, Score
from store.scores import ScoreIn, record_scores
from store.queries import ListingFilter, get_listing_detail, list_listings
from store.search import fts_rowid_sql


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
    word = rows[0].title.split()[0] if rows[0].lang == "en" else (rows[0].tokens or "").split()[0]
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


_LISTING_FIELDS = (
    "marketplace", "seller_id", "title", "description", "price", "currency", "price_text", "images", "lang", "source",
    "extra", "content_hash", "version", "snapshot_id", "first_seen", "last_seen", "fetched_at", "score", "flagged",
    "species", "reasons", "model_version", "scored_hash", "review_status",
)
_VERSION_FIELDS = ("version", "title", "description", "price", "currency", "content_hash", "snapshot_id", "seen_at")
_SCORE_FIELDS = ("model_version", "content_hash", "score", "threshold", "flagged", "species", "reasons")


def _search_row(session: Session, listing_id: int) -> tuple[object, ...]:
    if session.get_bind().dialect.name == "sqlite":
        key = f"(SELECT {fts_rowid_sql('listings')} FROM listings WHERE id = :id)"
        return tuple(session.execute(text(f"SELECT tokens FROM listings_fts WHERE rowid = {key}"), {"id": listing_id}).one())
    return tuple(session.execute(
        text("SELECT tsv::text, last_seen, first_seen, score FROM listing_fts WHERE listing_id = :id"), {"id": listing_id}
    ).one())


def _stored(session: Session, listing_id: int) -> dict[str, object]:
    """Everything the store holds about one listing, without its id, URL and the time it was scored."""
    listing = session.get(Listing, listing_id)
    assert listing is not None
    versions = session.scalars(select(ListingVersion).where(ListingVersion.listing_id == listing_id)).all()
    scores = session.scalars(select(Score).where(Score.listing_id == listing_id)).all()
    species = session.scalars(select(ListingSpecies.species).where(ListingSpecies.listing_id == listing_id)).all()
    return {
        "listing": {name: getattr(listing, name) for name in _LISTING_FIELDS},
        "scored": listing.scored_at is not None,
        "versions": [{name: getattr(v, name) for name in _VERSION_FIELDS} for v in versions],
        "scores": [{name: getattr(s, name) for name in _SCORE_FIELDS} for s in scores],
        "species": sorted(species),
        "search": _search_row(session, listing_id),
    }


def test_bulk_load_stores_what_a_crawl_and_scoring_store(engine: Engine, session: Session) -> None:
    """A bulk-loaded listing equals the same listing written by upsert_listings + record_scores,
    table by table: content hash, canonical language, record fields, first version, score history,
    species and search document (computed by the loader when not given)."""
    seen = datetime(2026, 11, 1, 8, 30, 15, 123456, tzinfo=UTC)
    inputs: list[tuple[str, str, Decimal | None, str | None, str | None, str | None, dict[str, Any],
                       tuple[float, bool, list[str], list[str]] | None]] = [
        # (title, description, price, currency, lang, source, extra, verdict: (score, flagged, species, reasons) | None)
        ("純天然象牙手鐲 老料", "香港現貨，私聊微信", Decimal("1280.50"), "HKD", "zh-HK", "jsonld", {"search_term": "象牙"},
         (0.93, True, ["elephant"], ["lexicon: 象牙", "tab\there \\ 'quote'"])),
        ("Wooden chair", "Solid oak, barely used", Decimal("40"), "USD", "en-US", "microdata", {}, (0.02, False, [], [])),
        ("穿山甲鳞片 药材", "包邮", None, None, "zh-CN", None, {}, (0.88, True, ["pangolin", "pangolin"], ["lexicon: 穿山甲"])),
        ("未评分的茶具", "", Decimal("15"), "CNY", None, "heuristic", {"page": 2}, None),
    ]
    items = [
        ListingIn(url=f"https://shop.example.cn/item/{i}", marketplace="shop.example.cn", title=title,
                  description=description, price=price, currency=currency, lang=lang, source=source, extra=extra,
                  seller_url="https://shop.example.cn/u/1", seller_name="seller one", fetched_at=seen)
        for i, (title, description, price, currency, lang, source, extra, _) in enumerate(inputs)
    ]
    upsert_listings(session, items)
    session.flush()
    ids = [session.scalars(select(Listing.id).where(Listing.url == item.url)).one() for item in items]
    record_scores(session, [ScoreIn(listing_id, session.get(Listing, listing_id).content_hash, *verdict)  # type: ignore[union-attr]
                            for listing_id, (*_, verdict) in zip(ids, inputs, strict=True) if verdict is not None],
                  model_version="m-7", threshold=0.6)
    seller_id = session.scalars(select(Listing.seller_id).where(Listing.id == ids[0])).one()
    session.commit()  # ends the session's transaction: dropping indexes waits for every reader
    loaded = [
        BulkListing(id=listing_id + 100, url=f"https://bulk.example/{listing_id}", marketplace="shop.example.cn",
                    seller_id=seller_id, title=title, description=description, price=price, currency=currency,
                    lang=lang, first_seen=seen, last_seen=seen, score=verdict[0] if verdict else None,
                    flagged=verdict[1] if verdict else None, species=verdict[2] if verdict else [],
                    reasons=verdict[3] if verdict else [], model_version="m-7" if verdict else None,
                    review_status=None, source=source, extra=extra)
        for listing_id, (title, description, price, currency, lang, source, extra, verdict) in zip(ids, inputs, strict=True)
    ]
    with deferred_indexes(engine):
        assert load_listings(engine, [loaded[:2], loaded[2:]], threshold=0.6) == len(loaded)
    session.expire_all()
    for listing_id in ids:
        assert _stored(session, listing_id + 100) == _stored(session, listing_id)
    assert session.get(Listing, ids[0] + 100).lang == "zh-Hant"  # type: ignore[union-attr]


def test_bulk_load_refuses_a_listing_of_an_unknown_seller(engine: Engine, session: Session) -> None:
    """PostgreSQL's loader checks sellers per batch in one query instead of row triggers: still refused."""
    load_sellers(engine, generate_sellers(5))
    (batch,) = generate_listings(3, 5, batch=3)
    batch[1].seller_id = 999
    with pytest.raises(IntegrityError, match="999") as raised:
        load_listings(engine, [batch])
    if engine.dialect.name == "postgresql":  # the loader's own check names the listing
        assert f"listing {batch[1].id} refers to seller 999" in str(raised.value)
    assert session.scalar(select(func.count()).select_from(Listing)) == 0


def test_a_failing_batch_among_several_leaves_none_of_its_rows(engine: Engine, session: Session) -> None:
    """PostgreSQL streams several batches at once: the failing one still raises and leaves nothing."""
    load_sellers(engine, generate_sellers(5))
    batches = list(generate_listings(40, 5, batch=10))
    bad = batches[1]
    bad[-1].seller_id = 999
    with pytest.raises(IntegrityError, match="999"):
        load_listings(engine, batches)
    loaded = set(session.scalars(select(Listing.id)))
    assert not loaded & {row.id for row in bad}
    assert {row.id for row in batches[0]} <= loaded



def test_a_loader_that_is_not_superuser_has_the_database_check_sellers(engine: Engine, session: Session) -> None:
    """Without superuser rights the row triggers stay on: several batches streamed at once still load,
    and a listing of an unknown seller is refused by the foreign key itself."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no roles")
    role = f"ww_loader_{uuid.uuid4().hex[:10]}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        conn.exec_driver_sql(f'GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "{role}"')
        conn.exec_driver_sql(f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    loader = make_engine(engine.url.set(username=role).render_as_string(hide_password=False))
    try:
        with loader.connect() as conn:
            assert conn.exec_driver_sql("SHOW is_superuser").scalar() == "off"
        load_sellers(engine, generate_sellers(5))
        batches = list(generate_listings(40, 5, batch=10))
        assert load_listings(loader, batches[:3]) == 30
        bad = batches[3]
        bad[0].seller_id = 999
        with pytest.raises(IntegrityError, match="foreign key"):
            load_listings(loader, [bad])
        assert session.scalar(select(func.count()).select_from(Listing)) == 30
    finally:
        loader.dispose()
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
