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
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from crawler.dedupe import redis_settings
from crawler.outcome import Outcome, crawl_outcome
from crawler.profile import SiteProfile, load_profile
from crawler.spec import CrawlSpec
from crawler.spiders.generic import GenericSpider
from crawler.urls import canonicalize_url
from store.db import Store, session_scope
from store.runs import CrawlSummary, begin_attempt, crawl_summary, finish_crawl_run, get_crawl_run

logger = logging.getLogger(__name__)

__all__ = ["CrawlSpec", "CrawlSummary", "run_crawl", "scrapy_settings", "clear_redis_prefix"]


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


def clear_redis_prefix(redis_url: str, prefix: str) -> int:
    """Delete a distributed crawl's queue and fingerprints (before a fresh crawl, or after a test)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        return int(client.delete(*keys)) if keys else 0
    finally:
        client.close()


def run_crawl(spec: CrawlSpec, *, store: Store | None = None) -> CrawlSummary:
    """Crawl ``spec.start_url`` with the generic spider into its run; blocks until done (one per process).

    ``store`` is the process's store (its engine is shared with the pipeline's writer thread);
    without it the crawl opens one for ``spec.database_url``.
    """
    profile = load_profile(spec.profile) if spec.profile else None
    if spec.search_terms and (profile is None or not profile.search_url):
        logger.warning("keyword search needs a profile with search_url; crawling without searches")
    own_store = store is None
    store = store or Store(spec.database_url)
    try:
        return _run(spec, profile, store)
    finally:
        if own_store:
            store.close()


def _run(spec: CrawlSpec, profile: SiteProfile | None, store: Store) -> CrawlSummary:
    with session_scope(store.sessions) as session:
        skip = {canonicalize_url(url) for url in begin_attempt(session, spec.run_id)}
    if skip:
        logger.info("resuming crawl run #%d: %d listings already stored", spec.run_id, len(skip))
    values: dict[str, Any] = {
        "WILDWATCH_DATABASE_URL": spec.database_url,
        "WILDWATCH_STORE": store,
        "WILDWATCH_SNAPSHOT_DIR": str(spec.snapshot_dir),
        "WILDWATCH_RUN_ID": spec.run_id,
        "WILDWATCH_SITE_ID": spec.site_id,
    }
    if spec.max_pages:  # Scrapy's CloseSpider extension stops the crawl, not just the following of links
        values["CLOSESPIDER_PAGECOUNT"] = spec.max_pages
    if spec.max_minutes:
        values["CLOSESPIDER_TIMEOUT"] = spec.max_minutes * 60
    if spec.redis_url:
        values |= redis_settings(spec.redis_url, spec.redis_prefix or f"wildwatch:{uuid.uuid4().hex[:12]}")
    values.update(spec.overrides)
    settings = scrapy_settings(values, defaults=spec.defaults, profile=profile)
    process = CrawlerProcess(settings)
    # Scrapy's own INFO lines (stats dump, "Spider opened") drown our progress lines; LOG_LEVEL
    # (e.g. --set LOG_LEVEL=DEBUG) brings them back.  Pages that fail after retries are recorded
    # as skips and summed up at the end, so the retry middleware's errors are not repeated.
    scrapy_level = settings.get("LOG_LEVEL") if "LOG_LEVEL" in spec.overrides else "WARNING"
    logging.getLogger("scrapy").setLevel(scrapy_level)
    if "LOG_LEVEL" not in spec.overrides:
        logging.getLogger("scrapy.downloadermiddlewares.retry").setLevel(logging.CRITICAL)
        # A robots.txt that cannot be fetched is logged with a whole traceback; the page fetches
        # that follow fail the same way and are counted, and a dead site fails its run with the cause.
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(GenericSpider)
    outcome = Outcome("failed", "error", "the crawl process raised an error (see the log)")
    stats: dict[str, Any] = {}
    try:
        # the cap from any source (--max-pages, the environment, --set CLOSESPIDER_PAGECOUNT) also stops
        # the spider following links, so fewer requests are in flight when the extension closes it
        max_pages = settings.getint("CLOSESPIDER_PAGECOUNT")
        process.crawl(crawler, start_url=spec.start_url, max_pages=max_pages, profile=profile,
                      search_terms=list(spec.search_terms), skip_urls=skip, categories=spec.categories)
        process.start()
        stats = crawler.stats.get_stats() if crawler.stats else {}
        # some listings not stored (wildwatch/store_errors) fails the run: --resume fetches them again
        outcome = crawl_outcome(str(stats.get("finish_reason", "unknown")), stats, _errors(stats))
    finally:
        stats = stats or (crawler.stats.get_stats() if crawler.stats else {})
        with session_scope(store.sessions) as session:
            run = finish_crawl_run(
                session, get_crawl_run(session, spec.run_id), status=outcome.status,
                pages_fetched=int(stats.get("response_received_count", 0)) - int(stats.get("wildwatch/photo_responses", 0)),
                bytes_fetched=int(stats.get("downloader/response_bytes", 0)),
                errors=_errors(stats), stop_reason=outcome.stop_reason, stop_detail=outcome.stop_detail,
            )
            summary = crawl_summary(run, elapsed_seconds=float(stats.get("elapsed_time_seconds", 0.0)))
    return summary


def _errors(stats: dict[str, Any]) -> dict[str, int]:
    """This attempt's skip counts by reason (the spider and middlewares count them as ``wildwatch/skip/*``)."""
    return {k.removeprefix("wildwatch/skip/"): int(v) for k, v in stats.items() if k.startswith("wildwatch/skip/")}
