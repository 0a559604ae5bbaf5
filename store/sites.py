"""Marketplaces registered for the nightly crawl, and their last crawl."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.errors import InputError
from store.errors import NotFound
from store.models import CrawlRun, Listing, Site

__all__ = [
    "SiteSpec",
    "SiteWithRun",
    "add_site",
    "ensure_site",
    "get_site",
    "list_sites",
    "enabled_sites",
    "sync_sites",
    "set_enabled",
    "remove_site",
    "same_site_url",
]


@dataclass(frozen=True, slots=True)
class SiteSpec:
    name: str
    start_url: str
    profile_path: str | None = None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class SiteWithRun:
    site: Site
    last_run: CrawlRun | None


def default_name(url: str) -> str:
    """A site's name when none is given: its host."""
    return urlsplit(url).hostname or url


def same_site_url(url: str) -> str:
    """A start URL in the form two spellings of it share: scheme and host lower case, no default
    port, no fragment, and "/" for an empty path (``HTTP://Market.example:80`` = ``http://market.example/``)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or port == {"http": 80, "https": 443}.get(scheme) else f"{host}:{port}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{parts.path or '/'}{query}"


def _site_with_url(session: Session, url: str) -> Site | None:
    key = same_site_url(url)
    return next((site for site in session.scalars(select(Site).order_by(Site.id))
                 if same_site_url(site.start_url) == key), None)


def add_site(session: Session, spec: SiteSpec) -> Site:
    """Register a marketplace; a name or a start URL already registered is an InputError."""
    if session.scalar(select(Site.id).where(Site.name == spec.name)) is not None:
        raise InputError(f"a site named {spec.name!r} already exists (use --name to pick another)")
    twin = _site_with_url(session, spec.start_url)
    if twin is not None:
        raise InputError(f"{spec.start_url} is already registered as site {twin.name!r}")
    site = Site(
        name=spec.name, start_url=spec.start_url, host=urlsplit(spec.start_url).hostname or "",
        profile_path=spec.profile_path, enabled=spec.enabled,
    )
    session.add(site)
    session.flush()
    return site


def _point(site: Site, spec: SiteSpec) -> None:
    site.start_url = spec.start_url
    site.host = urlsplit(spec.start_url).hostname or ""
    site.profile_path = spec.profile_path


def ensure_site(session: Session, spec: SiteSpec) -> Site:
    """The row of a site crawled by name: created on first crawl, its start URL and profile kept current.

    Whether the nightly crawls it (``enabled``) is left as the operator set it.
    """
    site = session.scalar(select(Site).where(Site.name == spec.name))
    if site is None:
        # The same marketplace registered under another name: its runs belong to that site.
        return _site_with_url(session, spec.start_url) or add_site(session, spec)
    _point(site, spec)
    session.flush()
    return site


def get_site(session: Session, name: str) -> Site:
    """A site by name."""
    site = session.scalar(select(Site).where(Site.name == name))
    if site is None:
        raise NotFound(f"no site named {name!r}")
    return site


def set_enabled(session: Session, name: str, enabled: bool) -> Site:
    """Switch a site in or out of the nightly crawl."""
    site = get_site(session, name)
    site.enabled = enabled
    session.flush()
    return site


def remove_site(session: Session, name: str) -> int:
    """Unregister a site; its listings and crawl runs stay (evidence), unlinked.  Returns how many listings it had."""
    site = get_site(session, name)
    listings = session.scalar(select(func.count()).select_from(Listing).where(Listing.site_id == site.id)) or 0
    session.execute(update(Listing).where(Listing.site_id == site.id).values(site_id=None))
    session.execute(update(CrawlRun).where(CrawlRun.site_id == site.id).values(site_id=None))
    session.delete(site)
    session.flush()
    return listings


def enabled_sites(session: Session) -> list[Site]:
    """The sites the nightly crawls, in registration order."""
    return list(session.scalars(select(Site).where(Site.enabled.is_(True)).order_by(Site.id)))


def list_sites(session: Session) -> list[SiteWithRun]:
    """Every site with its newest crawl run (one query for the runs)."""
    sites = list(session.scalars(select(Site).order_by(Site.id)))
    newest = (
        select(CrawlRun.site_id, func.max(CrawlRun.id).label("run_id"))
        .where(CrawlRun.site_id.is_not(None))
        .group_by(CrawlRun.site_id)
        .subquery()
    )
    runs = {run.site_id: run for run in session.scalars(select(CrawlRun).join(newest, CrawlRun.id == newest.c.run_id))}
    return [SiteWithRun(site, runs.get(site.id)) for site in sites]


def sync_sites(session: Session, specs: Sequence[SiteSpec]) -> list[Site]:
    """Make the sites named in the operations file match it (other sites are left alone)."""
    existing = {site.name: site for site in session.scalars(select(Site).where(Site.name.in_([s.name for s in specs])))}
    synced = []
    for spec in specs:
        site = existing.get(spec.name)
        if site is None:
            site = add_site(session, spec)
        else:
            _point(site, spec)
            site.enabled = spec.enabled
        synced.append(site)
    session.flush()
    return synced
