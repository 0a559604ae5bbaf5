"""`wildwatch crawl URL`: crawl a marketplace with the generic spider and store its listings."""

from __future__ import annotations

from typing import Annotated

import typer

from core.errors import CrawlError, InputError
from core.settings import get_settings
from store.db import session_scope
from wildwatch.commands.options import DbOption
from wildwatch.nightly.stopping import STOPPED_EXIT
from wildwatch.runtime import open_store


def parse_set_options(values: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` pairs (as `scrapy crawl -s`) to a dict."""
    parsed: dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--set expects NAME=VALUE, got {value!r}")
        parsed[name.strip()] = setting
    return parsed


def crawl(
    url: Annotated[str, typer.Argument(help="Start URL; the crawl stays on this site.")],
    db: DbOption = None,
    set_: Annotated[list[str], typer.Option("--set", "-s", help="Override a Scrapy setting for this run: NAME=VALUE (repeatable).")] = [],  # noqa: B006
    max_pages: Annotated[int, typer.Option(min=0, help="Stop after this many pages, ± the requests in flight (0 = WILDWATCH_CRAWLER__MAX_PAGES, default no limit).")] = 0,
    max_minutes: Annotated[float, typer.Option(min=0, help="Stop after this many minutes (0 = WILDWATCH_CRAWLER__MAX_MINUTES, default no limit).")] = 0,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the interrupted crawl of this URL.")] = False,
    profile: Annotated[str | None, typer.Option("--profile", help="Site profile: a YAML/TOML file, or the name of a shipped one.")] = None,
    keywords: Annotated[bool | None, typer.Option("--keywords/--no-keywords", help="Also crawl the profile's search for each lexicon term (default: when the profile has search_url).")] = None,
    keyword: Annotated[list[str], typer.Option("--keyword", "-k", help="Search this term (repeatable; replaces the lexicon terms).")] = [],  # noqa: B006
    categories: Annotated[bool, typer.Option("--categories/--no-categories", help="Crawl the start/category pages (--no-categories: keyword searches only).")] = True,
    redis: Annotated[str | None, typer.Option("--redis", help="Distributed mode: share scheduler and dupefilter in this Redis (redis://127.0.0.1:6379/0).")] = None,
    redis_prefix: Annotated[str | None, typer.Option(help="Redis key prefix shared by the workers of one crawl (default: from the URL).")] = None,
    redis_reset: Annotated[bool, typer.Option("--redis-reset", help="Clear the prefix's queue and fingerprints first (start a fresh distributed crawl).")] = False,
) -> None:
    """Crawl a marketplace starting at URL and store every listing found (with evidence).

    Exit 0: completed (also when capped by --max-pages/--max-minutes); 3: failed (the site did
    not answer, or listings could not be stored); 143: interrupted by Ctrl-C/SIGTERM (--resume)."""
    from crawler.run import clear_redis_prefix, run_crawl  # Scrapy is heavy: import it only when crawling
    from wildwatch.crawls import CrawlRequest, open_crawl_run, plan_crawl, summary_line

    settings = get_settings()
    request = CrawlRequest(
        url=url, profile=profile, keywords=True if keyword else keywords, search_terms=keyword,
        categories=categories, max_pages=max_pages, max_minutes=max_minutes, redis_url=redis, redis_prefix=redis_prefix,
        overrides=parse_set_options(set_),
    )
    plan = plan_crawl(settings, request)
    store = open_store(db)
    try:
        with session_scope(store.sessions) as session:
            run_id, site_id, resumed = open_crawl_run(session, plan, resume=resume)
        if resume:
            typer.echo(f"resuming crawl run #{run_id}" if resumed else "nothing to resume for this URL; starting a new crawl",
                       err=True)
        if redis and redis_reset and plan.redis_prefix:
            clear_redis_prefix(redis, plan.redis_prefix)
        typer.echo(f"crawling {url}" + (f" with profile {plan.profile.name}" if plan.profile else "")
                   + (f", {len(plan.search_terms)} search terms" if plan.search_terms else "")
                   + (f", Redis prefix {plan.redis_prefix}" if plan.redis_prefix else ""), err=True)
        summary = run_crawl(plan.spec(settings, database_url=store.url, run_id=run_id, site_id=site_id), store=store)
    finally:
        store.close()
    typer.echo(summary_line(summary), err=True)
    if summary.status == "interrupted":
        typer.echo("to continue it, run the same command with --resume", err=True)
        raise typer.Exit(STOPPED_EXIT)
    if summary.status != "completed":
        raise typer.Exit(CrawlError.exit_code)


def register(app: typer.Typer) -> None:
    app.command()(crawl)
