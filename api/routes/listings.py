"""Analysts' view of stored listings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import CurrentKey, SessionDep
from api.errors import ApiError
from api.schemas import ListingOut, ListingPageOut
from store.models import Listing
from store.queries import InvalidCursor, ListingFilter, get_listing, list_listings

router = APIRouter(prefix="/v1", tags=["listings"])


def listing_out(listing: Listing, request: Request) -> ListingOut:
    """The API shape of a listing, with links to itself and its source page."""
    return ListingOut(
        id=listing.id,
        url=listing.url,
        marketplace=listing.marketplace,
        title=listing.title,
        description=listing.description,
        price=None if listing.price is None else float(listing.price),
        currency=listing.currency,
        lang=listing.lang,
        seller_id=listing.seller_id,
        first_seen=listing.first_seen,
        last_seen=listing.last_seen,
        score=listing.score,
        flagged=listing.flagged,
        species=[s for s in (listing.species or "").split(";") if s],
        reasons=list(listing.reasons or []),
        model_version=listing.model_version,
        review_status=listing.review_status,
        links={"self": str(request.url_for("get_listing_detail", listing_id=listing.id)), "source": listing.url},
    )


@router.get("/listings", response_model=ListingPageOut)
def get_listings(
    request: Request,
    session: SessionDep,
    key: CurrentKey,
    flagged: bool | None = None,
    species: Annotated[str | None, Query(max_length=64)] = None,
    marketplace: Annotated[str | None, Query(max_length=255)] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ListingPageOut:
    """Listings newest first, filtered; follow `next_cursor` for more."""
    filters = ListingFilter(
        flagged=flagged, species=species, marketplace=marketplace, min_score=min_score, max_score=max_score
    )
    try:
        page = list_listings(session, filters, limit=limit, cursor=cursor)
    except InvalidCursor as exc:
        raise ApiError(422, "invalid_cursor", str(exc)) from exc
    return ListingPageOut(items=[listing_out(item, request) for item in page.items], next_cursor=page.next_cursor)


@router.get("/listings/{listing_id}", response_model=ListingOut, name="get_listing_detail")
def get_listing_detail(listing_id: int, request: Request, session: SessionDep, key: CurrentKey) -> ListingOut:
    """One listing."""
    return listing_out(get_listing(session, listing_id), request)
