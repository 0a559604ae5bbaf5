"""Services going away mid-run: PostgreSQL stopped and started, Redis killed under a distributed
crawl, a webhook receiver down or slow, an SMTP server refusing mail.

PostgreSQL and Redis are private instances on free ports (the shared servers stay untouched).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.app import create_app
from store.apikeys import create_api_key
from store.db import make_engine, make_session_factory, migrate, session_scope
from store.models import CrawlRun, Listing
from tests.fakes import FakeModel
from tests.crawler.sites.synthetic import SyntheticSite, item_path
from tests.faults.launcher import Launcher
from tests.faults.services import PrivatePostgres, PrivateRedis
from tests.faults.tally import note
from tests.faults.world import fault_env
from core.settings import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

ITEMS = 40


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    try:
        server = PrivatePostgres()
    except (FileNotFoundError, OSError) as exc:
        pytest.skip(f"cannot create a private PostgreSQL: {exc}")
    server.start()
    try:
        yield server
    finally:
        server.destroy()


def _listing_count(engine) -> int:  # type: ignore[no-untyped-def]
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Listing)).scalar_one()
    except Exception:  # noqa: BLE001 - the server may be down right now
        return -1


def _wait_for_listings(launcher: Launcher, pid: int, engine: Engine, log: Path, *, count: int) -> None:
    """Block until the crawl in ``pid`` has stored ``count`` listings (fails if it dies or takes 60 s)."""
    deadline = time.monotonic() + 60
    while _listing_count(engine) < count:
        assert time.monotonic() < deadline and launcher.wait(pid, 0) is None, log.read_text()[-3000:]
        time.sleep(0.1)


def test_postgres_stopped_mid_crawl_then_started_the_run_completes(
    launcher: Launcher, postgres: PrivatePostgres, tmp_path: Path
) -> None:
    site = SyntheticSite(ITEMS, delay=0.15).start()
    engine = make_engine(postgres.url)
    migrate(engine)
    log = tmp_path / "crawl.log"
    argv = ["crawl", site.url + "/", "--db", postgres.url, "--set", "WILDWATCH_STORE_BATCH=2",
            "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "--set", "AUTOTHROTTLE_ENABLED=False"]
    try:
        pid = launcher.spawn(argv, env=fault_env(tmp_path), log=log)
        _wait_for_listings(launcher, pid, engine, log, count=6)
        engine.dispose()
        postgres.stop()  # immediate: connections are cut, as in a crash or failover
        note("faults/postgres_stopped")
        time.sleep(3.0)
        postgres.start()
        rc = launcher.wait(pid, 120)
        if rc is None:
            launcher.kill(pid)
        output = log.read_text()
        assert rc == 0, output[-4000:]
        assert "database unavailable" in output, "the outage went unreported"
        with engine.connect() as conn:
            urls = list(conn.execute(select(Listing.url)).scalars())
            status = conn.execute(select(CrawlRun.status)).scalar_one()
        expected = {site.url + item_path(i) for i in range(ITEMS)}
        note("faults/lost", len(expected - set(urls)))
        note("faults/duplicated", len(urls) - len(set(urls)))
        assert set(urls) == expected and len(urls) == ITEMS and status == "completed"
    finally:
        site.stop()
        engine.dispose()


def test_api_answers_503_while_postgres_is_down_and_recovers(postgres: PrivatePostgres, tmp_path: Path) -> None:
    engine = make_engine(postgres.url)
    migrate(engine)
    with session_scope(make_session_factory(engine)) as session:
        key = create_api_key(session, role="analyst", name="outage")[1]
    settings = Settings(database_url=postgres.url, var_dir=tmp_path)
    settings.api.rate_limit_per_minute = 0
    settings.api.key_cache_seconds = 0
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(settings, engine=engine, model=FakeModel()), raise_server_exceptions=False) as client:
        assert client.get("/v1/listings", headers=headers).status_code == 200
        postgres.stop()
        note("faults/postgres_stopped")
        try:
            down = [client.get(path, headers=headers) for path in ("/v1/listings", "/v1/stats", "/healthz")]
        finally:
            postgres.start()
        for response in down:
            assert response.status_code == 503, response.text
        assert [r.json()["error"]["code"] for r in down[:2]] == ["database_unavailable"] * 2
        assert down[0].headers["Retry-After"]
        assert down[2].json()["database"] is False  # /healthz says why
        deadline = time.monotonic() + 30
        while client.get("/v1/listings", headers=headers).status_code != 200:
            assert time.monotonic() < deadline, "the API did not recover after PostgreSQL came back"
            time.sleep(0.2)
    engine.dispose()


def test_redis_gone_mid_distributed_crawl_stops_clearly_and_resume_completes(
    launcher: Launcher, tmp_path: Path
) -> None:
    redis_server = PrivateRedis()
    try:
        redis_server.start()
    except (FileNotFoundError, OSError) as exc:
        pytest.skip(f"cannot start a private redis-server: {exc}")
    site = SyntheticSite(ITEMS, delay=0.15).start()
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    engine = make_engine(db_url)
    migrate(engine)
    log = tmp_path / "crawl.log"
    argv = ["crawl", site.url + "/", "--db", db_url, "--resume", "--redis", redis_server.url, "--redis-prefix",
            "ww-fault", "--set", "WILDWATCH_REDIS_IDLE_SECONDS=2", "--set", "WILDWATCH_REDIS_GRACE_SECONDS=3",
            "--set", "WILDWATCH_STORE_BATCH=2",
            "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "--set", "AUTOTHROTTLE_ENABLED=False"]
    try:
        pid = launcher.spawn(argv, env=fault_env(tmp_path), log=log)
        _wait_for_listings(launcher, pid, engine, log, count=6)
        redis_server.kill()
        note("faults/redis_killed")
        rc = launcher.wait(pid, 90)
        if rc is None:
            launcher.kill(pid)
        assert rc is not None, "the worker hung after Redis went away"
        output = log.read_text()
        assert rc != 0, "a crawl that lost its shared queue must not report success"
        assert "redis" in output.lower()
        redis_server.start()  # a new, empty Redis: the frontier is rediscovered from the start pages
        rc = launcher.run(argv + ["--redis-reset"], env=fault_env(tmp_path), log=log, timeout=120)
        assert rc == 0, log.read_text()[-3000:]
        with engine.connect() as conn:
            urls = list(conn.execute(select(Listing.url)).scalars())
        expected = {site.url + item_path(i) for i in range(ITEMS)}
        note("faults/lost", len(expected - set(urls)))
        note("faults/duplicated", len(urls) - len(set(urls)))
        assert set(urls) == expected and len(urls) == ITEMS
    finally:
        redis_server.kill()
        site.stop()
        engine.dispose()
