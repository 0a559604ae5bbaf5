"""What links a listing's seller to other accounts: the listing's contact handles and the linked sellers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Contact, Listing
from store.sellers import SellerLink, get_seller_detail

__all__ = ["Network", "listing_network"]


@dataclass(frozen=True, slots=True)
class Network:
    """The handles found in one listing, and the sellers sharing a handle or a photo with its seller."""

    contacts: list[tuple[str, str]]
    linked: list[SellerLink]


def listing_network(session: Session, listing: Listing) -> Network:
    """The listing's own contact handles, and the sellers linked to its seller (by handle or photo)."""
    contacts = [(kind, value) for kind, value in session.execute(
        select(Contact.kind, Contact.value).where(Contact.listing_id == listing.id).order_by(Contact.kind, Contact.value)
    )]
    linked = get_seller_detail(session, listing.seller_id).linked if listing.seller_id else []
    return Network(contacts, linked)
