"""Listing photos in the store (SQLite and PostgreSQL): content-addressed records, skips, the hash index,
listing and seller links across marketplaces, and retention under the evidence rules."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.gen_photos import edit, jpeg_bytes, photo
from store.errors import NotFound
from store.image_index import find_matches
from store.images import (
    THUMBS,
    ImageStore,
    get_image,
    listing_image_matches,
    listing_images,
    prune_images,
    record_listing_image,
    sellers_sharing_images,
)
from store.imaging import THUMB_SIDE, analyze_image
from store.models import ImageHash, ImageLink, ImageRecord, Listing, ListingImage, Seller, utcnow
from store.sellers import get_seller_detail


@cache
def original(seed: int = 3) -> bytes:
    return jpeg_bytes(photo(seed))


@cache
def reposted(seed: int = 3) -> bytes:
    """Issue 19's re-post: resized to 80%, cropped 2.5% a side, re-encoded."""
    return edit(photo(seed), "issue_80pct_crop_2_5", 7)


def add_listing(session: Session, n: int, marketplace: str, seller: str | None = None,
                images: list[str] | None = None) -> Listing:
    seller_row = None
    if seller is not None:
        seller_row = Seller(marketplace=marketplace, url=f"https://{marketplace}/u/{seller}", name=seller)
        session.add(seller_row)
        session.flush()
    listing = Listing(url=f"https://{marketplace}/item/{n}", marketplace=marketplace, title=f"item {n}",
                      content_hash="h", images=images or [], seller_id=seller_row.id if seller_row else None)
    session.add(listing)
    session.flush()
    return listing


@pytest.fixture
def images(tmp_path: Path) -> ImageStore:
    return ImageStore(tmp_path / "images")


def test_repost_on_another_marketplace_links_listings_and_sellers(session: Session, images: ImageStore) -> None:
    a = add_listing(session, 1, "shop.example", "laowang", ["https://shop.example/a.jpg"])
    b = add_listing(session, 2, "bazaar.example", "copycat", ["https://cdn.bazaar.example/b.jpg"])
    first = record_listing_image(session, images, listing_id=a.id, url="https://shop.example/a.jpg", body=original())
    second = record_listing_image(session, images, listing_id=b.id, url="https://cdn.bazaar.example/b.jpg",
                                  body=reposted(), content_type="image/jpeg; charset=binary")
    assert first.new and second.new and second.links == 1
    matches = listing_image_matches(session, a.id)
    assert [(m.listing_id, m.marketplace, m.url) for m in matches] == [(b.id, "bazaar.example", "https://cdn.bazaar.example/b.jpg")]
    assert 0 < matches[0].distance <= 31
    assert [m.listing_id for m in listing_image_matches(session, b.id)] == [a.id]
    shared = sellers_sharing_images(session, a.seller_id)  # type: ignore[arg-type]
    assert [(seller.name, shas) for seller, shas in shared] == [("copycat", [first.sha256])]
    detail = get_seller_detail(session, b.seller_id)  # type: ignore[arg-type]
    assert [(link.seller.name, link.via, link.shared_images) for link in detail.linked] == [("laowang", "image", [second.sha256])]
    record = get_image(session, second.sha256)  # type: ignore[arg-type]
    assert (record.width, record.height, record.mime) == (608, 608, "image/jpeg")
    assert images.read(record.path) == reposted()
    views = listing_images(session, session.get(Listing, b.id))  # type: ignore[arg-type]
    assert [(v.url, v.image.sha256 if v.image else None) for v in views] == [("https://cdn.bazaar.example/b.jpg", second.sha256)]


def test_original_after_its_crop_is_found_too(session: Session, images: ImageStore) -> None:
    """Whichever arrives first: the crop is stored, then the original (the crops of the query line up)."""
    b = add_listing(session, 2, "bazaar.example")
    a = add_listing(session, 1, "shop.example")
    record_listing_image(session, images, listing_id=b.id, url="https://b/x.jpg", body=edit(photo(4), "crop_5_all_sides", 1))
    outcome = record_listing_image(session, images, listing_id=a.id, url="https://a/x.jpg", body=jpeg_bytes(photo(4)))
    assert outcome.links == 1
    assert [m.listing_id for m in listing_image_matches(session, a.id)] == [b.id]


def test_same_bytes_are_one_record_and_a_zero_distance_match(session: Session, images: ImageStore) -> None:
    a = add_listing(session, 1, "shop.example")
    b = add_listing(session, 2, "other.example")
    one = record_listing_image(session, images, listing_id=a.id, url="https://a/1.jpg", body=original())
    two = record_listing_image(session, images, listing_id=b.id, url="https://b/1.jpg", body=original())
    again = record_listing_image(session, images, listing_id=a.id, url="https://a/1.jpg", body=original())
    assert one.image_id == two.image_id == again.image_id and not two.new
    assert session.scalar(select(func.count()).select_from(ImageRecord)) == 1
    assert session.scalar(select(func.count()).select_from(ListingImage)) == 2  # a re-fetch moves last_seen only
    assert [(m.listing_id, m.distance) for m in listing_image_matches(session, a.id)] == [(b.id, 0)]
    files = [p for p in images.root.rglob("*") if p.is_file()]
    assert len(files) == 1


def test_unrelated_photos_are_not_linked(session: Session, images: ImageStore) -> None:
    for n, seed in enumerate((2, 3, 4, 5)):
        listing = add_listing(session, n, "shop.example")
        assert record_listing_image(session, images, listing_id=listing.id, url=f"https://a/{n}.jpg",
                                    body=original(seed)).links == 0
    assert session.scalar(select(func.count()).select_from(ImageLink)) == 0
    assert session.scalar(select(func.count()).select_from(ImageHash)) == 12  # whole frame + 2 crops each


def test_bad_images_and_refusals_are_recorded_skips(session: Session, images: ImageStore) -> None:
    listing = add_listing(session, 1, "shop.example", images=["https://a/403.jpg", "https://a/svg", "https://a/empty"])
    hotlink = record_listing_image(session, images, listing_id=listing.id, url="https://a/403.jpg", body=None, http_status=403)
    svg = record_listing_image(session, images, listing_id=listing.id, url="https://a/svg",
                               body=b"<svg xmlns='http://www.w3.org/2000/svg'><script>x()</script></svg>",
                               content_type="image/svg+xml")
    empty = record_listing_image(session, images, listing_id=listing.id, url="https://a/empty", body=b"")
    assert (hotlink.skip_reason, svg.skip_reason, empty.skip_reason) == ("http_403", "svg", "empty")
    rows = session.scalars(select(ListingImage).order_by(ListingImage.id)).all()
    assert [(r.skip_reason, r.content_type, r.image_id) for r in rows] == [
        ("http_403", None, None), ("svg", "image/svg+xml", None), ("empty", None, None)]
    assert not images.root.exists() or not any(p.is_file() for p in images.root.rglob("*"))
    views = listing_images(session, listing)
    assert [(v.url, v.skip_reason) for v in views] == [
        ("https://a/403.jpg", "http_403"), ("https://a/svg", "svg"), ("https://a/empty", "empty")]


def test_low_quality_photos_are_kept_but_never_indexed(session: Session, images: ImageStore) -> None:
    flat = jpeg_bytes(photo(7))  # a smooth scene: PDQ quality below 50
    assert analyze_image(flat).quality < 50
    listing = add_listing(session, 1, "shop.example")
    outcome = record_listing_image(session, images, listing_id=listing.id, url="https://a/flat.jpg", body=flat)
    assert outcome.new and session.scalar(select(func.count()).select_from(ImageHash)) == 0


def test_find_matches_respects_the_distance(session: Session, images: ImageStore) -> None:
    listing = add_listing(session, 1, "shop.example")
    record_listing_image(session, images, listing_id=listing.id, url="https://a/1.jpg", body=original())
    facts = analyze_image(reposted())
    found = find_matches(session, facts)
    assert len(found) == 1
    assert find_matches(session, facts, max_distance=found[0].distance - 1) == []


def test_unknown_listing_and_image(session: Session) -> None:
    with pytest.raises(NotFound):
        listing_image_matches(session, 12345)
    with pytest.raises(NotFound):
        get_image(session, "0" * 64)


def test_prune_keeps_current_and_reviewed_evidence(session: Session, images: ImageStore) -> None:
    old = utcnow() - timedelta(days=100)
    current = add_listing(session, 1, "a.example", images=["https://a/now.jpg"])
    reviewed = add_listing(session, 2, "b.example")
    reviewed.review_status = "confirmed"
    gone = add_listing(session, 3, "c.example")
    kept = record_listing_image(session, images, listing_id=current.id, url="https://a/now.jpg", body=original(2), fetched_at=old)
    evidence = record_listing_image(session, images, listing_id=reviewed.id, url="https://b/old.jpg", body=original(4), fetched_at=old)
    dropped = record_listing_image(session, images, listing_id=gone.id, url="https://c/old.jpg", body=original(5), fetched_at=old)
    record_listing_image(session, images, listing_id=gone.id, url="https://c/403.jpg", body=None, http_status=403, fetched_at=old)
    orphan = images.root / "ab" / "cd" / ("ab" * 32)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left by a killed crawl")
    os.utime(orphan, (time.time() - 200 * 86400,) * 2)
    session.flush()

    dry = prune_images(session, images, older_than=timedelta(days=90), dry_run=True)
    assert (dry.records_deleted, dry.images_deleted, dry.records_kept) == (2, 1, 2)
    assert session.scalar(select(func.count()).select_from(ImageRecord)) == 3 and orphan.exists()

    result = prune_images(session, images, older_than=timedelta(days=90))
    assert (result.records_deleted, result.images_deleted, result.files_deleted, result.orphan_files_deleted) == (2, 1, 1, 1)
    left = set(session.scalars(select(ImageRecord.sha256)))
    assert left == {kept.sha256, evidence.sha256} and dropped.sha256 not in left
    assert not (images.root / ImageStore.relative_path(dropped.sha256)).exists()  # type: ignore[arg-type]
    assert (images.root / ImageStore.relative_path(kept.sha256)).exists()  # type: ignore[arg-type]
    assert session.scalar(select(func.count()).select_from(ImageHash).where(
        ImageHash.image_id == select(ImageRecord.id).where(ImageRecord.sha256 == kept.sha256).scalar_subquery())) == 3


def _thumbnail_path(images: ImageStore, digest: str) -> Path:
    return images.root / THUMBS / str(THUMB_SIDE) / ImageStore.relative_path(digest)


def test_thumbnails_are_small_jpegs_made_once(session: Session, images: ImageStore) -> None:
    listing = add_listing(session, 1, "a.example")
    outcome = record_listing_image(session, images, listing_id=listing.id, url="https://a/1.jpg", body=original())
    digest = str(outcome.sha256)
    first = images.thumbnail(ImageStore.relative_path(digest), digest)
    thumbnail = Image.open(io.BytesIO(first))
    assert thumbnail.format == "JPEG" and max(thumbnail.size) == THUMB_SIDE and len(first) < len(original())
    assert _thumbnail_path(images, digest).read_bytes() == first
    (images.root / ImageStore.relative_path(digest)).write_bytes(b"changed on disk")
    assert images.thumbnail(ImageStore.relative_path(digest), digest) == first  # from the cache


def test_a_transparent_png_thumbnail_is_flattened_on_white(images: ImageStore) -> None:
    out = io.BytesIO()
    Image.new("RGBA", (400, 200), (255, 0, 0, 0)).save(out, "PNG")
    digest = "cd" * 32
    images.save(out.getvalue(), digest)
    thumbnail = Image.open(io.BytesIO(images.thumbnail(ImageStore.relative_path(digest), digest)))
    assert thumbnail.size == (THUMB_SIDE, THUMB_SIDE // 2)
    assert thumbnail.convert("L").getextrema()[0] > 240  # white, not black


def test_no_thumbnail_for_bytes_that_are_not_a_photo(images: ImageStore) -> None:
    digest = "ef" * 32
    images.save(b"<svg onload=alert(1)></svg>", digest)
    with pytest.raises(NotFound):
        images.thumbnail(ImageStore.relative_path(digest), digest)
    assert not _thumbnail_path(images, digest).exists()


def test_prune_deletes_an_images_thumbnails_with_it(session: Session, images: ImageStore) -> None:
    old = utcnow() - timedelta(days=100)
    gone = add_listing(session, 1, "c.example")
    dropped = record_listing_image(session, images, listing_id=gone.id, url="https://c/old.jpg", body=original(5),
                                   fetched_at=old)
    digest = str(dropped.sha256)
    images.thumbnail(ImageStore.relative_path(digest), digest)
    stray = _thumbnail_path(images, "ab" * 32)  # a thumbnail whose image is long gone
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"jpeg")
    os.utime(stray, (time.time() - 200 * 86400,) * 2)
    session.flush()
    result = prune_images(session, images, older_than=timedelta(days=90))
    assert (result.images_deleted, result.orphan_files_deleted) == (1, 0)  # thumbnails are a cache, not orphans
    assert not _thumbnail_path(images, digest).exists() and not stray.exists()
