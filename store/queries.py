"""Read side for analysts: filtered, cursor-paginated listings and streamed exports."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from store.errors import NotFound
from store.models import Listing, ListingSpecies, Seller

__all__ = [
    "ListingFilter",
    "ListingPage",
    "InvalidCursor",
    "list_listings",
    "get_listing",
    "iter_export_rows",
    "EXPORT_COLUMNS",
]


class InvalidCursor(ValueError):
    """A pagination cursor that we did not issue."""


@dataclass(frozen=True, slots=True)
class ListingFilter:
    flagged: bool | None = None
    species: str | None = None
    marketplace: str | None = None
    min_score: float | None = None
    max_score: float | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.flagged is not None:
            query = query.where(Listing.flagged.is_(self.flagged))
        if self.species:
            query = query.where(
                Listing.id.in_(select(ListingSpecies.listing_id).where(ListingSpecies.species == self.species))
            )
        if self.marketplace:
            query = query.where(Listing.marketplace == self.marketplace)
        if self.min_score is not None:
            query = query.where(Listing.score >= self.min_score)
        if self.max_score is not None:
            query = query.where(Listing.score <= self.max_score)
        return query


@dataclass(frozen=True, slots=True)
class ListingPage:
    items: list[Listing]
    next_cursor: str | None


def _encode_cursor(listing: Listing) -> str:
    raw = f"{listing.last_seen.isoformat()}|{listing.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, listing_id = raw.split("|")
        return datetime.fromisoformat(stamp), int(listing_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor("invalid cursor") from exc


def list_listings(
    session: Session, filters: ListingFilter, *, limit: int = 50, cursor: str | None = None
) -> ListingPage:
    """Newest first (by last seen), keyset-paginated so deep pages stay fast."""
    query = filters.apply(select(Listing)).order_by(Listing.last_seen.desc(), Listing.id.desc())
    if cursor:
        seen, listing_id = _decode_cursor(cursor)
        query = query.where(
            or_(Listing.last_seen < seen, and_(Listing.last_seen == seen, Listing.id < listing_id))
        )
    rows = list(session.scalars(query.limit(limit + 1)))
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return ListingPage(items=rows[:limit], next_cursor=next_cursor)


def get_listing(session: Session, listing_id: int) -> Listing:
    """One listing by id."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(f"no listing {listing_id}")
    return listing


EXPORT_COLUMNS = [
    "id", "url", "marketplace", "title", "description", "price", "currency", "seller", "seller_url",
    "lang", "first_seen", "last_seen", "score", "flagged", "species", "reasons", "model_version",
    "review_status",
]


def iter_export_rows(session: Session, filters: ListingFilter, *, chunk: int = 2000) -> Iterator[dict[str, Any]]:
    """Every matching listing as a flat dict, fetched in id-ordered chunks (flat memory)."""
    after = 0
    while True:
        query = (
            filters.apply(select(Listing, Seller.name, Seller.url).outerjoin(Seller, Listing.seller_id == Seller.id))
            .where(Listing.id > after)
            .order_by(Listing.id)
            .limit(chunk)
        )
        rows = session.execute(query).all()
        if not rows:
            return
        for listing, seller_name, seller_url in rows:
            yield {
                "id": listing.id,
                "url": listing.url,
                "marketplace": listing.marketplace,
                "title": listing.title,
                "description": listing.description,
                "price": None if listing.price is None else float(listing.price),
                "currency": listing.currency,
                "seller": seller_name,
                "seller_url": None if seller_url is None or seller_url.startswith("name:") else seller_url,
                "lang": listing.lang,
                "first_seen": listing.first_seen.isoformat(),
                "last_seen": listing.last_seen.isoformat(),
                "score": listing.score,
                "flagged": listing.flagged,
                "species": listing.species,
                "reasons": " | ".join(listing.reasons or []),
                "model_version": listing.model_version,
                "review_status": listing.review_status,
            }
        after = rows[-1][0].id
        session.expunge_all()
