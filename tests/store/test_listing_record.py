"""The crawler's listing record reaches the store whole: source and extra are kept (0015_listing_record)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

from crawler.items import ListingItem
from crawler.writer import BatchWriter, WriterConfig
from store.db import downgrade, make_engine, migrate
from store.listings import ListingIn, upsert_listings
from store.models import CrawlRun, Listing, Snapshot
from store.runs import start_crawl_run
from store.snapshots import sha256_hex

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_source_is_kept_and_extra_facts_accumulate(session: Session) -> None:
    url = "https://m.test/item/1"
    upsert_listings(session, [ListingIn(url=url, marketplace="m.test", title="象牙", source="jsonld",
                                        extra={"search_term": "象牙"}, fetched_at=T0)])
    upsert_listings(session, [ListingIn(url=url, marketplace="m.test", title="象牙", source="profile",
                                        extra={"page": 2}, fetched_at=T0)])
    upsert_listings(session, [ListingIn(url=url, marketplace="m.test", title="象牙", fetched_at=T0)])
    listing = session.scalars(select(Listing)).one()
    assert listing.source == "profile" and listing.extra == {"search_term": "象牙", "page": 2}


def test_the_writer_passes_the_spiders_record_on(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session, session.begin():
        run_id = start_crawl_run(session, start_url="https://m.test/").id
    body = "<html><h1>穿山甲片</h1></html>".encode()
    item = ListingItem(
        url="https://m.test/item/9", marketplace="m.test", title="穿山甲片", description="出 穿山甲片", price=None,
        currency=None, price_text="面议", images=["https://m.test/a.jpg"], lang="zh-CN", seller_url=None,
        seller_name="老李", contacts=[("wechat", "pangolin88")], fetched_at=T0, source="microdata",
        extra={"search_term": "穿山甲"}, fetched_url="https://m.test/item/9?spm=1", body=body, http_status=200,
        headers={"Content-Type": ["text/html"]}, encoding="utf-8",
    )
    writer = BatchWriter(WriterConfig(engine.url.render_as_string(hide_password=False), tmp_path, run_id, None))
    try:
        counts = writer.write([item], [("https://m.test/x", "not_html", "image/png", 200)])
    finally:
        writer.close()
    assert counts.new == 1
    with Session(engine) as session:
        listing = session.scalars(select(Listing)).one()
        snapshot = session.get(Snapshot, listing.snapshot_id)
        run = session.get(CrawlRun, run_id)
        for name in ("title", "description", "price_text", "images", "source", "extra"):
            assert getattr(listing, name) == getattr(item, name), name
        assert listing.lang == "zh-Hans"  # the page said zh-CN: stored in the one vocabulary
        assert snapshot is not None and snapshot.url == item.fetched_url and snapshot.sha256 == sha256_hex(body)
        assert snapshot.run_id == run_id and run is not None and run.listings_new == 1


def test_migration_adds_and_removes_the_columns_keeping_listings(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        migrate(engine, "0008_review_idempotency")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO listings (url, marketplace, title, description, images, content_hash, "
                              "version, first_seen, last_seen, fetched_at, species, reasons) VALUES ('https://m.test/1', "
                              "'m.test', 't', '', '[]', 'h', 1, '2026-12-01', '2026-12-01', '2026-12-01', '', '[]')"))
        migrate(engine, "0015_listing_record")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT source, extra FROM listings")).one() == (None, None)
        downgrade(engine, "0008_review_idempotency")
        columns = {column["name"] for column in inspect(engine).get_columns("listings")}
        assert not {"source", "extra"} & columns
        with engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM listings")).scalar() == 1
            conn.execute(text("DELETE FROM listings"))  # the search index's delete trigger survived the downgrade
            assert conn.execute(text("SELECT count(*) FROM listings_fts")).scalar() == 0
    finally:
        engine.dispose()
