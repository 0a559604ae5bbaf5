"""Building a crawl: the one place `wildwatch crawl`, `wildwatch demo` and the nightly turn a request into a run.

A ``CrawlRequest`` is what an operator asks for (command-line flags, or a site in the operations
file); ``plan_crawl`` checks it and resolves it against the settings (search terms, job
directory, Scrapy defaults); ``open_crawl_run`` records it in the store (a new run, or the
interrupted one ``--resume`` continues); ``crawler.run.run_crawl`` runs the resulting spec, in
this process or in the nightly's child.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from core.errors import InputError
from core.settings import Settings
from crawler.lexicon import load_search_terms
from crawler.profile import SiteProfile, load_profile
from crawler.spec import CrawlSpec
from store.runs import CrawlSummary, resumable_crawl_run, start_crawl_run
from store.sites import SiteSpec, ensure_site

__all__ = [
    "CrawlRequest",
    "CrawlPlan",
    "job_dir_for",
    "open_crawl_run",
    "plan_crawl",
    "scrapy_defaults",
    "search_terms",
    "summary_line",
]


class CrawlRequest(BaseModel):
    """What to crawl, as asked for: ``wildwatch crawl``'s flags or a site of the nightly."""

    model_config = ConfigDict(extra="forbid")

    url: str
    profile: str | None = None  # a profile file, or the name of a shipped one
    keywords: bool | None = None  # search the terms (None: when the profile has a search_url)
    search_terms: list[str] = []  # replace the lexicon's terms
    max_search_terms: int = 0  # 0: all of them
    categories: bool = True  # False: keyword searches only
    max_pages: int = 0  # 0: WILDWATCH_CRAWLER__MAX_PAGES
    max_minutes: float = 0.0  # 0: WILDWATCH_CRAWLER__MAX_MINUTES
    redis_url: str | None = None
    redis_prefix: str | None = None  # default: one per start URL
    overrides: dict[str, Any] = {}  # Scrapy settings that win over everything (--set)


class CrawlPlan(BaseModel):
    """A checked request: the loaded profile, the resolved terms, and where the crawl keeps its state."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    request: CrawlRequest
    profile: SiteProfile | None
    search_terms: list[str]
    job_dir: Path
    redis_prefix: str | None

    def spec(self, settings: Settings, *, database_url: str, run_id: int, site_id: int | None) -> CrawlSpec:
        """The spec ``crawler.run.run_crawl`` runs, for the run opened in the store."""
        request = self.request
        return CrawlSpec(
            start_url=request.url, run_id=run_id, database_url=database_url,
            snapshot_dir=settings.crawler.snapshot_dir, job_dir=self.job_dir, site_id=site_id,
            profile=request.profile, max_pages=request.max_pages or settings.crawler.max_pages,
            max_minutes=request.max_minutes or settings.crawler.max_minutes,
            search_terms=self.search_terms, categories=request.categories, redis_url=request.redis_url,
            redis_prefix=self.redis_prefix, defaults=scrapy_defaults(settings), overrides=request.overrides,
        )


def scrapy_defaults(settings: Settings) -> dict[str, object]:
    """Scrapy settings that come from WildWatch's settings (a site profile may override them)."""
    crawler = settings.crawler
    return {
        "USER_AGENT": crawler.user_agent,
        "ROBOTSTXT_OBEY": crawler.obey_robots,
        "DOWNLOAD_DELAY": crawler.download_delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawler.concurrent_requests_per_domain,
        "AUTOTHROTTLE_ENABLED": crawler.autothrottle,
        "DOWNLOAD_MAXSIZE": crawler.max_page_bytes,
        "WILDWATCH_EXTRACT_WORKERS": crawler.extract_workers,
        # listing photos (crawler.images): kept beside the snapshots, under the same retention
        "WILDWATCH_IMAGE_DIR": str(settings.images.dir),
        "WILDWATCH_IMAGES_PER_LISTING": settings.images.per_listing,
        "WILDWATCH_IMAGE_MAX_BYTES": settings.images.max_bytes,
        "WILDWATCH_IMAGE_MAX_PIXELS": settings.images.max_pixels,
        "WILDWATCH_IMAGE_MAX_FRAMES": settings.images.max_frames,
        "WILDWATCH_IMAGE_MATCH_INDEX": settings.images.match_index,
        # the address policy (crawler.resolver): what a crawl may fetch although it is not public
        "WILDWATCH_ALLOWED_NETWORKS": list(crawler.allowed_networks),
        "WILDWATCH_STATIC_HOSTS": dict(crawler.static_hosts),
    }


def job_dir_for(settings: Settings, url: str) -> Path:
    """The identity of crawls that start at ``url`` (one per start URL), used to find one to resume."""
    host = urlsplit(url).hostname or "site"
    return settings.crawler.job_dir / f"{host}-{hashlib.sha256(url.encode()).hexdigest()[:12]}"


def search_terms(profile: SiteProfile, *, explicit: list[str], lexicon_dir: Path, limit: int = 0) -> list[str]:
    """The terms a keyword crawl searches: the explicit ones, else the lexicon's and the profile's own."""
    terms = list(explicit) or load_search_terms(lexicon_dir, limit=limit) + profile.keywords
    distinct = list(dict.fromkeys(terms))
    return distinct[:limit] if limit else distinct


def plan_crawl(settings: Settings, request: CrawlRequest) -> CrawlPlan:
    """Check a request and resolve it; a request that cannot be crawled is an InputError."""
    parts = urlsplit(request.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"not an http(s) URL: {request.url!r}")
    profile = load_profile(request.profile) if request.profile else None
    terms: list[str] = []
    if profile is not None and (request.keywords or (request.keywords is None and profile.search_url)):
        if not profile.search_url:
            raise InputError(f"profile {profile.name!r} has no search_url; cannot crawl keywords")
        terms = search_terms(profile, explicit=request.search_terms, lexicon_dir=settings.data_dir / "lexicon",
                             limit=request.max_search_terms)
    elif profile is None and request.keywords:
        raise InputError("keyword search needs --profile with a search_url")
    if not request.categories and not terms:
        raise InputError("--no-categories leaves nothing to crawl without keyword searches")
    job_dir = job_dir_for(settings, request.url)
    prefix = (request.redis_prefix or f"wildwatch:{job_dir.name}") if request.redis_url else None
    return CrawlPlan(request=request, profile=profile, search_terms=terms, job_dir=job_dir, redis_prefix=prefix)


def open_crawl_run(
    session: Session, plan: CrawlPlan, *, site_id: int | None = None, resume: bool = False,
    nightly_run_id: int | None = None,
) -> tuple[int, int | None, bool]:
    """The crawl run the plan runs into, its site, and whether it continues an interrupted one.

    A profiled crawl without a ``site_id`` registers its site under the profile's name.
    """
    if site_id is None and plan.profile is not None:
        spec = SiteSpec(plan.profile.name, plan.request.url, plan.profile.source)
        site_id = ensure_site(session, spec).id
    if resume:
        previous = resumable_crawl_run(session, job_dir=str(plan.job_dir))
        if previous is not None:
            return previous.id, site_id, True
    run = start_crawl_run(session, start_url=plan.request.url, site_id=site_id, job_dir=str(plan.job_dir),
                          nightly_run_id=nightly_run_id)
    return run.id, site_id, False


def summary_line(summary: CrawlSummary) -> str:
    """The end-of-crawl summary an operator reads: one line, with why the run stopped when it did not just finish."""
    errors = ", ".join(f"{k}={v}" for k, v in sorted(summary.errors.items())) or "none"
    why = ""
    if summary.stop_detail:
        why = f" (capped: {summary.stop_detail})" if summary.status == "completed" else f" ({summary.stop_detail})"
    return (
        f"crawl run #{summary.run_id} {summary.status}{why}: {summary.pages_fetched} pages "
        f"({summary.bytes_fetched / 1e6:.1f} MB), listings new={summary.listings_new} "
        f"updated={summary.listings_updated} unchanged={summary.listings_unchanged}; skipped: {errors}"
    )
