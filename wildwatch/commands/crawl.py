"""`wildwatch crawl URL`: crawl a marketplace with the generic spider and store its listings."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer
from sqlalchemy import select

from store.db import session_scope
from store.models import Site
from store.runs import latest_crawl_run
from wildwatch.commands.options import DbOption
from core.errors import InputError
from wildwatch.runtime import Store, open_store
from core.settings import Settings, get_settings

if TYPE_CHECKING:
    from crawler.profile import SiteProfile
    from crawler.run import CrawlSummary


def parse_set_options(values: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` pairs (as `scrapy crawl -s`) to a dict."""
    parsed: dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--set expects NAME=VALUE, got {value!r}")
        parsed[name.strip()] = setting
    return parsed


def crawler_overrides(settings: Settings) -> dict[str, object]:
    """Scrapy settings that come from WildWatch's settings."""
    crawler = settings.crawler
    return {
        "USER_AGENT": crawler.user_agent,
        "ROBOTSTXT_OBEY": crawler.obey_robots,
        "DOWNLOAD_DELAY": crawler.download_delay,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawler.concurrent_requests_per_domain,
        "AUTOTHROTTLE_ENABLED": crawler.autothrottle,
        "DOWNLOAD_MAXSIZE": crawler.max_page_bytes,
        # the address policy (crawler.resolver): what a crawl may fetch although it is not public
        "WILDWATCH_ALLOWED_NETWORKS": list(crawler.allowed_networks),
        "WILDWATCH_STATIC_HOSTS": dict(crawler.static_hosts),
    }


def job_dir_for(settings: Settings, url: str) -> Path:
    """The identity of crawls that start at ``url`` (one per start URL), used to find one to resume."""
    host = urlsplit(url).hostname or "site"
    return settings.crawler.job_dir / f"{host}-{hashlib.sha256(url.encode()).hexdigest()[:12]}"


def print_summary(summary: CrawlSummary) -> None:
    """The end-of-crawl summary an operator reads."""
    errors = ", ".join(f"{k}={v}" for k, v in sorted(summary.errors.items())) or "none"
    typer.echo(
        f"crawl run #{summary.run_id} {summary.status}: {summary.pages_fetched} pages "
        f"({summary.bytes_fetched / 1e6:.1f} MB), listings new={summary.listings_new} "
        f"updated={summary.listings_updated} unchanged={summary.listings_unchanged}; skipped: {errors}",
        err=True,
    )


def _site_id(store: Store, profile: SiteProfile, url: str) -> int:
    """The ``sites`` row of a profiled site (created on first crawl, start URL kept current)."""
    with session_scope(store.sessions) as session:
        site = session.scalars(select(Site).where(Site.name == profile.name)).first()
        if site is None:
            site = Site(name=profile.name, start_url=url, host=urlsplit(url).hostname or "",
                        profile_path=profile.source)
            session.add(site)
        else:
            site.start_url, site.host, site.profile_path = url, urlsplit(url).hostname or "", profile.source
        session.flush()
        return site.id


def crawl(
    url: Annotated[str, typer.Argument(help="Start URL; the crawl stays on this site.")],
    db: DbOption = None,
    set_: Annotated[list[str], typer.Option("--set", "-s", help="Override a Scrapy setting for this run: NAME=VALUE (repeatable).")] = [],  # noqa: B006
    max_pages: Annotated[int, typer.Option(help="Stop following links after this many pages (0 = no limit).")] = 0,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the interrupted crawl of this URL.")] = False,
    profile: Annotated[str | None, typer.Option("--profile", help="Site profile: a YAML/TOML file, or the name of a shipped one.")] = None,
    keywords: Annotated[bool | None, typer.Option("--keywords/--no-keywords", help="Also crawl the profile's search for each lexicon term (default: when the profile has search_url).")] = None,
    keyword: Annotated[list[str], typer.Option("--keyword", "-k", help="Search this term (repeatable; replaces the lexicon terms).")] = [],  # noqa: B006
    categories: Annotated[bool, typer.Option("--categories/--no-categories", help="Crawl the start/category pages (--no-categories: keyword searches only).")] = True,
    redis: Annotated[str | None, typer.Option("--redis", help="Distributed mode: share scheduler and dupefilter in this Redis (redis://127.0.0.1:6379/0).")] = None,
    redis_prefix: Annotated[str | None, typer.Option(help="Redis key prefix shared by the workers of one crawl (default: from the URL).")] = None,
    redis_reset: Annotated[bool, typer.Option("--redis-reset", help="Clear the prefix's queue and fingerprints first (start a fresh distributed crawl).")] = False,
) -> None:
    """Crawl a marketplace starting at URL and store every listing found (with evidence)."""
    from crawler.lexicon import load_search_terms
    from crawler.profile import load_profile
    from crawler.run import clear_redis_prefix, run_crawl  # Scrapy is heavy: import it only when crawling

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"not an http(s) URL: {url!r}")
    settings = get_settings()
    site_profile = load_profile(profile) if profile else None
    store = open_store(db)
    site_id = _site_id(store, site_profile, url) if site_profile else None
    job_dir = job_dir_for(settings, url)
    resume_run_id = None
    if resume:
        with session_scope(store.sessions) as session:
            previous = latest_crawl_run(session, job_dir=str(job_dir))
            resume_run_id = previous.id if previous and previous.status != "completed" else None
        if resume_run_id is None:
            typer.echo("nothing to resume for this URL; starting a new crawl", err=True)
        else:
            typer.echo(f"resuming crawl run #{resume_run_id}", err=True)
    terms: list[str] = []
    keywords = True if keyword else keywords
    if site_profile is not None and (keywords or (keywords is None and site_profile.search_url)):
        if not site_profile.search_url:
            raise InputError(f"profile {site_profile.name!r} has no search_url; cannot crawl keywords")
        terms = list(dict.fromkeys(keyword or load_search_terms(settings.data_dir / "lexicon") + site_profile.keywords))
    elif keyword or keywords:
        raise InputError("keyword search needs --profile with a search_url")
    if not categories and not terms:
        raise InputError("--no-categories leaves nothing to crawl without keyword searches")
    prefix = None
    if redis:
        prefix = redis_prefix or f"wildwatch:{job_dir.name}"
        if redis_reset:
            clear_redis_prefix(redis, prefix)
    overrides = parse_set_options(set_)
    typer.echo(f"crawling {url}" + (f" with profile {site_profile.name}" if site_profile else "")
               + (f", {len(terms)} search terms" if terms else "") + (f", Redis prefix {prefix}" if prefix else ""),
               err=True)
    summary = run_crawl(
        url,
        database_url=store.url,
        snapshot_dir=settings.crawler.snapshot_dir,
        defaults=crawler_overrides(settings),
        overrides=overrides,
        site_id=site_id,
        job_dir=job_dir,
        resume_run_id=resume_run_id,
        max_pages=max_pages or settings.crawler.max_pages,
        profile=site_profile,
        search_terms=terms,
        redis_url=redis,
        redis_prefix=prefix,
        categories=categories,
    )
    print_summary(summary)
    store.close()
    if summary.status == "failed":
        raise typer.Exit(3)


def register(app: typer.Typer) -> None:
    app.command()(crawl)
