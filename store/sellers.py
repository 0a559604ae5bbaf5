"""Sellers for analysts: activity counts, repeat offenders first, and the cross-site network.

Two seller accounts are linked when listings of both carry the same contact handle (a WeChat
id, a phone number...): traffickers move between marketplaces but keep their handles.  They are
linked too when listings of both carry the same photo (``store.images``): re-posted photos link
accounts even when the ads carry no text.  Each link says why: ``via`` "contact" or "image".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, case, func, or_, select, tuple_
from sqlalchemy.orm import Session

from store.errors import NotFound
from store.images import sellers_sharing_images
from store.models import Contact, Listing, ListingSpecies, Seller

__all__ = [
    "SellerStats",
    "SellerLink",
    "SellerDetail",
    "SELLER_SORTS",
    "list_sellers",
    "get_seller_detail",
    "seller_contacts",
]

SELLER_SORTS = ("-flagged", "-listings", "-last_seen", "first_seen")
_NETWORK_LIMIT = 200


@dataclass(slots=True)
class SellerStats:
    seller: Seller
    listings: int
    flagged: int
    first_activity: datetime | None
    last_activity: datetime | None
    species: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SellerLink:
    seller: Seller
    shared: list[tuple[str, str]]  # (kind, value) contacts shared with the seller asked about
    hops: int  # 1 = shares a contact or photo directly; 2 = through one other seller (contacts only)
    via: str = "contact"  # "contact" or "image"
    shared_images: list[str] = field(default_factory=list)  # SHA-256s of the asked-about seller's shared photos


@dataclass(slots=True)
class SellerDetail:
    stats: SellerStats
    contacts: list[tuple[str, str, int]]  # kind, value, listings carrying it
    linked: list[SellerLink]


def _activity() -> Select[int | None, int, int, datetime, datetime]:
    """Per seller: listings, flagged listings, first and last activity (a subquery for the pages)."""
    flagged = func.sum(case((Listing.flagged.is_(True), 1), else_=0)).cast(Integer)
    return (
        select(
            Listing.seller_id.label("seller_id"),
            func.count().label("listings"),
            flagged.label("flagged"),
            func.min(Listing.first_seen).label("first_activity"),
            func.max(Listing.last_seen).label("last_activity"),
        )
        .where(Listing.seller_id.is_not(None))
        .group_by(Listing.seller_id)
    )


def _species_for(session: Session, seller_ids: list[int]) -> dict[int, list[str]]:
    if not seller_ids:
        return {}
    rows = session.execute(
        select(Listing.seller_id, ListingSpecies.species, func.count())
        .join(ListingSpecies, ListingSpecies.listing_id == Listing.id)
        .where(Listing.seller_id.in_(seller_ids))
        .group_by(Listing.seller_id, ListingSpecies.species)
        .order_by(Listing.seller_id, func.count().desc(), ListingSpecies.species)
    ).all()
    out: dict[int, list[str]] = {}
    for seller_id, species, _count in rows:
        if seller_id is not None:
            out.setdefault(seller_id, []).append(species)
    return out


def list_sellers(
    session: Session,
    *,
    marketplace: str | None = None,
    min_flagged: int = 0,
    sort: str = "-flagged",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[SellerStats], int]:
    """One page of sellers with their counts, and how many match; repeat offenders first by default."""
    if sort not in SELLER_SORTS:
        raise ValueError(f"sort must be one of {', '.join(SELLER_SORTS)}")
    activity = _activity().subquery()
    flagged = func.coalesce(activity.c.flagged, 0)
    listings = func.coalesce(activity.c.listings, 0)
    query = select(Seller, listings, flagged, activity.c.first_activity, activity.c.last_activity).outerjoin(
        activity, activity.c.seller_id == Seller.id
    )
    if marketplace:
        query = query.where(Seller.marketplace == marketplace)
    if min_flagged > 0:
        query = query.where(flagged >= min_flagged)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order: dict[str, list[Any]] = {
        "-flagged": [flagged.desc(), listings.desc(), Seller.id],
        "-listings": [listings.desc(), flagged.desc(), Seller.id],
        "-last_seen": [Seller.last_seen.desc(), Seller.id],
        "first_seen": [Seller.first_seen.asc(), Seller.id],
    }
    rows = session.execute(query.order_by(*order[sort]).limit(limit).offset(offset)).all()
    species = _species_for(session, [row[0].id for row in rows])
    return [
        SellerStats(seller, count, flagged_count, first, last, species.get(seller.id, []))
        for seller, count, flagged_count, first, last in rows
    ], total


def seller_contacts(session: Session, seller_id: int) -> list[tuple[str, str, int]]:
    """The contact handles found in a seller's listings, with how many listings carry each."""
    rows = session.execute(
        select(Contact.kind, Contact.value, func.count(func.distinct(Contact.listing_id)))
        .outerjoin(Listing, Listing.id == Contact.listing_id)
        .where(or_(Contact.seller_id == seller_id, Listing.seller_id == seller_id))
        .group_by(Contact.kind, Contact.value)
        .order_by(Contact.kind, Contact.value)
    ).all()
    return [(kind, value, count) for kind, value, count in rows]


def _sellers_sharing(session: Session, handles: set[tuple[str, str]]) -> dict[int, set[tuple[str, str]]]:
    if not handles:
        return {}
    owner = func.coalesce(Contact.seller_id, Listing.seller_id)
    rows = session.execute(
        select(owner, Contact.kind, Contact.value)
        .outerjoin(Listing, Listing.id == Contact.listing_id)
        .where(tuple_(Contact.kind, Contact.value).in_(list(handles)), owner.is_not(None))
        .distinct()
        .limit(_NETWORK_LIMIT * 10)
    ).all()
    out: dict[int, set[tuple[str, str]]] = {}
    for seller_id, kind, value in rows:
        out.setdefault(seller_id, set()).add((kind, value))
    return out


def _stats_for(session: Session, seller: Seller) -> SellerStats:
    row = session.execute(_activity().where(Listing.seller_id == seller.id)).first()
    species = _species_for(session, [seller.id]).get(seller.id, [])
    if row is None:
        return SellerStats(seller, 0, 0, None, None, species)
    return SellerStats(seller, row.listings, row.flagged, row.first_activity, row.last_activity, species)


def get_seller_detail(session: Session, seller_id: int, *, hops: int = 2) -> SellerDetail:
    """A seller, its contacts and the sellers linked to it by shared contacts (up to ``hops`` away)."""
    seller = session.get(Seller, seller_id)
    if seller is None:
        raise NotFound(f"no seller {seller_id}")
    contacts = seller_contacts(session, seller_id)
    handles = {(kind, value) for kind, value, _ in contacts}
    found: dict[int, SellerLink] = {}
    frontier = handles
    seen_handles = set(handles)
    for depth in range(1, hops + 1):
        sharing = _sellers_sharing(session, frontier)
        new_ids = [sid for sid in sharing if sid != seller_id and sid not in found]
        if not new_ids:
            break
        sellers = {s.id: s for s in session.scalars(select(Seller).where(Seller.id.in_(new_ids)))}
        for sid in new_ids[: _NETWORK_LIMIT - len(found)]:
            if sid in sellers:
                found[sid] = SellerLink(sellers[sid], sorted(sharing[sid]), depth)
        if len(found) >= _NETWORK_LIMIT:
            break
        next_handles: set[tuple[str, str]] = set()
        for sid in new_ids:
            next_handles.update((kind, value) for kind, value, _ in seller_contacts(session, sid))
        frontier = next_handles - seen_handles
        seen_handles |= frontier
        if not frontier:
            break
    linked = sorted(found.values(), key=lambda link: (link.hops, -len(link.shared), link.seller.id))
    by_image = [SellerLink(other, [], 1, via="image", shared_images=images)
                for other, images in sellers_sharing_images(session, seller_id, limit=_NETWORK_LIMIT)]
    return SellerDetail(stats=_stats_for(session, seller), contacts=contacts, linked=linked + by_image)


