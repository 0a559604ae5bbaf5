"""Running a crawl in-process and recording it as a crawl run."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings

from crawler.spiders.generic import GenericSpider
from store.db import make_engine, make_session_factory, session_scope
from store.runs import finish_crawl_run, get_crawl_run, start_crawl_run

logger = logging.getLogger(__name__)

__all__ = ["CrawlSummary", "run_crawl", "scrapy_settings"]


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


def scrapy_settings(overrides: dict[str, Any]) -> ScrapySettings:
    """Our Scrapy defaults (``crawler.settings``) with ``overrides`` on top, at command-line priority."""
    settings = ScrapySettings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")  # the CLI configures logging
    settings.update(overrides, priority="cmdline")
    return settings


def run_crawl(
    start_url: str,
    *,
    database_url: str,
    snapshot_dir: Path,
    overrides: dict[str, Any] | None = None,
    site_id: int | None = None,
    job_dir: Path | None = None,
    resume_run_id: int | None = None,
    max_pages: int = 0,
) -> CrawlSummary:
    """Crawl ``start_url`` with the generic spider; blocks until done (one per process).

    With ``job_dir`` the crawl state is kept on disk (Scrapy JOBDIR) so a killed crawl can be
    resumed; ``resume_run_id`` continues counting into that earlier run.
    """
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with session_scope(sessions) as session:
        if resume_run_id is not None:
            run = get_crawl_run(session, resume_run_id)
            run.status = "running"
        else:
            run = start_crawl_run(session, start_url=start_url, site_id=site_id,
                                  job_dir=str(job_dir) if job_dir else None)
        run_id = run.id
    values: dict[str, Any] = {
        "WILDWATCH_DATABASE_URL": database_url,
        "WILDWATCH_SNAPSHOT_DIR": str(snapshot_dir),
        "WILDWATCH_RUN_ID": run_id,
        "WILDWATCH_SITE_ID": site_id,
    }
    if job_dir is not None:
        values["JOBDIR"] = str(job_dir)
    values.update(overrides or {})
    settings = scrapy_settings(values)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(GenericSpider)
    status = "failed"
    try:
        process.crawl(crawler, start_url=start_url, max_pages=max_pages)
        process.start()
        reason = crawler.stats.get_value("finish_reason", "unknown")
        status = "completed" if reason == "finished" else ("interrupted" if reason == "shutdown" else "failed")
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
            )
        engine.dispose()
    return summary
