"""The one crawl builder (wildwatch.crawls): requests checked and resolved the same way for every caller."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from core.errors import InputError
from core.settings import Settings
from crawler.pipelines import StorePipeline
from crawler.profile import SiteProfile
from crawler.spec import CrawlSpec
from crawler.spiders.generic import GenericSpider
from store.db import Store, session_scope
from store.models import CrawlRun, Site
from wildwatch.crawls import CrawlRequest, open_crawl_run, plan_crawl, search_terms
from wildwatch.runtime import open_store


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'ww.db'}", var_dir=tmp_path / "var",
                    data_dir=tmp_path / "data", crawler={"job_dir": tmp_path / "jobs"})


def test_explicit_terms_replace_the_lexicon_and_the_profile_keywords(tmp_path: Path) -> None:
    profile = SiteProfile(name="s", search_url="/s?q={keyword}", keywords=["象牙筷", "ivory"])
    assert search_terms(profile, explicit=["a", "b", "a"], lexicon_dir=tmp_path) == ["a", "b"]
    merged = search_terms(profile, explicit=[], lexicon_dir=tmp_path)  # no lexicon here: the built-in terms
    assert merged[-1] == "象牙筷" and merged.count("ivory") == 1
    assert len(search_terms(profile, explicit=[], lexicon_dir=tmp_path, limit=3)) == 3


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        ({"url": "ftp://x.example/"}, r"not an http\(s\) URL"),
        ({"url": "http://x.example/", "keywords": True}, "needs --profile"),
        ({"url": "http://x.example/", "categories": False}, "nothing to crawl"),
    ],
)
def test_requests_that_cannot_be_crawled(settings: Settings, request_fields: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        plan_crawl(settings, CrawlRequest(**request_fields))  # type: ignore[arg-type]


def test_demo_profile_searches_by_default_and_the_spec_survives_json(settings: Settings) -> None:
    plan = plan_crawl(settings, CrawlRequest(url="http://127.0.0.1:8088/", profile="demo", max_search_terms=5,
                                             redis_url="redis://127.0.0.1:6379/0"))
    assert len(plan.search_terms) == 5 and plan.job_dir.parent == settings.crawler.job_dir
    assert plan.redis_prefix == f"wildwatch:{plan.job_dir.name}"
    spec = plan.spec(settings, database_url=settings.database_url, run_id=7, site_id=None)
    assert spec.defaults["USER_AGENT"] == settings.crawler.user_agent and spec.profile == "demo"
    assert CrawlSpec.model_validate_json(spec.model_dump_json()) == spec


def test_resume_continues_the_unfinished_run_and_registers_the_profiled_site(settings: Settings) -> None:
    store = open_store(settings.database_url)
    plan = plan_crawl(settings, CrawlRequest(url="http://127.0.0.1:8088/", profile="demo", keywords=False))
    with session_scope(store.sessions) as session:
        first, site_id, resumed = open_crawl_run(session, plan, resume=True)
        assert not resumed and session.get(Site, site_id).name == "demo"  # type: ignore[union-attr]
    with session_scope(store.sessions) as session:
        assert open_crawl_run(session, plan, resume=True) == (first, site_id, True)
        session.get(CrawlRun, first).status = "completed"  # type: ignore[union-attr]
    with session_scope(store.sessions) as session:
        again, _, resumed = open_crawl_run(session, plan, resume=True)
    assert again != first and not resumed
    store.close()


def test_a_writer_thread_shares_the_crawl_process_engine(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'ww.db'}")
    assert copy.deepcopy(store) is store and "ww.db" in repr(store)
    crawler = get_crawler(GenericSpider, {"WILDWATCH_DATABASE_URL": store.url, "WILDWATCH_STORE": store,
                                          "WILDWATCH_SNAPSHOT_DIR": str(tmp_path), "WILDWATCH_STORE_WRITER": "thread"})
    pipeline = StorePipeline.from_crawler(crawler)  # a Crawler deep-copies its settings
    pipeline.open_spider()
    assert pipeline.writer is not None and pipeline.writer.store.engine is store.engine
    pipeline.writer.close()
    assert "engine" in store.__dict__  # the crawl's store stays open: its owner closes it
    store.close()
