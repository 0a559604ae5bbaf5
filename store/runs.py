"""Crawl runs and skipped pages: a crawl's whole bookkeeping, from its start to its summary.

A run is opened before its crawl starts (``start_crawl_run``, or ``resumable_crawl_run`` to continue
an interrupted one); each attempt marks it running and learns what it already stored
(``begin_attempt``), counts what each stored batch added (``add_batch``), and closes it with the
crawl's totals (``finish_crawl_run``); ``crawl_summary`` is what the operator reads at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.errors import NotFound
from store.listings import UpsertCounts
from store.models import CrawlRun, CrawlSkip, Listing, Snapshot, utcnow

__all__ = [
    "CrawlSummary",
    "Skip",
    "add_batch",
    "begin_attempt",
    "crawl_summary",
    "finish_crawl_run",
    "get_crawl_run",
    "latest_crawl_run",
    "mark_interrupted",
    "record_skips",
    "resumable_crawl_run",
    "start_crawl_run",
    "stored_urls",
]

#: (url, reason, detail, http status) of a page that was not stored.
Skip = tuple[str, str, str | None, int | None]


@dataclass
class CrawlSummary:
    """The end-of-crawl figures an operator reads (the run's totals over every attempt)."""

    run_id: int
    status: str
    pages_fetched: int
    listings_new: int
    listings_updated: int
    listings_unchanged: int
    bytes_fetched: int
    errors: dict[str, int] = field(default_factory=dict)
    elapsed_seconds: float = 0.0  # this attempt's spider open -> close (Scrapy's elapsed_time_seconds)
    start_url: str = ""
    stop_reason: str | None = None  # max_pages, time_budget, signal, unreachable, ... (CrawlRun.stop_reason)
    stop_detail: str | None = None


def start_crawl_run(
    session: Session, *, start_url: str, site_id: int | None = None, job_dir: str | None = None,
    nightly_run_id: int | None = None,
) -> CrawlRun:
    """Record that a crawl began (flushed, so it has an id)."""
    run = CrawlRun(start_url=start_url, site_id=site_id, job_dir=job_dir, nightly_run_id=nightly_run_id)
    session.add(run)
    session.flush()
    return run


def get_crawl_run(session: Session, run_id: int) -> CrawlRun:
    """A crawl run by id."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise NotFound(f"no crawl run {run_id}")
    return run


def latest_crawl_run(session: Session, *, job_dir: str) -> CrawlRun | None:
    """The newest run that used ``job_dir`` (to continue it on --resume)."""
    return session.scalars(
        select(CrawlRun).where(CrawlRun.job_dir == job_dir).order_by(CrawlRun.id.desc()).limit(1)
    ).first()


def resumable_crawl_run(session: Session, *, job_dir: str) -> CrawlRun | None:
    """The newest run of ``job_dir`` if it did not complete (what ``--resume`` continues)."""
    previous = latest_crawl_run(session, job_dir=job_dir)
    return previous if previous is not None and previous.status != "completed" else None


def begin_attempt(session: Session, run_id: int) -> set[str]:
    """Mark a run running (new, or continued after an interruption); the URLs it already stored."""
    run = get_crawl_run(session, run_id)
    run.status, run.stop_reason, run.stop_detail = "running", None, None  # this attempt will say why it stops
    return stored_urls(session, run_id)


def stored_urls(session: Session, run_id: int) -> set[str]:
    """URLs of the pages a run stored: each snapshot's fetched URL and its listing's canonical URL."""
    rows = session.execute(
        select(Snapshot.url, Listing.url).outerjoin(Listing, Listing.snapshot_id == Snapshot.id)
        .where(Snapshot.run_id == run_id)
    ).all()
    urls: set[str] = set()
    for fetched, listing_url in rows:
        urls.add(fetched)
        if listing_url:
            urls.add(listing_url)
    return urls


def record_skips(session: Session, run_id: int | None, skips: Sequence[Skip]) -> None:
    """Record pages not stored: (url, reason, detail, http_status)."""
    session.add_all(
        CrawlSkip(run_id=run_id, url=url, reason=reason, detail=detail, http_status=status)
        for url, reason, detail, status in skips
    )


def add_batch(session: Session, run_id: int | None, counts: UpsertCounts, skips: Sequence[Skip]) -> None:
    """Count one stored batch into its run, with its skips (in the batch's transaction)."""
    record_skips(session, run_id, skips)
    if run_id is None:
        return
    # One UPDATE adding to the stored counts: crawl workers of one run write batches at the same
    # time, and a read-modify-write in Python would lose one of two concurrent increments.
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(
            listings_new=CrawlRun.listings_new + counts.new,
            listings_updated=CrawlRun.listings_updated + counts.updated,
            listings_unchanged=CrawlRun.listings_unchanged + counts.unchanged,
        )
        .execution_options(synchronize_session=False)
    )


def finish_crawl_run(
    session: Session,
    run: CrawlRun,
    *,
    status: str,
    pages_fetched: int = 0,
    bytes_fetched: int = 0,
    errors: Mapping[str, int] | None = None,
    stop_reason: str | None = None,
    stop_detail: str | None = None,
) -> CrawlRun:
    """Close a run with its totals (adds to what an interrupted earlier attempt counted), and why it stopped."""
    # The row lock (PostgreSQL) and a fresh read: other workers of the run may be adding to it.
    session.refresh(run, with_for_update=True)
    run.status = status
    run.stop_reason, run.stop_detail = stop_reason, stop_detail
    run.finished_at = utcnow()
    run.pages_fetched += pages_fetched
    run.bytes_fetched += bytes_fetched
    merged = Counter(run.errors or {})
    merged.update(errors or {})
    run.errors = dict(merged)
    session.flush()
    return run


def mark_interrupted(session: Session, run_id: int) -> tuple[str, str | None]:
    """The run's status and why it stopped, after marking a run whose crawl died without closing it ``interrupted``."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        return "failed", f"crawl run {run_id} is gone"
    if run.status == "running":
        run.status = "interrupted"
        run.stop_reason, run.stop_detail = "killed", "the crawl process ended without closing its run"
    return run.status, run.stop_detail


def crawl_summary(run: CrawlRun, *, elapsed_seconds: float = 0.0) -> CrawlSummary:
    """A run's figures as the operator's summary."""
    return CrawlSummary(
        run_id=run.id, status=run.status, pages_fetched=run.pages_fetched,
        listings_new=run.listings_new, listings_updated=run.listings_updated,
        listings_unchanged=run.listings_unchanged, bytes_fetched=run.bytes_fetched,
        errors=dict(run.errors or {}), elapsed_seconds=elapsed_seconds, start_url=run.start_url,
        stop_reason=run.stop_reason, stop_detail=run.stop_detail,
    )
