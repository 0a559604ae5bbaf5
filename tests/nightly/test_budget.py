"""A site that outruns its wall-clock budget is stopped, reported, and the night goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from store.db import make_engine, make_session_factory, session_scope
from store.models import CrawlRun
from tests.nightly.conftest import SmallSite, make_env
from tests.nightly.helpers import nightly_in_process

pytestmark = pytest.mark.e2e


def test_site_budget_stops_the_crawl_and_the_run_completes(tmp_path: Path, small_site: SmallSite) -> None:
    env = make_env(tmp_path, small_site.url, DOWNLOAD_DELAY=0.5, CONCURRENT_REQUESTS_PER_DOMAIN=1)
    env.config["sites"][0]["budget_minutes"] = 0.05  # 3 seconds: far less than the slowed-down crawl needs
    env.config["nightly"]["stop_grace_seconds"] = 10

    result = nightly_in_process(env.settings, env.config, env.database_url, str(env.sink))

    assert result.status == "completed"
    assert any("budget_exceeded" in error for error in result.summary["errors"])
    engine = make_engine(env.database_url)
    with session_scope(make_session_factory(engine)) as session:
        (status,) = session.scalars(select(CrawlRun.status))
    engine.dispose()
    assert status == "interrupted"  # stopped by SIGTERM: Scrapy closed it cleanly
    assert 'budget_exceeded' in (Path(str(result.report_path))).read_text(encoding="utf-8")
    assert (env.var_dir / "metrics" / "wildwatch.prom").read_text().count('wildwatch_crawl_budget_exceeded{site="small"} 1.0') == 1
