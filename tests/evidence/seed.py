"""A case to export: a seller's listings with several versions captured as WARC, a fetch that found
bytes already captured, a page stored before WARC capture, scores, a review, contacts; and photos
(one shared by two listings, one fetched again later under another URL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from core.evidence.warc import Capture
from bench.gen_photos import jpeg_bytes, photo
from store.images import ImageStore, record_listing_image
from store.listings import ListingIn, SnapshotIn, upsert_listings
from store.models import Listing
from store.reviews import record_review
from store.scores import ScoreIn, record_scores
from store.snapshots import SnapshotStore, StoredBlob

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
MARKET = "market.example"


@dataclass
class Case:
    seller_id: int
    ids: dict[str, int]  # "ivory", "pangolin", "old" -> listing id


def page(title: str, price: str) -> bytes:
    return f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>" \
           f"<p class='price'>¥{price}</p><p>加微信 wx_ivory88</p></body></html>".encode()


def _item(snapshots: SnapshotStore, suffix: str, title: str, price: str, at: datetime, *,
          legacy: bool = False) -> ListingIn:
    url = f"https://{MARKET}/item/{suffix}"
    body = page(title, price)
    blob: StoredBlob
    if legacy:
        blob = snapshots.save(body)
    else:
        blob = snapshots.save_capture(Capture(
            url=url, status=200, body=body, fetched_at=at,
            response_headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
            request_headers=[("User-Agent", "WildWatchBot/0.1"), ("Accept", "text/html")], ip_address="127.0.0.9"))
    snapshot = SnapshotIn(url=url, http_status=200, sha256=blob.sha256, path=blob.path, size=blob.size,
                          headers={"Content-Type": ["text/html; charset=utf-8"]}, encoding="utf-8", fetched_at=at)
    return ListingIn(url=url, marketplace=MARKET, title=title, description="老象牙 加微信 wx_ivory88",
                     price=Decimal(price), currency="CNY", lang="zh-Hans", seller_name="老王",
                     seller_url=f"https://{MARKET}/u/laowang", fetched_at=at, snapshot=snapshot,
                     contacts=[("wechat", "wx_ivory88")])


def seed_case(session: Session, snapshot_dir: Path) -> Case:
    """Three versions of 'ivory' (plus a re-fetch of unchanged bytes), one of 'pangolin', one legacy page."""
    snapshots = SnapshotStore(snapshot_dir)
    for day, price in enumerate(("8800", "7800", "6800")):
        upsert_listings(session, [_item(snapshots, "ivory", f"象牙手镯 老料 {price}", price, T0 + timedelta(days=day))])
    # the same bytes fetched again a day later: a row, no second file
    upsert_listings(session, [_item(snapshots, "ivory", "象牙手镯 老料 6800", "6800", T0 + timedelta(days=3))])
    upsert_listings(session, [_item(snapshots, "pangolin", "穿山甲片 药用", "1200", T0 + timedelta(days=1))])
    upsert_listings(session, [_item(snapshots, "old", "犀牛角 杯", "50000", T0 - timedelta(days=30), legacy=True)])
    listings = {row.url.rsplit("/", 1)[1]: row for row in session.query(Listing).all()}
    record_scores(session, [ScoreIn(row.id, row.content_hash, 0.9, True, ["elephant"], ["lexicon: 象牙"])
                            for row in listings.values()], model_version="test-1", threshold=0.5)
    record_review(session, listings["ivory"].id, decision="confirmed", reason="protected_species",
                  reviewer="alice", note="象牙 confirmed")
    session.flush()
    return Case(seller_id=listings["ivory"].seller_id or 0, ids={name: row.id for name, row in listings.items()})


def seed_photos(session: Session, case: Case, image_dir: Path) -> dict[str, bytes]:
    """Photos of the case: ivory two (one re-fetched a day later under a CDN URL), pangolin the first of them."""
    images = ImageStore(image_dir)
    front, side = jpeg_bytes(photo(3, size=240)), jpeg_bytes(photo(4, size=240))
    ivory, pangolin = case.ids["ivory"], case.ids["pangolin"]
    for listing_id, url, body, position, at in (
            (ivory, f"https://{MARKET}/img/ivory-1.jpg", front, 0, T0),
            (ivory, f"https://{MARKET}/img/ivory-2.jpg", side, 1, T0),
            (ivory, f"https://cdn.{MARKET}/ivory-1.jpg", front, 0, T0 + timedelta(days=1)),
            (pangolin, f"https://{MARKET}/img/ivory-1.jpg", front, 0, T0 + timedelta(days=1))):
        outcome = record_listing_image(session, images, listing_id=listing_id, url=url, body=body,
                                       content_type="image/jpeg", position=position, fetched_at=at)
        assert outcome.image_id is not None, outcome
    session.flush()
    return {"front": front, "side": side}
