"""The disk fills up under the snapshot store; another process holds the SQLite write lock.

Disk full uses a real size-limited tmpfs (``mount -t tmpfs -o size=64k``; needs root, skipped
otherwise) so ``ENOSPC`` comes from the kernel, not from a mock.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from store.db import make_engine, migrate
from store.models import CrawlRun, Listing, Snapshot
from store.snapshots import SnapshotStore, sha256_hex
from tests.crawler.sites.synthetic import SyntheticSite, item_path
from tests.faults.launcher import Launcher
from tests.faults.tally import note
from tests.faults.world import fault_env

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

ITEMS = 30


def _crawl_argv(site: SyntheticSite, db_url: str) -> list[str]:
    return ["crawl", site.url + "/", "--db", db_url, "--resume", "--set", "WILDWATCH_STORE_BATCH=3",
            "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "--set", "AUTOTHROTTLE_START_DELAY=0.02",
            "--set", "AUTOTHROTTLE_MAX_DELAY=0.5"]


def _assert_complete(db_url: str, site: SyntheticSite, snapshot_dir: Path) -> None:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        urls = list(conn.execute(select(Listing.url)).scalars())
        rows = conn.execute(select(Snapshot.sha256, Snapshot.path).join(Listing, Listing.snapshot_id == Snapshot.id)).all()
        statuses = list(conn.execute(select(CrawlRun.status)).scalars())
    engine.dispose()
    expected = {site.url + item_path(i) for i in range(ITEMS)}
    note("faults/lost", len(expected - set(urls)))
    note("faults/duplicated", len(urls) - len(set(urls)))
    assert set(urls) == expected and len(urls) == ITEMS
    assert statuses == ["completed"]
    store = SnapshotStore(snapshot_dir)
    assert all(sha256_hex(store.read(path)) == sha for sha, path in rows)  # evidence intact
    assert not list(snapshot_dir.rglob(".tmp-*")), "half-written snapshot files left behind"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "snapshots"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
                            capture_output=True, text=True, timeout=30, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a size-limited tmpfs here: {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=30, check=False)


def test_disk_full_for_snapshots_fails_the_run_clearly_and_resume_completes(
    launcher: Launcher, tmp_path: Path, tiny_disk: Path
) -> None:
    site = SyntheticSite(ITEMS, delay=0.01).start()
    db_url = f"sqlite:///{tmp_path / 'crawl.db'}"
    env = fault_env(tmp_path, WILDWATCH_CRAWLER__SNAPSHOT_DIR=str(tiny_disk))
    log = tmp_path / "crawl.log"
    try:
        rc = launcher.run(_crawl_argv(site, db_url), env=env, log=log, timeout=120)
        note("faults/disk_full")
        output = log.read_text()
        assert rc != 0, "a crawl that could not keep its evidence must not report success"
        assert "No space left on device" in output or "disk full" in output.lower()
        engine = make_engine(db_url)
        with engine.connect() as conn:
            status = conn.execute(select(CrawlRun.status)).scalar_one()
            stored = conn.execute(select(Listing.id)).all()
        engine.dispose()
        assert status != "completed" and 0 < len(stored) < ITEMS
        subprocess.run(["mount", "-o", "remount,size=16m", str(tiny_disk)], check=True, timeout=30)  # space freed
        rc = launcher.run(_crawl_argv(site, db_url), env=env, log=log, timeout=120)
        assert rc == 0, log.read_text()[-3000:]
        _assert_complete(db_url, site, tiny_disk)
    finally:
        site.stop()


def test_sqlite_write_lock_held_by_another_process_mid_crawl(launcher: Launcher, tmp_path: Path) -> None:
    site = SyntheticSite(ITEMS, delay=0.03).start()
    db_path = tmp_path / "crawl.db"
    db_url = f"sqlite:///{db_path}"
    engine = make_engine(db_url)
    migrate(engine)
    engine.dispose()
    env = fault_env(tmp_path)
    log = tmp_path / "crawl.log"
    held = threading.Event()

    def hold_lock() -> None:
        time.sleep(random.Random(7).uniform(0.5, 1.5))
        conn = sqlite3.connect(db_path, timeout=30, isolation_level=None)
        try:
            conn.execute("BEGIN EXCLUSIVE")
            held.set()
            time.sleep(4.0)  # the crawl's writers must wait, not fail or lose a batch
            conn.execute("COMMIT")
        finally:
            conn.close()

    locker = threading.Thread(target=hold_lock)
    try:
        pid = launcher.spawn(_crawl_argv(site, db_url), env=env, log=log)
        locker.start()
        rc = launcher.wait(pid, 120)
        if rc is None:
            launcher.kill(pid)
        locker.join(30)
        note("faults/sqlite_locked")
        assert held.is_set()
        assert rc == 0, log.read_text()[-3000:]
        _assert_complete(db_url, site, tmp_path / "snapshots")
    finally:
        site.stop()
