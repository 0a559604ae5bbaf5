"""Scale-out, tested: two scrapy-redis crawl workers per site and the API behind two uvicorn
workers, all against PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from store.apikeys import create_api_key
from store.db import make_engine, make_session_factory, session_scope
from store.models import CrawlRun, Listing
from tests.databases import truncate_all
from tests.nightly.conftest import SmallSite, make_env
from tests.nightly.helpers import nightly_in_process
from wildwatch.demo.server import listing_url, load_listings

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

REDIS_URL = os.environ.get("WILDWATCH_TEST_REDIS", "redis://127.0.0.1:6379/15")


def _paths(database_url: str) -> tuple[set[str], int]:
    engine = make_engine(database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            urls = set(session.scalars(select(Listing.url)))
            counted = session.scalar(select(func.sum(CrawlRun.listings_new))) or 0
    finally:
        engine.dispose()
    return {urlsplit(u).path for u in urls}, int(counted)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_crawl_workers_and_two_api_workers_on_postgres(
    tmp_path: Path, small_site: SmallSite, pg_url: str
) -> None:
    expected = {urlsplit(listing_url(small_site.server.url, r)).path for r in load_listings(small_site.data_dir)}
    engine = make_engine(pg_url)
    truncate_all(engine)  # the session's PostgreSQL database is shared with other tests
    engine.dispose()
    env = make_env(tmp_path / "scaled", small_site.url)
    env.settings["database_url"] = pg_url
    env.config["nightly"] |= {"crawl_workers": 2, "redis_url": REDIS_URL}
    env.config["nightly"]["scrapy_settings"]["WILDWATCH_REDIS_IDLE_SECONDS"] = 1.0
    result = nightly_in_process(env.settings, env.config, pg_url, str(env.sink))
    assert result.status == "completed"
    paths, counted = _paths(pg_url)
    assert expected <= paths and counted == len(paths), "two workers stored every listing, each once"

    engine = make_engine(pg_url)
    with session_scope(make_session_factory(engine)) as session:
        _, key = create_api_key(session, role="analyst", name="scale-out")
    engine.dispose()
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "2", "--log-level", "warning"],
        env=dict(os.environ) | {"WILDWATCH_DATABASE_URL": pg_url, "WILDWATCH_VAR_DIR": env.settings["var_dir"]},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the API did not start"
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            for _ in range(6):  # several connections: both workers answer
                page = client.get(f"/reports/{result.run_id}/", headers={"Connection": "close"})
                assert page.status_code == 200 and "WildWatch nightly report" in page.text
            assert client.get("/reports/").json()["items"][0]["run_id"] == result.run_id
    finally:
        server.terminate()
        server.wait(30)
