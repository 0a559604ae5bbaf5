"""Nightly runs (stage + resumable state) and the queries behind their report and retention."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.orm import Session, aliased

from core.secrets import SecretBox
from store.errors import NotFound
from store.images import sellers_sharing_images
from store.models import (
    AlertDelivery,
    CrawlRun,
    CrawlSkip,
    Listing,
    ListingSpecies,
    NightlyRun,
    Score,
    Seller,
    Site,
    Subscription,
    utcnow,
)

__all__ = [
    "start_nightly_run",
    "get_nightly_run",
    "unfinished_nightly_run",
    "abandon_unfinished_runs",
    "save_progress",
    "finish_nightly_run",
    "recent_nightly_runs",
    "nightly_crawl_runs",
    "newly_flagged_since",
    "flagged_breakdown",
    "top_sellers",
    "top_flagged_listings",
    "review_backlog",
    "first_flags_by_day",
    "queue_sizes",
    "prune_skips",
    "sync_subscriptions",
    "QueueSizes",
]

UNFINISHED = ("running", "interrupted", "failed")


def start_nightly_run(session: Session, *, state: dict[str, Any]) -> NightlyRun:
    """Record that a nightly run began (flushed, so it has an id)."""
    run = NightlyRun(state=state, stage="crawl", status="running")
    session.add(run)
    session.flush()
    return run


def get_nightly_run(session: Session, run_id: int) -> NightlyRun:
    run = session.get(NightlyRun, run_id)
    if run is None:
        raise NotFound(f"no nightly run {run_id}")
    return run


def unfinished_nightly_run(session: Session, *, started_after: datetime) -> NightlyRun | None:
    """The newest run that did not complete and is recent enough to resume."""
    return session.scalars(
        select(NightlyRun)
        .where(NightlyRun.status.in_(UNFINISHED), NightlyRun.started_at >= started_after)
        .order_by(NightlyRun.id.desc())
        .limit(1)
    ).first()


def abandon_unfinished_runs(session: Session, *, keep: int | None = None) -> int:
    """Mark every other unfinished run abandoned (too old to resume); returns how many."""
    runs = session.scalars(select(NightlyRun).where(NightlyRun.status.in_(UNFINISHED), NightlyRun.id != (keep or -1)))
    count = 0
    for run in runs:
        run.status = "abandoned"
        run.finished_at = run.finished_at or utcnow()
        count += 1
    session.flush()
    return count


def save_progress(session: Session, run: NightlyRun, *, stage: str | None = None, state: dict[str, Any] | None = None,
                  status: str | None = None) -> None:
    """Persist where a run is (the caller commits right after: this is the resume point)."""
    if stage is not None:
        run.stage = stage
    if state is not None:
        run.state = dict(state)  # a new object, so the JSON column is seen as changed
    if status is not None:
        run.status = status
    session.flush()


def finish_nightly_run(session: Session, run: NightlyRun, *, summary: dict[str, Any], report_path: str | None) -> None:
    run.status = "completed"
    run.stage = "done"
    run.finished_at = utcnow()
    run.summary = summary
    run.report_path = report_path
    session.flush()


def recent_nightly_runs(session: Session, limit: int = 10) -> list[NightlyRun]:
    return list(session.scalars(select(NightlyRun).order_by(NightlyRun.id.desc()).limit(limit)))


def nightly_crawl_runs(session: Session, nightly_run_id: int) -> list[tuple[CrawlRun, str | None]]:
    """The crawl runs of one nightly run, with their site's name."""
    rows = session.execute(
        select(CrawlRun, Site.name)
        .outerjoin(Site, Site.id == CrawlRun.site_id)
        .where(CrawlRun.nightly_run_id == nightly_run_id)
        .order_by(CrawlRun.id)
    )
    return list(rows)


def newly_flagged_since(session: Session, since: datetime) -> list[int]:
    """Listings flagged now whose first flagging score is at or after ``since`` (crash-proof:
    derived from the score history, not from memory)."""
    earlier = aliased(Score)
    query = (
        select(Score.listing_id)
        .join(Listing, Listing.id == Score.listing_id)
        .where(Score.flagged.is_(True), Score.scored_at >= since, Listing.flagged.is_(True))
        .where(
            ~exists().where(
                and_(earlier.listing_id == Score.listing_id, earlier.flagged.is_(True), earlier.scored_at < since)
            )
        )
        .distinct()
        .order_by(Score.listing_id)
    )
    return list(session.scalars(query))


def flagged_breakdown(session: Session, listing_ids: Sequence[int]) -> dict[str, Any]:
    """Counts of ``listing_ids`` by species, by marketplace, and by both."""
    by_species: Counter[str] = Counter()
    by_marketplace: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for chunk in _chunks(listing_ids):
        species_of: dict[int, list[str]] = defaultdict(list)
        for listing_id, name in session.execute(
            select(ListingSpecies.listing_id, ListingSpecies.species).where(ListingSpecies.listing_id.in_(chunk))
        ):
            species_of[listing_id].append(name)
        for listing_id, marketplace in session.execute(
            select(Listing.id, Listing.marketplace).where(Listing.id.in_(chunk))
        ):
            by_marketplace[marketplace] += 1
            for name in species_of.get(listing_id) or ["(unknown)"]:
                by_species[name] += 1
                pairs[(name, marketplace)] += 1
    return {
        "by_species": dict(by_species.most_common()),
        "by_marketplace": dict(by_marketplace.most_common()),
        "by_species_marketplace": [
            {"species": s, "marketplace": m, "count": n} for (s, m), n in pairs.most_common()
        ],
    }


def top_flagged_listings(session: Session, listing_ids: Sequence[int], *, limit: int = 25) -> list[dict[str, Any]]:
    """The highest-scoring of ``listing_ids``, for the report's table."""
    if not listing_ids:
        return []
    rows = session.scalars(
        select(Listing).where(Listing.id.in_(list(listing_ids)[:10_000])).order_by(Listing.score.desc(), Listing.id)
        .limit(limit)
    )
    return [
        {"id": r.id, "title": r.title[:200], "url": r.url, "marketplace": r.marketplace, "score": r.score,
         "species": r.species, "price": r.price_text}
        for r in rows
    ]


def top_sellers(session: Session, listing_ids: Sequence[int], *, since: datetime, limit: int = 10) -> list[dict[str, Any]]:
    """Sellers with the most flagged listings seen since ``since`` (and how many are new)."""
    new_ids = set(listing_ids)
    counts: dict[int, list[int]] = defaultdict(list)
    for seller_id, listing_id in session.execute(
        select(Listing.seller_id, Listing.id).where(
            Listing.flagged.is_(True), Listing.last_seen >= since, Listing.seller_id.is_not(None)
        )
    ):
        if seller_id is not None:
            counts[seller_id].append(listing_id)
    ranked = sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:limit]
    sellers = {s.id: s for s in session.scalars(select(Seller).where(Seller.id.in_([k for k, _ in ranked])))}
    return [
        {
            "seller_id": seller_id,
            "name": sellers[seller_id].name if seller_id in sellers else None,
            "marketplace": sellers[seller_id].marketplace if seller_id in sellers else None,
            "url": sellers[seller_id].url if seller_id in sellers else None,
            "flagged_listings": len(ids),
            "new_flagged": sum(1 for i in ids if i in new_ids),
            "image_links": [
                {"seller_id": other.id, "name": other.name, "marketplace": other.marketplace, "url": other.url,
                 "shared_images": len(shas)}
                for other, shas in sellers_sharing_images(session, seller_id, limit=5)
            ],
        }
        for seller_id, ids in ranked
    ]


def review_backlog(session: Session) -> dict[str, Any]:
    """Flagged listings no moderator has decided on yet, and how old the oldest is."""
    count, oldest = session.execute(
        select(func.count(), func.min(Listing.scored_at)).where(
            Listing.flagged.is_(True), Listing.review_status.is_(None)
        )
    ).one()
    return {"unreviewed": int(count or 0), "oldest_scored_at": oldest.isoformat() if oldest else None}


def first_flags_by_day(session: Session, *, since: datetime) -> dict[str, dict[str, int]]:
    """{species: {YYYY-MM-DD: listings first flagged that day}} for the report chart.

    Each listing counts once, under its main species (the first the classifier named), so the
    stacked bars of a day add up to that day's flagged listings.  Counting a listing under each
    of its species made a day of 57 new flags show as ~116.
    """
    first = (
        select(Score.listing_id, func.min(Score.scored_at).label("first_at"))
        .where(Score.flagged.is_(True))
        .group_by(Score.listing_id)
        .subquery()
    )
    rows = session.execute(
        select(first.c.first_at, Listing.species).join(Listing, Listing.id == first.c.listing_id)
        .where(first.c.first_at >= since, Listing.flagged.is_(True))
    )
    series: dict[str, Counter[str]] = defaultdict(Counter)
    for first_at, species in rows:
        main = next((name for name in (species or "").split(";") if name), "(unknown)")
        series[main][_as_date(first_at).isoformat()] += 1
    return {name: dict(sorted(days.items())) for name, days in sorted(series.items())}


@dataclass(frozen=True, slots=True)
class QueueSizes:
    to_score: int
    alerts_pending: int
    alerts_failed: int
    review_backlog: int


def queue_sizes(session: Session, *, model_version: str | None) -> QueueSizes:
    """What is waiting: listings to (re)score, alerts to send, flagged listings to review."""
    if model_version is None:
        to_score = session.scalar(select(func.count()).select_from(Listing).where(Listing.scored_hash.is_(None))) or 0
    else:
        from store.scores import count_to_score

        to_score = count_to_score(session, model_version=model_version)
    statuses = dict(
        session.execute(select(AlertDelivery.status, func.count()).group_by(AlertDelivery.status)).all()
    )
    backlog = session.scalar(
        select(func.count()).select_from(Listing).where(Listing.flagged.is_(True), Listing.review_status.is_(None))
    ) or 0
    return QueueSizes(
        to_score=int(to_score),
        alerts_pending=int(statuses.get("pending", 0) + statuses.get("sending", 0)),
        alerts_failed=int(statuses.get("failed", 0)),
        review_backlog=int(backlog),
    )


def prune_skips(session: Session, *, older_than: datetime) -> int:
    """Delete skipped-page records older than ``older_than``."""
    result = session.execute(delete(CrawlSkip).where(CrawlSkip.at < older_than))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def sync_subscriptions(session: Session, rules: Sequence[dict[str, Any]], *, box: SecretBox) -> int:
    """Make the subscriptions named in the operations file match it (matched by name; secrets sealed)."""
    names = [rule["name"] for rule in rules]
    existing = {s.name: s for s in session.scalars(select(Subscription).where(Subscription.name.in_(names)))}
    for rule in rules:
        subscription = existing.get(rule["name"]) or Subscription(name=rule["name"])
        for key, value in rule.items():
            if key in ("species", "marketplaces"):  # stored lower-case, as the alerts module matches them
                value = [v.strip().lower() for v in value if v.strip()]
            elif key == "secret" and value:
                value = box.seal(value)
            setattr(subscription, key, value)
        session.add(subscription)
    session.flush()
    return len(rules)


def _as_date(value: datetime) -> date:
    return value.date()


def _chunks(values: Sequence[int], size: int = 500) -> list[Sequence[int]]:
    return [values[i : i + size] for i in range(0, len(values), size)]
