"""The writer stage of listing photos (crawler.photos, crawler.writer) on SQLite and PostgreSQL: each
distinct photo hashed once, stored with the batch's listings in one transaction, every failure a skip."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bench.gen_photos import edit, jpeg_bytes, photo
from crawler.items import ImageFetch, ListingItem
from crawler.photos import hash_photos, record_photos, stored_digests
from crawler.writer import BatchWriter, WriterConfig
from store.images import ImageStore
from store.imaging import ImageLimits
from store.listings import upsert_listings
from store.memory_index import LoadCancelled
from store.models import ImageLink, ImageRecord, Listing, ListingImage
from store.snapshots import sha256_hex

LIMITS = ImageLimits(max_bytes=2_000_000)
NOW = datetime(2026, 12, 6, tzinfo=UTC)


@cache
def original() -> bytes:
    return jpeg_bytes(photo(5, size=400))


@cache
def reposted() -> bytes:
    return edit(photo(5, size=400), "issue_80pct_crop_2_5", 1)


def fetch(url: str, body: bytes | None = None, **fields: object) -> ImageFetch:
    values: dict[str, object] = {"http_status": 200 if body is not None else None, "content_type": "image/jpeg",
                                 "sha256": sha256_hex(body) if body else None} | fields
    return ImageFetch(url=url, position=0, fetched_at=NOW, body=body, **values)  # type: ignore[arg-type]


def item(n: int, marketplace: str, seller: str, *fetches: ImageFetch) -> ListingItem:
    return ListingItem(url=f"http://{marketplace}/item/{n}", marketplace=marketplace, title=f"listing {n}",
                       seller_url=f"http://{marketplace}/seller/{seller}", seller_name=seller,
                       images=[f.url for f in fetches], fetched_url=f"http://{marketplace}/item/{n}", body=b"<html>",
                       http_status=200, headers={}, encoding="utf-8", fetched_at=NOW, image_fetches=list(fetches))


def outcomes(session: Session) -> dict[str, tuple[str | None, int | None]]:
    return {url: (reason, image_id) for url, reason, image_id in
            session.execute(select(ListingImage.url, ListingImage.skip_reason, ListingImage.image_id))}


def test_a_batch_records_photos_links_and_skips(session: Session, tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "images")
    shared = sha256_hex(original())
    records = [
        item(1, "a.test", "alice", fetch("http://a.test/1.jpg", original())),
        # the same URL's bytes went to listing 1: only the SHA-256 travels
        item(2, "a.test", "carol", ImageFetch(url="http://a.test/1.jpg", position=0, fetched_at=NOW, http_status=200,
                                              sha256=shared)),
        item(3, "b.test", "bob", fetch("http://b.test/x.jpg", reposted()),
             fetch("http://b.test/403.jpg", http_status=403, reason="http_403", detail="HTTP 403"),
             fetch("http://b.test/robots.jpg", reason="robots_disallowed", detail="Forbidden by robots.txt"),
             fetch("http://b.test/half.jpg", original()[:3000])),
    ]
    photos = hash_photos(records, LIMITS)
    upsert_listings(session, records)
    counts = record_photos(session, store, photos, LIMITS)
    found = outcomes(session)
    assert found["http://b.test/403.jpg"] == ("http_403", None)
    assert found["http://b.test/robots.jpg"] == ("robots_disallowed", None)
    assert found["http://b.test/half.jpg"][0] == "truncated"
    assert counts == {"new": 2, "known": 1, "http_403": 1, "robots_disallowed": 1, "truncated": 1}
    assert session.scalar(select(func.count()).select_from(ImageRecord)) == 2
    assert session.scalar(select(func.count()).select_from(ImageLink)) == 2  # the re-post, both ways
    by_url = {url: image_id for url, image_id in session.execute(
        select(Listing.url, ListingImage.image_id).join(ListingImage, ListingImage.listing_id == Listing.id))}
    assert by_url["http://a.test/item/1"] == by_url["http://a.test/item/2"] is not None
    assert (store.root / store.relative_path(shared)).read_bytes() == original()


def test_stored_photos_are_not_hashed_again(session: Session, tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "images")
    first = [item(1, "a.test", "alice", fetch("http://a.test/1.jpg", original()))]
    upsert_listings(session, first)
    record_photos(session, store, hash_photos(first, LIMITS), LIMITS)
    session.flush()
    again = [item(2, "a.test", "dave", fetch("http://a.test/copy.jpg", original()))]
    stored = stored_digests(session, again)
    assert stored == {sha256_hex(original())}
    photos = hash_photos(again, LIMITS, stored=stored)
    assert photos[0].facts is None and photos[0].rejected is None  # not decoded
    upsert_listings(session, again)
    assert record_photos(session, store, photos, LIMITS) == {"known": 1}


def test_bytes_never_seen_by_this_store_are_a_not_stored_skip(session: Session, tmp_path: Path) -> None:
    records = [item(1, "a.test", "alice", ImageFetch(url="http://a.test/1.jpg", position=0, fetched_at=NOW,
                                                     http_status=200, sha256="ab" * 32))]
    upsert_listings(session, records)
    assert record_photos(session, ImageStore(tmp_path), hash_photos(records, LIMITS), LIMITS) == {"not_stored": 1}


def test_the_batch_writer_commits_photos_with_their_listings(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    writer = BatchWriter(WriterConfig(database_url=url, snapshot_dir=tmp_path / "snapshots", run_id=None,
                                      site_id=None, image_dir=tmp_path / "images", image_limits=LIMITS))
    try:
        counts = writer.write([item(1, "a.test", "alice", fetch("http://a.test/1.jpg", original())),
                               item(2, "b.test", "bob", fetch("http://b.test/2.jpg", reposted()))], [])
    finally:
        writer.close()
    assert counts.new == 2
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ImageRecord)) == 2
        assert session.scalar(select(func.count()).select_from(ImageLink)) == 2
    assert len(list((tmp_path / "images").rglob("*"))) >= 2


def test_no_photo_dir_means_no_photos(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    writer = BatchWriter(WriterConfig(database_url=url, snapshot_dir=tmp_path / "snapshots", run_id=None,
                                      site_id=None))
    try:
        writer.write([item(1, "a.test", "alice", fetch("http://a.test/1.jpg", original()))], [])
    finally:
        writer.close()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ListingImage)) == 0


def _loaded(writer: BatchWriter) -> None:
    """Start the writer's photo index loading and wait for it (a crawl does not wait: it matches in SQL meanwhile)."""
    writer.start_photo_index()
    if writer._loading is not None:
        writer._loading.result(timeout=60)


@pytest.mark.parametrize("match_index", ["memory", "database"])
def test_the_writer_links_across_batches_with_either_index(engine: Engine, tmp_path: Path, match_index: str) -> None:
    """The memory index loads in the background and takes in each batch's commit before the next."""
    url = engine.url.render_as_string(hide_password=False)
    config = WriterConfig(database_url=url, snapshot_dir=tmp_path / "snapshots", run_id=None, site_id=None,
                          image_dir=tmp_path / "images", image_limits=LIMITS, match_index=match_index)
    writer = BatchWriter(config)
    try:
        _loaded(writer)
        writer.write([item(1, "a.test", "alice", fetch("http://a.test/1.jpg", original()))], [])
        loaded = writer.photo_index
        writer.write([item(2, "b.test", "bob", fetch("http://b.test/2.jpg", reposted()))], [])
        if match_index == "memory":
            # the first photo's 3 hash rows, taken in before the second batch (its own are read in its transaction)
            assert loaded is not None and writer.photo_index is loaded and len(loaded) == 3
        else:
            assert writer.photo_index is None
    finally:
        writer.close()
    restarted = BatchWriter(config)  # a new crawl's writer loads both photos from the store
    try:
        _loaded(restarted)
        restarted.write([item(3, "c.test", "carol", fetch("http://c.test/3.jpg", reposted() + b"\0"))], [])
        if match_index == "memory":
            assert restarted.photo_index is not None and len(restarted.photo_index) == 6
    finally:
        restarted.close()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ImageLink)) == 6  # 3 images, all pairs, both ways


def test_a_writer_closed_while_its_index_loads_stops_the_load(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    writer = BatchWriter(WriterConfig(database_url=url, snapshot_dir=tmp_path / "snapshots", run_id=None,
                                      site_id=None, image_dir=tmp_path / "images", image_limits=LIMITS))
    writer._stop_loading.set()  # as close() does, before the load's first batch of rows
    writer.start_photo_index()
    writer.close()
    assert writer._loading is not None and isinstance(writer._loading.exception(timeout=60), LoadCancelled)


def test_the_writer_reports_the_batchs_photo_skips(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    writer = BatchWriter(WriterConfig(database_url=url, snapshot_dir=tmp_path / "snapshots", run_id=None,
                                      site_id=None, image_dir=tmp_path / "images", image_limits=LIMITS))
    try:
        counts = writer.write([item(1, "a.test", "alice", fetch("http://a.test/1.jpg", original()),
                                    fetch("http://a.test/2.jpg", b"<html>no</html>"),
                                    fetch("http://a.test/3.jpg", None, http_status=403))], [])
    finally:
        writer.close()
    assert counts.photo_skips == {"not_an_image": 1, "http_403": 1}
