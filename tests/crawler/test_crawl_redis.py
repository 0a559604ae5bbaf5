"""Distributed mode: two workers share a Redis scheduler and dupefilter and store each listing once."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from crawler.run import clear_redis_prefix
from store.models import CrawlRun, Listing, Snapshot
from tests.crawler.sites.runner import crawl_command, crawl_env
from tests.crawler.sites.synthetic import SyntheticSite, item_path
from wildwatch.runtime import open_store

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(150)]

REDIS_URL = "redis://127.0.0.1:6379/0"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
ITEMS = 60


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    finally:
        client.close()
    prefix = f"wildwatch-test:{uuid.uuid4().hex[:12]}"
    yield prefix
    clear_redis_prefix(REDIS_URL, prefix)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a uniquely named PostgreSQL database dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crawl.db'}"
        return
    psycopg = pytest.importorskip("psycopg")
    name = f"ww_test_crawler_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_workers_store_each_listing_once(tmp_path: Path, redis_prefix: str, db_url: str) -> None:
    gate = threading.Event()
    site = SyntheticSite(ITEMS, delay=0.01, gate=gate).start()
    open_store(db_url).close()  # migrate once, before two processes race to do it
    # A worker whose start URL the other already took waits for the queue to fill: on a loaded
    # machine parsing the start page can take seconds, so the idle timeout is the shipped default.
    args = ("--redis", REDIS_URL, "--redis-prefix", redis_prefix, "--set", "WILDWATCH_REDIS_IDLE_SECONDS=10",
            "--set", "WILDWATCH_STORE_BATCH=10")
    workers: list[subprocess.Popen[str]] = []
    try:
        # Item pages are held until both workers have asked for one, so both take part whatever
        # their start-up times.  One does everything in the crawl process, the other reads pages
        # in an extraction process and writes in a writer process: both must store the same way.
        variants = (("--set", "WILDWATCH_EXTRACT_WORKERS=0", "--set", "WILDWATCH_STORE_WRITER=thread"),
                    ("--set", "WILDWATCH_EXTRACT_WORKERS=1", "--set", "WILDWATCH_STORE_WRITER=process"))
        for number, extra in enumerate(variants):
            workers.append(subprocess.Popen(
                crawl_command(site.url + "/", db_url, *args, "--set", f"USER_AGENT=worker-{number}", *extra),
                env=crawl_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
        deadline = time.monotonic() + 60
        while len(site.agents) < 2 and time.monotonic() < deadline and all(w.poll() is None for w in workers):
            time.sleep(0.05)
        gate.set()
        outputs = [worker.communicate(timeout=120)[1] for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0], [out[-2000:] for out in outputs]

        engine = create_engine(db_url)
        with engine.connect() as conn:
            urls = list(conn.execute(select(Listing.url)).scalars())
            snapshots = conn.execute(select(func.count()).select_from(Snapshot)).scalar_one()
            runs = conn.execute(select(CrawlRun).order_by(CrawlRun.id)).all()
        engine.dispose()
        assert sorted(urls) == sorted(site.url + item_path(i) for i in range(ITEMS))
        assert snapshots == ITEMS  # each listing page stored by exactly one worker
        twice = {item_path(i): site.hits[item_path(i)] for i in range(ITEMS) if site.hits[item_path(i)] != 1}
        assert twice == {}  # the shared dupefilter: no page fetched by both
        assert [run.status for run in runs] == ["completed", "completed"]
        assert sum(run.listings_new for run in runs) == ITEMS
        assert all(run.pages_fetched > 0 for run in runs), (
            [(run.pages_fetched, run.listings_new) for run in runs], sorted(site.agents), [out[-3000:] for out in outputs])
    finally:
        gate.set()
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        site.stop()
