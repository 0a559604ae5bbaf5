"""The listing filters shared by /v1/listings, /v1/export and /v1/stats."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Depends, Query

from api.schemas import SafeStr, UtcDatetime
from store.queries import ListingFilter

__all__ = ["ListingFilterDep", "MAX_ID"]

MAX_ID = 2**63 - 1
_MAX_PRICE = 1e15


async def listing_filter(
    flagged: Annotated[bool | None, Query(description="Only listings flagged (true) or not flagged (false).")] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1, allow_inf_nan=False)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1, allow_inf_nan=False)] = None,
    species: Annotated[SafeStr | None, Query(max_length=64, description="English common name, e.g. `pangolin`.")] = None,
    marketplace: Annotated[SafeStr | None, Query(max_length=255, description="Marketplace host.")] = None,
    seller_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    lang: Annotated[SafeStr | None, Query(max_length=16, description="`zh-Hans`, `zh-Hant`, `en`, ...")] = None,
    review_status: Annotated[
        Literal["confirmed", "dismissed", "escalated", "unreviewed"] | None,
        Query(description="Moderator decision; `unreviewed` for none yet."),
    ] = None,
    first_seen_from: Annotated[UtcDatetime | None, Query(description="ISO 8601; no zone means UTC.")] = None,
    first_seen_to: Annotated[UtcDatetime | None, Query()] = None,
    last_seen_from: Annotated[UtcDatetime | None, Query()] = None,
    last_seen_to: Annotated[UtcDatetime | None, Query()] = None,
    min_price: Annotated[float | None, Query(ge=0, le=_MAX_PRICE, allow_inf_nan=False)] = None,
    max_price: Annotated[float | None, Query(ge=0, le=_MAX_PRICE, allow_inf_nan=False)] = None,
    q: Annotated[
        SafeStr | None,
        Query(max_length=200, description="Free text; Simplified and Traditional Chinese match each other."),
    ] = None,
) -> ListingFilter:
    """Query parameters -> ListingFilter (async: pure computation, no thread hop)."""
    return ListingFilter(
        flagged=flagged,
        species=species,
        marketplace=marketplace,
        seller_id=seller_id,
        lang=lang,
        review_status=review_status,
        min_score=min_score,
        max_score=max_score,
        first_seen_from=first_seen_from,
        first_seen_to=first_seen_to,
        last_seen_from=last_seen_from,
        last_seen_to=last_seen_to,
        min_price=None if min_price is None else Decimal(str(min_price)),
        max_price=None if max_price is None else Decimal(str(max_price)),
        q=q,
    )


ListingFilterDep = Annotated[ListingFilter, Depends(listing_filter)]
