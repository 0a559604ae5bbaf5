"""Stats by species, marketplace, day/week and review outcome."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from store.queries import ListingFilter
from store.stats import listing_stats
from tests.store.seed import seed_store


def test_stats_by_everything(session: Session) -> None:
    seed_store(session)
    stats = listing_stats(session, ListingFilter())
    assert (stats.total, stats.flagged) == (9, 6)
    assert stats.by_species[0] == {"species": "elephant", "listings": 3, "flagged": 3}
    assert {row["marketplace"]: row["listings"] for row in stats.by_marketplace} == {
        "shop.example.cn": 3, "hk.market.example": 3, "en.bazaar.example": 3,
    }
    assert stats.by_period[0] == {"period": "2026-11-02", "listings": 1, "flagged": 1}
    assert len(stats.by_period) == 9
    assert {row["review_status"]: row["listings"] for row in stats.by_review_status} == {
        "unreviewed": 7, "confirmed": 1, "dismissed": 1,
    }


def test_weekly_buckets_start_on_monday(session: Session) -> None:
    seed_store(session)
    stats = listing_stats(session, ListingFilter(), interval="week")
    assert [(row["period"], row["listings"]) for row in stats.by_period] == [
        ("2026-11-02", 4), ("2026-11-09", 5),
    ]


def test_stats_respect_filters(session: Session) -> None:
    seed_store(session)
    stats = listing_stats(session, ListingFilter(marketplace="en.bazaar.example", flagged=True))
    assert (stats.total, stats.flagged) == (2, 2)
    assert {row["species"] for row in stats.by_species} == {"elephant", "rhinoceros"}


def test_bad_interval(session: Session) -> None:
    with pytest.raises(ValueError):
        listing_stats(session, ListingFilter(), interval="year")
