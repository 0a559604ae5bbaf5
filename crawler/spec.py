"""The description of one crawl, resolved and ready to run (no Scrapy here: the nightly's parent imports it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["CrawlSpec"]


class CrawlSpec(BaseModel):
    """Everything one crawl needs, resolved (``wildwatch.crawls`` builds it; JSON for the nightly's child).

    ``run_id`` is the crawl run already opened in the store: a new one, or an interrupted one to
    continue (see ``crawler.run``).  ``profile`` adds a site's start URLs, selectors and
    politeness; with ``search_terms`` and the profile's ``search_url`` each term's results are
    crawled too.  ``redis_url`` shares scheduler and dupefilter with other workers under
    ``redis_prefix``.  ``categories=False`` crawls the searches only.  ``overrides`` win over
    everything (``--set``); ``defaults`` lose to the profile.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_url: str
    run_id: int
    database_url: str
    snapshot_dir: Path
    job_dir: Path | None = None  # the crawl's identity for --resume, and the nightly child's lock
    site_id: int | None = None
    profile: str | None = None  # a profile file, or the name of a shipped one
    max_pages: int = 0  # CLOSESPIDER_PAGECOUNT: stop after this many responses (0: no limit)
    max_minutes: float = 0.0  # CLOSESPIDER_TIMEOUT: stop after this long (0: no limit)
    search_terms: list[str] = []
    categories: bool = True
    redis_url: str | None = None
    redis_prefix: str | None = None
    defaults: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
