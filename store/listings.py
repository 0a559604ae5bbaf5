"""Writing crawled listings: batched upserts with versions, sellers, snapshots and contacts."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from core.langs import canonical_lang
from store.models import Contact, Listing, ListingVersion, Seller, Snapshot, utcnow
from store.search import index_listings

__all__ = ["SnapshotIn", "ListingIn", "UpsertCounts", "content_hash", "upsert_listings"]


@dataclass(slots=True)
class SnapshotIn:
    """A snapshot already written to disk (see ``store.snapshots``), to be recorded."""

    url: str
    http_status: int
    sha256: str
    path: str
    size: int
    headers: dict[str, Any] = field(default_factory=dict)
    encoding: str | None = None
    fetched_at: datetime = field(default_factory=utcnow)


@dataclass(slots=True)
class ListingIn:
    """One listing as the crawler saw it: the one record that crosses from the crawler to the store.

    The spider yields it (``crawler.items.ListingItem`` adds the raw page), the writer passes it
    on with its ``snapshot`` written and its crawl's ``site_id``, and ``upsert_listings`` stores
    every field.
    """

    url: str  # canonical
    marketplace: str
    title: str
    description: str = ""
    price: Decimal | None = None
    currency: str | None = None
    price_text: str | None = None
    images: list[str] = field(default_factory=list)
    lang: str | None = None
    seller_url: str | None = None
    seller_name: str | None = None
    fetched_at: datetime = field(default_factory=utcnow)
    snapshot: SnapshotIn | None = None
    contacts: list[tuple[str, str]] = field(default_factory=list)
    site_id: int | None = None
    source: str | None = None  # what the title was read from: jsonld|microdata|rdfa|opengraph|heuristic|profile
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. {"search_term": ...}: the search that found it


@dataclass(slots=True)
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    new_ids: list[int] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)
    photo_skips: dict[str, int] = field(default_factory=dict)  # the batch's photos not stored, by reason

    def add(self, other: UpsertCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.new_ids += other.new_ids
        self.changed_ids += other.changed_ids
        for reason, count in other.photo_skips.items():
            self.photo_skips[reason] = self.photo_skips.get(reason, 0) + count


#: Listing fields a new fetch overwrites when the listing's content changed (the rest of its content
#: history lives in ``listing_versions``).
_CONTENT_FIELDS = ("title", "description", "price", "currency", "price_text", "images")


def content_hash(title: str, description: str, price: Decimal | None, currency: str | None) -> str:
    """Fingerprint of the fields that matter for scoring and versioning."""
    price_part = "" if price is None else format(Decimal(price).normalize(), "f")
    joined = "\x1f".join((title or "", description or "", price_part, currency or ""))
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def _upsert_sellers(session: Session, items: Sequence[ListingIn], now: datetime) -> dict[tuple[str, str], int]:
    keys: dict[tuple[str, str], str | None] = {}
    for item in items:
        if item.seller_url or item.seller_name:
            key = (item.marketplace, item.seller_url or f"name:{item.seller_name}")
            keys[key] = item.seller_name or keys.get(key)
    if not keys:
        return {}
    existing = {
        (s.marketplace, s.url): s
        for s in session.scalars(select(Seller).where(tuple_(Seller.marketplace, Seller.url).in_(list(keys))))
    }
    for key, name in keys.items():
        seller = existing.get(key)
        if seller is None:
            seller = Seller(marketplace=key[0], url=key[1], name=name, first_seen=now, last_seen=now)
            session.add(seller)
            existing[key] = seller
        else:
            seller.last_seen = now
            if name:
                seller.name = name
    session.flush()
    return {key: seller.id for key, seller in existing.items()}


def _record_snapshots(session: Session, items: Sequence[ListingIn], run_id: int | None) -> dict[int, int]:
    rows: dict[int, Snapshot] = {}
    for index, item in enumerate(items):
        snap = item.snapshot
        if snap is not None:
            rows[index] = Snapshot(
                url=snap.url,
                http_status=snap.http_status,
                headers=snap.headers,
                fetched_at=snap.fetched_at,
                sha256=snap.sha256,
                size=snap.size,
                path=snap.path,
                encoding=snap.encoding,
                run_id=run_id,
            )
    session.add_all(rows.values())
    session.flush()
    return {index: row.id for index, row in rows.items()}


def upsert_listings(session: Session, items: Sequence[ListingIn], *, run_id: int | None = None) -> UpsertCounts:
    """Insert new listings, version changed ones, touch unchanged ones — one batch, no commit.

    A listing is identified by its canonical URL.  A change of title, description or price
    adds a ``ListingVersion`` instead of a duplicate row, so history is never lost.
    """
    counts = UpsertCounts()
    if not items:
        return counts
    latest: dict[str, ListingIn] = {}
    for item in items:  # the same URL twice in one batch: the later fetch wins
        latest[item.url] = item
    batch = list(latest.values())
    now = utcnow()
    seller_ids = _upsert_sellers(session, batch, now)
    snapshot_ids = _record_snapshots(session, batch, run_id)
    existing = {
        listing.url: listing
        for listing in session.scalars(select(Listing).where(Listing.url.in_([item.url for item in batch])))
    }
    touched: list[tuple[ListingIn, Listing]] = []
    for index, item in enumerate(batch):
        digest = content_hash(item.title, item.description, item.price, item.currency)
        seller_id = seller_ids.get((item.marketplace, item.seller_url or f"name:{item.seller_name}"))
        snapshot_id = snapshot_ids.get(index)
        listing = existing.get(item.url)
        if listing is None:
            listing = Listing(
                url=item.url,
                marketplace=item.marketplace,
                site_id=item.site_id,
                seller_id=seller_id,
                **{name: getattr(item, name) for name in _CONTENT_FIELDS},
                lang=canonical_lang(item.lang),
                source=item.source,
                extra=dict(item.extra),
                content_hash=digest,
                version=1,
                snapshot_id=snapshot_id,
                first_seen=item.fetched_at,
                last_seen=item.fetched_at,
                fetched_at=item.fetched_at,
            )
            session.add(listing)
            touched.append((item, listing))
            counts.new += 1
            continue
        listing.last_seen = max(listing.last_seen, item.fetched_at)
        listing.fetched_at = item.fetched_at
        if snapshot_id is not None:
            listing.snapshot_id = snapshot_id
        if seller_id is not None:
            listing.seller_id = seller_id
        if item.source:
            listing.source = item.source
        if item.extra:  # facts from earlier fetches stay (a category crawl does not erase the search term)
            listing.extra = {**(listing.extra or {}), **item.extra}
        if listing.content_hash == digest:
            counts.unchanged += 1
            continue
        listing.version += 1
        for name in _CONTENT_FIELDS:
            setattr(listing, name, getattr(item, name))
        listing.lang = canonical_lang(item.lang) or listing.lang
        listing.content_hash = digest
        touched.append((item, listing))
        counts.updated += 1
        counts.changed_ids.append(listing.id)
    session.flush()
    for item, listing in touched:
        session.add(
            ListingVersion(
                listing_id=listing.id,
                version=listing.version,
                title=listing.title,
                description=listing.description,
                price=listing.price,
                currency=listing.currency,
                content_hash=listing.content_hash,
                snapshot_id=listing.snapshot_id,
                seen_at=item.fetched_at,
            )
        )
        if listing.version == 1:
            counts.new_ids.append(listing.id)
    _record_contacts(session, touched)
    session.flush()
    index_listings(session, [listing for _, listing in touched])
    return counts


def _record_contacts(session: Session, touched: list[tuple[ListingIn, Listing]]) -> None:
    wanted = {
        (listing.id, kind, value): listing.seller_id
        for item, listing in touched
        for kind, value in item.contacts
    }
    if not wanted:
        return
    listing_ids = {key[0] for key in wanted}
    present = {
        tuple(row)
        for row in session.execute(
            select(Contact.listing_id, Contact.kind, Contact.value).where(Contact.listing_id.in_(listing_ids))
        )
    }
    session.add_all(
        Contact(listing_id=lid, kind=kind, value=value, seller_id=seller_id)
        for (lid, kind, value), seller_id in wanted.items()
        if (lid, kind, value) not in present
    )
