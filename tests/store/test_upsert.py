"""Crawled listings are stored once per canonical URL, with versions for changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.listings import ListingIn, SnapshotIn, content_hash, upsert_listings
from store.models import Contact, Listing, ListingVersion, Seller, Snapshot

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def make(url: str = "http://m.test/item/1", **overrides: object) -> ListingIn:
    fields: dict[str, object] = {
        "url": url,
        "marketplace": "m.test",
        "title": "老象牙手镯 包真",
        "description": "私聊 微信 abc123",
        "price": Decimal("1280.00"),
        "currency": "CNY",
        "seller_url": "http://m.test/seller/7",
        "seller_name": "老王",
        "fetched_at": T0,
        "snapshot": SnapshotIn(url=url, http_status=200, sha256="a" * 64, path="aa/aa/x.gz", size=10),
        "contacts": [("wechat", "abc123")],
    }
    fields.update(overrides)
    return ListingIn(**fields)  # type: ignore[arg-type]


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_new_listing_is_stored_with_seller_snapshot_version_and_contacts(session: Session) -> None:
    counts = upsert_listings(session, [make()])
    session.commit()
    assert (counts.new, counts.updated, counts.unchanged) == (1, 0, 0)
    listing = session.scalars(select(Listing)).one()
    assert listing.title == "老象牙手镯 包真"
    assert listing.price == Decimal("1280.00")
    assert listing.first_seen == T0 and listing.last_seen == T0
    assert listing.seller_id == session.scalars(select(Seller.id)).one()
    assert listing.snapshot_id == session.scalars(select(Snapshot.id)).one()
    assert count(session, ListingVersion) == 1
    assert session.execute(select(Contact.kind, Contact.value)).all() == [("wechat", "abc123")]


def test_seen_again_unchanged_only_touches_last_seen(session: Session) -> None:
    upsert_listings(session, [make()])
    later = T0 + timedelta(days=1)
    counts = upsert_listings(session, [make(fetched_at=later)])
    session.commit()
    assert (counts.new, counts.updated, counts.unchanged) == (0, 0, 1)
    listing = session.scalars(select(Listing)).one()
    assert listing.last_seen == later and listing.first_seen == T0
    assert listing.version == 1
    assert count(session, ListingVersion) == 1
    assert count(session, Contact) == 1


def test_price_change_adds_a_version_not_a_duplicate(session: Session) -> None:
    upsert_listings(session, [make()])
    counts = upsert_listings(session, [make(price=Decimal("999"), fetched_at=T0 + timedelta(hours=5))])
    session.commit()
    assert counts.updated == 1 and counts.changed_ids
    assert count(session, Listing) == 1
    listing = session.scalars(select(Listing)).one()
    assert listing.version == 2 and listing.price == Decimal("999")
    versions = session.scalars(select(ListingVersion).order_by(ListingVersion.version)).all()
    assert [v.price for v in versions] == [Decimal("1280.00"), Decimal("999.00")]


def test_same_url_twice_in_one_batch_is_one_listing(session: Session) -> None:
    counts = upsert_listings(session, [make(title="first"), make(title="second")])
    session.commit()
    assert counts.new == 1
    assert session.scalars(select(Listing.title)).one() == "second"


def test_many_listings_share_one_seller_row(session: Session) -> None:
    items = [make(url=f"http://m.test/item/{i}") for i in range(50)]
    counts = upsert_listings(session, items)
    session.commit()
    assert counts.new == 50
    assert count(session, Seller) == 1
    assert len(set(counts.new_ids)) == 50


def test_hostile_text_is_stored_verbatim(session: Session) -> None:
    hostile = "'); DROP TABLE listings; -- <script>alert(1)</script> \u202e\u200b🐘"
    upsert_listings(session, [make(title=hostile, description=hostile)])
    session.commit()
    assert session.scalars(select(Listing.title)).one() == hostile


def test_content_hash_ignores_price_formatting() -> None:
    assert content_hash("a", "b", Decimal("10"), "CNY") == content_hash("a", "b", Decimal("10.00"), "CNY")
    assert content_hash("a", "b", Decimal("10"), "CNY") != content_hash("a", "b", Decimal("11"), "CNY")
