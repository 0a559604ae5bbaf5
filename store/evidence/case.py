"""What a case file says: the listings asked for (or all of a seller's), every stored version with
its page capture, every stored photo, scores with model version, threshold and reasons, reviews, the audit trail,
and the sellers with their contact handles and the sellers linked to them.

Read in a few batched queries (chunks of ids), not one round trip per listing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.errors import NotFound
from store.models import (
    AuditLog,
    Contact,
    ImageRecord,
    Listing,
    ListingImage,
    ListingVersion,
    Review,
    Score,
    Seller,
    Snapshot,
)
from store.sellers import get_seller_detail

__all__ = ["Case", "collect_case"]

_CHUNK = 500
T = TypeVar("T")


def _chunks(values: Sequence[T]) -> Iterable[Sequence[T]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


@dataclass
class Case:
    """Rows of one case, ordered by listing id then version (the package's order)."""

    listings: list[Listing]
    versions: dict[int, list[ListingVersion]]
    snapshots: dict[int, Snapshot]
    scores: dict[int, list[Score]]
    reviews: dict[int, list[Review]]
    audit: dict[int, list[AuditLog]]
    contacts: dict[int, list[tuple[str, str]]]
    sellers: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: per listing, each stored photo (a fetched image URL whose bytes are in the image store)
    photos: dict[int, list[tuple[ListingImage, ImageRecord]]] = field(default_factory=dict)

    def photo_order(self) -> list[tuple[Listing, ListingImage, ImageRecord]]:
        """(listing, its image URL's fetch, the stored image) for every photo the package holds."""
        return [(listing, fetch, image) for listing in self.listings
                for fetch, image in self.photos.get(listing.id, [])]

    def snapshot_order(self) -> list[tuple[Listing, int | None, Snapshot]]:
        """(listing, version or None for the latest fetch, snapshot) for every page the package holds."""
        out: list[tuple[Listing, int | None, Snapshot]] = []
        for listing in self.listings:
            seen: set[int] = set()
            for version in self.versions.get(listing.id, []):
                if version.snapshot_id is not None and version.snapshot_id in self.snapshots:
                    out.append((listing, version.version, self.snapshots[version.snapshot_id]))
                    seen.add(version.snapshot_id)
            if listing.snapshot_id is not None and listing.snapshot_id not in seen \
                    and listing.snapshot_id in self.snapshots:
                out.append((listing, None, self.snapshots[listing.snapshot_id]))
        return out


def _listing_ids(session: Session, listing_ids: Sequence[int], seller_id: int | None) -> list[int]:
    wanted = sorted(set(listing_ids))
    found: set[int] = set()
    for chunk in _chunks(wanted):
        found.update(session.scalars(select(Listing.id).where(Listing.id.in_(chunk))))
    missing = [listing_id for listing_id in wanted if listing_id not in found]
    if missing:
        shown = ", ".join(str(listing_id) for listing_id in missing[:10])
        raise NotFound(f"no listing {shown}" + (f" (and {len(missing) - 10} more)" if len(missing) > 10 else ""))
    if seller_id is not None:
        if session.get(Seller, seller_id) is None:
            raise NotFound(f"no seller {seller_id}")
        found.update(session.scalars(select(Listing.id).where(Listing.seller_id == seller_id)))
    if not found:
        raise NotFound("nothing to export: give listing ids or a seller with listings")
    return sorted(found)


def _grouped(session: Session, model: Any, column: Any, ids: Sequence[Any], order: Any) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = defaultdict(list)
    for chunk in _chunks(list(ids)):
        for row in session.scalars(select(model).where(column.in_(chunk)).order_by(column, *order)):
            out[getattr(row, column.key)].append(row)
    return out


def collect_case(session: Session, listing_ids: Sequence[int], *, seller_id: int | None = None) -> Case:
    """Every row a case file holds; unknown listing or seller ids raise ``NotFound``."""
    ids = _listing_ids(session, listing_ids, seller_id)
    listings: list[Listing] = []
    for chunk in _chunks(ids):
        listings.extend(session.scalars(select(Listing).where(Listing.id.in_(chunk))))
    listings.sort(key=lambda listing: listing.id)
    versions = _grouped(session, ListingVersion, ListingVersion.listing_id, ids, [ListingVersion.version])
    snapshot_ids = sorted({v.snapshot_id for rows in versions.values() for v in rows if v.snapshot_id is not None}
                          | {listing.snapshot_id for listing in listings if listing.snapshot_id is not None})
    snapshots: dict[int, Snapshot] = {}
    for chunk in _chunks(snapshot_ids):
        snapshots.update((row.id, row) for row in session.scalars(select(Snapshot).where(Snapshot.id.in_(chunk))))
    scores = _grouped(session, Score, Score.listing_id, ids, [Score.scored_at, Score.id])
    reviews = _grouped(session, Review, Review.listing_id, ids, [Review.created_at, Review.id])
    audit: dict[int, list[AuditLog]] = defaultdict(list)
    for targets in _chunks([str(listing_id) for listing_id in ids]):
        for row in session.scalars(select(AuditLog).where(AuditLog.target_type == "listing",
                                                          AuditLog.target_id.in_(targets)).order_by(AuditLog.id)):
            audit[int(row.target_id or 0)].append(row)
    contacts: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for chunk in _chunks(ids):
        for listing_id, kind, value in session.execute(
                select(Contact.listing_id, Contact.kind, Contact.value).where(Contact.listing_id.in_(chunk))
                .order_by(Contact.listing_id, Contact.kind, Contact.value)):
            contacts[listing_id].append((kind, value))
    case = Case(listings, versions, snapshots, scores, reviews, audit, contacts, photos=_photos(session, ids))
    for seller in sorted({listing.seller_id for listing in listings if listing.seller_id is not None}):
        case.sellers[seller] = _seller(session, seller)
    return case


def _photos(session: Session, ids: Sequence[int]) -> dict[int, list[tuple[ListingImage, ImageRecord]]]:
    """Every stored photo of the listings, in page order then fetch order (skipped URLs have no bytes to keep)."""
    out: dict[int, list[tuple[ListingImage, ImageRecord]]] = defaultdict(list)
    for chunk in _chunks(ids):
        for fetch, image in session.execute(
                select(ListingImage, ImageRecord).join(ImageRecord, ImageRecord.id == ListingImage.image_id)
                .where(ListingImage.listing_id.in_(chunk))
                .order_by(ListingImage.listing_id, ListingImage.position, ListingImage.fetched_at, ListingImage.id)):
            out[fetch.listing_id].append((fetch, image))
    return out


def _seller(session: Session, seller_id: int) -> dict[str, Any]:
    detail = get_seller_detail(session, seller_id)
    seller = detail.stats.seller
    return {
        "id": seller.id, "marketplace": seller.marketplace, "name": seller.name,
        "url": None if seller.url.startswith("name:") else seller.url,
        "first_seen": _iso(seller.first_seen), "last_seen": _iso(seller.last_seen),
        "listings": detail.stats.listings, "flagged": detail.stats.flagged,
        "contacts": [{"kind": kind, "value": value, "listings": count} for kind, value, count in detail.contacts],
        "linked_sellers": [
            {"id": link.seller.id, "marketplace": link.seller.marketplace, "name": link.seller.name,
             "url": None if link.seller.url.startswith("name:") else link.seller.url, "hops": link.hops,
             "shared_contacts": [{"kind": kind, "value": value} for kind, value in link.shared]}
            for link in detail.linked
        ],
    }


def snapshot_json(snapshot: Snapshot, capture: dict[str, Any]) -> dict[str, Any]:
    """A page capture as case.json describes it (``capture``: where its records are in the WARC)."""
    return {"id": snapshot.id, "url": snapshot.url, "http_status": snapshot.http_status,
            "fetched_at": _iso(snapshot.fetched_at), "sha256": snapshot.sha256, "bytes": snapshot.size,
            "encoding": snapshot.encoding, **capture}


def photo_json(fetch: ListingImage, image: ImageRecord, capture: dict[str, Any]) -> dict[str, Any]:
    """A stored photo as case.json describes it (``capture``: where its record is in the WARC)."""
    return {"sha256": image.sha256, "url": fetch.url, "position": fetch.position,
            "fetched_at": _iso(fetch.fetched_at), "last_seen": _iso(fetch.last_seen),
            "content_type": fetch.content_type, "mime": image.mime, "bytes": image.size, "width": image.width,
            "height": image.height, "frames": image.frames, "pdq": image.pdq, "quality": image.quality, **capture}


def listing_json(case: Case, listing: Listing, captures: dict[int, dict[str, Any]],
                 photo_captures: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """One listing as case.json holds it (``captures``: per snapshot id, its WARC records;
    ``photo_captures``: per listing image row id, its photo's record)."""

    def page(snapshot_id: int | None) -> dict[str, Any] | None:
        if snapshot_id is None:
            return None
        snapshot = case.snapshots.get(snapshot_id)
        return None if snapshot is None else snapshot_json(snapshot, captures.get(snapshot_id, {}))

    return {
        "id": listing.id, "url": listing.url, "marketplace": listing.marketplace, "seller_id": listing.seller_id,
        "title": listing.title, "description": listing.description, "price": _money(listing.price),
        "currency": listing.currency, "price_text": listing.price_text, "lang": listing.lang,
        "images": list(listing.images or []), "first_seen": _iso(listing.first_seen),
        "last_seen": _iso(listing.last_seen), "review_status": listing.review_status,
        "score": {"score": listing.score, "flagged": listing.flagged, "model_version": listing.model_version,
                  "species": [s for s in (listing.species or "").split(";") if s],
                  "reasons": list(listing.reasons or []), "scored_at": _iso(listing.scored_at)},
        "scores": [{"model_version": s.model_version, "content_hash": s.content_hash, "score": s.score,
                    "threshold": s.threshold, "flagged": s.flagged,
                    "species": [x for x in (s.species or "").split(";") if x], "reasons": list(s.reasons or []),
                    "scored_at": _iso(s.scored_at)} for s in case.scores.get(listing.id, [])],
        "versions": [{"version": v.version, "title": v.title, "description": v.description,
                      "price": _money(v.price), "currency": v.currency, "content_hash": v.content_hash,
                      "seen_at": _iso(v.seen_at), "page": page(v.snapshot_id),
                      "page_pruned": v.snapshot_id is None} for v in case.versions.get(listing.id, [])],
        "latest_fetch": page(listing.snapshot_id),
        "photos": [photo_json(fetch, image, photo_captures.get(fetch.id, {}))
                   for fetch, image in case.photos.get(listing.id, [])],
        "contacts": [{"kind": kind, "value": value} for kind, value in case.contacts.get(listing.id, [])],
        "reviews": [{"id": r.id, "decision": r.decision, "reason": r.reason, "note": r.note, "reviewer": r.reviewer,
                     "model_version": r.model_version, "score": r.score, "created_at": _iso(r.created_at),
                     "undone_at": _iso(r.undone_at)}
                    for r in case.reviews.get(listing.id, [])],
        "audit": [{"at": _iso(a.at), "actor": a.actor, "action": a.action, "detail": a.detail}
                  for a in case.audit.get(listing.id, [])],
    }
