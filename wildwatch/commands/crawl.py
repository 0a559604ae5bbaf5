"""`wildwatch crawl URL`: crawl a marketplace with the generic spider and store its listings."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer

from store.db import session_scope
from store.runs import latest_crawl_run
from wildwatch.commands.options import DbOption
from wildwatch.errors import InputError
from wildwatch.runtime import open_store
from wildwatch.settings import Settings, get_settings

if TYPE_CHECKING:
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
    }


def job_dir_for(settings: Settings, url: str) -> Path:
    """The JOBDIR of crawls that start at ``url`` (one per start URL)."""
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


def crawl(
    url: Annotated[str, typer.Argument(help="Start URL; the crawl stays on this host.")],
    db: DbOption = None,
    set_: Annotated[list[str], typer.Option("--set", "-s", help="Override a Scrapy setting for this run: NAME=VALUE (repeatable).")] = [],  # noqa: B006
    max_pages: Annotated[int, typer.Option(help="Stop following links after this many pages (0 = no limit).")] = 0,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the interrupted crawl of this URL.")] = False,
) -> None:
    """Crawl a marketplace starting at URL and store every listing found (with evidence)."""
    from crawler.run import run_crawl  # Scrapy is heavy: import it only when crawling

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"not an http(s) URL: {url!r}")
    settings = get_settings()
    store = open_store(db)
    job_dir = job_dir_for(settings, url)
    resume_run_id = None
    if resume:
        with session_scope(store.sessions) as session:
            previous = latest_crawl_run(session, job_dir=str(job_dir))
            resume_run_id = previous.id if previous and previous.status != "completed" else None
        if resume_run_id is None:
            typer.echo("nothing to resume for this URL; starting a new crawl", err=True)
            shutil.rmtree(job_dir, ignore_errors=True)
        else:
            typer.echo(f"resuming crawl run #{resume_run_id}", err=True)
    elif job_dir.exists():
        typer.echo("an earlier crawl of this URL was interrupted; starting afresh (use --resume to continue it)", err=True)
        shutil.rmtree(job_dir, ignore_errors=True)
    overrides = crawler_overrides(settings) | parse_set_options(set_)
    typer.echo(f"crawling {url} …", err=True)
    summary = run_crawl(
        url,
        database_url=store.url,
        snapshot_dir=settings.crawler.snapshot_dir,
        overrides=overrides,
        job_dir=job_dir,
        resume_run_id=resume_run_id,
        max_pages=max_pages or settings.crawler.max_pages,
    )
    if summary.status == "completed":
        shutil.rmtree(job_dir, ignore_errors=True)
    print_summary(summary)
    store.close()
    if summary.status == "failed":
        raise typer.Exit(3)


def register(app: typer.Typer) -> None:
    app.command()(crawl)
