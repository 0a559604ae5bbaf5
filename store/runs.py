"""Crawl runs and skipped pages: what the operator's summary and reports are made of."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.errors import NotFound
from store.models import CrawlRun, CrawlSkip, utcnow

__all__ = ["start_crawl_run", "finish_crawl_run", "record_skips", "get_crawl_run", "latest_crawl_run"]


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


def record_skips(session: Session, run_id: int | None, skips: list[tuple[str, str, str | None, int | None]]) -> None:
    """Record pages not stored: (url, reason, detail, http_status)."""
    session.add_all(
        CrawlSkip(run_id=run_id, url=url, reason=reason, detail=detail, http_status=status)
        for url, reason, detail, status in skips
    )


def finish_crawl_run(
    session: Session,
    run: CrawlRun,
    *,
    status: str,
    pages_fetched: int = 0,
    bytes_fetched: int = 0,
    errors: Mapping[str, int] | None = None,
) -> CrawlRun:
    """Close a run with its totals (adds to what an interrupted earlier attempt counted)."""
    run.status = status
    run.finished_at = utcnow()
    run.pages_fetched += pages_fetched
    run.bytes_fetched += bytes_fetched
    merged = Counter(run.errors or {})
    merged.update(errors or {})
    run.errors = dict(merged)
    session.flush()
    return run
