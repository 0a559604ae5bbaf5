"""Store functions behind the nightly, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import CrawlRun, Listing, Score, Snapshot, Subscription, utcnow
from store.nightly import (
    abandon_unfinished_runs,
    first_flags_by_day,
    newly_flagged_since,
    start_nightly_run,
    sync_subscriptions,
    unfinished_nightly_run,
)
from store.sites import SiteSpec, add_site, list_sites, sync_sites
from core.errors import InputError
from tests.fakes import settings_box


def _listing(session: Session, n: int, *, flagged: bool | None, snapshot: Snapshot | None = None) -> Listing:
    listing = Listing(url=f"http://m.example/item/{n}", marketplace="m.example", title=f"t{n}", content_hash=f"h{n}",
                      flagged=flagged, snapshot_id=snapshot.id if snapshot else None)
    session.add(listing)
    session.flush()
    return listing


def _score(session: Session, listing: Listing, *, flagged: bool, at_offset: timedelta, content: str = "c") -> None:
    session.add(Score(listing_id=listing.id, model_version="m1", content_hash=content, score=0.9 if flagged else 0.1,
                      threshold=0.5, flagged=flagged, scored_at=utcnow() + at_offset))
    session.flush()


def test_newly_flagged_means_first_flagged_since_the_run_began(session: Session) -> None:
    since = utcnow()
    old, new, rescored, unflagged = (_listing(session, n, flagged=f) for n, f in enumerate([True, True, True, False]))
    _score(session, old, flagged=True, at_offset=timedelta(days=-1))
    _score(session, new, flagged=True, at_offset=timedelta(minutes=1))
    _score(session, rescored, flagged=True, at_offset=timedelta(days=-2))
    _score(session, rescored, flagged=True, at_offset=timedelta(minutes=2), content="c2")  # changed, still flagged
    _score(session, unflagged, flagged=True, at_offset=timedelta(minutes=1))  # flagged, then latest says no
    assert newly_flagged_since(session, since) == [new.id]
    history = first_flags_by_day(session, since=since - timedelta(days=3))
    days = [(since + offset).date().isoformat() for offset in (timedelta(days=-2), timedelta(days=-1), timedelta(minutes=1))]
    expected: dict[str, int] = {}
    for day in days:  # old, rescored (first flagged two days ago) and new; never the unflagged one
        expected[day] = expected.get(day, 0) + 1
    assert history == {"(unknown)": expected}


def test_sites_add_list_and_sync(session: Session) -> None:
    site = add_site(session, SiteSpec("demo", "http://127.0.0.1:8088/"))
    with pytest.raises(InputError, match="already exists"):
        add_site(session, SiteSpec("demo", "http://other/"))
    session.add_all([CrawlRun(site_id=site.id, start_url=site.start_url, status="completed"),
                     CrawlRun(site_id=site.id, start_url=site.start_url, status="interrupted")])
    session.flush()
    (row,) = list_sites(session)
    assert row.site.host == "127.0.0.1" and row.last_run is not None and row.last_run.status == "interrupted"
    sync_sites(session, [SiteSpec("demo", "http://127.0.0.1:9000/", None, False), SiteSpec("b", "https://b.example/")])
    rows = {r.site.name: r.site for r in list_sites(session)}
    assert rows["demo"].start_url == "http://127.0.0.1:9000/" and rows["demo"].enabled is False and "b" in rows


def test_resume_window_and_abandon(session: Session) -> None:
    stale = start_nightly_run(session, state={})
    stale.started_at = utcnow() - timedelta(days=2)
    fresh = start_nightly_run(session, state={})
    session.flush()
    found = unfinished_nightly_run(session, started_after=utcnow() - timedelta(hours=20))
    assert found is not None and found.id == fresh.id
    assert abandon_unfinished_runs(session, keep=fresh.id) == 1 and stale.status == "abandoned"


def test_alert_rules_sync_by_name(session: Session) -> None:
    rule = {"name": "ngo", "channel": "webhook", "target": "https://ngo.example/hook", "secret": None,
            "min_score": 0.8, "species": ["pangolin"], "marketplaces": [], "mode": "immediate", "active": True}
    sync_subscriptions(session, [rule], box=settings_box())
    sync_subscriptions(session, [rule | {"min_score": 0.9}], box=settings_box())
    (subscription,) = session.scalars(select(Subscription))
    assert subscription.min_score == 0.9 and subscription.species == ["pangolin"]


def test_a_listing_with_several_species_counts_once_in_the_chart(session: Session) -> None:
    """The chart's day totals equal that day's flagged listings (they were doubled by multi-species listings)."""
    since = utcnow()
    for n, species in enumerate(["elephant;mammoth", "pangolin;tiger;leopard", "pangolin", ""]):
        listing = _listing(session, n, flagged=True)
        listing.species = species
        _score(session, listing, flagged=True, at_offset=timedelta(minutes=1))
    history = first_flags_by_day(session, since=since - timedelta(days=1))
    day = (since + timedelta(minutes=1)).date().isoformat()
    assert history == {"elephant": {day: 1}, "pangolin": {day: 2}, "(unknown)": {day: 1}}
    assert sum(days[day] for days in history.values()) == 4
