"""Running a crawl in-process and recording it as a crawl run.

Resuming: a crawl killed at any point (even ``kill -9``) is continued by passing the earlier run's
id.  What that run already stored is read back from the store (its snapshots) and never fetched
again; pages it had fetched but not yet written are fetched again, and listings are keyed by
canonical URL, so nothing is stored twice.  Listing pages are walked again to rediscover the
frontier: this costs a few pages and, unlike Scrapy's JOBDIR disk queue, survives ``kill -9``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings
from sqlalchemy import select

from crawler.dedupe import redis_settings
from crawler.profile import SiteProfile, load_profile
from crawler.spiders.generic import GenericSpider
from crawler.urls import canonicalize_url
from store.db import make_engine, make_session_factory, session_scope
from store.models import Listing, Snapshot
from store.runs import finish_crawl_run, get_crawl_run, start_crawl_run

logger = logging.getLogger(__name__)

__all__ = ["CrawlSummary", "run_crawl", "scrapy_settings", "stored_urls", "clear_redis_prefix"]


@dataclass
class CrawlSummary:
    run_id: int
    status: str
    pages_fetched: int
    listings_new: int
    listings_updated: int
    listings_unchanged: int
    bytes_fetched: int
    errors: dict[str, int] = field(default_factory=dict)
    elapsed_seconds: float = 0.0  # this attempt's spider open -> close (Scrapy's elapsed_time_seconds)


def scrapy_settings(
    overrides: dict[str, Any],
    *,
    defaults: dict[str, Any] | None = None,
    profile: SiteProfile | None = None,
) -> ScrapySettings:
    """Our Scrapy defaults, then deploy ``defaults``, then the profile's, then ``overrides`` (``--set``)."""
    settings = ScrapySettings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")  # the CLI configures logging
    settings.update(defaults or {}, priority="project")
    if profile is not None:
        settings.update(profile.scrapy_settings(), priority="spider")
    settings.update(overrides, priority="cmdline")
    return settings


def stored_urls(session: Any, run_id: int) -> set[str]:
    """Canonical URLs of the listings a run stored (fetched URL and listing URL both)."""
    rows = session.execute(
        select(Snapshot.url, Listing.url).outerjoin(Listing, Listing.snapshot_id == Snapshot.id)
        .where(Snapshot.run_id == run_id)
    ).all()
    urls: set[str] = set()
    for fetched, listing_url in rows:
        urls.add(canonicalize_url(fetched))
        if listing_url:
            urls.add(listing_url)
    return urls


def clear_redis_prefix(redis_url: str, prefix: str) -> int:
    """Delete a distributed crawl's queue and fingerprints (before a fresh crawl, or after a test)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        return int(client.delete(*keys)) if keys else 0
    finally:
        client.close()


def run_crawl(
    start_url: str,
    *,
    database_url: str,
    snapshot_dir: Path,
    overrides: dict[str, Any] | None = None,
    defaults: dict[str, Any] | None = None,
    site_id: int | None = None,
    job_dir: Path | None = None,
    resume_run_id: int | None = None,
    max_pages: int = 0,
    profile: SiteProfile | Path | str | None = None,
    search_terms: Sequence[str] = (),
    redis_url: str | None = None,
    redis_prefix: str | None = None,
    nightly_run_id: int | None = None,
    categories: bool = True,
) -> CrawlSummary:
    """Crawl ``start_url`` with the generic spider; blocks until done (one per process).

    ``job_dir`` names the crawl for ``--resume`` (one per start URL); ``resume_run_id`` continues
    that earlier run (see module docstring).  ``profile`` adds a site's start URLs, selectors and
    politeness; with ``search_terms`` and the profile's ``search_url`` each term's results are
    crawled too.  ``redis_url`` shares scheduler and dupefilter with other workers under
    ``redis_prefix``.  ``categories=False`` crawls the searches only.  ``overrides`` win over everything (``--set``); ``defaults`` lose to the profile.
    """
    if profile is not None and not isinstance(profile, SiteProfile):
        profile = load_profile(profile)
    if search_terms and (profile is None or not profile.search_url):
        logger.warning("keyword search needs a profile with search_url; crawling without searches")
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    skip: set[str] = set()
    with session_scope(sessions) as session:
        if resume_run_id is not None:
            run = get_crawl_run(session, resume_run_id)
            run.status = "running"
            skip = stored_urls(session, resume_run_id)
            logger.info("resuming crawl run #%d: %d listings already stored", resume_run_id, len(skip))
        else:
            run = start_crawl_run(session, start_url=start_url, site_id=site_id,
                                  job_dir=str(job_dir) if job_dir else None, nightly_run_id=nightly_run_id)
        run_id = run.id
    values: dict[str, Any] = {
        "WILDWATCH_DATABASE_URL": database_url,
        "WILDWATCH_SNAPSHOT_DIR": str(snapshot_dir),
        "WILDWATCH_RUN_ID": run_id,
        "WILDWATCH_SITE_ID": site_id,
    }
    if redis_url:
        values |= redis_settings(redis_url, redis_prefix or f"wildwatch:{uuid.uuid4().hex[:12]}")
    values.update(overrides or {})
    settings = scrapy_settings(values, defaults=defaults, profile=profile)
    process = CrawlerProcess(settings)
    # Scrapy's own INFO lines (stats dump, "Spider opened") drown our progress lines; LOG_LEVEL
    # (e.g. --set LOG_LEVEL=DEBUG) brings them back.  Pages that fail after retries are recorded
    # as skips and summed up at the end, so the retry middleware's errors are not repeated.
    scrapy_level = settings.get("LOG_LEVEL") if "LOG_LEVEL" in (overrides or {}) else "WARNING"
    logging.getLogger("scrapy").setLevel(scrapy_level)
    if "LOG_LEVEL" not in (overrides or {}):
        logging.getLogger("scrapy.downloadermiddlewares.retry").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(GenericSpider)
    status = "failed"
    try:
        process.crawl(crawler, start_url=start_url, max_pages=max_pages, profile=profile,
                      search_terms=list(search_terms), skip_urls=skip, categories=categories)
        process.start()
        reason = crawler.stats.get_value("finish_reason", "unknown") if crawler.stats else "unknown"
        status = "completed" if reason == "finished" else ("interrupted" if reason == "shutdown" else "failed")
        if status == "completed" and crawler.stats and crawler.stats.get_value("wildwatch/store_errors", 0):
            status = "failed"  # some listings were not stored: --resume must fetch them again
    finally:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        errors = {k.removeprefix("wildwatch/skip/"): v for k, v in stats.items() if k.startswith("wildwatch/skip/")}
        with session_scope(sessions) as session:
            run = get_crawl_run(session, run_id)
            finish_crawl_run(
                session, run, status=status,
                pages_fetched=int(stats.get("response_received_count", 0)),
                bytes_fetched=int(stats.get("downloader/response_bytes", 0)),
                errors=errors,
            )
            summary = CrawlSummary(
                run_id=run.id, status=run.status, pages_fetched=run.pages_fetched,
                listings_new=run.listings_new, listings_updated=run.listings_updated,
                listings_unchanged=run.listings_unchanged, bytes_fetched=run.bytes_fetched,
                errors=dict(run.errors or {}),
                elapsed_seconds=float(stats.get("elapsed_time_seconds", 0.0)),
            )
        engine.dispose()
    return summary
