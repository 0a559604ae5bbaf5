"""Counts an analyst charts, over the same filters as /v1/listings."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import CurrentKey, SessionDep
from api.errors import ERROR_RESPONSES
from api.routes.filters import ListingFilterDep
from api.schemas import CountOut, StatsOut
from store.stats import listing_stats

router = APIRouter(prefix="/v1", tags=["stats"], responses=ERROR_RESPONSES)


@router.get("/stats", response_model=StatsOut)
def get_stats(
    session: SessionDep,
    key: CurrentKey,
    filters: ListingFilterDep,
    interval: Annotated[Literal["day", "week"], Query(description="Bucket for `by_period` (by first seen).")] = "day",
    top: Annotated[int, Query(ge=1, le=500, description="Most frequent species and marketplaces kept.")] = 50,
) -> StatsOut:
    """Listings and flagged listings by species, marketplace, day or week, and review outcome."""
    stats = listing_stats(session, filters, interval=interval, top=top)

    def counts(rows: list[dict[str, object]], key_name: str) -> list[CountOut]:
        return [CountOut(key=str(row[key_name]), listings=row["listings"], flagged=row["flagged"]) for row in rows]  # type: ignore[arg-type]

    return StatsOut(
        total=stats.total,
        flagged=stats.flagged,
        interval=interval,
        by_species=counts(stats.by_species, "species"),
        by_marketplace=counts(stats.by_marketplace, "marketplace"),
        by_period=counts(stats.by_period, "period"),
        by_review_status=counts(stats.by_review_status, "review_status"),
    )
