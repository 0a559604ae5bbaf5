"""A small, realistic store for query and API tests: three marketplaces, three scripts, a network."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.listings import ListingIn, SnapshotIn, upsert_listings
from store.models import Contact, Listing, Review, Seller
from store.scores import ScoreIn, record_scores
from store.snapshots import SnapshotStore

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday

#: url suffix, marketplace, seller, title, description, price, lang, day offset, (score, flagged, species)
LISTINGS = [
    ("a1", "shop.example.cn", "老王", "正宗象牙手镯 老料", "微信: wx_ivory88 联系", "8800", "zh-Hans", 0,
     (0.97, True, ["elephant"])),
    ("a2", "shop.example.cn", "老王", "穿山甲鳞片 药用", "加微信 wx_ivory88", "1200", "zh-Hans", 1,
     (0.95, True, ["pangolin"])),
    ("a3", "shop.example.cn", "小李", "可爱毛绒玩具熊", "儿童礼物", "59", "zh-Hans", 2, (0.03, False, [])),
    ("b1", "hk.market.example", "阿強", "象牙雕刻擺件 收藏", "WhatsApp +852 6123 4567", "23000", "zh-Hant", 3,
     (0.93, True, ["elephant"])),
    ("b2", "hk.market.example", "阿強", "穿山甲片 正品", "微信 wx_ivory88", "900", "zh-Hant", 8,
     (0.91, True, ["pangolin"])),
    ("b3", "hk.market.example", "Mary", "Vintage wooden chair", "Solid oak, good condition", "350", "en", 9,
     (0.02, False, [])),
    ("c1", "en.bazaar.example", "tusk_trader", "Carved ivory bangle, antique", "DM on WhatsApp +852 6123 4567",
     "1500", "en", 10, (0.88, True, ["elephant"])),
    ("c2", "en.bazaar.example", "tusk_trader", "Rhino horn cup", "Line id: horn_dealer", "50000", "en", 11,
     (0.99, True, ["rhinoceros"])),
    ("c3", "en.bazaar.example", "gardener", "Tomato seedlings", "Heirloom varieties", "5", "en", 12,
     (0.01, False, [])),
]

CONTACTS = {
    "a1": [("wechat", "wx_ivory88")],
    "a2": [("wechat", "wx_ivory88")],
    "b1": [("whatsapp", "+85261234567")],
    "b2": [("wechat", "wx_ivory88")],
    "c1": [("whatsapp", "+85261234567")],
    "c2": [("line", "horn_dealer")],
}


@dataclass
class Seeded:
    ids: dict[str, int]  # url suffix -> listing id
    sellers: dict[str, int]  # seller name -> seller id


def url(suffix: str, marketplace: str) -> str:
    return f"https://{marketplace}/item/{suffix}"


def seed_store(session: Session, snapshot_dir: Path | None = None) -> Seeded:
    """Insert the listings (with a snapshot for a1), scores, contacts, a price change and reviews."""
    snapshots = SnapshotStore(snapshot_dir) if snapshot_dir else None
    items = []
    for suffix, marketplace, seller, title, description, price, lang, day, _ in LISTINGS:
        snapshot = None
        if snapshots is not None and suffix == "a1":
            body = f"<html><body><script>alert(1)</script><h1>{title}</h1></body></html>".encode()
            blob = snapshots.save(body)
            snapshot = SnapshotIn(url=url(suffix, marketplace), http_status=200, sha256=blob.sha256,
                                  path=blob.path, size=blob.size, encoding="utf-8")
        items.append(
            ListingIn(
                url=url(suffix, marketplace), marketplace=marketplace, title=title, description=description,
                price=Decimal(price), currency="CNY" if lang == "zh-Hans" else "HKD" if lang == "zh-Hant" else "USD",
                lang=lang, seller_name=seller, seller_url=f"https://{marketplace}/u/{seller}",
                fetched_at=T0 + timedelta(days=day), snapshot=snapshot, contacts=CONTACTS.get(suffix, []),
            )
        )
    upsert_listings(session, items)
    # a price change on a1 a day later: a second version
    changed = items[0]
    changed.price = Decimal("7800")
    changed.fetched_at = T0 + timedelta(days=1)
    changed.snapshot = None
    upsert_listings(session, [changed])
    ids = {
        listing.url.rsplit("/", 1)[1]: listing.id for listing in session.scalars(select(Listing))
    }
    hashes = {row.id: row.content_hash for row in session.execute(select(Listing.id, Listing.content_hash))}
    record_scores(
        session,
        [
            ScoreIn(ids[suffix], hashes[ids[suffix]], score, flagged, species,
                    [f"matched: {title.split()[0]}"] if flagged else [])
            for suffix, _, _, title, _, _, _, _, (score, flagged, species) in LISTINGS
        ],
        model_version="test-1",
        threshold=0.5,
    )
    session.add_all(
        [
            Review(listing_id=ids["a1"], decision="confirmed", reviewer="mod", model_version="test-1", score=0.97),
            Review(listing_id=ids["b3"], decision="dismissed", reviewer="mod", model_version="test-1", score=0.02),
        ]
    )
    for listing in session.scalars(select(Listing).where(Listing.id.in_([ids["a1"], ids["b3"]]))):
        listing.review_status = "confirmed" if listing.id == ids["a1"] else "dismissed"
    session.flush()
    sellers = {seller.name: seller.id for seller in session.scalars(select(Seller))}
    return Seeded(ids=ids, sellers=sellers)


def add_contact(session: Session, listing_id: int, kind: str, value: str) -> None:
    """A contact row as the crawler pipeline writes it."""
    listing = session.get(Listing, listing_id)
    assert listing is not None
    session.add(Contact(listing_id=listing_id, seller_id=listing.seller_id, kind=kind, value=value))
    session.flush()
