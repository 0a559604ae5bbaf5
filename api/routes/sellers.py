"""Sellers: repeat offenders first, and the network of accounts sharing contact handles."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from api.deps import CurrentKey, SessionDep, base_url
from api.errors import ERROR_RESPONSES, NOT_FOUND
from api.routes.filters import MAX_ID
from api.routes.listings import seller_brief
from api.schemas import ContactOut, LinkedSellerOut, SafeStr, SellerDetailOut, SellerOut, SellerPageOut
from store.sellers import SellerStats, get_seller_detail, list_sellers

router = APIRouter(prefix="/v1", tags=["sellers"], responses=ERROR_RESPONSES)


def seller_out(stats: SellerStats, request: Request) -> SellerOut:
    """The API shape of a seller with its activity counts."""
    seller = stats.seller
    base = base_url(request)
    return SellerOut(
        id=seller.id,
        marketplace=seller.marketplace,
        name=seller.name,
        url=None if seller.url.startswith("name:") else seller.url,
        first_seen=seller.first_seen,
        last_seen=seller.last_seen,
        listings=stats.listings,
        flagged=stats.flagged,
        first_activity=stats.first_activity,
        last_activity=stats.last_activity,
        species=stats.species,
        links={"self": f"{base}v1/sellers/{seller.id}", "listings": f"{base}v1/listings?seller_id={seller.id}"},
    )


@router.get("/sellers", response_model=SellerPageOut)
def get_sellers(
    request: Request,
    session: SessionDep,
    key: CurrentKey,
    marketplace: Annotated[SafeStr | None, Query(max_length=255)] = None,
    min_flagged: Annotated[int, Query(ge=0, le=1_000_000_000, description="At least this many flagged listings.")] = 0,
    sort: Annotated[
        Literal["-flagged", "-listings", "-last_seen", "first_seen"],
        Query(description="`-flagged` (default) puts repeat offenders first."),
    ] = "-flagged",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> SellerPageOut:
    """Sellers with counts of listings, flagged listings, species and first/last activity."""
    rows, total = list_sellers(
        session, marketplace=marketplace, min_flagged=min_flagged, sort=sort, limit=limit, offset=offset
    )
    next_offset = offset + limit if offset + limit < total else None
    return SellerPageOut(items=[seller_out(row, request) for row in rows], total=total, next_offset=next_offset)


@router.get("/sellers/{seller_id}", response_model=SellerDetailOut, name="get_seller_detail", responses=NOT_FOUND)
def get_seller_detail_route(
    seller_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    session: SessionDep,
    key: CurrentKey,
    hops: Annotated[int, Query(ge=1, le=3, description="How far to follow shared contacts.")] = 2,
) -> SellerDetailOut:
    """A seller, the contact handles in its listings, and sellers on any marketplace sharing a handle or a photo."""
    detail = get_seller_detail(session, seller_id, hops=hops)
    return SellerDetailOut(
        **seller_out(detail.stats, request).model_dump(),
        contacts=[ContactOut(kind=kind, value=value, listings=count) for kind, value, count in detail.contacts],
        linked_sellers=[
            LinkedSellerOut(
                seller=seller_brief(link.seller, request),
                via=link.via,
                shared_contacts=[{"kind": kind, "value": value} for kind, value in link.shared],
                shared_images=link.shared_images,
                hops=link.hops,
            )
            for link in detail.linked
        ],
    )
