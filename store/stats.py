"""Aggregates an analyst charts: by species, marketplace, day or week, and review outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnClause, ColumnElement, Integer, case, func, literal_column, select
from sqlalchemy.orm import Session

from store.models import Listing, ListingSpecies
from store.queries import ListingFilter

__all__ = ["Stats", "INTERVALS", "listing_stats", "species_counts"]

INTERVALS = ("day", "week")


@dataclass(slots=True)
class Stats:
    total: int
    flagged: int
    by_species: list[dict[str, Any]]
    by_marketplace: list[dict[str, Any]]
    by_period: list[dict[str, Any]]
    by_review_status: list[dict[str, Any]]


def _bucket(dialect: str, interval: str) -> ColumnElement[str]:
    """The first day of the first-seen day or (Monday-based) week, as ``YYYY-MM-DD``."""
    if dialect == "sqlite":
        if interval == "day":
            return func.strftime("%Y-%m-%d", Listing.first_seen)
        return func.date(Listing.first_seen, "weekday 0", "-6 days")
    utc = func.timezone("UTC", Listing.first_seen)
    return func.to_char(func.date_trunc(interval, utc), "YYYY-MM-DD")


def listing_stats(
    session: Session, filters: ListingFilter, *, interval: str = "day", top: int = 50
) -> Stats:
    """Counts of matching listings (all and flagged) grouped four ways."""
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}")
    dialect = session.get_bind().dialect.name
    conditions = filters.conditions(dialect)
    flagged = func.sum(case((Listing.flagged.is_(True), 1), else_=0)).cast(Integer)

    def grouped(key: Any, *, order_by_count: bool, joins: Any = None, limit: int | None = None) -> list[Any]:
        bucket: ColumnClause[Any] = literal_column("bucket")
        query = select(key.label("bucket"), func.count().label("n"), flagged.label("flagged")).select_from(Listing)
        if joins is not None:
            query = query.join(*joins)
        query = query.where(*conditions).group_by(bucket)
        query = query.order_by(literal_column("n").desc(), bucket) if order_by_count else query.order_by(bucket)
        if limit:
            query = query.limit(limit)
        return list(session.execute(query).all())

    totals = session.execute(select(func.count(), flagged).select_from(Listing).where(*conditions)).one()
    species = grouped(
        ListingSpecies.species,
        order_by_count=True,
        joins=(ListingSpecies, ListingSpecies.listing_id == Listing.id),
        limit=top,
    )
    marketplaces = grouped(Listing.marketplace, order_by_count=True, limit=top)
    periods = grouped(_bucket(dialect, interval), order_by_count=False)
    reviews = grouped(func.coalesce(Listing.review_status, "unreviewed"), order_by_count=True)
    return Stats(
        total=totals[0] or 0,
        flagged=totals[1] or 0,
        by_species=[{"species": k, "listings": n, "flagged": f or 0} for k, n, f in species],
        by_marketplace=[{"marketplace": k, "listings": n, "flagged": f or 0} for k, n, f in marketplaces],
        by_period=[{"period": k, "listings": n, "flagged": f or 0} for k, n, f in periods],
        by_review_status=[{"review_status": k, "listings": n, "flagged": f or 0} for k, n, f in reviews],
    )


def species_counts(session: Session) -> dict[str, tuple[int, int]]:
    """Species named by listings' latest scores -> (listings, flagged listings)."""
    flagged = func.sum(case((Listing.flagged.is_(True), 1), else_=0)).cast(Integer)
    rows = session.execute(
        select(ListingSpecies.species, func.count(), flagged)
        .join(Listing, Listing.id == ListingSpecies.listing_id)
        .group_by(ListingSpecies.species)
    ).all()
    return {name: (count, flagged_count or 0) for name, count, flagged_count in rows}
