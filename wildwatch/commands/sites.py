"""`wildwatch sites`: register the marketplaces the nightly crawls."""

from __future__ import annotations

import ipaddress
from typing import Annotated
from urllib.parse import urlsplit

import typer

from crawler.profile import find_profile, shipped_profiles
from store.db import session_scope
from store.sites import SiteSpec, add_site, default_name, list_sites, remove_site, set_enabled
from wildwatch.commands.options import AllowPrivateOption, DbOption, check_public_address
from core.errors import InputError
from wildwatch.runtime import open_store

sites_app = typer.Typer(help="Marketplaces registered for the nightly crawl.", no_args_is_help=True)


@sites_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="Start URL; the crawl stays on this host.")],
    name: Annotated[str | None, typer.Option("--name", help="Short unique name (default: the host).")] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="Site profile: a YAML/TOML file, or the name of a shipped one (default: the generic spider).")] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Register it without crawling it yet.")] = False,
    allow_private: AllowPrivateOption = False,
    db: DbOption = None,
) -> None:
    """Register a marketplace for the nightly crawl."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"not an http(s) URL: {url!r}")
    profile_path = find_profile(profile) if profile is not None else None
    if profile_path is not None and not profile_path.is_file():
        raise InputError(f"no profile file at {profile} (shipped profiles: {', '.join(shipped_profiles())})")
    check_public_address(url, allow_private=allow_private, what="register it", note=_crawl_note(parts.hostname))
    store = open_store(db)
    with session_scope(store.sessions) as session:
        site = add_site(session, SiteSpec(name or default_name(url), url,
                                          str(profile_path.resolve()) if profile_path else None, not disabled))
        typer.echo(f"site {site.name!r} (#{site.id}) registered: {url}", err=True)
    store.close()


def _crawl_note(host: str) -> str:
    """What else a crawl of a private host name needs (an address in the URL is trusted as typed)."""
    try:
        ipaddress.ip_address(host)
        return ""
    except ValueError:
        if host == "localhost":
            return ""
    return "; its crawls fetch it only if WILDWATCH_CRAWLER__ALLOWED_NETWORKS includes that address"


@sites_app.command("list")
def list_(db: DbOption = None) -> None:
    """Every registered site with its last crawl."""
    store = open_store(db, create=False)
    with session_scope(store.sessions) as session:
        rows = list_sites(session)
        if not rows:
            typer.echo("no sites registered (wildwatch sites add URL)", err=True)
        for row in rows:
            site, run = row.site, row.last_run
            last = (
                f"last run #{run.id} {run.status} {run.started_at:%Y-%m-%d %H:%M} UTC, {run.pages_fetched} pages, "
                f"new={run.listings_new} changed={run.listings_updated}" if run else "never crawled"
            )
            state = "enabled" if site.enabled else "disabled"
            profile = f" profile={site.profile_path}" if site.profile_path else ""
            typer.echo(f"{site.name}\t{state}\t{site.start_url}{profile}\t{last}")
    store.close()


def _toggle(name: str, enabled: bool, db: str | None) -> None:
    store = open_store(db)
    with session_scope(store.sessions) as session:
        set_enabled(session, name, enabled)
    store.close()
    typer.echo(f"site {name!r} {'enabled' if enabled else 'disabled'}", err=True)


@sites_app.command("enable")
def enable(name: str, db: DbOption = None) -> None:
    """Crawl this site again in the nightly run."""
    _toggle(name, True, db)


@sites_app.command("disable")
def disable(name: str, db: DbOption = None) -> None:
    """Leave this site out of the nightly run."""
    _toggle(name, False, db)


@sites_app.command("remove")
def remove(name: str, db: DbOption = None) -> None:
    """Unregister a site; its stored listings and crawl history are kept."""
    store = open_store(db, create=False)
    try:
        with session_scope(store.sessions) as session:
            listings = remove_site(session, name)
    finally:
        store.close()
    typer.echo(f"site {name!r} removed ({listings} stored listings kept)", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(sites_app, name="sites")
