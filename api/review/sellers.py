"""The review UI's seller page: history, contact handles, linked accounts and listings.

Traffickers move between marketplaces but keep their handles: from a listing (see
``api.review.network``) a moderator follows the seller, and the accounts sharing its contacts or
photos, to decide their listings too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path as PathParam, Request
from fastapi.responses import Response
from sqlalchemy import select

from api.deps import SessionDep
from api.review.auth import ReviewerDep
from api.review.pages import render
from api.routes.filters import MAX_ID
from store.models import Listing
from store.reviews import current_threshold, seller_history
from store.sellers import get_seller_detail

__all__ = ["router"]

router = APIRouter(prefix="/review", include_in_schema=False)
SellerId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
#: A seller page lists this many of the seller's listings (highest score first).
SELLER_LISTINGS = 200


@router.get("/sellers/{seller_id}")
def get_seller_page(seller_id: SellerId, request: Request, session: SessionDep, user: ReviewerDep) -> Response:
    """A seller: history, contact handles, linked accounts and listings, each a link to decide from."""
    detail = get_seller_detail(session, seller_id)
    listings = list(session.scalars(
        select(Listing).where(Listing.seller_id == seller_id).order_by(Listing.score.desc(), Listing.id)
        .limit(SELLER_LISTINGS)
    ))
    seller = detail.stats.seller
    return render(request, "seller.html", user=user, seller=seller, stats=detail.stats, contacts=detail.contacts,
                  linked=detail.linked, listings=listings, history=seller_history(session, seller_id),
                  threshold=current_threshold(session),
                  profile=None if seller.url.startswith("name:") else seller.url)
