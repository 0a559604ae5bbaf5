"""The nightly's promise under crashes: kill -9 in each stage, rerun, and everything happened once."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from store.db import make_engine, make_session_factory, session_scope
from store.models import CrawlRun, Listing, ListingVersion, NightlyRun, Score
from tests.nightly.conftest import NightlyEnv, SmallSite, make_env
from tests.nightly.helpers import make_small_site_data, nightly_in_process
from wildwatch.demo.server import make_server
from wildwatch.nightly import STOPPED_EXIT
from wildwatch.runtime import open_store
from core.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def _query(database_url: str, fn: Callable) -> object:  # type: ignore[type-arg]
    engine = make_engine(database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return fn(session)
    finally:
        engine.dispose()


def _listings(database_url: str) -> dict[str, str]:
    return dict(_query(database_url, lambda s: s.execute(select(Listing.url, Listing.content_hash)).all()))


def _stored_new(database_url: str) -> int:
    return int(_query(database_url, lambda s: s.scalar(select(func.coalesce(func.sum(CrawlRun.listings_new), 0)))))


def _wait(condition: Callable[[], bool], process: multiprocessing.process.BaseProcess, what: str) -> None:
    deadline = time.monotonic() + 90
    while not condition():
        assert process.is_alive(), f"the nightly ended before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def shared_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmallSite]:
    """One small site for the whole module (the tests here never change it)."""
    root = tmp_path_factory.mktemp("site")
    data_dir = make_small_site_data(root / "data", PROJECT_ROOT / "data" / "demo")
    site = SmallSite(data_dir, make_server("127.0.0.1", 0, data_dir=data_dir).start())
    yield site
    site.server.stop()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, shared_site: SmallSite) -> dict[str, str]:
    """What an uninterrupted nightly stores from the small site: {url: content hash}."""
    env = make_env(tmp_path_factory.mktemp("reference"), shared_site.url)
    result = nightly_in_process(env.settings, env.config, env.database_url, str(env.sink))
    assert result.status == "completed"
    # retention merged the search index the crawl wrote in many small transactions
    retention = _query(env.database_url, lambda s: s.scalar(select(NightlyRun.state)))["retention"]  # type: ignore[index]
    segments = _query(env.database_url, lambda s: s.scalar(text("SELECT count(DISTINCT segid) FROM listings_fts_idx")))
    assert retention["search_index_optimized"] is True and segments == 1
    return _listings(env.database_url)


def _assert_exactly_once(env: NightlyEnv, reference: dict[str, str]) -> None:
    listings = _listings(env.database_url)
    assert listings == reference, "the resumed run lost, duplicated or altered listings"

    def counts(session):  # type: ignore[no-untyped-def]
        return (
            session.scalar(select(func.count()).select_from(ListingVersion)),
            session.scalar(select(func.count()).select_from(Score)),
            session.execute(select(func.sum(CrawlRun.listings_new), func.sum(CrawlRun.listings_updated))).one(),
            list(session.scalars(select(Listing.id).where(Listing.flagged.is_(True)))),
            session.execute(select(NightlyRun.id, NightlyRun.status, NightlyRun.summary)).all(),
        )

    versions, scores, (new, updated), flagged, runs = _query(env.database_url, counts)
    assert versions == len(listings) and scores == len(listings)
    assert (new, updated) == (len(listings), 0), "listings were counted twice"
    lines = env.sink.read_text().splitlines()
    delivered = Counter(int(line.split()[1]) for line in lines if line != "digest")
    assert flagged and sorted(delivered) == sorted(flagged), "not every newly flagged listing was alerted"
    assert set(delivered.values()) == {1}, f"double alerts: {delivered}"
    assert lines.count("digest") == 1
    assert len(runs) == 1 and runs[0][1] == "completed"
    assert runs[0][2]["newly_flagged"]["count"] == len(flagged)


@pytest.mark.parametrize("stage", ["crawl", "score", "alert"])
def test_kill_9_mid_stage_then_rerun_happens_exactly_once(
    stage: str, tmp_path: Path, shared_site: SmallSite, reference: dict[str, str]
) -> None:
    slow = {"DOWNLOAD_DELAY": 0.05, "CONCURRENT_REQUESTS_PER_DOMAIN": 1} if stage == "crawl" else {}
    env = make_env(tmp_path / "killed", shared_site.url, **slow)
    open_store(env.database_url).close()  # migrated before the child polls it
    marker = tmp_path / "paused"
    pause = {"score": {"model_pause_at": 2}, "alert": {"alerts_pause_after": 2}}.get(stage, {})
    process = multiprocessing.get_context("spawn").Process(
        target=nightly_in_process, args=(env.settings, env.config, env.database_url, str(env.sink)),
        kwargs={**pause, "marker": str(marker)},
    )
    process.start()
    try:
        if stage == "crawl":
            _wait(lambda: _stored_new(env.database_url) >= 5, process, "the crawl to store a first batch")
        else:
            _wait(marker.exists, process, f"the {stage} stage to pause")
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.join(30)
    assert process.exitcode == -signal.SIGKILL
    run = _query(env.database_url, lambda s: s.execute(select(NightlyRun.status, NightlyRun.stage)).one())
    assert tuple(run) == ("running", stage), "the kill did not land in the intended stage"

    env.config["nightly"]["scrapy_settings"] = {"WILDWATCH_STORE_BATCH": 5}  # the rerun need not crawl slowly
    result = nightly_in_process(env.settings, env.config, env.database_url, str(env.sink))

    assert result.resumed and result.status == "completed" and result.run_id == 1
    _assert_exactly_once(env, reference)


def test_sigterm_stops_cleanly_and_the_rerun_resumes(tmp_path: Path, shared_site: SmallSite) -> None:
    env = make_env(tmp_path, shared_site.url)
    marker = tmp_path / "paused"
    process = multiprocessing.get_context("spawn").Process(
        target=nightly_in_process, args=(env.settings, env.config, env.database_url, str(env.sink)),
        kwargs={"model_pause_at": 2, "marker": str(marker)},
    )
    process.start()
    try:
        _wait(marker.exists, process, "the score stage to pause")
        os.kill(process.pid, signal.SIGTERM)
        marker.with_suffix(".release").touch()  # after the signal: the flag is set before the batch ends
    finally:
        process.join(60)
    # The signal lands during the model's pause: the batch is committed, then the run stops at that safe point.
    assert process.exitcode == 1  # Stopped raised out of the spawn target: exit 1 there, 143 from the CLI
    status, stage, state = _query(env.database_url, lambda s: s.execute(
        select(NightlyRun.status, NightlyRun.stage, NightlyRun.state)).one())
    assert (status, stage) == ("interrupted", "score")
    assert state["interruptions"] == ["stopped by signal during score"]
    assert not list((env.var_dir / "reports").glob("*/index.html")), "a stopped run must not leave a report"
    result = nightly_in_process(env.settings, env.config, env.database_url, str(env.sink))
    assert result.resumed and result.status == "completed"
    assert result.summary["errors"] == [] and result.summary["interruptions"] == ["stopped by signal during score"]
    assert STOPPED_EXIT == 143
