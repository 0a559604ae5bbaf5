"""Kill -9 a crawl half way, resume it: everything stored once, nothing stored is fetched again."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError

from store.models import CrawlRun, Listing, Snapshot
from tests.crawler.sites.runner import crawl_command, crawl_env, run_crawl_cli
from tests.crawler.sites.synthetic import SyntheticSite, item_path

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

ITEMS = 80


def _count_listings(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Listing)).scalar_one()
    except OperationalError:  # tables not created yet
        return 0
    finally:
        engine.dispose()


def _children(pid: int) -> set[int]:
    """Processes ``pid`` started (its writer and extraction workers), from /proc."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_kill_nine_then_resume_stores_everything_once(tmp_path: Path) -> None:
    site = SyntheticSite(ITEMS, delay=0.02).start()
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    args = ("--set", "WILDWATCH_STORE_BATCH=5", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
    try:
        child = subprocess.Popen(crawl_command(site.url + "/", db_url, *args), env=crawl_env(tmp_path),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while _count_listings(db_url) < ITEMS // 4 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert child.poll() is None, "the crawl finished before it could be killed"
        helpers = _children(child.pid)
        os.kill(child.pid, signal.SIGKILL)  # the crawl process alone, as the OOM killer does
        child.wait(timeout=10)
        # Its writer and extraction processes go with it: nothing writes behind the resumed crawl.
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in helpers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [pid for pid in helpers if _alive(pid)]
        assert not left, f"processes left behind by the killed crawl: {left}"

        engine = create_engine(db_url)
        with engine.connect() as conn:
            stored_before = set(conn.execute(select(Listing.url)).scalars())
        assert 0 < len(stored_before) < ITEMS
        hits_before = {url: site.hits[url.removeprefix(site.url)] for url in stored_before}

        result = run_crawl_cli(site.url + "/", db_url, tmp_path, *args, "--resume", timeout=120)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "resuming crawl run #1" in result.stderr

        with engine.connect() as conn:
            urls = list(conn.execute(select(Listing.url)).scalars())
            snapshots = conn.execute(select(func.count()).select_from(Snapshot)).scalar_one()
            runs = conn.execute(select(CrawlRun)).all()
        engine.dispose()
        assert sorted(urls) == sorted(site.url + item_path(i) for i in range(ITEMS))
        assert snapshots == ITEMS  # one fetch stored per listing: nothing stored was fetched again
        assert {url: site.hits[url.removeprefix(site.url)] for url in stored_before} == hits_before
        assert len(runs) == 1 and runs[0].status == "completed" and runs[0].listings_new == ITEMS
    finally:
        site.stop()
