"""End to end: a marketplace that redirects, links and refreshes to internal addresses never gets
the crawler there; every trick is a recorded skip, and the crawl completes.

The internal servers (127.0.0.2 on the marketplace's port, 127.0.0.1 on another port) count every
request, robots.txt included: the assertion is that they got none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from store.models import CrawlRun, CrawlSkip, Listing
from tests.crawler.sites.hostile_site import BAD_BODIES, MOBILE_ITEMS, REDIRECTS, HostileSite
from tests.crawler.sites.runner import run_crawl_cli

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

CRAWL_ARGS = ("--set", "DOWNLOAD_TIMEOUT=5", "--set", "RETRY_TIMES=0", "--set", "DOWNLOAD_MAXSIZE=200000")


@dataclass
class Crawled:
    site: HostileSite
    url: str  # where the crawl started
    engine: Engine
    stderr: str


def _crawl(tmp: Path, site: HostileSite, url: str, env: dict[str, str] | None = None) -> Crawled:
    db_url = f"sqlite:///{tmp / 'crawl.db'}"
    result = run_crawl_cli(url + "/", db_url, tmp, *CRAWL_ARGS, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return Crawled(site, url, create_engine(db_url), result.stderr)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    site = HostileSite().start()
    try:
        crawled = _crawl(tmp_path_factory.mktemp("hostile"), site, site.url)
        yield crawled
        crawled.engine.dispose()
    finally:
        site.stop()


def _skips(engine: Engine) -> dict[str, set[str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(CrawlSkip.url, CrawlSkip.reason)).all()
    found: dict[str, set[str]] = {}
    for url, reason in rows:
        found.setdefault(url, set()).add(reason)
    return found


def test_the_internal_servers_are_never_reached(hostile: Crawled) -> None:
    assert hostile.site.internal.hits == []  # not a page, not its robots.txt
    assert hostile.site.other_port.hits == []
    assert not [host for host, _ in hostile.site.hits if host != "127.0.0.1"]


@pytest.mark.parametrize(("path", "location", "reason"), REDIRECTS, ids=[path for path, _, _ in REDIRECTS])
def test_each_hostile_redirect_is_a_recorded_skip(hostile: Crawled, path: str, location: str, reason: str) -> None:
    assert reason in _skips(hostile.engine).get(hostile.site.url + path, set()), location


@pytest.mark.parametrize(("path", "reason"), BAD_BODIES)
def test_bad_bodies_are_recorded_skips(hostile: Crawled, path: str, reason: str) -> None:
    assert reason in _skips(hostile.engine).get(hostile.site.url + path, set())


def test_the_site_itself_is_crawled_and_the_run_completes(hostile: Crawled) -> None:
    with hostile.engine.connect() as conn:
        urls = set(conn.execute(select(Listing.url)).scalars())
        run = conn.execute(select(CrawlRun)).one()
    assert urls == {hostile.site.url + "/item/1", hostile.site.url + "/item/2"}  # /item/2 via a same-site 307
    assert run.status == "completed"
    offsite_rows = sum(1 for reasons in _skips(hostile.engine).values() if "offsite_redirect" in reasons)
    assert run.errors["offsite_redirect"] == offsite_rows + 1  # + robots.txt's redirect, counted without a row
    assert "Traceback" not in hostile.stderr


# ---------------------------------------------------------------- host names, addresses, canonical URLs

HOSTS_ENV = {
    "WILDWATCH_CRAWLER__STATIC_HOSTS": json.dumps({"market.test": "127.0.0.1", "m.market.test": "127.0.0.1",
                                                   "www.market.test": ["127.0.0.1", "127.0.0.2"]}),
    "WILDWATCH_CRAWLER__ALLOWED_NETWORKS": '["127.0.0.1/32"]',
}


@pytest.fixture(scope="module", params=["http://m.market.test:{P}/m/", "http://market.test:{P}/"],
                ids=["mobile-first", "desktop-first"])
def named(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    """A crawl started on the mobile site's home (desktop pages reached only as the canonical URLs
    mobile pages declare), or on the desktop home (whose pages link to their mobile versions)."""
    site = HostileSite().start()
    try:
        url = request.param.replace("{P}", str(site.port)).rstrip("/")
        crawled = _crawl(tmp_path_factory.mktemp("named"), site, url, HOSTS_ENV)
        yield crawled
        crawled.engine.dispose()
    finally:
        site.stop()


def test_mobile_variants_are_one_listing_stored_from_the_desktop_page(named: Crawled) -> None:
    with named.engine.connect() as conn:
        rows = {row.url: row for row in conn.execute(select(Listing))}
    desktop = named.site.named_url()
    assert set(rows) == {f"{desktop}/item/{n}" for n in MOBILE_ITEMS}
    for number, (title, _) in MOBILE_ITEMS.items():
        row = rows[f"{desktop}/item/{number}"]
        assert (row.title, row.version) == (title, 1)
        assert named.site.fetched("market.test", f"/item/{number}") == 1
        assert named.site.fetched("market.test", f"/m/item/{number}") == 1  # the variant was read, too


def test_a_name_with_one_internal_address_is_refused_whole(named: Crawled) -> None:
    """www.market.test (a redirect's target) resolves to 127.0.0.1 and 127.0.0.2: refused, never
    connected to, its robots.txt included (DNS rebinding gains nothing)."""
    assert _skips(named.engine)[named.site.named_url() + "/go-www"] == {"address_refused"}
    assert named.site.internal.hits == []
    assert not [path for host, path in named.site.hits if host == "www.market.test"]
